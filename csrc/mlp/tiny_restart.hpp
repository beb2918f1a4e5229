// The tiny-net trainer of ONE restart on doubles: [1, H, 1] ReLU nets (H <= 8), SSE/MSE on the
// full batch, GD or Adam. What each CUDA thread runs (mlp/tiny_cuda.cu), and what the host runs
// restart by restart for the tests of that path without a GPU (mlp/tiny_per_restart.cpp). The
// formulas, the order of every sum and the fused multiply-adds are the C++ lane kernel's
// (tiny_chunk in mlp/tiny.hpp, as its compiler contracts it); only Adam's square root and division
// may differ (exact here, AVX-512 estimates of ~1 ulp there). rules::gd_update / adam_update are
// written out below with explicit fmas: the scalar compiler does not contract them as the vector
// one does.
#pragma once
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "core/hd.hpp"
#include "core/rules.hpp"
#include "core/strided.hpp"
#include "mlp/mlp.hpp"

namespace relufast::mlp {

// The widest hidden layer of the tiny path (parameters, gradients and moments in registers).
constexpr int TINY_MAX_H = 8;

// One chunk (opt.steps steps) of one restart, in place. p, m, v: the restart's parameters and
// Adam moments in the lane kernel's layout (w_1..H, b_1..H, v_1..H, [c]); m, v unused by GD.
// d.X, d.Y and coef (Adam's a1, c2 per step, as train() computes them) may be device memory.
// Gradients: with q_hn = r_n [z_hn > 0], dL/dw_h = s v_h sum_n q_hn x_n, dL/db_h = s v_h sum_n
// q_hn, dL/dv_h = s sum_n r_n relu(z_hn), dL/dc = s sum_n r_n (s = 2 for SSE, 2 / N for MSE).
template <int H, bool OB, bool ADAM>
RELUFAST_HD void tiny_restart(Strided ps, Strided ms, Strided vs, const Data& d,
                              const TrainOptions& opt, const double* coef) {
  constexpr int P = 3 * H + (OB ? 1 : 0);
  constexpr int MP = ADAM ? P : 1;
  double p[P], m[MP], v[MP];  // registers for the whole chunk
  for (int i = 0; i < P; ++i) p[i] = ps[i];
  if (ADAM)
    for (int i = 0; i < P; ++i) {
      m[i] = ms[i];
      v[i] = vs[i];
    }
  const double* X = d.X;
  const double* Y = d.Y;
  const int64_t N = d.N;
  const double scale = d.loss == MSE ? 2.0 / double(N) : 2.0;
  const double lr = opt.lr, b1 = opt.beta1, b2 = opt.beta2, eps = opt.eps;
  for (int64_t t = 0; t < opt.steps; ++t) {
    double gw[H], gb[H], gv[H], gc = 0.0;
    for (int h = 0; h < H; ++h) gw[h] = gb[h] = gv[h] = 0.0;
    // The multiply-adds are explicit fmas: the lane kernel's compiler contracts every one of them
    // (on FMA hardware), the scalar compiler here not always (it left gw's as a multiply and an
    // add, and the five-point nets sit on kinks, where one rounding picks the other branch).
    for (int64_t n = 0; n < N; ++n) {  // the data in order, as the lane kernel sums them
      const double x = X[n], y = Y[n];
      double z[H];
      double f = OB ? p[3 * H] : 0.0;
      for (int h = 0; h < H; ++h) {
        z[h] = std::fma(p[h], x, p[H + h]);
        f = z[h] > 0.0 ? std::fma(p[2 * H + h], z[h], f) : f;
      }
      const double r = f - y;
      gc += r;
      for (int h = 0; h < H; ++h) {
        const bool on = z[h] > 0.0;
        gv[h] = on ? std::fma(r, z[h], gv[h]) : gv[h];
        gw[h] = on ? std::fma(r, x, gw[h]) : gw[h];
        gb[h] = on ? gb[h] + r : gb[h];
      }
    }
    if (!ADAM) {
      // rules::gd_update's p -= lr g as one fma, the way the lane kernel's compiler contracts it
      // (the scalar compiler here did not for every H)
      auto gd = [lr](double& q, double g) { q = std::fma(-lr, g, q); };
      for (int h = 0; h < H; ++h) {
        const double sv = scale * p[2 * H + h];  // v_h before its own update, as in tiny_chunk
        gd(p[h], sv * gw[h]);
        gd(p[H + h], sv * gb[h]);
        gd(p[2 * H + h], scale * gv[h]);
      }
      if (OB) gd(p[3 * H], scale * gc);
    } else {
      const double a1 = coef[2 * t], c2 = coef[2 * t + 1];
      // rules::adam_update with its multiply-adds as the lane kernel's compiler contracts them
      auto adam = [&](int i, double g) {
        const double mi = std::fma(b1, m[i], (1.0 - b1) * g);
        const double vi = std::fma(b2, v[i], (1.0 - b2) * (g * g));
        m[i] = mi;
        v[i] = vi;
        p[i] = std::fma(-a1, mi / std::fma(std::sqrt(vi), c2, eps), p[i]);
      };
      for (int h = 0; h < H; ++h) {
        const double sv = scale * p[2 * H + h];
        adam(h, sv * gw[h]);
        adam(H + h, sv * gb[h]);
        adam(2 * H + h, scale * gv[h]);
      }
      if (OB) adam(3 * H, scale * gc);
    }
  }
  for (int i = 0; i < P; ++i) ps[i] = p[i];
  if (ADAM)
    for (int i = 0; i < P; ++i) {
      ms[i] = m[i];
      vs[i] = v[i];
    }
}

// Host code below: the checks and the dispatch shared by the host twin and the CUDA launcher.

// std::invalid_argument (ValueError in Python) unless the tiny path takes this problem.
inline void require_tiny(const Net& net, const Data& d, const TrainOptions& opt) {
  auto need = [](bool ok, const char* what) {
    if (!ok) throw std::invalid_argument(std::string("the tiny-net trainer needs ") + what);
  };
  need(net.layers == 2 && net.sizes[0] == 1 && net.sizes[2] == 1,
       "a [1, h, 1] net (one input, one hidden layer, one output)");
  need(net.sizes[1] >= 1 && net.sizes[1] <= TINY_MAX_H, "a hidden width h <= 8");
  need(net.activation == RELU, "ReLU hidden units");
  need(d.loss == SSE || d.loss == MSE, "the sse or mse loss");
  need(opt.batch == 0 || opt.batch >= d.N, "full-batch training (batch 0 or N)");
  need(opt.optimizer == GD || opt.optimizer == ADAM, "optimizer GD or ADAM");
  need(opt.steps >= 0 && opt.t0 >= 0, "steps >= 0 and t0 >= 0");
}

// Adam's coef[2t] = lr / (1 - b1^t'), coef[2t + 1] = 1 / sqrt(1 - b2^t'), t' = t0 + t + 1, for
// every step of the chunk: exactly train()'s table (driver.cpp). Empty for GD.
inline std::vector<double> adam_coefficient_table(const TrainOptions& opt) {
  const bool adam = opt.optimizer == ADAM;
  std::vector<double> coef(adam ? 2 * opt.steps : 0);
  for (int64_t t = 0; adam && t < opt.steps; ++t)
    rules::adam_coefficients(opt.lr, opt.beta1, opt.beta2, opt.t0 + t + 1, coef[2 * t],
                             coef[2 * t + 1]);
  return coef;
}

// Calls fn(std::integral_constant<int, H>, std::bool_constant<OB>, std::bool_constant<ADAM>) for
// the net's width, output bias and optimizer (after require_tiny).
template <int H = 1, class Fn>
void tiny_dispatch_restart(int h, bool ob, bool adam, Fn&& fn) {
  if constexpr (H <= TINY_MAX_H) {
    if (h != H) return tiny_dispatch_restart<H + 1>(h, ob, adam, fn);
    using I = std::integral_constant<int, H>;
    if (ob) {
      if (adam) fn(I{}, std::true_type{}, std::true_type{});
      else fn(I{}, std::true_type{}, std::false_type{});
    } else {
      if (adam) fn(I{}, std::false_type{}, std::true_type{});
      else fn(I{}, std::false_type{}, std::false_type{});
    }
  }
}

// The host twin (mlp/tiny_per_restart.cpp): train() on a tiny problem, restart by restart through
// tiny_restart (OpenMP across restarts). params, m, v: (R, P); m, v ignored by GD.
void train_tiny_per_restart(double* params, double* m, double* v, int64_t R, const Net& net,
                            const Data& data, const TrainOptions& opt);

}  // namespace relufast::mlp
