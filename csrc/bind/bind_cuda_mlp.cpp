// pybind11 glue of the CUDA MLP kernels (compiled into CUDA builds only; the kernels are in the .cu
// files beside the C++ ones). Same arguments and checks as the C++ bindings (bind/mlp_glue.hpp).
#ifdef RELUFAST_WITH_CUDA
#include "bind/common.hpp"
#include "bind/mlp_glue.hpp"
#include "mlp/tiny_cuda.hpp"

namespace relufast::bind {

void bind_cuda_mlp(py::module_& m) {
  m.def("cuda_mlp_tiny_train", &mlp_glue::train<mlp::cuda::train_tiny>,
        py::arg("params").noconvert(), py::arg("m").noconvert(), py::arg("v").noconvert(),
        py::arg("X"), py::arg("Y"), py::arg("labels"), py::arg("net"), py::arg("loss"),
        py::arg("options"),
        "mlp_train on the CUDA device (one thread per restart, the whole chunk in one launch).\n"
        "[1, h, 1] ReLU nets, h <= 8, sse/mse, full batch only (ValueError otherwise).");
}

}  // namespace relufast::bind
#endif  // RELUFAST_WITH_CUDA
