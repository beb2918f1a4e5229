// pybind11 glue for the teacher-student kernels.
#include <optional>

#include "bind/common.hpp"
#include "bind/teacher_glue.hpp"
#include "teacher/teacher.hpp"

namespace relufast::bind {

using namespace teacher_glue;

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
  m.def("teacher_evaluate", &evaluate<teacher::evaluate>, py::arg("W"), py::arg("V") = py::none(),
        py::arg("want_grad") = true,
        "(F, G or None, max_i |grad_i|) of students W (R, n, d) against teacher V (identity if "
        "None).");
  m.def("teacher_hessian", &hessian<teacher::hessian>, py::arg("W"), py::arg("V") = py::none(),
        "Exact Hessians (R, n*d, n*d), neuron-major.");
  m.def("teacher_hessian_vector", &hessian_vector<teacher::hessian_vector>, py::arg("W"),
        py::arg("X"), py::arg("V") = py::none(),
        "Hessian-vector products H(W_r) X_r (R, n, d), without forming the Hessians.");
  m.def(
      "teacher_gd", &gradient_descent<teacher::gradient_descent>, py::arg("W").noconvert(),
      py::arg("W0"), py::arg("step").noconvert(), py::arg("iters").noconvert(),
      py::arg("status").noconvert(), py::arg("F").noconvert(), py::arg("gmax").noconvert(),
      py::arg("V") = py::none(), py::arg("options") = teacher::GDOptions(),
      "Run one chunk of gradient descent (options: a GDOptions) in place for every restart whose\n"
      "status is RUNNING (0): W, step, iters, status updated; F and gmax the last evaluated "
      "values.");
  m.def("teacher_evaluate_per_restart", &evaluate<teacher::evaluate_per_restart>, py::arg("W"),
        py::arg("V") = py::none(), py::arg("want_grad") = true,
        "teacher_evaluate restart by restart on doubles (teacher/restart.hpp): the arithmetic of\n"
        "the CUDA kernel, run on the host.");
  m.def("teacher_gd_per_restart", &gradient_descent<teacher::gradient_descent_per_restart, int>,
        py::arg("W").noconvert(), py::arg("W0"), py::arg("step").noconvert(),
        py::arg("iters").noconvert(), py::arg("status").noconvert(), py::arg("F").noconvert(),
        py::arg("gmax").noconvert(), py::arg("V") = py::none(),
        py::arg("options") = teacher::GDOptions(), py::arg("team") = 1,
        "teacher_gd restart by restart on doubles (teacher/restart.hpp): the arithmetic of the\n"
        "CUDA kernel, run on the host; team > 1 splits each restart over that many OpenMP\n"
        "threads as a warp splits it on the device.");
  m.def("teacher_smallest_eigenpairs_per_restart",
        &smallest_eigenpairs<teacher::smallest_eigenpairs_per_restart>, py::arg("W"),
        py::arg("V") = py::none(), py::kw_only(), py::arg("tol") = 1e-10, py::arg("basis") = 300,
        py::arg("max_restarts") = 50, py::arg("seed") = 0, py::arg("team") = 1,
        "(value, vector, residual, products, converged): the smallest eigenpair of each student's\n"
        "exact Hessian by Lanczos on Hessian-vector products, restart by restart on doubles\n"
        "(core/lanczos_restart.hpp): the arithmetic of the CUDA kernel, run on the host; team > 1\n"
        "splits each restart over that many OpenMP threads as a warp splits it on the device.");
  py::enum_<teacher::Status>(m, "Status")
      .value("RUNNING", teacher::RUNNING)
      .value("CONVERGED", teacher::CONVERGED)
      .value("SMALL_LOSS", teacher::SMALL_LOSS)
      .value("MAX_ITERS", teacher::MAX_ITERS)
      .value("DIVERGED", teacher::DIVERGED);
}

}  // namespace relufast::bind
