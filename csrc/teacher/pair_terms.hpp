// The pair terms of the teacher loss and gradient, shared by the C++ lane kernel (T = a block of
// lanes or one lane's double) and the per-restart path that the CUDA kernel runs (T = double).
// Each function is the arithmetic of one pair in one fixed order; callers own the loops.
#pragma once
#include <cmath>

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

// cos t and sin t of a pair of unit vectors from D = |u - v|^2 and S = |u + v|^2 (exact sums,
// taken where |cos t| > 0.9 and the cheap sin t = sqrt((1 - c)(1 + c)) loses digits).
RELUFAST_HD RELUFAST_INLINE void pair_from_sums(double D, double S, double& sint, double& cost) {
  sint = 0.5 * std::sqrt(D * S);
  cost = 0.25 * (S - D);
}

// Two students i < j at angle t (cos c, sin s), both = alive_i alive_j, norms wi, wj: the coupling
// pt = (pi - t)/2pi (gradient term on the other neuron), sa, sb (terms on each neuron's own
// direction) and the pair's share of F, added to f. angle() is the lane or the double overload.
template <class T>
RELUFAST_HD RELUFAST_INLINE void student_pair(T c, T s, T both, T wi, T wj, T& pt, T& sa, T& sb,
                                              T& f) {
  const T t = angle(s, c);
  pt = (PI - t) * INV2PI * both;
  sa = wj * s * INV2PI * both;
  sb = wi * s * INV2PI * both;
  f = f + wi * wj * kappa(t, s, c);
}

// Student (unit vector wb, norm wn, alive al) against the identity teacher's e_j: cos t = wb_j,
// sin t = |wb without coordinate j|. Updates a (own-direction term), the gradient coordinate gj
// and f.
template <class T>
RELUFAST_HD RELUFAST_INLINE void identity_pair(T c, T sint, T al, T wn, T& a, T& gj, T& f) {
  const T t = angle(sint, c);
  a -= sint * INV2PI * al;
  gj = gj - (PI - t) * INV2PI * al;
  f -= wn * kappa(t, sint, c);
}

// Student against a general teacher row of norm vn, from the exact sums D, S of the unit vectors:
// the coupling pt to v_j, and updates a and f.
RELUFAST_HD RELUFAST_INLINE void teacher_pair_one(double D, double S, double al, double wn,
                                                  double vn, double& a, double& pt, double& f) {
  const double rd = std::sqrt(D), rs = std::sqrt(S);
  const double t = 2.0 * angle(rd, rs);
  const double sint = 0.5 * rd * rs, cost = 0.25 * (S - D);
  pt = (PI - t) * INV2PI * al;
  a -= vn * sint * INV2PI * al;
  f -= wn * vn * kappa(t, sint, cost);
}

}  // namespace relufast::teacher
