// pybind11 glue of the MLP kernels, templated on the kernel so that every backend's binding (C++
// lanes, the per-restart host path, CUDA) checks and converts its arguments the same way.
#pragma once
#include <optional>

#include "bind/common.hpp"
#include "mlp/mlp.hpp"

namespace relufast::bind::mlp_glue {

using Labels = py::array_t<int64_t, py::array::c_style | py::array::forcecast>;

// Checks shapes against the net and builds the kernel's view of the data.
inline mlp::Data make_data(const mlp::Net& net, const In& X, const std::optional<In>& Y,
                           const std::optional<Labels>& labels, int loss) {
  require(loss >= 0 && loss <= 2, "loss code must be 0 (sse), 1 (mse) or 2 (ce)");
  require(X.ndim() == 2 && X.shape(1) == net.sizes[0] && X.shape(0) > 0,
          "X must have shape (N, d_in) with N > 0");
  mlp::Data d;
  d.X = X.data();
  d.N = X.shape(0);
  d.loss = mlp::Loss(loss);
  const int dout = net.sizes.back();
  if (loss == mlp::CE) {
    require(labels.has_value(), "labels are required for the ce loss");
    require(labels->ndim() == 1 && labels->shape(0) == d.N, "labels must have shape (N,)");
    const int64_t* lab = labels->data();
    for (int64_t n = 0; n < d.N; ++n)
      require(lab[n] >= 0 && lab[n] < dout, "labels must lie in [0, d_out)");
    d.labels = lab;
  } else {
    require(Y.has_value(), "Y is required for the sse and mse losses");
    require(Y->ndim() == 2 && Y->shape(0) == d.N && Y->shape(1) == dout,
            "Y must have shape (N, d_out)");
    d.Y = Y->data();
  }
  return d;
}

// One chunk of training in place through Kernel (the signature of mlp::train).
template <auto Kernel>
void train(Out<double> params, std::optional<Out<double>> m, std::optional<Out<double>> v,
           const In& X, const std::optional<In>& Y, const std::optional<Labels>& labels,
           const mlp::Net& net, int loss, const mlp::TrainOptions& opt) {
  require(params.ndim() == 2 && params.shape(1) == net.P, "params must have shape (R, P)");
  const mlp::Data d = make_data(net, X, Y, labels, loss);
  require(opt.optimizer == mlp::GD || opt.optimizer == mlp::ADAM,
          "optimizer code must be 0 (gd) or 1 (adam)");
  require(opt.steps >= 0 && opt.t0 >= 0 && opt.batch >= 0, "steps, t0 and batch must be >= 0");
  const int64_t R = params.shape(0);
  double *pm = nullptr, *pv = nullptr;
  if (opt.optimizer == mlp::ADAM) {
    require(m.has_value() && v.has_value(), "adam needs the moment arrays m and v");
    require(m->ndim() == 2 && m->shape(0) == R && m->shape(1) == net.P, "m must match params");
    require(v->ndim() == 2 && v->shape(0) == R && v->shape(1) == net.P, "v must match params");
    pm = m->mutable_data();
    pv = v->mutable_data();
  }
  double* p = params.mutable_data();
  py::gil_scoped_release release;
  Kernel(p, pm, pv, R, net, d, opt);
}

}  // namespace relufast::bind::mlp_glue
