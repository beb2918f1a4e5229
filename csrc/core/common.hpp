// Shared building blocks of the kernels: SIMD lane width, a vectorisable atan2, thread helpers.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>

#include <cstring>

#ifdef _OPENMP
#include <omp.h>
#endif
#if defined(__AVX512F__)
#include <immintrin.h>
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
template <class T>
__attribute__((always_inline)) inline T atan_small(T x) {
  const T z = x * x;
  T p = x * 0.0 - 0.01917688711906226;
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

// One double per restart lane as a GCC/Clang vector. The hot loops are written with it: their
// accumulators stay in registers, and square roots and divisions can avoid the (slow, unpipelined)
// divider where the target has fast reciprocal estimates. Other targets split the vector.
typedef double lanes __attribute__((vector_size(LANES * sizeof(double))));

__attribute__((always_inline)) inline lanes load(const double* p) {
  lanes v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
__attribute__((always_inline)) inline void store(double* p, lanes v) { std::memcpy(p, &v, sizeof v); }
__attribute__((always_inline)) inline lanes broadcast(double x) { return lanes{} + x; }

#if defined(__AVX512F__)
// 14-bit hardware estimates refined by Newton steps on the FMA units: a / b and sqrt(x) to ~1 ulp
// (not always correctly rounded). Square roots and divisions bound the teacher kernel otherwise.
__attribute__((always_inline)) inline lanes divide(lanes a, lanes b) {  // b > 0, finite
  const __m512d x = (__m512d)b, one = _mm512_set1_pd(1.0);
  __m512d y = _mm512_rcp14_pd(x);
  y = _mm512_fmadd_pd(y, _mm512_fnmadd_pd(x, y, one), y);
  y = _mm512_fmadd_pd(y, _mm512_fnmadd_pd(x, y, one), y);
  const __m512d q = _mm512_mul_pd((__m512d)a, y);
  return (lanes)_mm512_fmadd_pd(_mm512_fnmadd_pd(x, q, (__m512d)a), y, q);  // q + (a - b q) / b
}
__attribute__((always_inline)) inline lanes root(lanes v) {  // v >= 0, finite
  const __m512d x = (__m512d)v, half = _mm512_set1_pd(0.5), three_halves = _mm512_set1_pd(1.5);
  __m512d r = _mm512_rsqrt14_pd(x);  // inf at 0, masked below
  for (int k = 0; k < 2; ++k)
    r = _mm512_mul_pd(r, _mm512_fnmadd_pd(_mm512_mul_pd(half, x), _mm512_mul_pd(r, r), three_halves));
  __m512d s = _mm512_mul_pd(x, r);
  s = _mm512_fmadd_pd(_mm512_mul_pd(half, r), _mm512_fnmadd_pd(s, s, x), s);  // one Heron step
  const __mmask8 pos = _mm512_cmp_pd_mask(x, _mm512_setzero_pd(), _CMP_GT_OQ);
  return (lanes)_mm512_maskz_mov_pd(pos, s);
}
#else
__attribute__((always_inline)) inline lanes divide(lanes a, lanes b) { return a / b; }
__attribute__((always_inline)) inline lanes root(lanes v) {
  for (int l = 0; l < LANES; ++l) v[l] = std::sqrt(v[l]);
  return v;
}
#endif

// angle() on lanes.
__attribute__((always_inline)) inline lanes angle(lanes y, lanes x) {
  constexpr double TAN_PI_8 = 0.41421356237309504880;
  const lanes zero = lanes{}, one = broadcast(1.0);
  const lanes ax = x < zero ? -x : x;
  const lanes hi = y > ax ? y : ax, lo = y > ax ? ax : y;
  const auto big = lo > TAN_PI_8 * hi;
  const lanes num = big ? lo - hi : lo;
  const lanes den = big ? lo + hi : (hi > zero ? hi : one);
  const lanes r = atan_small(divide(num, den));
  const lanes a = big ? PIO4 + (r + 0.5 * MOREBITS) : r;
  const lanes b = y > ax ? (PIO2 - a) + MOREBITS : a;
  return x < zero ? (PI - b) + 2.0 * MOREBITS : b;
}

// Restarts in blocks of LANES: a (R, P) array <-> blocks [P][LANES]. Lanes past R repeat the last
// restart, so every lane computes real numbers; unpacking writes back only the real ones.
inline int64_t num_blocks(int64_t R) { return (R + LANES - 1) / LANES; }

inline void pack_block(const double* X, int64_t R, int64_t r0, int64_t P, double* blk) {
  for (int l = 0; l < LANES; ++l) {
    const double* src = X + std::min(r0 + l, R - 1) * P;
    for (int64_t p = 0; p < P; ++p) blk[p * LANES + l] = src[p];
  }
}

inline void unpack_block(const double* blk, int64_t R, int64_t r0, int64_t P, double* X) {
  for (int l = 0; l < LANES && r0 + l < R; ++l) {
    double* dst = X + (r0 + l) * P;
    for (int64_t p = 0; p < P; ++p) dst[p] = blk[p * LANES + l];
  }
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
