// Shared building blocks of the kernels: SIMD lane width, a vectorisable atan2, thread helpers.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace relufast {

// Restarts are processed in blocks of LANES, one restart per SIMD lane, so every restart runs
// through exactly the same instructions whatever the batch size or thread count.
constexpr int LANES = 8;

constexpr double PI = 3.14159265358979323846;
constexpr double PIO2 = 1.57079632679489661923;
constexpr double PIO4 = 0.78539816339744830962;
constexpr double INV2PI = 0.15915494309189533577;
constexpr double MOREBITS = 6.123233995736765886130e-17;  // pi/2 - double(pi/2)

// atan(x) for |x| <= tan(pi/8): x + x z P(z), z = x^2, P a degree-10 fit (max error ~1 ulp).
// A polynomial rather than a rational: divisions and square roots are what limit these kernels.
__attribute__((always_inline)) inline double atan_small(double x) {
  const double z = x * x;
  double p = -0.01917688711906226;
  p = p * z + 0.039231658295587189;
  p = p * z - 0.050854497379402598;
  p = p * z + 0.0585814891280221;
  p = p * z - 0.066645114473819475;
  p = p * z + 0.076921831908260865;
  p = p * z - 0.090909045781239026;
  p = p * z + 0.11111111015256361;
  p = p * z - 0.14285714284666542;
  p = p * z + 0.19999999999995521;
  p = p * z - 0.33333333333333331;
  return x + x * z * p;
}

// atan2(y, x) for y >= 0, in [0, pi]; branch-free (loops over lanes vectorise) with a single
// division, and well conditioned at both ends (no acos of a clipped cosine).
__attribute__((always_inline)) inline double angle(double y, double x) {
  constexpr double TAN_PI_8 = 0.41421356237309504880;
  const double ax = std::fabs(x);
  const double hi = std::max(y, ax), lo = std::min(y, ax);
  // atan(lo/hi) in [0, pi/4]; above tan(pi/8) use atan(q) = pi/4 + atan((q - 1)/(q + 1)).
  const bool big = lo > TAN_PI_8 * hi;
  const double num = big ? lo - hi : lo;
  const double den = big ? lo + hi : (hi > 0.0 ? hi : 1.0);
  const double r = atan_small(num / den);
  const double a = big ? PIO4 + (r + 0.5 * MOREBITS) : r;
  const double b = (y > ax) ? (PIO2 - a) + MOREBITS : a;
  return (x < 0.0) ? (PI - b) + 2.0 * MOREBITS : b;
}

inline int max_threads() {
#ifdef _OPENMP
  return omp_get_max_threads();
#else
  return 1;
#endif
}

inline int thread_id() {
#ifdef _OPENMP
  return omp_get_thread_num();
#else
  return 0;
#endif
}

}  // namespace relufast
