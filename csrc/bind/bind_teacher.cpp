// pybind11 glue for the teacher-student kernels.
#include <optional>

#include "bind/common.hpp"
#include "teacher/teacher.hpp"

namespace relufast::bind {

namespace {

using teacher::Teacher;

Teacher make_teacher(const std::optional<In>& V, int d) {
  if (!V) return Teacher(nullptr, d, d);
  require(V->ndim() == 2 && V->shape(1) == d, "V must have shape (k, d)");
  return Teacher(V->data(), int(V->shape(0)), d);
}

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
  {
    py::gil_scoped_release release;
    teacher::evaluate(w, R, n, d, T, f, g, gm);
  }
  return py::make_tuple(F, G, gmax);
}

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
    teacher::hessian(w, R, n, d, T, h);
  }
  return H;
}

void gradient_descent(Out<double> W, const In& W0, Out<double> step, Out<int64_t> iters,
                      Out<int8_t> status, Out<double> F, Out<double> gmax,
                      const std::optional<In>& V, int64_t steps, int64_t max_iters, double tol,
                      double diverge, double f_stop) {
  require(W.ndim() == 3, "W must have shape (R, n, d)");
  const int64_t R = W.shape(0);
  const int n = int(W.shape(1)), d = int(W.shape(2));
  require(W0.ndim() == 3 && W0.shape(0) == R && W0.shape(1) == n && W0.shape(2) == d,
          "W0 must match W");
  for (auto size : {step.size(), iters.size(), status.size(), F.size(), gmax.size()})
    require(size == R, "per-restart arrays must have length R");
  const Teacher T = make_teacher(V, d);
  teacher::GDOptions opt;
  opt.steps = steps;
  opt.max_iters = max_iters;
  opt.tol = tol;
  opt.diverge = diverge;
  opt.f_stop = f_stop;
  double *w = W.mutable_data(), *s = step.mutable_data(), *f = F.mutable_data(),
         *gm = gmax.mutable_data();
  int64_t* it = iters.mutable_data();
  int8_t* st = status.mutable_data();
  const double* w0 = W0.data();
  py::gil_scoped_release release;
  teacher::gradient_descent(w, w0, s, it, st, f, gm, R, n, d, T, opt);
}

}  // namespace

void bind_teacher(py::module_& m) {
  m.def("teacher_evaluate", &evaluate, py::arg("W"), py::arg("V") = py::none(),
        py::arg("want_grad") = true,
        "(F, G or None, max_i |grad_i|) of students W (R, n, d) against teacher V (identity if None).");
  m.def("teacher_hessian", &hessian, py::arg("W"), py::arg("V") = py::none(),
        "Exact Hessians (R, n*d, n*d), neuron-major.");
  m.def("teacher_gd", &gradient_descent, py::arg("W").noconvert(), py::arg("W0"),
        py::arg("step").noconvert(), py::arg("iters").noconvert(), py::arg("status").noconvert(),
        py::arg("F").noconvert(), py::arg("gmax").noconvert(), py::arg("V") = py::none(),
        py::arg("steps") = 1000, py::arg("max_iters") = 0, py::arg("tol") = 1e-9,
        py::arg("diverge") = 1e4, py::arg("f_stop") = 0.0,
        "Run one chunk of gradient descent in place for every restart whose status is 0.");
  py::enum_<teacher::Status>(m, "Status")
      .value("RUNNING", teacher::RUNNING)
      .value("CONVERGED", teacher::CONVERGED)
      .value("SMALL_LOSS", teacher::SMALL_LOSS)
      .value("MAX_ITERS", teacher::MAX_ITERS)
      .value("DIVERGED", teacher::DIVERGED);
}

}  // namespace relufast::bind
