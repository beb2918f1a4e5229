// pybind11 glue of the CUDA kernels (compiled into CUDA builds only; the kernels are in the .cu
// files beside the C++ ones). Same arguments and checks as the C++ bindings.
#ifdef RELUFAST_WITH_CUDA
#include "bind/common.hpp"
#include "bind/teacher_glue.hpp"
#include "teacher/teacher_cuda.hpp"

namespace relufast::bind {

void bind_cuda(py::module_& m) {
  using namespace teacher_glue;
  m.def("cuda_teacher_evaluate", &evaluate<teacher::cuda::evaluate>, py::arg("W"),
        py::arg("V") = py::none(), py::arg("want_grad") = true,
        "teacher_evaluate on the CUDA device (one warp per restart).");
  m.def("cuda_teacher_gd", &gradient_descent<teacher::cuda::gradient_descent>,
        py::arg("W").noconvert(), py::arg("W0"), py::arg("step").noconvert(),
        py::arg("iters").noconvert(), py::arg("status").noconvert(), py::arg("F").noconvert(),
        py::arg("gmax").noconvert(), py::arg("V") = py::none(),
        py::arg("options") = teacher::GDOptions(),
        "teacher_gd on the CUDA device (one warp per restart, the whole chunk in one launch).");
  m.def("cuda_teacher_hessian", &hessian<teacher::cuda::hessian>, py::arg("W"),
        py::arg("V") = py::none(), "teacher_hessian on the CUDA device (one warp per restart).");
  m.def("cuda_teacher_hessian_vector", &hessian_vector<teacher::cuda::hessian_vector>, py::arg("W"),
        py::arg("X"), py::arg("V") = py::none(),
        "teacher_hessian_vector on the CUDA device (one warp per restart).");
  m.def(
      "cuda_teacher_smallest_eigenpairs",
      [](const In& W, const std::optional<In>& V, double tol, int basis, int max_restarts,
         uint64_t seed) {  // the device's team is a warp: no team argument
        return smallest_eigenpairs<teacher::cuda::smallest_eigenpairs>(W, V, tol, basis,
                                                                       max_restarts, seed, 1);
      },
      py::arg("W"), py::arg("V") = py::none(), py::kw_only(), py::arg("tol") = 1e-10,
      py::arg("basis") = 300, py::arg("max_restarts") = 50, py::arg("seed") = 0,
      "teacher_smallest_eigenpairs_per_restart on the CUDA device (one warp per restart runs\n"
      "the whole Lanczos; no Hessian leaves the device).");
}

}  // namespace relufast::bind
#endif  // RELUFAST_WITH_CUDA
