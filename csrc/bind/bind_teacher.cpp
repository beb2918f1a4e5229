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
                      const std::optional<In>& V, const teacher::GDOptions& opt) {
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
  teacher::gradient_descent(w, w0, s, it, st, f, gm, R, n, d, T, opt);
}

}  // namespace

void bind_teacher(py::module_& m) {
  using teacher::GDOptions;
  py::class_<GDOptions>(
      m, "GDOptions", "Options of one teacher_gd chunk (the stopping rule of teacher/gd_rule.hpp).")
      .def(py::init([](int64_t steps, int64_t max_iters, double tol, double diverge, double f_stop,
                       double min_step, bool frobenius) {
             return GDOptions{steps, max_iters, tol, diverge, f_stop, min_step, frobenius};
           }),
           py::kw_only(), py::arg("steps") = GDOptions{}.steps,
           py::arg("max_iters") = GDOptions{}.max_iters, py::arg("tol") = GDOptions{}.tol,
           py::arg("diverge") = GDOptions{}.diverge, py::arg("f_stop") = GDOptions{}.f_stop,
           py::arg("min_step") = GDOptions{}.min_step, py::arg("frobenius") = GDOptions{}.frobenius)
      .def_readwrite("steps", &GDOptions::steps, "steps in this chunk")
      .def_readwrite("max_iters", &GDOptions::max_iters, "cap on a restart's total steps (0: none)")
      .def_readwrite("tol", &GDOptions::tol, "CONVERGED once 2 pi max_i |grad_i| <= tol")
      .def_readwrite(
          "diverge", &GDOptions::diverge,
          "back to W0 with half the step once 2 pi max_i |grad_i| > diverge (or F not finite)")
      .def_readwrite("f_stop", &GDOptions::f_stop, "SMALL_LOSS once F < f_stop (0: never)")
      .def_readwrite("min_step", &GDOptions::min_step, "DIVERGED once the step falls below this")
      .def_readwrite(
          "frobenius", &GDOptions::frobenius,
          "measure the gradient by |G|_F (no 2 pi factor) instead of 2 pi max_i |grad_i|")
      .def("__repr__", [](const GDOptions& o) {
        return py::str(
                   "GDOptions(steps={}, max_iters={}, tol={!r}, diverge={!r}, f_stop={!r}, "
                   "min_step={!r}, frobenius={})")
            .format(o.steps, o.max_iters, o.tol, o.diverge, o.f_stop, o.min_step, o.frobenius);
      });
  m.def("teacher_evaluate", &evaluate, py::arg("W"), py::arg("V") = py::none(),
        py::arg("want_grad") = true,
        "(F, G or None, max_i |grad_i|) of students W (R, n, d) against teacher V (identity if "
        "None).");
  m.def("teacher_hessian", &hessian, py::arg("W"), py::arg("V") = py::none(),
        "Exact Hessians (R, n*d, n*d), neuron-major.");
  m.def(
      "teacher_gd", &gradient_descent, py::arg("W").noconvert(), py::arg("W0"),
      py::arg("step").noconvert(), py::arg("iters").noconvert(), py::arg("status").noconvert(),
      py::arg("F").noconvert(), py::arg("gmax").noconvert(), py::arg("V") = py::none(),
      py::arg("options") = teacher::GDOptions(),
      "Run one chunk of gradient descent (options: a GDOptions) in place for every restart whose\n"
      "status is RUNNING (0): W, step, iters, status updated; F and gmax the last evaluated "
      "values.");
  py::enum_<teacher::Status>(m, "Status")
      .value("RUNNING", teacher::RUNNING)
      .value("CONVERGED", teacher::CONVERGED)
      .value("SMALL_LOSS", teacher::SMALL_LOSS)
      .value("MAX_ITERS", teacher::MAX_ITERS)
      .value("DIVERGED", teacher::DIVERGED);
}

}  // namespace relufast::bind
