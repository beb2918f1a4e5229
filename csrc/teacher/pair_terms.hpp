// The pair terms of the teacher loss and gradient, shared by the C++ lane kernel (T = a block of
// lanes or one lane's double) and the per-restart path that the CUDA kernel runs (T = double).
// Each function is the arithmetic of one pair in one fixed order; callers own the loops.
#pragma once
#include <cmath>
#include <cstdint>

#include "core/hd.hpp"
#include "core/math.hpp"
#include "teacher/kappa.hpp"

namespace relufast::teacher {

// Norm |w| and alive flag (|w| > 0) of a neuron from sq = |w|^2, and the scale 1/|w| (0 if dead).
RELUFAST_HD RELUFAST_INLINE void neuron_scale(double sq, double& wn, double& alive, double& inv) {
  const bool live = sq > 0.0;
  wn = std::sqrt(sq);
  alive = live ? 1.0 : 0.0;
  inv = live ? 1.0 / std::sqrt(live ? sq : 1.0) : 0.0;
}
#if !defined(__CUDACC__)
// The same on a block of lanes (correctly rounded roots and division, so each lane is the above).
RELUFAST_INLINE void neuron_scale(lanes sq, lanes& wn, lanes& alive, lanes& inv) {
  const auto live = sq > 0.0;
  const lanes one = broadcast(1.0), zero = lanes{};
  wn = exact_root(sq);
  alive = live ? one : zero;
  inv = live ? exact_divide(one, exact_root(live ? sq : one)) : zero;
}
#endif

// Whether |w|^2 = sq is accurate and 1/|w| finite (2^-900 <= sq <= 2^900); elsewhere (or at w = 0)
// the neuron is measured by neuron_rescaled.
RELUFAST_HD RELUFAST_INLINE bool plain_norm(double sq) { return sq >= 0x1p-900 && sq <= 0x1p900; }

// Norm wn, alive flag and unit vector u of a neuron w (coordinate m at w[m * ws], u[m * us]) whose
// |w|^2 under- or overflows: w is scaled by a power of two first (exact), so that its largest
// coordinate lies in [1/2, 1): a neuron at 1e-162 stays alive, one at 1e200 has a finite norm.
RELUFAST_HD inline void neuron_rescaled(const double* w, int64_t ws, int d, double* u, int64_t us,
                                        double& wn, double& alive) {
  double mx = 0.0;
  for (int m = 0; m < d; ++m) mx = dmax(mx, std::fabs(w[m * ws]));
  int e = 0;
  if (mx > 0.0 && std::isfinite(mx)) std::frexp(mx, &e);  // 0, inf, NaN: unscaled
  double sq = 0.0;
  for (int m = 0; m < d; ++m) sq += std::ldexp(w[m * ws], -e) * std::ldexp(w[m * ws], -e);
  double inv;
  neuron_scale(sq, wn, alive, inv);
  wn = std::ldexp(wn, e);
  for (int m = 0; m < d; ++m) u[m * us] = std::ldexp(w[m * ws], -e) * inv;
}

// One coordinate of D = | |v| u - |u| v |^2 and S = | |v| u + |u| v |^2 for unit vectors u, v of
// lengths nu, nv (1 up to rounding). The angle 2 atan2(sqrt D, sqrt S) does not see the rounding
// of the lengths, so exactly opposite (equal) directions give S (D) = 0 exactly, as always in
// d = 1; |u - v|^2 and |u + v|^2 would leave |nu - nv| ~ 1e-16 there, a spurious sin t that
// outweighs the whole gradient of a tiny neuron.
template <class T>
RELUFAST_HD RELUFAST_INLINE void add_pair_sums(T u, T v, T nu, T nv, T& D, T& S) {
  const T p = nv * u, q = nu * v;
  D = D + (p - q) * (p - q);
  S = S + (p + q) * (p + q);
}

// cos t and sin t of a pair of unit vectors from the sums D and S of add_pair_sums (taken where
// |cos t| > 0.9 and the cheap sin t = sqrt((1 - c)(1 + c)) loses digits).
RELUFAST_HD RELUFAST_INLINE void pair_from_sums(double D, double S, double& sint, double& cost) {
  sint = 0.5 * std::sqrt(D * S);
  cost = 0.25 * (S - D);
}

// Two students i < j at angle t (cos c, sin s), both = alive_i alive_j, norms wi, wj: the coupling
// pt = (pi - t)/2pi (gradient term on the other neuron), sa, sb (terms on each neuron's own
// direction) and the pair's share of F, added to f. angle() is the lane or the double overload;
// student_terms is the same from the angle t = angle(s, c).
template <class T>
RELUFAST_HD RELUFAST_INLINE void student_terms(T t, T c, T s, T both, T wi, T wj, T& pt, T& sa,
                                               T& sb, T& f) {
  pt = (PI - t) * INV2PI * both;
  sa = wj * s * INV2PI * both;
  sb = wi * s * INV2PI * both;
  const T k = kappa(t, s, c);
  f = f + (k != 0.0 ? wi * wj * k : T{});  // an opposite pair adds 0, not inf * 0 at huge norms
}
template <class T>
RELUFAST_HD RELUFAST_INLINE void student_pair(T c, T s, T both, T wi, T wj, T& pt, T& sa, T& sb,
                                              T& f) {
  student_terms(angle(s, c), c, s, both, wi, wj, pt, sa, sb, f);
}

// Student (unit vector wb, norm wn, alive al) against the identity teacher's e_j: cos t = wb_j,
// sin t = |wb without coordinate j|. Updates a (own-direction term), the gradient coordinate gj
// and f; identity_terms is the same from the angle t = angle(sint, c).
template <class T>
RELUFAST_HD RELUFAST_INLINE void identity_terms(T t, T c, T sint, T al, T wn, T& a, T& gj, T& f) {
  a -= sint * INV2PI * al;
  gj = gj - (PI - t) * INV2PI * al;
  f -= wn * kappa(t, sint, c);
}
template <class T>
RELUFAST_HD RELUFAST_INLINE void identity_pair(T c, T sint, T al, T wn, T& a, T& gj, T& f) {
  identity_terms(angle(sint, c), c, sint, al, wn, a, gj, f);
}

// Student (alive al, norm wn) against a general teacher row of norm vn, from the sums D, S of
// add_pair_sums, their roots rd, rs and the angle t = 2 angle(rd, rs): the coupling pt to v_j, and
// updates a and f. teacher_pair_one is the same from D and S.
template <class T>
RELUFAST_HD RELUFAST_INLINE void teacher_terms(T t, T rd, T rs, T D, T S, T al, T wn, double vn,
                                               T& a, T& pt, T& f) {
  const T sint = 0.5 * rd * rs, cost = 0.25 * (S - D);
  pt = (PI - t) * INV2PI * al;
  a -= vn * sint * INV2PI * al;
  f -= wn * vn * kappa(t, sint, cost);
}
RELUFAST_HD RELUFAST_INLINE void teacher_pair_one(double D, double S, double al, double wn,
                                                  double vn, double& a, double& pt, double& f) {
  const double rd = std::sqrt(D), rs = std::sqrt(S);
  teacher_terms(2.0 * angle(rd, rs), rd, rs, D, S, al, wn, vn, a, pt, f);
}

}  // namespace relufast::teacher
