// pybind11 glue for the finite-data MLP kernels.
#include <optional>
#include <vector>

#include "bind/common.hpp"
#include "bind/mlp_glue.hpp"
#include "mlp/mlp.hpp"
#include "mlp/tiny_restart.hpp"

namespace relufast::bind {

using namespace mlp_glue;

namespace {

void check_params(const mlp::Net& net, const In& params) {
  require(params.ndim() == 2 && params.shape(1) == net.P, "params must have shape (R, P)");
}

mlp::Activation activation_of(int code) {
  require(code == mlp::RELU || code == mlp::SIGMOID,
          "activation code must be 0 (relu) or 1 (sigmoid)");
  return mlp::Activation(code);
}

py::tuple evaluate(const In& params, const In& X, const std::optional<In>& Y,
                   const std::optional<Labels>& labels, const std::vector<int>& sizes, int loss,
                   bool output_bias, bool want_grad, int activation) {
  const mlp::Net net(sizes, output_bias, activation_of(activation));
  check_params(net, params);
  const mlp::Data d = make_data(net, X, Y, labels, loss);
  const int64_t R = params.shape(0);
  py::array_t<double> F(R);
  py::object G = py::none();
  double* g = nullptr;
  if (want_grad) {
    py::array_t<double> Ga({R, net.P});
    g = Ga.mutable_data();
    G = Ga;
  }
  const double* p = params.data();
  double* f = F.mutable_data();
  {
    py::gil_scoped_release release;
    mlp::evaluate(p, R, net, d, f, g);
  }
  return py::make_tuple(F, G);
}

py::array_t<double> hessian(const In& params, const In& X, const std::optional<In>& Y,
                            const std::optional<Labels>& labels, const std::vector<int>& sizes,
                            int loss, bool output_bias, int activation) {
  const mlp::Net net(sizes, output_bias, activation_of(activation));
  check_params(net, params);
  const mlp::Data d = make_data(net, X, Y, labels, loss);
  const int64_t R = params.shape(0);
  py::array_t<double> H({R, net.P, net.P});
  const double* p = params.data();
  double* h = H.mutable_data();
  {
    py::gil_scoped_release release;
    mlp::hessian(p, R, net, d, h);
  }
  return H;
}

py::array_t<int64_t> permutation(uint64_t seed, int64_t r, int64_t epoch, int64_t N) {
  require(N >= 1 && r >= 0 && epoch >= 0, "need N >= 1, r >= 0, epoch >= 0");
  py::array_t<int64_t> out(N);
  mlp::epoch_permutation(seed, r, epoch, N, out.mutable_data());
  return out;
}

}  // namespace

void bind_mlp(py::module_& m) {
  py::enum_<mlp::Optimizer>(m, "Optimizer", "Optimizer of mlp_train (GD is SGD with a batch size).")
      .value("GD", mlp::GD)
      .value("ADAM", mlp::ADAM);
  py::implicitly_convertible<py::int_, mlp::Optimizer>();

  py::class_<mlp::Net>(m, "Net",
                       "Layer sizes [d_in, h_1, ..., d_out], the hidden activation (0 relu, 1 "
                       "sigmoid), the layout.")
      .def(py::init([](const std::vector<int>& sizes, bool output_bias, int activation) {
             return mlp::Net(sizes, output_bias, activation_of(activation));
           }),
           py::arg("sizes"), py::arg("output_bias") = true, py::arg("activation") = 0)
      .def_readonly("sizes", &mlp::Net::sizes)
      .def_readonly("output_bias", &mlp::Net::output_bias)
      .def_property_readonly("activation", [](const mlp::Net& n) { return int(n.activation); })
      .def_readonly("layers", &mlp::Net::layers)
      .def_readonly("n_params", &mlp::Net::P, "P, the length of a parameter vector")
      .def("__repr__", [](const mlp::Net& n) {
        return py::str("Net(sizes={!r}, output_bias={!r}, activation={})")
            .format(n.sizes, n.output_bias, int(n.activation));
      });

  using mlp::TrainOptions;
  py::class_<TrainOptions>(m, "TrainOptions", "Options of one mlp_train chunk.")
      .def(py::init([](mlp::Optimizer optimizer, double lr, int64_t steps, int64_t t0,
                       int64_t batch, uint64_t seed, double beta1, double beta2, double eps) {
             require(optimizer == mlp::GD || optimizer == mlp::ADAM,
                     "optimizer code must be 0 (gd) or 1 (adam)");
             return TrainOptions{optimizer, lr, steps, t0, batch, seed, beta1, beta2, eps};
           }),
           py::kw_only(), py::arg("optimizer") = TrainOptions{}.optimizer,
           py::arg("lr") = TrainOptions{}.lr, py::arg("steps") = TrainOptions{}.steps,
           py::arg("t0") = TrainOptions{}.t0, py::arg("batch") = TrainOptions{}.batch,
           py::arg("seed") = TrainOptions{}.seed, py::arg("beta1") = TrainOptions{}.beta1,
           py::arg("beta2") = TrainOptions{}.beta2, py::arg("eps") = TrainOptions{}.eps)
      .def_readwrite("optimizer", &TrainOptions::optimizer)
      .def_readwrite("lr", &TrainOptions::lr, "learning rate")
      .def_readwrite("steps", &TrainOptions::steps, "steps in this chunk")
      .def_readwrite("t0", &TrainOptions::t0,
                     "steps already done (Adam's bias correction, the mini-batch schedule)")
      .def_readwrite("batch", &TrainOptions::batch, "mini-batch size (0: full batch)")
      .def_readwrite("seed", &TrainOptions::seed, "seed of the mini-batch data order")
      .def_readwrite("beta1", &TrainOptions::beta1)
      .def_readwrite("beta2", &TrainOptions::beta2)
      .def_readwrite("eps", &TrainOptions::eps)
      .def("__repr__", [](const TrainOptions& o) {
        return py::str(
                   "TrainOptions(optimizer={}, lr={!r}, steps={}, t0={}, batch={}, seed={}, "
                   "beta1={!r}, beta2={!r}, eps={!r})")
            .format(py::cast(o.optimizer), o.lr, o.steps, o.t0, o.batch, o.seed, o.beta1, o.beta2,
                    o.eps);
      });

  m.def("mlp_eval", &evaluate, py::arg("params"), py::arg("X"), py::arg("Y"), py::arg("labels"),
        py::arg("sizes"), py::arg("loss"), py::arg("output_bias"), py::arg("want_grad") = true,
        py::arg("activation") = 0,
        "(F (R,), G (R, P) or None) of R MLPs; loss 0 sse, 1 mse, 2 ce (labels); activation 0\n"
        "relu, 1 sigmoid.");
  m.def("mlp_hessian", &hessian, py::arg("params"), py::arg("X"), py::arg("Y"), py::arg("labels"),
        py::arg("sizes"), py::arg("loss"), py::arg("output_bias"), py::arg("activation") = 0,
        "Exact Hessians (R, P, P) of R MLPs (relu'' = 0, relu'(0) = 0; or sigmoid), symmetrised.");
  m.def("mlp_train", &train<mlp::train>, py::arg("params").noconvert(), py::arg("m").noconvert(),
        py::arg("v").noconvert(), py::arg("X"), py::arg("Y"), py::arg("labels"), py::arg("net"),
        py::arg("loss"), py::arg("options"),
        "Run one chunk of training in place: net a Net, loss 0 sse, 1 mse, 2 ce, options a\n"
        "TrainOptions (optimizer GD/SGD or ADAM; batch 0 = full batch). m, v: Adam's moments.");
  m.def("mlp_tiny_train_per_restart", &train<mlp::train_tiny_per_restart>,
        py::arg("params").noconvert(), py::arg("m").noconvert(), py::arg("v").noconvert(),
        py::arg("X"), py::arg("Y"), py::arg("labels"), py::arg("net"), py::arg("loss"),
        py::arg("options"),
        "mlp_train restart by restart on doubles (mlp/tiny_restart.hpp): the arithmetic of the\n"
        "CUDA tiny-net kernel, run on the host. [1, h, 1] ReLU nets, h <= 8, sse/mse, full batch\n"
        "only (ValueError otherwise).");
  m.def("mlp_permutation", &permutation, py::arg("seed"), py::arg("r"), py::arg("epoch"),
        py::arg("N"), "The data order of restart r in epoch `epoch` (mini-batch training).");
}

}  // namespace relufast::bind
