// The extension module relufast._core: one bind_* per concept, nothing else here.
#include "bind/common.hpp"
#include "core/simd.hpp"
#include "core/threads.hpp"

#ifndef RELUFAST_VERSION
#define RELUFAST_VERSION "dev"
#endif

namespace relufast {
int cuda_device_count();  // core/device_info.cu when built with CUDA, else 0 (core/info.cpp)
namespace bind {
void bind_teacher(py::module_& m);
void bind_linalg(py::module_& m);
void bind_mlp(py::module_& m);
#ifdef RELUFAST_WITH_CUDA
void bind_cuda(py::module_& m);
void bind_cuda_mlp(py::module_& m);
#endif
}  // namespace bind
}  // namespace relufast

PYBIND11_MODULE(_core, m) {
  namespace py = pybind11;
  m.doc() = "relufast native kernels (private; use the relufast package)";
  m.attr("__version__") = RELUFAST_VERSION;
  m.attr("lanes") = relufast::LANES;  // restarts per SIMD block (4 on AVX2, 8 on AVX-512)
#ifdef _OPENMP
  m.attr("has_openmp") = true;
#else
  m.attr("has_openmp") = false;
#endif
#ifdef RELUFAST_WITH_CUDA
  m.attr("built_with_cuda") = true;
#else
  m.attr("built_with_cuda") = false;
#endif
  m.def("max_threads", &relufast::num_threads,
        "Threads the kernels use: one process-wide setting (every Python thread sees it).");
  m.def("set_num_threads", &relufast::set_num_threads, py::arg("n"),
        "Set the threads every kernel uses, process-wide: 1 <= n <= thread_limit() (ValueError\n"
        "otherwise); RuntimeError where the threads cannot be started.");
  m.def("thread_limit", &relufast::thread_limit,
        "The most threads set_num_threads accepts: 4 x the hardware threads of this process.");
  m.def("cuda_device_count", &relufast::cuda_device_count,
        "CUDA devices visible (0 without CUDA).");
  relufast::bind::bind_teacher(m);
  relufast::bind::bind_linalg(m);
  relufast::bind::bind_mlp(m);
#ifdef RELUFAST_WITH_CUDA
  relufast::bind::bind_cuda(m);
  relufast::bind::bind_cuda_mlp(m);
#endif
}
