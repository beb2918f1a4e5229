// The exact Hessian of ONE restart's teacher loss and its product with a vector (closed form,
// block by block), shared by a Team (core/team.hpp) that splits the work by neuron: member t owns
// neurons t, t + size, ... (their unit rows, their block rows of H, their rows of H x). The C++
// kernels run it with a Solo team per restart (teacher/hessian.cpp); each CUDA warp runs it on its
// restart (teacher/hessian_cuda.cu). A member's result depends only on the rows it owns, so every
// team size gives the same bits.
#pragma once
#include <cmath>
#include <cstdint>

#include "core/hd.hpp"
#include "core/math.hpp"
#include "teacher/pair_terms.hpp"
#include "teacher/restart.hpp"

namespace relufast::teacher {

// Geometry of a pair of unit vectors (of lengths nu, nv, 1 up to rounding): angle t, sin t, cos t,
// and the unit vectors a = (wb - cos t vb) / sin t and b = (vb - cos t wb) / sin t (zero when
// sin t = 0).
struct Pair {
  double t, sint, cost;
};

RELUFAST_HD inline Pair pair_geometry(const double* wb, const double* vb, double nu, double nv,
                                      int d, double* a, double* b) {
  double D = 0.0, S = 0.0;
  for (int m = 0; m < d; ++m) add_pair_sums(wb[m], vb[m], nu, nv, D, S);
  const double rd = std::sqrt(D), rs = std::sqrt(S);
  const Pair p{2.0 * angle(rd, rs), 0.5 * rd * rs, 0.25 * (S - D)};
  const double inv = p.sint > 0.0 ? 1.0 / p.sint : 0.0;
  for (int m = 0; m < d; ++m) {
    // wb - c vb written through whichever of 1 - c = D/2 or 1 + c = S/2 is accurate.
    if (p.cost >= 0.0) {
      a[m] = ((wb[m] - vb[m]) + 0.5 * D * vb[m]) * inv;
      b[m] = ((vb[m] - wb[m]) + 0.5 * D * wb[m]) * inv;
    } else {
      a[m] = ((wb[m] + vb[m]) - 0.5 * S * vb[m]) * inv;
      b[m] = ((vb[m] + wb[m]) - 0.5 * S * wb[m]) * inv;
    }
  }
  return p;
}

// Norm wn, unit row wb and its rounded length un (1 up to rounding; 0 for a dead neuron) of the
// row w (d), with a norm that neither under- nor overflows.
RELUFAST_HD inline void unit_row(const double* w, int d, double* wb, double& wn, double& un) {
  double s = 0.0;
  for (int m = 0; m < d; ++m) s += w[m] * w[m];
  wn = std::sqrt(s);
  for (int m = 0; m < d; ++m) wb[m] = wn > 0 ? w[m] / wn : 0.0;
  if (!plain_norm(s)) {
    double alive;
    neuron_rescaled(w, 1, d, wb, 1, wn, alive);
  }
  s = 0.0;
  for (int m = 0; m < d; ++m) s += wb[m] * wb[m];
  un = std::sqrt(s);
}

// Doubles of scratch that hessian_restart and hvp_restart need for a team of `members`: the unit
// rows, norms, lengths and projections (shared), and two d-vectors per member.
RELUFAST_HD inline int64_t hessian_scratch_size(int n, int d, int members = 1) {
  return int64_t(n) * d + 3 * int64_t(n) + 2 * int64_t(d) * members;
}

// The shared part of the scratch: unit rows wb (n d), norms wn, lengths un, projections q (n each);
// then this member's pair vectors a, b (d each).
struct HessianScratch {
  double *wb, *wn, *un, *q, *a, *b;
};
template <class Team>
RELUFAST_HD inline HessianScratch hessian_scratch(const Team& tm, double* s, int n, int d) {
  double* wb = s;
  double* wn = wb + int64_t(n) * d;
  double* un = wn + n;
  double* q = un + n;
  double* a = q + n + 2 * int64_t(d) * tm.rank();
  return {wb, wn, un, q, a, a + d};
}

// H_ii += sign * h1(w, v): |v| sin t / (2 pi |w|) (I - wb wb^T + b b^T); row stride ld.
RELUFAST_HD inline void add_h1(double* Hii, int64_t ld, int d, double sign, double wn, double vn,
                               const Pair& p, const double* wb, const double* b) {
  const double c = sign * vn * p.sint * INV2PI / wn;
  for (int r = 0; r < d; ++r)
    for (int q = 0; q < d; ++q)
      Hii[r * ld + q] += c * ((r == q ? 1.0 : 0.0) - wb[r] * wb[q] + b[r] * b[q]);
}

// The exact Hessian H (nd x nd, neuron-major) of one restart W (n x d). Member t writes the block
// rows of its neurons i: H_ii, and H_ij with its transpose H_ji for j > i.
template <class Team>
RELUFAST_HD inline void hessian_restart(const Team& tm, const double* W, int n, int d,
                                        const TeacherView& T, double* H, double* scratch) {
  const int64_t nd = int64_t(n) * d;
  const HessianScratch s = hessian_scratch(tm, scratch, n, d);
  for (int64_t x = tm.rank(); x < nd * nd; x += tm.size()) H[x] = 0.0;
  for (int i = tm.rank(); i < n; i += tm.size())
    unit_row(W + int64_t(i) * d, d, s.wb + int64_t(i) * d, s.wn[i], s.un[i]);
  tm.sync();
  for (int i = tm.rank(); i < n; i += tm.size()) {
    double* Hii = H + (int64_t(i) * d * nd + int64_t(i) * d);
    for (int m = 0; m < d; ++m) Hii[m * nd + m] += 0.5;
    if (s.wn[i] == 0.0) continue;  // dead: relu'(0) = 0, only the smooth |w|^2/4 term is left
    const double* wbi = s.wb + int64_t(i) * d;
    for (int j = 0; j < n; ++j) {
      if (j == i || s.wn[j] == 0.0) continue;
      const double* wbj = s.wb + int64_t(j) * d;
      const Pair p = pair_geometry(wbi, wbj, s.un[i], s.un[j], d, s.a, s.b);
      add_h1(Hii, nd, d, 1.0, s.wn[i], s.wn[j], p, wbi, s.b);
      if (j > i) {  // off-diagonal block h2 and its transpose
        double* Hij = H + (int64_t(i) * d * nd + int64_t(j) * d);
        double* Hji = H + (int64_t(j) * d * nd + int64_t(i) * d);
        for (int r = 0; r < d; ++r)
          for (int q = 0; q < d; ++q) {
            const double h =
                INV2PI * ((r == q ? PI - p.t : 0.0) + p.sint * (wbi[r] * wbj[q] + s.b[r] * s.a[q]));
            Hij[r * nd + q] = h;
            Hji[q * nd + r] = h;
          }
      }
    }
    for (int j = 0; j < T.k; ++j) {
      if (T.vn[j] == 0.0) continue;
      const Pair p = pair_geometry(wbi, T.vb + int64_t(j) * d, s.un[i], T.vbn[j], d, s.a, s.b);
      add_h1(Hii, nd, d, -1.0, s.wn[i], T.vn[j], p, wbi, s.b);
    }
  }
  tm.sync();
}

// x_i-part of the diagonal block h1 applied to x_i: c (x_i - wb_i (wb_i . x_i) + b (b . x_i)).
RELUFAST_HD inline void add_h1_x(double* out, int d, double c, const double* wbi, double qi,
                                 const double* b, const double* xi) {
  double bx = 0.0;
  for (int m = 0; m < d; ++m) bx += b[m] * xi[m];
  for (int m = 0; m < d; ++m) out[m] += c * (xi[m] - wbi[m] * qi + b[m] * bx);
}

// HX = H(W) X for one restart, block by block as hessian_restart builds H: O(n (n + k) d), no
// nd x nd matrix. Member t writes the rows of its neurons; every member reads all of X (the
// caller syncs after writing X), and HX is complete for every member on return.
template <class Team>
RELUFAST_HD inline void hvp_restart(const Team& tm, const double* W, const double* X, int n, int d,
                                    const TeacherView& T, double* HX, double* scratch) {
  const HessianScratch s = hessian_scratch(tm, scratch, n, d);
  for (int i = tm.rank(); i < n; i += tm.size()) {
    double* wbi = s.wb + int64_t(i) * d;
    unit_row(W + int64_t(i) * d, d, wbi, s.wn[i], s.un[i]);
    double qi = 0.0;  // wb_i . x_i
    for (int m = 0; m < d; ++m) qi += wbi[m] * X[int64_t(i) * d + m];
    s.q[i] = qi;
  }
  tm.sync();
  for (int i = tm.rank(); i < n; i += tm.size()) {
    double* out = HX + int64_t(i) * d;
    const double* xi = X + int64_t(i) * d;
    for (int m = 0; m < d; ++m) out[m] = 0.5 * xi[m];
    if (s.wn[i] == 0.0) continue;  // dead neuron: only the smooth |w|^2/4 term
    const double* wbi = s.wb + int64_t(i) * d;
    for (int j = 0; j < n; ++j) {
      if (j == i || s.wn[j] == 0.0) continue;
      const Pair p = pair_geometry(wbi, s.wb + int64_t(j) * d, s.un[i], s.un[j], d, s.a, s.b);
      add_h1_x(out, d, s.wn[j] * p.sint * INV2PI / s.wn[i], wbi, s.q[i], s.b, xi);
      const double* xj = X + int64_t(j) * d;
      double ax = 0.0;
      for (int m = 0; m < d; ++m) ax += s.a[m] * xj[m];
      const double qj = s.q[j];
      for (int m = 0; m < d; ++m)
        out[m] += INV2PI * ((PI - p.t) * xj[m] + p.sint * (wbi[m] * qj + s.b[m] * ax));
    }
    for (int j = 0; j < T.k; ++j) {
      if (T.vn[j] == 0.0) continue;
      const Pair p = pair_geometry(wbi, T.vb + int64_t(j) * d, s.un[i], T.vbn[j], d, s.a, s.b);
      add_h1_x(out, d, -T.vn[j] * p.sint * INV2PI / s.wn[i], wbi, s.q[i], s.b, xi);
    }
  }
  tm.sync();
}

// The Hessian of one restart as the operator x -> H x of lanczos::smallest, for team tm.
template <class Team>
struct HessianProduct {
  const Team& tm;
  const double* W;
  int n, d;
  TeacherView T;
  double* scratch;  // hessian_scratch_size(n, d, tm.size()) doubles
  RELUFAST_HD void operator()(const double* x, double* y) const {
    hvp_restart(tm, W, x, n, d, T, y, scratch);
  }
};

}  // namespace relufast::teacher
