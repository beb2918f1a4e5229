#include "linalg.hpp"

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "common.hpp"

namespace relufast::linalg {

namespace {

// Reduce the symmetric matrix A (m x m, full storage, destroyed) to tridiagonal form T = Q^T A Q.
// diag (m) and off (m - 1) receive T. Full-storage updates keep the inner loops unit-stride.
void tridiagonalize(double* A, int m, double* diag, double* off, double* v, double* p) {
  for (int k = 0; k + 2 < m; ++k) {
    const int s = k + 1, len = m - s;
    double norm2 = 0.0;
    for (int i = 0; i < len; ++i) {
      v[i] = A[size_t(s + i) * m + k];
      norm2 += v[i] * v[i];
    }
    diag[k] = A[size_t(k) * m + k];
    const double norm = std::sqrt(norm2);
    if (norm == 0.0) {
      off[k] = 0.0;
      continue;
    }
    const double alpha = v[0] > 0 ? -norm : norm;  // reflect x onto alpha e_1
    off[k] = alpha;
    v[0] -= alpha;
    double vn2 = 0.0;
    for (int i = 0; i < len; ++i) vn2 += v[i] * v[i];
    if (vn2 == 0.0) continue;
    const double inv = 1.0 / std::sqrt(vn2);
    for (int i = 0; i < len; ++i) v[i] *= inv;
    // p = A22 v; w = p - (v.p) v; A22 -= 2 (v w^T + w v^T).
    double vp = 0.0;
    for (int i = 0; i < len; ++i) {
      const double* row = A + size_t(s + i) * m + s;
      double acc = 0.0;
#pragma omp simd reduction(+ : acc)
      for (int j = 0; j < len; ++j) acc += row[j] * v[j];
      p[i] = acc;
      vp += v[i] * acc;
    }
    for (int i = 0; i < len; ++i) p[i] = 2.0 * (p[i] - vp * v[i]);
    for (int i = 0; i < len; ++i) {
      double* row = A + size_t(s + i) * m + s;
      const double vi = v[i], pi = p[i];
#pragma omp simd
      for (int j = 0; j < len; ++j) row[j] -= vi * p[j] + pi * v[j];
    }
  }
  if (m >= 2) {
    diag[m - 2] = A[size_t(m - 2) * m + (m - 2)];
    off[m - 2] = A[size_t(m - 1) * m + (m - 2)];
  }
  diag[m - 1] = A[size_t(m - 1) * m + (m - 1)];
}

// Number of eigenvalues of the tridiagonal (diag, off) below x (Sturm sequence of LDL^T pivots).
int count_below(const double* diag, const double* off, int m, double x) {
  int count = 0;
  double q = diag[0] - x;
  const double tiny = std::numeric_limits<double>::min();
  for (int i = 0;; ++i) {
    if (q < 0) ++count;
    if (i + 1 == m) break;
    if (std::fabs(q) < tiny) q = -tiny;
    q = diag[i + 1] - x - off[i] * off[i] / q;
  }
  return count;
}

double smallest_eigenvalue(const double* diag, const double* off, int m) {
  double lo = diag[0], hi = diag[0];
  for (int i = 0; i < m; ++i) {  // Gershgorin interval
    const double r = (i > 0 ? std::fabs(off[i - 1]) : 0.0) + (i + 1 < m ? std::fabs(off[i]) : 0.0);
    lo = std::min(lo, diag[i] - r);
    hi = std::max(hi, diag[i] + r);
  }
  const double eps = std::numeric_limits<double>::epsilon();
  const double scale = std::max(std::fabs(lo), std::fabs(hi));
  for (int it = 0; it < 200 && hi - lo > 2 * eps * scale + std::numeric_limits<double>::min(); ++it) {
    const double mid = 0.5 * (lo + hi);
    if (mid <= lo || mid >= hi) break;
    if (count_below(diag, off, m, mid) >= 1)
      hi = mid;
    else
      lo = mid;
  }
  return 0.5 * (lo + hi);
}

}  // namespace

void min_eigenvalues(const double* A, int64_t R, int m, double* out) {
  if (m <= 0) return;
#pragma omp parallel
  {
    std::vector<double> work(size_t(m) * m), diag(m), off(m), v(m), p(m);
#pragma omp for schedule(dynamic, 1)
    for (int64_t r = 0; r < R; ++r) {
      std::memcpy(work.data(), A + r * m * m, sizeof(double) * m * m);
      tridiagonalize(work.data(), m, diag.data(), off.data(), v.data(), p.data());
      out[r] = smallest_eigenvalue(diag.data(), off.data(), m);
    }
  }
}

}  // namespace relufast::linalg
