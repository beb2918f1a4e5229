// pybind11 glue of the teacher kernels, templated on the kernel so that every backend's binding
// (C++ lanes, the per-restart host path, CUDA) checks and converts its arguments the same way.
#pragma once
#include <algorithm>
#include <cmath>
#include <optional>
#include <type_traits>

#include "bind/common.hpp"
#include "teacher/teacher.hpp"

namespace relufast::bind::teacher_glue {
using teacher::Teacher;

inline Teacher make_teacher(const std::optional<In>& V, int d) {
  if (!V) return Teacher(nullptr, d, d);
  require(V->ndim() == 2 && V->shape(1) == d, "V must have shape (k, d)");
  return Teacher(V->data(), int(V->shape(0)), d);
}

template <auto Kernel>
py::tuple evaluate(const In& W, const std::optional<In>& V, bool want_grad) {
  require(W.ndim() == 3, "W must have shape (R, n, d)");
  const int64_t R = W.shape(0);
  const int n = int(W.shape(1)), d = int(W.shape(2));
  const Teacher T = make_teacher(V, d);
  py::array_t<double> F(R), gmax(R);
  py::object G = py::none();
  double* g = nullptr;
  if (want_grad) {
    py::array_t<double> Ga({R, int64_t(n), int64_t(d)});
    g = Ga.mutable_data();
    G = Ga;
  }
  const double* w = W.data();
  double *f = F.mutable_data(), *gm = gmax.mutable_data();
  bool finite = true;
  {
    py::gil_scoped_release release;
    // the C++ lanes check W as they pack it (bool); for the others, one pass over W here
    if constexpr (std::is_same_v<decltype(Kernel(w, R, n, d, T, f, g, gm)), bool>) {
      finite = Kernel(w, R, n, d, T, f, g, gm);
    } else {
      finite = std::all_of(w, w + W.size(), [](double x) { return std::isfinite(x); });
      if (finite) Kernel(w, R, n, d, T, f, g, gm);
    }
  }
  require(finite, "W contains NaN or infinity");
  return py::make_tuple(F, G, gmax);
}

template <auto Kernel>
py::array_t<double> hessian(const In& W, const std::optional<In>& V) {
  require(W.ndim() == 3, "W must have shape (R, n, d)");
  const int64_t R = W.shape(0);
  const int n = int(W.shape(1)), d = int(W.shape(2));
  const Teacher T = make_teacher(V, d);
  const int64_t nd = int64_t(n) * d;
  py::array_t<double> H({R, nd, nd});
  const double* w = W.data();
  double* h = H.mutable_data();
  {
    py::gil_scoped_release release;
    Kernel(w, R, n, d, T, h);
  }
  return H;
}

template <auto Kernel>
py::array_t<double> hessian_vector(const In& W, const In& X, const std::optional<In>& V) {
  require(W.ndim() == 3, "W must have shape (R, n, d)");
  require(X.ndim() == 3 && X.shape(0) == W.shape(0) && X.shape(1) == W.shape(1) &&
              X.shape(2) == W.shape(2),
          "X must have the shape (R, n, d) of W");
  const int64_t R = W.shape(0);
  const int n = int(W.shape(1)), d = int(W.shape(2));
  const Teacher T = make_teacher(V, d);
  py::array_t<double> HX({R, int64_t(n), int64_t(d)});
  const double *w = W.data(), *x = X.data();
  double* hx = HX.mutable_data();
  {
    py::gil_scoped_release release;
    Kernel(w, x, R, n, d, T, hx);
  }
  return HX;
}

// (value, vector, residual, products, converged) of the smallest eigenpairs of the Hessians.
template <auto Kernel>
py::tuple smallest_eigenpairs(const In& W, const std::optional<In>& V, double tol, int basis,
                              int max_restarts, uint64_t seed, int team) {
  require(W.ndim() == 3, "W must have shape (R, n, d)");
  require(tol > 0.0 && std::isfinite(tol), "tol must be a finite number > 0");
  require(basis >= 1, "basis must be >= 1");
  require(max_restarts >= 0, "max_restarts must be >= 0");
  const int64_t R = W.shape(0);
  const int n = int(W.shape(1)), d = int(W.shape(2));
  const Teacher T = make_teacher(V, d);
  const int64_t nd = int64_t(n) * d;
  py::array_t<double> value(R), vector({R, nd}), residual(R);
  py::array_t<int64_t> products(R);
  py::array_t<bool> converged(R);
  const teacher::Eigenpairs out{value.mutable_data(), vector.mutable_data(),
                                residual.mutable_data(), products.mutable_data(),
                                converged.mutable_data()};
  const teacher::LanczosOptions opt{tol, basis, max_restarts, seed, team};
  const double* w = W.data();
  {
    py::gil_scoped_release release;
    Kernel(w, R, n, d, T, opt, out);
  }
  return py::make_tuple(value, vector, residual, products, converged);
}

// extra: trailing kernel arguments (the host twin's team size).
template <auto Kernel, class... Extra>
void gradient_descent(Out<double> W, const In& W0, Out<double> step, Out<int64_t> iters,
                      Out<int8_t> status, Out<double> F, Out<double> gmax,
                      const std::optional<In>& V, const teacher::GDOptions& opt, Extra... extra) {
  require(W.ndim() == 3, "W must have shape (R, n, d)");
  const int64_t R = W.shape(0);
  const int n = int(W.shape(1)), d = int(W.shape(2));
  require(W0.ndim() == 3 && W0.shape(0) == R && W0.shape(1) == n && W0.shape(2) == d,
          "W0 must match W");
  for (auto size : {step.size(), iters.size(), status.size(), F.size(), gmax.size()})
    require(size == R, "per-restart arrays must have length R");
  require(opt.steps >= 0 && opt.max_iters >= 0, "options.steps and options.max_iters must be >= 0");
  require(opt.min_step > 0.0, "options.min_step must be > 0");
  const Teacher T = make_teacher(V, d);
  double *w = W.mutable_data(), *s = step.mutable_data(), *f = F.mutable_data(),
         *gm = gmax.mutable_data();
  int64_t* it = iters.mutable_data();
  int8_t* st = status.mutable_data();
  const double* w0 = W0.data();
  py::gil_scoped_release release;
  Kernel(w, w0, s, it, st, f, gm, R, n, d, T, opt, extra...);
}

}  // namespace relufast::bind::teacher_glue
