// Math helpers of the kernels: a vectorisable atan/angle, division and square-root estimates on
// lanes, and an exp without libm calls. All are branch-free, so loops over lanes vectorise.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "core/hd.hpp"
#include "core/simd.hpp"

namespace relufast {

constexpr double PI = 3.14159265358979323846;
constexpr double PIO2 = 1.57079632679489661923;
constexpr double PIO4 = 0.78539816339744830962;
constexpr double INV2PI = 0.15915494309189533577;
constexpr double MOREBITS = 6.123233995736765886130e-17;  // pi/2 - double(pi/2)

// std::max / std::min exactly (same comparisons, same NaN behaviour), callable from device code.
RELUFAST_HD RELUFAST_INLINE double dmax(double a, double b) { return (a < b) ? b : a; }
RELUFAST_HD RELUFAST_INLINE double dmin(double a, double b) { return (b < a) ? b : a; }

// atan(x) for |x| <= tan(pi/8): x + x z P(z), z = x^2, P a degree-10 fit (max error ~1 ulp).
// A polynomial rather than a rational: divisions and square roots are what limit these kernels.
template <class T>
RELUFAST_HD RELUFAST_INLINE T atan_small(T x) {
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
RELUFAST_HD RELUFAST_INLINE double angle(double y, double x) {
  constexpr double TAN_PI_8 = 0.41421356237309504880;
  const double ax = std::fabs(x);
  const double hi = dmax(y, ax), lo = dmin(y, ax);
  // atan(lo/hi) in [0, pi/4]; above tan(pi/8) use atan(q) = pi/4 + atan((q - 1)/(q + 1)).
  const bool big = lo > TAN_PI_8 * hi;
  const double num = big ? lo - hi : lo;
  const double den = big ? lo + hi : (hi > 0.0 ? hi : 1.0);
  const double r = atan_small(num / den);
  const double a = big ? PIO4 + (r + 0.5 * MOREBITS) : r;
  const double b = (y > ax) ? (PIO2 - a) + MOREBITS : a;
  return (x < 0.0) ? (PI - b) + 2.0 * MOREBITS : b;
}

// The block (lanes) versions below are host code: CUDA kernels run one restart per thread on
// doubles.
#if !defined(__CUDACC__)

#if defined(__AVX512F__)
// 14-bit hardware estimates refined by Newton steps on the FMA units: a / b and sqrt(x) to ~1 ulp
// (not always correctly rounded). Square roots and divisions bound the teacher kernel otherwise.
RELUFAST_INLINE lanes divide(lanes a, lanes b) {  // b > 0, finite
  const __m512d x = (__m512d)b, one = _mm512_set1_pd(1.0);
  __m512d y = _mm512_rcp14_pd(x);
  y = _mm512_fmadd_pd(y, _mm512_fnmadd_pd(x, y, one), y);
  y = _mm512_fmadd_pd(y, _mm512_fnmadd_pd(x, y, one), y);
  const __m512d q = _mm512_mul_pd((__m512d)a, y);
  return (lanes)_mm512_fmadd_pd(_mm512_fnmadd_pd(x, q, (__m512d)a), y, q);  // q + (a - b q) / b
}
RELUFAST_INLINE lanes root(lanes v) {  // v >= 0, finite
  const __m512d x = (__m512d)v, half = _mm512_set1_pd(0.5), three_halves = _mm512_set1_pd(1.5);
  __m512d r = _mm512_rsqrt14_pd(x);  // inf at 0, masked below
  for (int k = 0; k < 2; ++k)
    r = _mm512_mul_pd(r,
                      _mm512_fnmadd_pd(_mm512_mul_pd(half, x), _mm512_mul_pd(r, r), three_halves));
  __m512d s = _mm512_mul_pd(x, r);
  s = _mm512_fmadd_pd(_mm512_mul_pd(half, r), _mm512_fnmadd_pd(s, s, x), s);  // one Heron step
  const __mmask8 pos = _mm512_cmp_pd_mask(x, _mm512_setzero_pd(), _CMP_GT_OQ);
  return (lanes)_mm512_maskz_mov_pd(pos, s);
}
#endif
// Correctly rounded on every target (vdivpd, vsqrtpd): what divide and root are without AVX-512.
RELUFAST_INLINE lanes exact_divide(lanes a, lanes b) { return a / b; }
RELUFAST_INLINE lanes exact_root(lanes v) {
  for (int l = 0; l < LANES; ++l) v[l] = std::sqrt(v[l]);
  return v;
}
#if !defined(__AVX512F__)
RELUFAST_INLINE lanes divide(lanes a, lanes b) { return exact_divide(a, b); }
RELUFAST_INLINE lanes root(lanes v) { return exact_root(v); }
#endif

// angle() on lanes; Exact: with exact_divide, so that every lane equals the double overload on
// every target (with divide, on AVX-512 to about 1 ulp).
template <bool Exact = false>
RELUFAST_INLINE lanes angle(lanes y, lanes x) {
  constexpr double TAN_PI_8 = 0.41421356237309504880;
  const lanes zero = lanes{}, one = broadcast(1.0);
  const lanes ax = x < zero ? -x : x;
  const lanes hi = y > ax ? y : ax, lo = y > ax ? ax : y;
  const auto big = lo > TAN_PI_8 * hi;
  const lanes num = big ? lo - hi : lo;
  const lanes den = big ? lo + hi : (hi > zero ? hi : one);
  const lanes r = atan_small(Exact ? exact_divide(num, den) : divide(num, den));
  const lanes a = big ? PIO4 + (r + 0.5 * MOREBITS) : r;
  const lanes b = y > ax ? (PIO2 - a) + MOREBITS : a;
  return x < zero ? (PI - b) + 2.0 * MOREBITS : b;
}

#endif  // !__CUDACC__

// exp(x) for lanes (no libm call, so loops vectorise), within a couple of ulp on [-708, 709];
// 0 below -708 (where exp is subnormal anyway), NaN for NaN; used only for softmax (x <= 0).
RELUFAST_HD RELUFAST_INLINE double exp_lane(double x) {
  constexpr double LOG2E = 1.4426950408889634074;
  constexpr double LN2_HI = 6.93145751953125e-1;
  constexpr double LN2_LO = 1.42860682030941723212e-6;
  // Clamped so that a NaN becomes -708 too: k below is then always in [-1021, 1023], the cast and
  // the shift defined (a NaN cast to int64 is undefined behaviour).
  const double xc = x > -708.0 ? (x < 709.0 ? x : 709.0) : -708.0;
  const double k = std::nearbyint(xc * LOG2E);
  const double r = (xc - k * LN2_HI) - k * LN2_LO;  // |r| <= ln2/2
  // Taylor to degree 13 (truncation < 1e-17 relative on |r| <= 0.347)
  double pp = 1.0 / 6227020800.0;
  pp = pp * r + 1.0 / 479001600.0;
  pp = pp * r + 1.0 / 39916800.0;
  pp = pp * r + 1.0 / 3628800.0;
  pp = pp * r + 1.0 / 362880.0;
  pp = pp * r + 1.0 / 40320.0;
  pp = pp * r + 1.0 / 5040.0;
  pp = pp * r + 1.0 / 720.0;
  pp = pp * r + 1.0 / 120.0;
  pp = pp * r + 1.0 / 24.0;
  pp = pp * r + 1.0 / 6.0;
  pp = pp * r + 0.5;
  pp = pp * r + 1.0;
  pp = pp * r + 1.0;
  const uint64_t bits = uint64_t(static_cast<int64_t>(k) + 1023) << 52;  // 2^k
  double scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return x < -708.0 ? 0.0 : (x == x ? pp * scale : x);
}

// The logistic sigmoid 1 / (1 + e^-z) of the MLP kernels' hidden units (0 below z = -709).
RELUFAST_HD RELUFAST_INLINE double sigmoid_lane(double z) { return 1.0 / (1.0 + exp_lane(-z)); }

// Square root and division as the update rules take them: exact on doubles (and on registers
// narrower than a block); the AVX-512 estimates on a whole block.
RELUFAST_HD RELUFAST_INLINE double fast_sqrt(double x) { return std::sqrt(x); }
RELUFAST_HD RELUFAST_INLINE double fast_div(double a, double b) { return a / b; }
#if defined(__AVX512F__) && !defined(__CUDACC__)
RELUFAST_INLINE lanes fast_sqrt(lanes x) { return root(x); }
RELUFAST_INLINE lanes fast_div(lanes a, lanes b) { return divide(a, b); }
#else
template <class V>
RELUFAST_INLINE V fast_sqrt(V x) {
  constexpr int W = int(sizeof(V) / sizeof(double));
  alignas(64) double sq[W];
  std::memcpy(sq, &x, sizeof(V));
  _Pragma("omp simd") for (int l = 0; l < W; ++l) sq[l] = std::sqrt(sq[l]);
  V r;
  std::memcpy(&r, sq, sizeof(V));
  return r;
}
template <class V>
RELUFAST_INLINE V fast_div(V a, V b) {
  return a / b;
}
#endif

}  // namespace relufast
