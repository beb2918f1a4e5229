// The exact Hessian of ONE restart's teacher loss and its product with a vector (closed form,
// block by block): what the C++ kernels (teacher/hessian.cpp) run for each restart on the host and
// each CUDA thread runs on the device (teacher/hessian_cuda.cu). Arrays are reached through an
// accessor A: a plain pointer (stride 1, the host) or teacher::Strided (stride R, restart-minor on
// the device); offsets like `wb + i * d` work for both.
#pragma once
#include <cmath>
#include <cstdint>

#include "core/hd.hpp"
#include "core/math.hpp"
#include "teacher/pair_terms.hpp"
#include "teacher/restart.hpp"

namespace relufast::teacher {

RELUFAST_HD RELUFAST_INLINE int64_t stride_of(const double*) { return 1; }
RELUFAST_HD RELUFAST_INLINE int64_t stride_of(Strided s) { return s.stride; }

// Geometry of a pair of unit vectors (of lengths nu, nv, 1 up to rounding): angle t, sin t, cos t,
// and the unit vectors a = (wb - cos t vb) / sin t and b = (vb - cos t wb) / sin t (zero when
// sin t = 0).
struct Pair {
  double t, sint, cost;
};

template <class U, class V, class S>
RELUFAST_HD inline Pair pair_geometry(U wb, V vb, double nu, double nv, int d, S a, S b) {
  double D = 0.0, S2 = 0.0;
  for (int m = 0; m < d; ++m) add_pair_sums(double(wb[m]), double(vb[m]), nu, nv, D, S2);
  const double rd = std::sqrt(D), rs = std::sqrt(S2);
  const Pair p{2.0 * angle(rd, rs), 0.5 * rd * rs, 0.25 * (S2 - D)};
  const double inv = p.sint > 0.0 ? 1.0 / p.sint : 0.0;
  for (int m = 0; m < d; ++m) {
    // wb - c vb written through whichever of 1 - c = D/2 or 1 + c = S/2 is accurate.
    const double x = wb[m], y = vb[m];
    if (p.cost >= 0.0) {
      a[m] = ((x - y) + 0.5 * D * y) * inv;
      b[m] = ((y - x) + 0.5 * D * x) * inv;
    } else {
      a[m] = ((x + y) - 0.5 * S2 * y) * inv;
      b[m] = ((y + x) - 0.5 * S2 * x) * inv;
    }
  }
  return p;
}

// Norms wn, unit rows wb and their rounded lengths un (1 up to rounding; 0 for a dead neuron) of
// the n rows of W, with norms that neither under- nor overflow.
template <class AW, class AS>
RELUFAST_HD inline void unit_rows(AW W, int n, int d, AS wb, AS wn, AS un) {
  for (int i = 0; i < n; ++i) {
    double s = 0.0;
    for (int m = 0; m < d; ++m) s += W[i * d + m] * W[i * d + m];
    const double norm = std::sqrt(s);
    wn[i] = norm;
    for (int m = 0; m < d; ++m) wb[i * d + m] = norm > 0 ? W[i * d + m] / norm : 0.0;
    if (!plain_norm(s)) {
      double r, alive;
      neuron_rescaled(&W[i * d], stride_of(W), d, &wb[i * d], stride_of(wb), r, alive);
      wn[i] = r;
    }
    s = 0.0;
    for (int m = 0; m < d; ++m) s += wb[i * d + m] * wb[i * d + m];
    un[i] = std::sqrt(s);
  }
}

// Doubles of scratch that hessian_restart and hvp_restart need.
RELUFAST_HD inline int64_t hessian_scratch_size(int n, int d) {
  return int64_t(n) * d + 3 * int64_t(n) + 2 * int64_t(d);
}

// H_ii += sign * h1(w, v): |v| sin t / (2 pi |w|) (I - wb wb^T + b b^T); row stride ld.
template <class AH, class AS>
RELUFAST_HD inline void add_h1(AH Hii, int64_t ld, int d, double sign, double wn, double vn,
                               const Pair& p, AS wb, AS b) {
  const double c = sign * vn * p.sint * INV2PI / wn;
  for (int r = 0; r < d; ++r)
    for (int q = 0; q < d; ++q)
      Hii[r * ld + q] += c * ((r == q ? 1.0 : 0.0) - wb[r] * wb[q] + b[r] * b[q]);
}

// The exact Hessian H (nd x nd, neuron-major) of one restart W (n x d).
template <class AW, class AH, class AS>
RELUFAST_HD inline void hessian_restart(AW W, int n, int d, const TeacherView& T, AH H,
                                        AS scratch) {
  const int64_t nd = int64_t(n) * d;
  for (int64_t x = 0; x < nd * nd; ++x) H[x] = 0.0;
  AS wb = scratch, wn = wb + nd, un = wn + n, a = un + n, b = a + d;
  unit_rows(W, n, d, wb, wn, un);
  for (int i = 0; i < n; ++i) {
    AH Hii = H + (int64_t(i) * d * nd + int64_t(i) * d);
    for (int m = 0; m < d; ++m) Hii[m * nd + m] += 0.5;
    if (wn[i] == 0.0) continue;  // dead neuron: relu'(0) = 0, only the smooth |w|^2/4 term is left
    AS wbi = wb + int64_t(i) * d;
    for (int j = 0; j < n; ++j) {
      if (j == i || wn[j] == 0.0) continue;
      const Pair p = pair_geometry(wbi, wb + int64_t(j) * d, un[i], un[j], d, a, b);
      add_h1(Hii, nd, d, 1.0, wn[i], wn[j], p, wbi, b);
      if (j > i) {  // off-diagonal block h2 and its transpose
        AH Hij = H + (int64_t(i) * d * nd + int64_t(j) * d);
        AH Hji = H + (int64_t(j) * d * nd + int64_t(i) * d);
        AS wbj = wb + int64_t(j) * d;
        for (int r = 0; r < d; ++r)
          for (int q = 0; q < d; ++q) {
            const double h =
                INV2PI * ((r == q ? PI - p.t : 0.0) + p.sint * (wbi[r] * wbj[q] + b[r] * a[q]));
            Hij[r * nd + q] = h;
            Hji[q * nd + r] = h;
          }
      }
    }
    for (int j = 0; j < T.k; ++j) {
      if (T.vn[j] == 0.0) continue;
      const Pair p = pair_geometry(wbi, T.vb + int64_t(j) * d, un[i], T.vbn[j], d, a, b);
      add_h1(Hii, nd, d, -1.0, wn[i], T.vn[j], p, wbi, b);
    }
  }
}

// x_i-part of the diagonal block h1 applied to x_i: c (x_i - wb_i (wb_i . x_i) + b (b . x_i)).
template <class AO, class AS, class AX>
RELUFAST_HD inline void add_h1_x(AO out, int d, double c, AS wbi, double qi, AS b, AX xi) {
  double bx = 0.0;
  for (int m = 0; m < d; ++m) bx += b[m] * xi[m];
  for (int m = 0; m < d; ++m) out[m] += c * (xi[m] - wbi[m] * qi + b[m] * bx);
}

// HX = H(W) X for one restart, block by block as hessian_restart builds H: O(n (n + k) d), no
// nd x nd matrix.
template <class AW, class AX, class AO, class AS>
RELUFAST_HD inline void hvp_restart(AW W, AX X, int n, int d, const TeacherView& T, AO HX,
                                    AS scratch) {
  const int64_t nd = int64_t(n) * d;
  AS wb = scratch, wn = wb + nd, un = wn + n, q = un + n, a = q + n, b = a + d;  // q_j = wb_j . x_j
  unit_rows(W, n, d, wb, wn, un);
  for (int i = 0; i < n; ++i) {
    double qi = 0.0;
    for (int m = 0; m < d; ++m) qi += wb[i * d + m] * X[i * d + m];
    q[i] = qi;
  }
  for (int i = 0; i < n; ++i) {
    AO out = HX + int64_t(i) * d;
    AX xi = X + int64_t(i) * d;
    for (int m = 0; m < d; ++m) out[m] = 0.5 * xi[m];
    if (wn[i] == 0.0) continue;  // dead neuron: only the smooth |w|^2/4 term
    AS wbi = wb + int64_t(i) * d;
    for (int j = 0; j < n; ++j) {
      if (j == i || wn[j] == 0.0) continue;
      const Pair p = pair_geometry(wbi, wb + int64_t(j) * d, un[i], un[j], d, a, b);
      add_h1_x(out, d, wn[j] * p.sint * INV2PI / wn[i], wbi, q[i], b, xi);
      AX xj = X + int64_t(j) * d;
      double ax = 0.0;
      for (int m = 0; m < d; ++m) ax += a[m] * xj[m];
      const double qj = q[j];
      for (int m = 0; m < d; ++m)
        out[m] += INV2PI * ((PI - p.t) * xj[m] + p.sint * (wbi[m] * qj + b[m] * ax));
    }
    for (int j = 0; j < T.k; ++j) {
      if (T.vn[j] == 0.0) continue;
      const Pair p = pair_geometry(wbi, T.vb + int64_t(j) * d, un[i], T.vbn[j], d, a, b);
      add_h1_x(out, d, -T.vn[j] * p.sint * INV2PI / wn[i], wbi, q[i], b, xi);
    }
  }
}

// The Hessian of one restart as an operator x -> H x (for lanczos::smallest): W, the teacher and
// hessian_scratch_size doubles of scratch.
template <class AW, class AS>
struct HessianProduct {
  AW W;
  int n, d;
  TeacherView T;
  AS scratch;
  template <class X, class Y>
  RELUFAST_HD void operator()(X x, Y y) {
    hvp_restart(W, x, n, d, T, y, scratch);
  }
};

}  // namespace relufast::teacher
