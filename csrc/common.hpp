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

// atan(x) for x in [0, 1], branch-free so that loops over lanes vectorise (Cephes rational, ~1 ulp).
__attribute__((always_inline)) inline double atan01(double x) {
  const bool big = x > 0.41421356237309504880;  // tan(pi/8)
  const double y = big ? (x - 1.0) / (x + 1.0) : x;
  const double z = y * y;
  const double p = (((-8.750608600031904122785e-1 * z - 1.615753718733365076637e1) * z -
                     7.500855792314704667340e1) * z - 1.228866684490136173410e2) * z -
                   6.485021904942025371773e1;
  const double q = ((((z + 2.485846490142306297962e1) * z + 1.650270098316988542046e2) * z +
                     4.328810604912902668951e2) * z + 4.853903996359136964868e2) * z +
                   1.945506571482613964425e2;
  const double r = y + y * z * p / q;
  return big ? PIO4 + (r + 0.5 * MOREBITS) : r;
}

// atan2(y, x) for y >= 0, in [0, pi]; well conditioned at both ends (no acos of a clipped cosine).
__attribute__((always_inline)) inline double angle(double y, double x) {
  const double ax = std::fabs(x);
  const double hi = std::max(y, ax), lo = std::min(y, ax);
  const double a = atan01(lo / (hi > 0.0 ? hi : 1.0));
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
