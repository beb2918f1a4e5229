// pybind11 glue for the finite-data MLP kernels (filled in by the MLP work).
#include "bind_common.hpp"

namespace relufast::bind {
void bind_mlp(py::module_&) {}
}  // namespace relufast::bind
