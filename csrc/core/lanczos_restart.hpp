// The smallest eigenpair of ONE symmetric operator from its products alone: Lanczos with full
// reorthogonalisation and explicit restarts, the tridiagonal problem solved by Sturm bisection and
// inverse iteration. A Team (core/team.hpp) shares the work: member t owns the coordinates
// t, t + size, ... of every vector, dot products are reduced over the team, and the small
// tridiagonal problem is solved by the leader and broadcast. The C++ host twin runs it with a Solo
// team or an OmpTeam; each CUDA warp runs it on its own restart's Hessian, so no matrix ever
// leaves the device. The stopping rule and certificate are those of the Python batched Lanczos
// (relufast/lanczos.py): converged when the residual |A y - theta y|, recomputed with one more
// product, is at most tol * max(1, |T|).
//
// The operator is a functor mv(x, y) writing A x into y (all N coordinates, complete for every
// member on return); x is complete for every member when it is called.
#pragma once
#include <cmath>
#include <cstdint>

#include "core/hd.hpp"
#include "core/math.hpp"

namespace relufast::lanczos {

struct Result {
  double value = NAN, residual = INFINITY;
  int64_t products = 0;
  bool converged = false;
};

// Doubles of scratch for dimension N and at most m basis vectors: the basis (m N), the product w
// (N) and the tridiagonal problem (8 m: alpha, beta, its eigenvector and 5 m of work).
RELUFAST_HD inline int64_t scratch_size(int64_t N, int m) { return int64_t(m) * N + N + 8 * m; }

// The start-vector seed of problem r of a batch (each problem its own stream).
RELUFAST_HD inline uint64_t problem_seed(uint64_t seed, int64_t r) {
  return seed ^ (0xD1B54A32D192ED03ull * uint64_t(r + 1));
}

// Eigenvalues of the k x k tridiagonal T (diagonal al, off-diagonal be) below x (Sturm count).
RELUFAST_HD inline int sturm_count(const double* al, const double* be, int k, double x,
                                   double tiny) {
  int count = 0;
  double q = 1.0;
  for (int i = 0; i < k; ++i) {
    const double off = i > 0 ? be[i - 1] * be[i - 1] / q : 0.0;
    q = al[i] - x - off;
    if (q == 0.0) q = -tiny;  // LAPACK's pivmin: a zero pivot counts as below
    if (q < 0.0) ++count;
  }
  return count;
}

// The smallest (largest = false) or largest eigenvalue of T by bisection on the Gershgorin
// interval, to an absolute accuracy of about eps |T| (as a dense symmetric eigensolver's; the
// recomputed residual certifies the rest).
RELUFAST_HD inline double tridiagonal_extreme(const double* al, const double* be, int k,
                                              bool largest) {
  double lo = INFINITY, hi = -INFINITY;
  for (int i = 0; i < k; ++i) {
    const double r = (i > 0 ? std::fabs(be[i - 1]) : 0.0) + (i + 1 < k ? std::fabs(be[i]) : 0.0);
    lo = dmin(lo, al[i] - r);
    hi = dmax(hi, al[i] + r);
  }
  const double scale = dmax(std::fabs(lo), std::fabs(hi));
  const double tiny = dmax(scale, 1e-300) * 1e-300;
  for (int it = 0; it < 200 && hi - lo > 2e-16 * scale; ++it) {
    const double mid = 0.5 * (lo + hi);
    if (mid <= lo || mid >= hi) break;
    const int below = sturm_count(al, be, k, mid, tiny);
    if (largest ? below >= k : below >= 1) hi = mid;
    else lo = mid;
  }
  return 0.5 * (lo + hi);
}

// A unit eigenvector u of T for its eigenvalue theta: two steps of inverse iteration with
// (T - theta I) factored by Gaussian elimination with partial pivoting (LAPACK dgttrf / dgtts).
// Work: 5 k doubles.
RELUFAST_HD inline void tridiagonal_vector(const double* al, const double* be, int k, double theta,
                                           double scale, double* u, double* work) {
  double *dg = work, *up = work + k, *lw = work + 2 * k, *up2 = work + 3 * k, *piv = work + 4 * k;
  // a pivot below eps |T| / 100 is one of theta's rounding: set to that size, the growth of a step
  // stays below ~1e18 (no overflow), and the eigenvector still dominates the solve
  const double tiny = dmax(scale, 1e-300) * 1e-18;
  for (int i = 0; i < k; ++i) {
    dg[i] = al[i] - theta;
    up[i] = i + 1 < k ? be[i] : 0.0;
    lw[i] = i + 1 < k ? be[i] : 0.0;
    up2[i] = 0.0;
  }
  for (int i = 0; i + 1 < k; ++i) {  // eliminate lw[i]; swap rows i, i+1 where that pivots better
    if (std::fabs(dg[i]) >= std::fabs(lw[i])) {
      piv[i] = 0.0;
      const double f = dg[i] != 0.0 ? lw[i] / dg[i] : 0.0;
      lw[i] = f;
      dg[i + 1] -= f * up[i];
    } else {
      piv[i] = 1.0;
      const double f = dg[i] / lw[i];
      dg[i] = lw[i];
      lw[i] = f;
      const double t = up[i];
      up[i] = dg[i + 1];
      dg[i + 1] = t - f * dg[i + 1];
      if (i + 2 < k) {
        up2[i] = up[i + 1];
        up[i + 1] = -f * up[i + 1];
      }
    }
  }
  for (int i = 0; i < k; ++i)
    if (std::fabs(dg[i]) < tiny) dg[i] = dg[i] < 0.0 ? -tiny : tiny;  // theta is an eigenvalue
  for (int i = 0; i < k; ++i) u[i] = 1.0;
  for (int pass = 0; pass < 2; ++pass) {
    for (int i = 0; i + 1 < k; ++i) {  // L solve with the row swaps
      if (piv[i] == 0.0) {
        u[i + 1] -= lw[i] * u[i];
      } else {
        const double t = u[i];
        u[i] = u[i + 1];
        u[i + 1] = t - lw[i] * u[i + 1];
      }
    }
    for (int i = k - 1; i >= 0; --i) {  // U solve
      double x = u[i];
      if (i + 1 < k) x -= up[i] * u[i + 1];
      if (i + 2 < k) x -= up2[i] * u[i + 2];
      u[i] = x / dg[i];
    }
    double mx = 0.0;  // rescale before the norm: the solve can grow by 1 / tiny
    for (int i = 0; i < k; ++i) mx = dmax(mx, std::fabs(u[i]));
    double nn = 0.0;
    for (int i = 0; i < k; ++i) {
      u[i] = u[i] / mx;
      nn += u[i] * u[i];
    }
    const double inv = 1.0 / std::sqrt(nn);
    for (int i = 0; i < k; ++i) u[i] = u[i] * inv;
  }
}

template <class Team>
RELUFAST_HD inline double dot(const Team& tm, const double* x, const double* y, int64_t N) {
  double s = 0.0;
  for (int64_t i = tm.rank(); i < N; i += tm.size()) s += x[i] * y[i];
  return tm.sum(s);
}

// |x|_2 without overflow or underflow in the squares (Hessian entries reach 1e170 at tiny neurons).
template <class Team>
RELUFAST_HD inline double norm2(const Team& tm, const double* x, int64_t N) {
  double mx = 0.0;
  for (int64_t i = tm.rank(); i < N; i += tm.size()) mx = dmax(mx, std::fabs(x[i]));
  mx = tm.max(mx);
  if (mx == 0.0 || !std::isfinite(mx)) return mx;
  double s = 0.0;
  for (int64_t i = tm.rank(); i < N; i += tm.size()) s += (x[i] / mx) * (x[i] / mx);
  return mx * std::sqrt(tm.sum(s));
}

// A deterministic start vector in (-1, 1)^N from (seed, index): splitmix64.
RELUFAST_HD inline double start_entry(uint64_t seed, int64_t i) {
  uint64_t z = seed + 0x9E3779B97F4A7C15ull * uint64_t(i + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return double(z >> 11) * 0x1p-52 - 1.0;
}

// The smallest eigenpair of the N x N operator mv: Ritz vector into y (N), at most m basis vectors
// per pass and max_restarts restarts from the last Ritz vector.
template <class Team, class MatVec>
RELUFAST_HD inline Result smallest(const Team& tm, const MatVec& mv, int64_t N, int m, double tol,
                                   int max_restarts, uint64_t seed, double* y, double* scratch) {
  double* Q = scratch;
  double* w = Q + int64_t(m) * N;
  double *al = w + N, *be = al + m, *u = be + m, *work = u + m;
  const int64_t r0 = tm.rank(), rs = tm.size();  // this member's coordinates: r0, r0 + rs, ...
  Result res;
  for (int64_t p = r0; p < N; p += rs) y[p] = start_entry(seed, p);
  for (int pass = 0; pass <= max_restarts; ++pass) {
    double nv = norm2(tm, y, N);
    for (int64_t p = r0; p < N; p += rs) Q[p] = y[p] / nv;
    tm.sync();
    int k = 0;
    double theta = 0.0, scale = 1.0;
    for (int j = 0; j < m; ++j) {
      const double* q = Q + int64_t(j) * N;
      mv(q, w);
      ++res.products;
      // full reorthogonalisation against the whole basis: no ghosts, and alpha, beta stay those
      // of an orthonormal basis. A second pass only where the first cancelled more than half the
      // norm (Daniel-Gragg-Kaufman-Stewart; "twice is enough"): the basis is read once, not twice.
      double a = 0.0, before = norm2(tm, w, N), b = 0.0;
      for (int twice = 0; twice < 2; ++twice) {
        for (int i = 0; i <= j; ++i) {
          const double* qi = Q + int64_t(i) * N;
          const double c = dot(tm, w, qi, N);
          for (int64_t p = r0; p < N; p += rs) w[p] = w[p] - c * qi[p];
          if (i == j) a += c;
        }
        b = norm2(tm, w, N);
        if (b > 0.7071067811865476 * before) break;
        before = b;
      }
      k = j + 1;
      // the Ritz pair of this basis, every step: O(k) bisection against O(k N) of
      // reorthogonalisation; the leader solves, the team reads theta, scale, u
      double est = 0.0;
      if (tm.leader()) {
        al[j] = a;
        be[j] = b;
        theta = tridiagonal_extreme(al, be, k, false);
        const double top = tridiagonal_extreme(al, be, k, true);
        scale = dmax(1.0, dmax(std::fabs(theta), std::fabs(top)));
        tridiagonal_vector(al, be, k, theta, scale, u, work);
        est = std::fabs(b * u[k - 1]);
      }
      theta = tm.broadcast(theta);
      scale = tm.broadcast(scale);
      est = tm.broadcast(est);
      tm.sync();
      // converged by the recurrence's residual |b u_k|, an invariant subspace (b = 0: its Ritz
      // values are exact), or the basis is full
      if (est <= tol * scale || b <= 1e-13 * scale || k == m || k == N) break;
      double* next = Q + int64_t(j + 1) * N;
      for (int64_t p = r0; p < N; p += rs) next[p] = w[p] / b;
      tm.sync();
    }
    for (int64_t p = r0; p < N; p += rs) {  // the Ritz vector y = Q u
      double x = 0.0;
      for (int i = 0; i < k; ++i) x += u[i] * Q[int64_t(i) * N + p];
      y[p] = x;
    }
    nv = norm2(tm, y, N);
    for (int64_t p = r0; p < N; p += rs) y[p] = y[p] / nv;
    tm.sync();
    mv(y, w);  // the certificate: the residual recomputed, not the recurrence's estimate
    ++res.products;
    for (int64_t p = r0; p < N; p += rs) w[p] = w[p] - theta * y[p];
    res.value = theta;
    res.residual = norm2(tm, w, N);
    if (res.residual <= tol * scale) {
      res.converged = true;
      break;
    }
    tm.sync();  // every member done with w before the next pass overwrites it
  }
  return res;
}

}  // namespace relufast::lanczos
