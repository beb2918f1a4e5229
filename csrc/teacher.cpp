#include "teacher.hpp"

#include <cstring>
#include <stdexcept>

#include "common.hpp"

#define LANE_LOOP _Pragma("omp simd") for (int l = 0; l < LANES; ++l)

namespace relufast::teacher {

namespace {

constexpr int L = LANES;

// Per-thread scratch for one block of L restarts, laid out [neuron][coordinate][lane].
struct Scratch {
  std::vector<double> wb, wn, alive, a, pre;
  Scratch(int n, int d) : wb(size_t(n) * d * L), wn(n * L), alive(n * L), a(n * L), pre(d * L) {}
};

// E[relu(w.x) relu(v.x)] / (|w||v|) as a function of the angle: (sin t + (pi - t) cos t) / 2pi.
__attribute__((always_inline)) inline double kappa(double t, double sint, double cost) { return (sint + (PI - t) * cost) * INV2PI; }

// The lane loops below live in small functions of their own: gcc vectorises each of them
// reliably, which it does not when they are all inlined into one large loop nest.

// D = |ub - vb|^2 and S = |ub + vb|^2 per lane; vb is per lane (stride L) or shared (stride 0).
template <int VS>
void pair_sums(const double* ub, const double* vb, int d, double* D, double* S) {
  LANE_LOOP D[l] = S[l] = 0.0;
  for (int m = 0; m < d; ++m) LANE_LOOP {
    const double v = vb[m * (VS ? L : 1) + (VS ? l : 0)];
    const double x = ub[m * L + l] - v, y = ub[m * L + l] + v;
    D[l] += x * x;
    S[l] += y * y;
  }
}

// Student pair (i, j): coefficients of the gradient and the pair's share of F.
__attribute__((noinline)) void student_pair(const double* D, const double* S, const double* al_i,
                                            const double* al_j, const double* wn_i,
                                            const double* wn_j, double* a_i, double* a_j,
                                            double* pt, double* f) {
  LANE_LOOP {
    const double rd = std::sqrt(D[l]), rs = std::sqrt(S[l]);
    const double t = 2.0 * angle(rd, rs);
    const double sint = 0.5 * rd * rs, cost = 0.25 * (S[l] - D[l]);
    const double both = al_i[l] * al_j[l];
    pt[l] = (PI - t) * INV2PI * both;
    a_i[l] += wn_j[l] * sint * INV2PI * both;
    a_j[l] += wn_i[l] * sint * INV2PI * both;
    f[l] += wn_i[l] * wn_j[l] * kappa(t, sint, cost);
  }
}

// Student i against a general teacher row of norm vn.
__attribute__((noinline)) void teacher_pair(const double* D, const double* S, const double* al,
                                            const double* wn, double vn, double* a, double* pt,
                                            double* f) {
  LANE_LOOP {
    const double rd = std::sqrt(D[l]), rs = std::sqrt(S[l]);
    const double t = 2.0 * angle(rd, rs);
    const double sint = 0.5 * rd * rs, cost = 0.25 * (S[l] - D[l]);
    pt[l] = (PI - t) * INV2PI * al[l];
    a[l] -= vn * sint * INV2PI * al[l];
    f[l] -= wn[l] * vn * kappa(t, sint, cost);
  }
}

// Student i against the identity teacher: v_j = e_j, so cos t = wb_j and sin t = |wb without
// coordinate j|, from prefix and suffix sums of squares (no cancellation anywhere).
__attribute__((noinline)) void identity_teacher(const double* wb, int d, const double* al,
                                                const double* wn, double* a, double* g, double* f,
                                                double* pre) {
  double acc[L] = {};
  for (int m = 0; m < d; ++m) LANE_LOOP {
    pre[m * L + l] = acc[l];
    acc[l] += wb[m * L + l] * wb[m * L + l];
  }
  double suf[L] = {};
  for (int j = d - 1; j >= 0; --j) LANE_LOOP {
    const double c = wb[j * L + l];
    const double sint = std::sqrt(pre[j * L + l] + suf[l]);
    const double t = angle(sint, c);
    a[l] -= sint * INV2PI * al[l];
    g[j * L + l] -= (PI - t) * INV2PI * al[l];
    f[l] -= wn[l] * kappa(t, sint, c);
    suf[l] += c * c;
  }
}

// Loss, gradient and per-restart max neuron-gradient norm for one block (w, g: [n][d][L]).
// Dead neurons (|w_i| = 0) take relu'(0) = 0: their cross terms and those against them vanish.
void eval_block(const double* w, int n, int d, const Teacher& T, double* g, double* f, double* gmax,
                Scratch& s) {
  double* wb = s.wb.data();
  double* wn = s.wn.data();
  double* alive = s.alive.data();
  double* a = s.a.data();
  const size_t dl = size_t(d) * L;
  LANE_LOOP f[l] = T.half_vv;

  for (int i = 0; i < n; ++i) {
    double sq[L] = {};
    const double* wi = w + i * dl;
    for (int m = 0; m < d; ++m) LANE_LOOP sq[l] += wi[m * L + l] * wi[m * L + l];
    double inv[L];
    LANE_LOOP {
      const double r = std::sqrt(sq[l]);
      wn[i * L + l] = r;
      alive[i * L + l] = sq[l] > 0.0 ? 1.0 : 0.0;
      inv[l] = sq[l] > 0.0 ? 1.0 / r : 0.0;
      a[i * L + l] = 0.0;
      f[l] += 0.25 * sq[l];
    }
    double* wbi = wb + i * dl;
    double* gi = g + i * dl;
    for (int m = 0; m < d; ++m) LANE_LOOP {
      wbi[m * L + l] = wi[m * L + l] * inv[l];
      gi[m * L + l] = 0.5 * wi[m * L + l];
    }
  }

  // Student-student pairs: angle from |wb_i - wb_j| and |wb_i + wb_j| (stable at 0 and pi).
  double D[L], S[L], pt[L];
  for (int i = 0; i < n; ++i) {
    for (int j = i + 1; j < n; ++j) {
      pair_sums<1>(wb + i * dl, wb + j * dl, d, D, S);
      student_pair(D, S, alive + i * L, alive + j * L, wn + i * L, wn + j * L, a + i * L,
                   a + j * L, pt, f);
      const double *wi = w + i * dl, *wj = w + j * dl;
      double *gi = g + i * dl, *gj = g + j * dl;
      for (int m = 0; m < d; ++m) LANE_LOOP {
        gi[m * L + l] += pt[l] * wj[m * L + l];
        gj[m * L + l] += pt[l] * wi[m * L + l];
      }
    }
  }

  // Student-teacher pairs.
  for (int i = 0; i < n; ++i) {
    double* gi = g + i * dl;
    if (T.identity) {
      identity_teacher(wb + i * dl, d, alive + i * L, wn + i * L, a + i * L, gi, f, s.pre.data());
      continue;
    }
    for (int j = 0; j < T.k; ++j) {
      if (T.vn[j] == 0.0) continue;  // a zero teacher row contributes nothing
      pair_sums<0>(wb + i * dl, T.vb.data() + size_t(j) * d, d, D, S);
      teacher_pair(D, S, alive + i * L, wn + i * L, T.vn[j], a + i * L, pt, f);
      const double* vj = T.v.data() + size_t(j) * d;
      for (int m = 0; m < d; ++m) LANE_LOOP gi[m * L + l] -= pt[l] * vj[m];
    }
  }

  LANE_LOOP gmax[l] = 0.0;
  for (int i = 0; i < n; ++i) {
    double* gi = g + i * dl;
    const double* wbi = wb + i * dl;
    double sq[L] = {};
    for (int m = 0; m < d; ++m) LANE_LOOP {
      gi[m * L + l] += a[i * L + l] * wbi[m * L + l];
      sq[l] += gi[m * L + l] * gi[m * L + l];
    }
    LANE_LOOP gmax[l] = std::max(gmax[l], std::sqrt(sq[l]));
  }
}

// Copy restarts [r0, r0 + L) of a (R, nd) array into a block [nd][L]; lanes past R repeat the last
// restart so every lane computes real numbers.
void pack(const double* X, int64_t R, int64_t r0, int nd, double* blk) {
  for (int l = 0; l < L; ++l) {
    const double* src = X + std::min(r0 + l, R - 1) * nd;
    for (int p = 0; p < nd; ++p) blk[p * L + l] = src[p];
  }
}

void unpack(const double* blk, int64_t R, int64_t r0, int nd, double* X) {
  for (int l = 0; l < L && r0 + l < R; ++l) {
    double* dst = X + (r0 + l) * nd;
    for (int p = 0; p < nd; ++p) dst[p] = blk[p * L + l];
  }
}

int64_t num_blocks(int64_t R) { return (R + L - 1) / L; }

}  // namespace

Teacher::Teacher(const double* V, int k_, int d_) : k(k_), d(d_), identity(V == nullptr) {
  if (identity && k != d) throw std::invalid_argument("identity teacher needs k == d");
  v.assign(size_t(k) * d, 0.0);
  if (identity)
    for (int j = 0; j < k; ++j) v[size_t(j) * d + j] = 1.0;
  else
    std::memcpy(v.data(), V, sizeof(double) * k * d);
  vb.assign(v.size(), 0.0);
  vn.assign(k, 0.0);
  for (int j = 0; j < k; ++j) {
    double s = 0.0;
    for (int m = 0; m < d; ++m) s += v[j * d + m] * v[j * d + m];
    vn[j] = std::sqrt(s);
    for (int m = 0; m < d; ++m) vb[j * d + m] = vn[j] > 0 ? v[j * d + m] / vn[j] : 0.0;
  }
  // 1/2 sum_{j,j'} |v_j||v_j'| kappa(angle): the constant term of F.
  double c = 0.0;
  for (int j = 0; j < k; ++j) {
    c += 0.5 * vn[j] * vn[j];
    for (int jj = j + 1; jj < k; ++jj) {
      double D = 0.0, S = 0.0;
      for (int m = 0; m < d; ++m) {
        const double x = vb[j * d + m] - vb[jj * d + m], y = vb[j * d + m] + vb[jj * d + m];
        D += x * x;
        S += y * y;
      }
      const double t = 2.0 * std::atan2(std::sqrt(D), std::sqrt(S));
      c += 2.0 * vn[j] * vn[jj] * kappa(t, 0.5 * std::sqrt(D * S), 0.25 * (S - D));
    }
  }
  half_vv = 0.5 * c;
}

void evaluate(const double* W, int64_t R, int n, int d, const Teacher& T, double* F, double* G,
              double* gmax) {
  const int nd = n * d;
#pragma omp parallel
  {
    Scratch s(n, d);
    std::vector<double> w(size_t(nd) * L), g(size_t(nd) * L);
    double f[L], gm[L];
#pragma omp for schedule(static)
    for (int64_t b = 0; b < num_blocks(R); ++b) {
      const int64_t r0 = b * L;
      pack(W, R, r0, nd, w.data());
      eval_block(w.data(), n, d, T, g.data(), f, gm, s);
      for (int l = 0; l < L && r0 + l < R; ++l) {
        if (F) F[r0 + l] = f[l];
        if (gmax) gmax[r0 + l] = gm[l];
      }
      if (G) unpack(g.data(), R, r0, nd, G);
    }
  }
}

namespace {

// Geometry of a pair of unit vectors: angle t, sin t, cos t, and the unit vectors
// a = (wb - cos t vb) / sin t and b = (vb - cos t wb) / sin t (zero when sin t = 0).
struct Pair {
  double t, sint, cost;
};

Pair pair_geometry(const double* wb, const double* vb, int d, double* a, double* b) {
  double D = 0.0, S = 0.0;
  for (int m = 0; m < d; ++m) {
    const double x = wb[m] - vb[m], y = wb[m] + vb[m];
    D += x * x;
    S += y * y;
  }
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

// H_ii += sign * h1(w, v): |v| sin t / (2 pi |w|) (I - wb wb^T + b b^T).
void add_h1(double* Hii, int ld, int d, double sign, double wn, double vn, const Pair& p,
            const double* wb, const double* b) {
  const double c = sign * vn * p.sint * INV2PI / wn;
  for (int r = 0; r < d; ++r)
    for (int q = 0; q < d; ++q)
      Hii[r * ld + q] += c * ((r == q ? 1.0 : 0.0) - wb[r] * wb[q] + b[r] * b[q]);
}

void hessian_one(const double* W, int n, int d, const Teacher& T, double* H, std::vector<double>& tmp) {
  const int nd = n * d;
  std::fill(H, H + size_t(nd) * nd, 0.0);
  tmp.resize(size_t(nd) + n + 2 * d);
  double* wb = tmp.data();
  double* wn = wb + nd;
  double* a = wn + n;
  double* b = a + d;
  for (int i = 0; i < n; ++i) {
    double s = 0.0;
    for (int m = 0; m < d; ++m) s += W[i * d + m] * W[i * d + m];
    wn[i] = std::sqrt(s);
    for (int m = 0; m < d; ++m) wb[i * d + m] = wn[i] > 0 ? W[i * d + m] / wn[i] : 0.0;
  }
  for (int i = 0; i < n; ++i) {
    double* Hii = H + size_t(i) * d * nd + size_t(i) * d;
    for (int m = 0; m < d; ++m) Hii[m * nd + m] += 0.5;
    if (wn[i] == 0.0) continue;  // dead neuron: relu'(0) = 0, only the smooth |w|^2/4 term is left
    const double* wbi = wb + i * d;
    for (int j = 0; j < n; ++j) {
      if (j == i || wn[j] == 0.0) continue;
      const Pair p = pair_geometry(wbi, wb + j * d, d, a, b);
      add_h1(Hii, nd, d, 1.0, wn[i], wn[j], p, wbi, b);
      if (j > i) {  // off-diagonal block h2 and its transpose
        double* Hij = H + size_t(i) * d * nd + size_t(j) * d;
        double* Hji = H + size_t(j) * d * nd + size_t(i) * d;
        const double* wbj = wb + j * d;
        for (int r = 0; r < d; ++r)
          for (int q = 0; q < d; ++q) {
            const double h = INV2PI * ((r == q ? PI - p.t : 0.0) +
                                       p.sint * (wbi[r] * wbj[q] + b[r] * a[q]));
            Hij[r * nd + q] = h;
            Hji[q * nd + r] = h;
          }
      }
    }
    for (int j = 0; j < T.k; ++j) {
      if (T.vn[j] == 0.0) continue;
      const Pair p = pair_geometry(wbi, T.vb.data() + size_t(j) * d, d, a, b);
      add_h1(Hii, nd, d, -1.0, wn[i], T.vn[j], p, wbi, b);
    }
  }
}

}  // namespace

void hessian(const double* W, int64_t R, int n, int d, const Teacher& T, double* H) {
  const int64_t nd = int64_t(n) * d;
#pragma omp parallel
  {
    std::vector<double> tmp;
#pragma omp for schedule(static)
    for (int64_t r = 0; r < R; ++r) hessian_one(W + r * nd, n, d, T, H + r * nd * nd, tmp);
  }
}

void gradient_descent(double* W, const double* W0, double* step, int64_t* iters, int8_t* status,
                      double* F, double* gmax, int64_t R, int n, int d, const Teacher& T,
                      const GDOptions& opt) {
  const int nd = n * d;
#pragma omp parallel
  {
    Scratch s(n, d);
    std::vector<double> w(size_t(nd) * L), w0(size_t(nd) * L), g(size_t(nd) * L);
    double f[L], gm[L], eta[L], move[L], reset[L];
    int64_t it[L];
    int8_t st[L];
#pragma omp for schedule(dynamic, 1)
    for (int64_t b = 0; b < num_blocks(R); ++b) {
      const int64_t r0 = b * L;
      pack(W, R, r0, nd, w.data());
      pack(W0, R, r0, nd, w0.data());
      for (int l = 0; l < L; ++l) {
        const int64_t r = std::min(r0 + l, R - 1);
        eta[l] = step[r];
        it[l] = iters[r];
        st[l] = (r0 + l < R) ? status[r] : int8_t(CONVERGED);  // padding lanes never run
        f[l] = F[r];
        gm[l] = gmax[r];
      }
      for (int64_t k = 0; k < opt.steps; ++k) {
        bool any = false;
        for (int l = 0; l < L; ++l) any |= st[l] == RUNNING;
        if (!any) break;
        double fl[L], gl[L];
        eval_block(w.data(), n, d, T, g.data(), fl, gl, s);
        for (int l = 0; l < L; ++l) {
          move[l] = reset[l] = 0.0;
          if (st[l] != RUNNING) continue;
          f[l] = fl[l];
          gm[l] = gl[l];
          const double norm = 2.0 * PI * gl[l];
          if (!(norm <= opt.diverge) || !std::isfinite(fl[l])) {
            eta[l] *= 0.5;
            reset[l] = 1.0;
            if (eta[l] < opt.min_step) st[l] = DIVERGED;
          } else if (norm <= opt.tol) {
            st[l] = CONVERGED;
          } else if (fl[l] < opt.f_stop) {
            st[l] = SMALL_LOSS;
          } else if (opt.max_iters > 0 && it[l] >= opt.max_iters) {
            st[l] = MAX_ITERS;
          } else {
            move[l] = eta[l];
            ++it[l];
          }
        }
        for (int p = 0; p < nd; ++p) LANE_LOOP {
          const double x = move[l] != 0.0 ? w[p * L + l] - move[l] * g[p * L + l] : w[p * L + l];
          w[p * L + l] = reset[l] != 0.0 ? w0[p * L + l] : x;
        }
      }
      unpack(w.data(), R, r0, nd, W);
      for (int l = 0; l < L && r0 + l < R; ++l) {
        step[r0 + l] = eta[l];
        iters[r0 + l] = it[l];
        status[r0 + l] = st[l];
        F[r0 + l] = f[l];
        gmax[r0 + l] = gm[l];
      }
    }
  }
}

}  // namespace relufast::teacher
