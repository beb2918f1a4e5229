// Per-parameter update rules of the optimizers, shared by the C++ lane loops and (later) CUDA
// kernels. Templated on the value type: a double (one restart), a register or a block of lanes
// (many restarts, same arithmetic in every lane). Written once so that every backend runs the
// same formulas in the same order.
#pragma once
#include <cmath>
#include <cstdint>

#include "core/hd.hpp"
#include "core/math.hpp"

namespace relufast::rules {

// Gradient descent: p -= lr g.
template <class T>
RELUFAST_HD RELUFAST_INLINE void gd_update(T& p, T g, double lr) {
  p -= lr * g;
}

// Adam's step size and bias correction at step t (t = 1, 2, ...):
// a1 = lr / (1 - b1^t), c2 = 1 / sqrt(1 - b2^t).
RELUFAST_HD inline void adam_coefficients(double lr, double b1, double b2, int64_t t, double& a1,
                                          double& c2) {
  const double tt = double(t);
  a1 = lr / (1.0 - std::pow(b1, tt));
  c2 = 1.0 / std::sqrt(1.0 - std::pow(b2, tt));
}

// Adam on one parameter (bias-corrected through a1, c2 above):
//   m = b1 m + (1 - b1) g,  v = b2 v + (1 - b2) g^2,  p -= a1 (m / (sqrt(v) c2 + eps)).
// The square root and division are fast_sqrt / fast_div (core/math.hpp): exact on doubles, the
// AVX-512 estimates on a whole block of lanes.
template <class T>
RELUFAST_HD RELUFAST_INLINE void adam_update(T& p, T& m, T& v, T g, double a1, double c2, double b1,
                                             double b2, double eps) {
  const T mi = b1 * m + (1.0 - b1) * g;
  const T vi = b2 * v + (1.0 - b2) * (g * g);
  m = mi;
  v = vi;
  p -= a1 * fast_div(mi, fast_sqrt(vi) * c2 + eps);
}

}  // namespace relufast::rules
