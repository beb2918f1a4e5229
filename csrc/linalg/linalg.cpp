#include "linalg/linalg.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <vector>

#include "core/guard.hpp"
#include "core/simd.hpp"
#include "core/threads.hpp"

namespace relufast::linalg {

namespace {

constexpr int L = LANES;  // doubles per SIMD chunk (one zmm or ymm, two xmm)

// Chunks of L doubles are core/simd.hpp's lanes (lane-wise IEEE arithmetic, no reassociation).
inline double hsum(lanes v) {  // fixed order: results never depend on the thread count
  double s = 0.0;
  for (int l = 0; l < L; ++l) s += v[l];
  return s;
}
// Sums of four chunks, one per output, by a fixed pairwise tree.
inline void hsum4(lanes a0, lanes a1, lanes a2, lanes a3, double* out) {
  double t[4][L];
  store(t[0], a0);
  store(t[1], a1);
  store(t[2], a2);
  store(t[3], a3);
  for (int r = 0; r < 4; ++r) {
    double h[L];
    for (int l = 0; l < L; ++l) h[l] = t[r][l];
    for (int w = L / 2; w >= 1; w /= 2)
      for (int l = 0; l < w; ++l) h[l] += h[l + w];
    out[r] = h[0];
  }
}

// Per-thread scratch: the matrix in full storage with a padded row stride (ld, a multiple of L) so
// that column chunks [j0, j0 + L) sit at the same offset in every row; vectors padded to ld.
struct Work {
  int m = 0, ld = 0;
  double* a = nullptr;  // m rows of ld doubles (only the lower triangle is meaningful)
  double *v, *vp, *wp, *pc, *q, *col, *diag, *off;
  std::vector<double> buf;
  static size_t doubles(int m) {
    const size_t ld = (size_t(m) + L - 1) / L * L;
    return size_t(m) * ld + 6 * ld + 2 * size_t(m) + 16;
  }
  explicit Work(int m_) : m(m_), ld((m_ + L - 1) / L * L) {
    buf.assign(doubles(m), 0.0);
    double* base = buf.data();
    while (reinterpret_cast<uintptr_t>(base) % 64) ++base;  // 64-byte aligned rows
    a = base;
    v = a + size_t(m) * ld;
    vp = v + ld;
    wp = vp + ld;
    pc = wp + ld;
    q = pc + ld;
    col = q + ld;
    diag = col + ld;
    off = diag + m;
  }
};

// Masked accumulation for the chunk [j0, j0 + L) of row r: the whole chunk is updated (lanes right
// of the diagonal are upper-triangle storage, never read), the symmetric product uses j <= r for
// the row sum and j < r for the column sums.
inline void row_tail(double* row, int j0, int r, double vpr, double wpr, double vr,
                     const double* vp, const double* wp, const double* v, double* pc, lanes& acc) {
  const lanes jv = iota() + double(j0);
  lanes x = load(row + j0) - vpr * load(wp + j0) - wpr * load(vp + j0);
  store(row + j0, x);
  const lanes zero = {};
  const lanes xle = (jv <= double(r)) ? x : zero;
  const lanes xlt = (jv < double(r)) ? x : zero;
  acc += xle * load(v + j0);
  store(pc + j0, load(pc + j0) + xlt * vr);
}

// Householder tridiagonalisation T = Q^T A Q of the lower triangle of w.a (destroyed), one pass
// over the trailing matrix per step: the rank-2 update of step k - 1 is applied while the product
// A v of step k is accumulated (symv and syr2 fused, each element loaded and stored once).
__attribute__((noinline)) void tridiagonalize(Work& w) {
  const int m = w.m, ld = w.ld;
  double *a = w.a, *v = w.v, *vp = w.vp, *wp = w.wp, *pc = w.pc, *q = w.q, *col = w.col;
  std::fill(vp, vp + ld, 0.0);
  std::fill(wp, wp + ld, 0.0);
  for (int k = 0; k + 2 < m; ++k) {
    // Column k (rows >= k) with the pending update applied.
    const double vpk = vp[k], wpk = wp[k];
    if (k == 0)
      for (int i = 0; i < m; ++i) col[i] = a[size_t(i) * ld];
    for (int i = k; i < m; ++i) col[i] -= vp[i] * wpk + wp[i] * vpk;
    w.diag[k] = col[k];
    vp[k] = wp[k] = 0.0;  // column k is done: the pass below must not touch it again
    // Reflector: v (unit, zero outside [k + 1, m)) maps x = A[k+1:, k] onto alpha e_1.
    std::fill(v, v + ld, 0.0);
    const int s = k + 1;
    double norm2 = 0.0;
    for (int i = s; i < m; ++i) {
      v[i] = col[i];
      norm2 += v[i] * v[i];
    }
    const double norm = std::sqrt(norm2);
    double alpha = 0.0;
    if (norm > 0.0) {
      alpha = v[s] > 0 ? -norm : norm;
      v[s] -= alpha;
      double vn2 = 0.0;
      for (int i = s; i < m; ++i) vn2 += v[i] * v[i];
      const double inv = vn2 > 0.0 ? 1.0 / std::sqrt(vn2) : 0.0;
      for (int i = s; i < m; ++i) v[i] *= inv;
    }
    w.off[k] = alpha;
    // Fused pass over rows s..m-1 (four at a time): A -= vp wp^T + wp vp^T, then p = A v. The
    // updated column s (next step's reflector column) is kept contiguous in col.
    std::fill(pc, pc + ld, 0.0);
    const int c0 = s / L * L;
    int i = s;
    for (; i + 3 < m; i += 4) {
      double* r0 = a + size_t(i) * ld;
      double* r1 = r0 + ld;
      double* r2 = r1 + ld;
      double* r3 = r2 + ld;
      const double vp0 = vp[i], wp0 = wp[i], v0 = v[i];
      const double vp1 = vp[i + 1], wp1 = wp[i + 1], v1 = v[i + 1];
      const double vp2 = vp[i + 2], wp2 = wp[i + 2], v2 = v[i + 2];
      const double vp3 = vp[i + 3], wp3 = wp[i + 3], v3 = v[i + 3];
      lanes acc0 = {}, acc1 = {}, acc2 = {}, acc3 = {};
      const int cend = i / L * L;  // chunks [j0, j0 + L) with j0 + L <= i: below all four diagonals
      for (int j0 = c0; j0 < cend; j0 += L) {
        const lanes wj = load(wp + j0), vj = load(vp + j0), xv = load(v + j0);
        lanes x0 = load(r0 + j0), x1 = load(r1 + j0), x2 = load(r2 + j0), x3 = load(r3 + j0);
        x0 = x0 - vp0 * wj - wp0 * vj;
        x1 = x1 - vp1 * wj - wp1 * vj;
        x2 = x2 - vp2 * wj - wp2 * vj;
        x3 = x3 - vp3 * wj - wp3 * vj;
        store(r0 + j0, x0);
        store(r1 + j0, x1);
        store(r2 + j0, x2);
        store(r3 + j0, x3);
        acc0 += x0 * xv;
        acc1 += x1 * xv;
        acc2 += x2 * xv;
        acc3 += x3 * xv;
        store(pc + j0, load(pc + j0) + x0 * v0 + x1 * v1 + x2 * v2 + x3 * v3);
      }
      const int jt = std::max(cend, c0);
      for (int j0 = jt; j0 <= i; j0 += L) row_tail(r0, j0, i, vp0, wp0, v0, vp, wp, v, pc, acc0);
      for (int j0 = jt; j0 <= i + 1; j0 += L)
        row_tail(r1, j0, i + 1, vp1, wp1, v1, vp, wp, v, pc, acc1);
      for (int j0 = jt; j0 <= i + 2; j0 += L)
        row_tail(r2, j0, i + 2, vp2, wp2, v2, vp, wp, v, pc, acc2);
      for (int j0 = jt; j0 <= i + 3; j0 += L)
        row_tail(r3, j0, i + 3, vp3, wp3, v3, vp, wp, v, pc, acc3);
      hsum4(acc0, acc1, acc2, acc3, q + i);
      col[i] = r0[s];
      col[i + 1] = r1[s];
      col[i + 2] = r2[s];
      col[i + 3] = r3[s];
    }
    for (; i < m; ++i) {
      double* r0 = a + size_t(i) * ld;
      lanes acc0 = {};
      for (int j0 = c0; j0 <= i; j0 += L)
        row_tail(r0, j0, i, vp[i], wp[i], v[i], vp, wp, v, pc, acc0);
      q[i] = hsum(acc0);
      col[i] = r0[s];
    }
    // w = 2 (p - (v.p) v); the update A -= v w^T + w v^T becomes pending.
    double vdp = 0.0;
    for (int t = s; t < m; ++t) {
      q[t] += pc[t];
      vdp += v[t] * q[t];
    }
    std::fill(wp, wp + ld, 0.0);
    for (int t = s; t < m; ++t) wp[t] = 2.0 * (q[t] - vdp * v[t]);
    std::copy(v, v + ld, vp);
  }
  if (m >= 2) {
    const int t = m - 2;
    double* r0 = a + size_t(t) * ld;
    double* r1 = r0 + ld;
    w.diag[t] = r0[t] - 2.0 * vp[t] * wp[t];
    w.off[t] = r1[t] - (vp[t + 1] * wp[t] + wp[t + 1] * vp[t]);
    w.diag[t + 1] = r1[t + 1] - 2.0 * vp[t + 1] * wp[t + 1];
  } else {
    w.diag[0] = a[0];
  }
}

// Sturm counts at L points at once (one per lane): the pivot recurrence is latency-bound, so L
// points cost about as much as one.
inline lanes count_below(const double* diag, const double* off2, int m, lanes x) {
  const double tiny = std::numeric_limits<double>::min();
  const lanes one = lanes{} + 1.0, zero = {}, ntiny = lanes{} - tiny;
  lanes count = {};
  lanes q = diag[0] - x;
  for (int i = 0;; ++i) {
    q = (q < tiny && q > -tiny) ? ntiny : q;  // a zero pivot counts as negative (LAPACK dstebz)
    count += (q < 0.0) ? one : zero;
    if (i + 1 == m) break;
    q = diag[i + 1] - x - off2[i] / q;
  }
  return count;
}

// Smallest eigenvalue of the tridiagonal (diag, off): L-section of the Gershgorin interval on
// Sturm counts (the bracket shrinks (L + 1)-fold per sweep) down to a few ulps.
__attribute__((noinline)) double smallest_eigenvalue(const double* diag, double* off, int m) {
  double lo = diag[0], hi = diag[0];
  for (int i = 0; i < m; ++i) {  // Gershgorin interval
    const double r = (i > 0 ? std::fabs(off[i - 1]) : 0.0) + (i + 1 < m ? std::fabs(off[i]) : 0.0);
    lo = std::min(lo, diag[i] - r);
    hi = std::max(hi, diag[i] + r);
  }
  for (int i = 0; i + 1 < m; ++i) off[i] *= off[i];  // squared couplings from here on
  const double eps = std::numeric_limits<double>::epsilon();
  const double scale = std::max(std::fabs(lo), std::fabs(hi));
  const lanes frac = (iota() + 1.0) / double(L + 1);
  for (int it = 0; it < 100 && hi - lo > 2 * eps * scale + std::numeric_limits<double>::min();
       ++it) {
    const lanes x = lo + (hi - lo) * frac;
    const lanes c = count_below(diag, off, m, x);
    double nlo = lo, nhi = hi;
    for (int l = 0; l < L; ++l) {  // first point with an eigenvalue below it
      if (c[l] >= 1.0) {
        nhi = x[l];
        break;
      }
      nlo = x[l];
    }
    nlo = std::max(nlo, lo);
    nhi = std::min(nhi, hi);
    if (nlo == lo && nhi == hi) break;  // no representable progress
    lo = nlo;
    hi = nhi;
  }
  return 0.5 * (lo + hi);
}

}  // namespace

void min_eigenvalues(const double* A, int64_t R, int m, double* out) {
  if (m <= 0) return;
  const int threads = team_size(R);
  Guard guard("eigenvalue", sizeof(double) * Work::doubles(m), threads);
#pragma omp parallel num_threads(threads)
  {
    std::unique_ptr<Work> wp;
    guard.run([&] { wp = std::make_unique<Work>(m); });
#pragma omp for schedule(dynamic, 1)
    for (int64_t r = 0; r < R; ++r)
      guard.run([&] {
        Work& w = *wp;
        const double* src = A + r * int64_t(m) * m;
        // Scale the lower triangle by a power of two (exact) so its largest entry is ~1: the sums
        // of squares in the reflectors can neither underflow nor overflow.
        double amax = 0.0;
        for (int i = 0; i < m; ++i)
          for (int j = 0; j <= i; ++j) amax = std::max(amax, std::fabs(src[size_t(i) * m + j]));
        int e = 0;
        if (amax > 0.0 && std::isfinite(amax)) std::frexp(amax, &e);
        const double f1 = std::ldexp(1.0, -e / 2), f2 = std::ldexp(1.0, -e - (-e / 2));
        for (int i = 0; i < m; ++i) {
          const double* s = src + size_t(i) * m;
          double* d = w.a + size_t(i) * w.ld;
          for (int j = 0; j <= i; ++j) d[j] = (s[j] * f1) * f2;
        }
        tridiagonalize(w);
        out[r] = std::ldexp(smallest_eigenvalue(w.diag, w.off, m), e);
      });
  }
  guard.rethrow();
}

}  // namespace relufast::linalg
