// Exact Hessians of the teacher loss and their products with vectors (closed form, one restart per
// thread).
#include <algorithm>
#include <cmath>
#include <vector>

#include "core/guard.hpp"
#include "core/math.hpp"
#include "core/threads.hpp"
#include "teacher/pair_terms.hpp"
#include "teacher/teacher.hpp"

namespace relufast::teacher {

namespace {

// Geometry of a pair of unit vectors (of lengths nu, nv, 1 up to rounding): angle t, sin t, cos t,
// and the unit vectors a = (wb - cos t vb) / sin t and b = (vb - cos t wb) / sin t (zero when
// sin t = 0).
struct Pair {
  double t, sint, cost;
};

Pair pair_geometry(const double* wb, const double* vb, double nu, double nv, int d, double* a,
                   double* b) {
  double D = 0.0, S = 0.0;
  for (int m = 0; m < d; ++m) add_pair_sums(wb[m], vb[m], nu, nv, D, S);
  const double rd = std::sqrt(D), rs = std::sqrt(S);
  Pair p{2.0 * angle(rd, rs), 0.5 * rd * rs, 0.25 * (S - D)};
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

// Norms wn, unit rows wb and their rounded lengths un (1 up to rounding; 0 for a dead neuron) of
// the n rows of W, with norms that neither under- nor overflow.
void unit_rows(const double* W, int n, int d, double* wb, double* wn, double* un) {
  for (int i = 0; i < n; ++i) {
    double s = 0.0, alive;
    for (int m = 0; m < d; ++m) s += W[i * d + m] * W[i * d + m];
    wn[i] = std::sqrt(s);
    for (int m = 0; m < d; ++m) wb[i * d + m] = wn[i] > 0 ? W[i * d + m] / wn[i] : 0.0;
    if (!plain_norm(s)) neuron_rescaled(W + i * d, 1, d, wb + i * d, 1, wn[i], alive);
    s = 0.0;
    for (int m = 0; m < d; ++m) s += wb[i * d + m] * wb[i * d + m];
    un[i] = std::sqrt(s);
  }
}

// H_ii += sign * h1(w, v): |v| sin t / (2 pi |w|) (I - wb wb^T + b b^T).
void add_h1(double* Hii, int ld, int d, double sign, double wn, double vn, const Pair& p,
            const double* wb, const double* b) {
  const double c = sign * vn * p.sint * INV2PI / wn;
  for (int r = 0; r < d; ++r)
    for (int q = 0; q < d; ++q)
      Hii[r * ld + q] += c * ((r == q ? 1.0 : 0.0) - wb[r] * wb[q] + b[r] * b[q]);
}

void hessian_one(const double* W, int n, int d, const Teacher& T, double* H,
                 std::vector<double>& tmp) {
  const int nd = n * d;
  std::fill(H, H + size_t(nd) * nd, 0.0);
  tmp.resize(size_t(nd) + 2 * n + 2 * d);
  double* wb = tmp.data();
  double* wn = wb + nd;
  double* un = wn + n;  // |wb_i|
  double* a = un + n;
  double* b = a + d;
  unit_rows(W, n, d, wb, wn, un);
  for (int i = 0; i < n; ++i) {
    double* Hii = H + size_t(i) * d * nd + size_t(i) * d;
    for (int m = 0; m < d; ++m) Hii[m * nd + m] += 0.5;
    if (wn[i] == 0.0) continue;  // dead neuron: relu'(0) = 0, only the smooth |w|^2/4 term is left
    const double* wbi = wb + i * d;
    for (int j = 0; j < n; ++j) {
      if (j == i || wn[j] == 0.0) continue;
      const Pair p = pair_geometry(wbi, wb + j * d, un[i], un[j], d, a, b);
      add_h1(Hii, nd, d, 1.0, wn[i], wn[j], p, wbi, b);
      if (j > i) {  // off-diagonal block h2 and its transpose
        double* Hij = H + size_t(i) * d * nd + size_t(j) * d;
        double* Hji = H + size_t(j) * d * nd + size_t(i) * d;
        const double* wbj = wb + j * d;
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
      const Pair p = pair_geometry(wbi, T.vb.data() + size_t(j) * d, un[i], T.vbn[j], d, a, b);
      add_h1(Hii, nd, d, -1.0, wn[i], T.vn[j], p, wbi, b);
    }
  }
}

// x_i-part of the diagonal block h1 applied to x_i: c (x_i - wb_i (wb_i . x_i) + b (b . x_i)).
void add_h1_x(double* out, int d, double c, const double* wbi, double qi, const double* b,
              const double* xi) {
  double bx = 0.0;
  for (int m = 0; m < d; ++m) bx += b[m] * xi[m];
  for (int m = 0; m < d; ++m) out[m] += c * (xi[m] - wbi[m] * qi + b[m] * bx);
}

// H(W) X for one restart, block by block as hessian_one builds H: O(n (n + k) d), no n d x n d.
void hvp_one(const double* W, const double* X, int n, int d, const Teacher& T, double* HX,
             std::vector<double>& tmp) {
  const int nd = n * d;
  tmp.resize(size_t(nd) + 3 * size_t(n) + 2 * d);
  double* wb = tmp.data();
  double* wn = wb + nd;
  double* un = wn + n;  // |wb_i|
  double* q = un + n;   // wb_j . x_j
  double* a = q + n;
  double* b = a + d;
  unit_rows(W, n, d, wb, wn, un);
  for (int i = 0; i < n; ++i) {
    double qi = 0.0;
    for (int m = 0; m < d; ++m) qi += wb[i * d + m] * X[i * d + m];
    q[i] = qi;
  }
  for (int i = 0; i < n; ++i) {
    double* out = HX + size_t(i) * d;
    const double* xi = X + size_t(i) * d;
    for (int m = 0; m < d; ++m) out[m] = 0.5 * xi[m];
    if (wn[i] == 0.0) continue;  // dead neuron: only the smooth |w|^2/4 term
    const double* wbi = wb + i * d;
    for (int j = 0; j < n; ++j) {
      if (j == i || wn[j] == 0.0) continue;
      const Pair p = pair_geometry(wbi, wb + j * d, un[i], un[j], d, a, b);
      add_h1_x(out, d, wn[j] * p.sint * INV2PI / wn[i], wbi, q[i], b, xi);
      const double* xj = X + size_t(j) * d;
      double ax = 0.0;
      for (int m = 0; m < d; ++m) ax += a[m] * xj[m];
      for (int m = 0; m < d; ++m)
        out[m] += INV2PI * ((PI - p.t) * xj[m] + p.sint * (wbi[m] * q[j] + b[m] * ax));
    }
    for (int j = 0; j < T.k; ++j) {
      if (T.vn[j] == 0.0) continue;
      const Pair p = pair_geometry(wbi, T.vb.data() + size_t(j) * d, un[i], T.vbn[j], d, a, b);
      add_h1_x(out, d, -T.vn[j] * p.sint * INV2PI / wn[i], wbi, q[i], b, xi);
    }
  }
}

}  // namespace

void hessian(const double* W, int64_t R, int n, int d, const Teacher& T, double* H) {
  const int64_t nd = int64_t(n) * d;
  const int threads = team_size(R);
  Guard guard("teacher Hessian", sizeof(double) * size_t(nd + 2 * n + 2 * d), threads);
#pragma omp parallel num_threads(threads)
  {
    std::vector<double> tmp;
#pragma omp for schedule(static)
    for (int64_t r = 0; r < R; ++r)
      guard.run([&] { hessian_one(W + r * nd, n, d, T, H + r * nd * nd, tmp); });
  }
  guard.rethrow();
}

void hessian_vector(const double* W, const double* X, int64_t R, int n, int d, const Teacher& T,
                    double* HX) {
  const int64_t nd = int64_t(n) * d;
  const int threads = team_size(R);
  Guard guard("teacher Hessian-vector product", sizeof(double) * size_t(nd + 2 * n + 2 * d),
              threads);
#pragma omp parallel num_threads(threads)
  {
    std::vector<double> tmp;
#pragma omp for schedule(static)
    for (int64_t r = 0; r < R; ++r)
      guard.run([&] { hvp_one(W + r * nd, X + r * nd, n, d, T, HX + r * nd, tmp); });
  }
  guard.rethrow();
}

}  // namespace relufast::teacher
