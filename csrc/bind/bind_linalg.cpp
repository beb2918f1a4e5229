// pybind11 glue for the batched eigenvalue helpers.
#include "bind/common.hpp"
#include "linalg/linalg.hpp"

namespace relufast::bind {

void bind_linalg(py::module_& m) {
  m.def(
      "min_eigenvalues",
      [](const In& A) {
        require(A.ndim() == 3 && A.shape(1) == A.shape(2), "A must have shape (R, m, m)");
        const int64_t R = A.shape(0);
        const int mm = int(A.shape(1));
        py::array_t<double> out(R);
        const double* a = A.data();
        double* o = out.mutable_data();
        py::gil_scoped_release release;
        linalg::min_eigenvalues(a, R, mm, o);
        return out;
      },
      py::arg("A"), "Smallest eigenvalue of each symmetric matrix in A (R, m, m).");
}

}  // namespace relufast::bind
