// The teacher loss and gradient of one block of LANES restarts (lane kernels). Internal to the
// C++ kernels: included by teacher.cpp only, so every function here stays local to that
// translation unit and inlines as it always did.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "core/math.hpp"
#include "core/simd.hpp"
#include "teacher/kappa.hpp"
#include "teacher/pair_terms.hpp"
#include "teacher/teacher.hpp"

namespace relufast::teacher {

namespace {

constexpr int L = LANES;
// Angles computed side by side before their results are summed in order: independent chains of
// the angle's long dependent sequence (division estimate, polynomial) for the out-of-order core.
constexpr int AB = 4;

// Per-thread scratch for one block of L restarts, laid out [row][lane].
struct Scratch {
  std::vector<double> wb, wn, un, alive, a, c, sn, sa, sb, P, sint;  // un: |wb| (1 up to rounding)
  std::vector<double> tD, tS, tp;  // one student against the k rows of a general teacher
  std::vector<int> pi, pj;         // the student pairs i < j, in a fixed order
  Scratch(int n, int d, int k)
      : wb(size_t(n) * d * L), wn(n * L), un(n * L), alive(n * L), a(n * L),
        c(size_t(n) * n / 2 * L + L), sn(c.size()), sa(c.size()), sb(c.size()),
        P(size_t(n) * n * L), sint(size_t(n) * d * L), tD(size_t(k) * L), tS(tD.size()),
        tp(tD.size()) {
    for (int i = 0; i < n; ++i)
      for (int j = i + 1; j < n; ++j) pi.push_back(i), pj.push_back(j);
  }
  // Bytes of one Scratch plus `blocks` more blocks [n][d][L] (a thread's packed w, g, ...).
  static size_t bytes(int n, int d, int k, int blocks) {
    const size_t pairs = size_t(n) * n / 2 * L + L, nd = size_t(n) * d * L;
    return sizeof(double) * (4 * pairs + size_t(n) * n * L + (2 + blocks) * nd + 4 * size_t(n) * L +
                             3 * size_t(k) * L) +
           sizeof(int) * size_t(n) * n;
  }
};

// The evaluation runs in phases, each a loop whose iterations are independent, so that the
// out-of-order core overlaps the divisions and square roots (the limiting units) of many pairs.

// The sums D, S of add_pair_sums per lane for unit vectors ub (lengths nu) and vb (lengths nv).
void pair_sums(const double* ub, const double* vb, const double* nu, const double* nv, int d,
               double* D, double* S) {
  double x[L] = {}, y[L] = {};
  for (int m = 0; m < d; ++m) LANE_LOOP add_pair_sums(ub[m * L + l], vb[m * L + l], nu[l], nv[l], x[l], y[l]);
  LANE_LOOP D[l] = x[l], S[l] = y[l];
}

// Dot products of I consecutive neurons u_r = u0 + r*stride with J consecutive neurons v_q = v0 +
// q*stride into out[r] + q*L: I x J independent accumulator chains (one would be bound by the FMA
// latency), and each load serves I or J of them. Every chain sums over m in order, as one would.
template <int I, int J>
void dots(const double* u0, const double* v0, size_t stride, int d, double* const* out) {
  lanes acc[I][J] = {};
  for (int m = 0; m < d; ++m) {
    lanes x[I];
    for (int r = 0; r < I; ++r) x[r] = in_register(load(u0 + r * stride + m * L));
    for (int q = 0; q < J; ++q) {
      const lanes y = in_register(load(v0 + q * stride + m * L));
      for (int r = 0; r < I; ++r) acc[r][q] += x[r] * y;
    }
  }
  for (int r = 0; r < I; ++r)
    for (int q = 0; q < J; ++q) store(out[r] + q * L, acc[r][q]);
}

// The cosines c of student pairs (i, j > i) in rows i0 .. i0 + I - 1: the pairs within those rows
// one row at a time, then the columns past them I rows at a time. Pair (i, j) is c[p(i, j) L].
template <int I>
void pair_dots(const double* wb, int n, int d, int i0, double* c) {
  const size_t dl = size_t(d) * L;
  const auto at = [&](int i, int j) {  // the pairs' fixed order: (0, 1), (0, 2), ..., (1, 2), ...
    return c + (size_t(i) * n - size_t(i) * (i + 1) / 2 + (j - i - 1)) * L;
  };
  for (int r = 0; r + 1 < I; ++r) {
    const int i = i0 + r;
    for (int j = i + 1; j < i0 + I; ++j) {
      double* o[1] = {at(i, j)};
      dots<1, 1>(wb + i * dl, wb + j * dl, dl, d, o);
    }
  }
  double* o[I];
  int j = i0 + I;
  for (; j + 4 <= n; j += 4) {
    for (int r = 0; r < I; ++r) o[r] = at(i0 + r, j);
    dots<I, 4>(wb + i0 * dl, wb + j * dl, dl, d, o);
  }
  for (; j < n; ++j) {
    for (int r = 0; r < I; ++r) o[r] = at(i0 + r, j);
    dots<I, 1>(wb + i0 * dl, wb + j * dl, dl, d, o);
  }
}

// Student pairs, phase 1: cos t and sin t of every pair. Cheap path from one dot product of unit
// vectors, sin t = sqrt((1 - c)(1 + c)); a lane with |c| > 0.9 (where that loses digits) takes
// the sums D ~ |u - v|^2, S ~ |u + v|^2 instead: sin t = sqrt(D S)/2, cos t = (S - D)/4. The
// choice is per lane, so a restart's result never depends on the restarts beside it.
void student_geometry(const double* wb, int n, int d, Scratch& s) {
  const size_t dl = size_t(d) * L;
  double* c = s.c.data();
  int i = 0;
  for (; i + 2 <= n; i += 2) pair_dots<2>(wb, n, d, i, c);
  for (; i < n; ++i) pair_dots<1>(wb, n, d, i, c);
  const size_t np = s.pi.size();
  double* sn = s.sn.data();
  for (size_t q = 0; q < np * L; q += L) {
    const lanes x = load(c + q);
    store(sn + q, root((1.0 - x) * (1.0 + x)));
  }
  for (size_t q = 0; q < np; ++q) {
    const lanes x = load(c + q * L);
    if (!lane_bits((x > 0.9) | (x < -0.9))) continue;  // no lane with |c| > 0.9
    double D[L], S[L];
    const int i = s.pi[q], j = s.pj[q];
    pair_sums(wb + i * dl, wb + j * dl, s.un.data() + i * L, s.un.data() + j * L, d, D, S);
    LANE_LOOP {
      const bool e = std::fabs(c[q * L + l]) > 0.9;
      double se, ce;
      pair_from_sums(D[l], S[l], se, ce);
      sn[q * L + l] = e ? se : sn[q * L + l];
      c[q * L + l] = e ? ce : c[q * L + l];
    }
  }
}

// Student pairs, phase 2: angles, the pairs' share of F, the coupling matrix P_ij = (pi - t)/2pi
// (gradient term on the other neuron) and sa, sb (terms on each neuron's own direction).
void student_angles(int n, Scratch& s, double* f) {
  const size_t np = s.pi.size();
  lanes fl = load(f);
  for (size_t p0 = 0; p0 < np; p0 += AB) {  // AB independent angles first, then the sums in order
    const int m = int(std::min(np - p0, size_t(AB)));
    lanes cc[AB], ss[AB], t[AB];
    for (int q = 0; q < m; ++q) {
      cc[q] = load(s.c.data() + (p0 + q) * L), ss[q] = load(s.sn.data() + (p0 + q) * L);
      t[q] = angle(ss[q], cc[q]);
    }
    for (int q = 0; q < m; ++q) {
      const size_t p = p0 + q;
      const int i = s.pi[p], j = s.pj[p];
      const lanes both = load(s.alive.data() + i * L) * load(s.alive.data() + j * L);
      const lanes wi = load(s.wn.data() + i * L), wj = load(s.wn.data() + j * L);
      lanes pt, pa, pb;
      student_terms(t[q], cc[q], ss[q], both, wi, wj, pt, pa, pb, fl);
      store(s.P.data() + (size_t(i) * n + j) * L, pt);
      store(s.P.data() + (size_t(j) * n + i) * L, pt);
      store(s.sa.data() + p * L, pa);
      store(s.sb.data() + p * L, pb);
    }
  }
  store(f, fl);
  for (size_t p = 0; p < s.pi.size(); ++p) {
    double *a_i = s.a.data() + s.pi[p] * L, *a_j = s.a.data() + s.pj[p] * L;
    const double *sa = s.sa.data() + p * L, *sb = s.sb.data() + p * L;
    LANE_LOOP a_i[l] += sa[l], a_j[l] += sb[l];
  }
}

// Student pairs, phase 3: g_i = w_i/2 + sum_j P_ij w_j for R rows i0.. and T coordinates m0..
// at a time, accumulated in registers; each w_j load serves R rows.
template <int R, int T>
void couple_tile(const double* w, const double* P, int n, int d, int i0, int m0, double* g) {
  const size_t dl = size_t(d) * L;
  lanes acc[R][T];
  for (int r = 0; r < R; ++r)
    for (int t = 0; t < T; ++t) acc[r][t] = 0.5 * load(w + (i0 + r) * dl + (m0 + t) * L);
  for (int j = 0; j < n; ++j) {  // P_ii = 0
    lanes p[R];
    for (int r = 0; r < R; ++r) p[r] = load(P + (size_t(i0 + r) * n + j) * L);
    const double* wj = w + j * dl + m0 * L;
    for (int t = 0; t < T; ++t) {
      const lanes x = in_register(load(wj + t * L));
      for (int r = 0; r < R; ++r) acc[r][t] += p[r] * x;
    }
  }
  for (int r = 0; r < R; ++r)
    for (int t = 0; t < T; ++t) store(g + (i0 + r) * dl + (m0 + t) * L, acc[r][t]);
}

template <int R>
void couple_rows(const double* w, const double* P, int n, int d, int i0, double* g) {
  int m = 0;
  for (; m + 4 <= d; m += 4) couple_tile<R, 4>(w, P, n, d, i0, m, g);
  for (; m + 2 <= d; m += 2) couple_tile<R, 2>(w, P, n, d, i0, m, g);
  for (; m < d; ++m) couple_tile<R, 1>(w, P, n, d, i0, m, g);
}

void student_coupling(const double* w, int n, int d, Scratch& s, double* g) {
  for (int i = 0; i < n; ++i) store(s.P.data() + (size_t(i) * n + i) * L, lanes{});
  int i = 0;
  for (; i + 4 <= n; i += 4) couple_rows<4>(w, s.P.data(), n, d, i, g);
  for (; i + 2 <= n; i += 2) couple_rows<2>(w, s.P.data(), n, d, i, g);
  for (; i < n; ++i) couple_rows<1>(w, s.P.data(), n, d, i, g);
}

// Identity teacher, v_j = e_j: cos t = wb_j and sin t = |wb without coordinate j|, from prefix and
// suffix sums of squares (no cancellation anywhere). Sines of all (i, j) first, then the angles.
void identity_teacher(const double* wb, double* g, double* f, int n, int d, Scratch& s) {
  const size_t dl = size_t(d) * L;
  for (int i = 0; i < n; ++i) {
    const double* u = wb + i * dl;
    double* sn = s.sint.data() + i * dl;
    lanes acc = {};
    for (int m = 0; m < d; ++m) {  // prefix sums
      store(sn + m * L, acc);
      const lanes x = load(u + m * L);
      acc += x * x;
    }
    acc = lanes{};
    for (int j = d - 1; j >= 0; --j) {  // plus suffix sums, then the root
      store(sn + j * L, root(load(sn + j * L) + acc));
      const lanes x = load(u + j * L);
      acc += x * x;
    }
  }
  lanes fl = load(f);
  for (int i = 0; i < n; ++i) {
    const double* u = wb + i * dl;
    const double* sn = s.sint.data() + i * dl;
    const lanes al = load(s.alive.data() + i * L), wn = load(s.wn.data() + i * L);
    lanes a = load(s.a.data() + i * L);
    double* gi = g + i * dl;
    for (int j0 = 0; j0 < d; j0 += AB) {  // AB independent angles first, then their sums in order
      const int m = std::min(AB, d - j0);
      lanes c[AB], sint[AB], t[AB];
      for (int q = 0; q < m; ++q) {
        c[q] = load(u + (j0 + q) * L), sint[q] = load(sn + (j0 + q) * L);
        t[q] = angle(sint[q], c[q]);
      }
      for (int q = 0; q < m; ++q) {
        lanes gj = load(gi + (j0 + q) * L);
        identity_terms(t[q], c[q], sint[q], al, wn, a, gj, fl);
        store(gi + (j0 + q) * L, gj);
      }
    }
    store(s.a.data() + i * L, a);
  }
  store(f, fl);
}

// General teacher, phase 1: the sums D, S of add_pair_sums of one student (unit ub, lengths nu)
// with J teacher rows j0.. (unit vb_j, lengths vbn_j) into D, S [j][L]: J independent chains, and
// each load of ub serves J of them.
template <int J>
void teacher_sums(const double* ub, lanes nu, const Teacher& T, int j0, int d, double* D,
                  double* S) {
  lanes x[J] = {}, y[J] = {}, nv[J];
  for (int q = 0; q < J; ++q) nv[q] = broadcast(T.vbn[j0 + q]);
  const double* vb = T.vb.data() + size_t(j0) * d;
  for (int m = 0; m < d; ++m) {
    const lanes u = in_register(load(ub + m * L));
    for (int q = 0; q < J; ++q) add_pair_sums(u, broadcast(vb[q * d + m]), nu, nv[q], x[q], y[q]);
  }
  for (int q = 0; q < J; ++q) store(D + (j0 + q) * L, x[q]), store(S + (j0 + q) * L, y[q]);
}

// General teacher, phase 3: g_i -= sum_j pt_j v_j for coordinates m0 .. m0 + M - 1 of one student,
// accumulated in registers in row order; each pt_j load serves M coordinates.
template <int M>
void teacher_coupling(const double* pt, const Teacher& T, int m0, double* gi) {
  const int d = T.d;
  lanes acc[M];
  for (int t = 0; t < M; ++t) acc[t] = load(gi + (m0 + t) * L);
  for (int j = 0; j < T.k; ++j) {
    if (T.vn[j] == 0.0) continue;  // a zero row contributes nothing (its pt_j is not set)
    const lanes p = in_register(load(pt + j * L));
    const double* vj = T.v.data() + size_t(j) * d + m0;
    for (int t = 0; t < M; ++t) acc[t] -= p * vj[t];
  }
  for (int t = 0; t < M; ++t) store(gi + (m0 + t) * L, acc[t]);
}

// General teacher rows v_j (k x d), one student at a time: the sums D, S of its k pairs (phase 1),
// AB angles side by side and then their terms in row order (a, F and the couplings pt_j), and
// g_i -= sum_j pt_j v_j, each coordinate summed in row order. A zero row contributes nothing.
// Roots and divisions exact on every target, so each lane is teacher_pair_one's double formula.
void general_teacher(const double* wb, double* g, double* f, int n, int d, const Teacher& T,
                     Scratch& s) {
  const size_t dl = size_t(d) * L;
  const int k = T.k;
  double *D = s.tD.data(), *S = s.tS.data(), *pt = s.tp.data();
  lanes fl = load(f);
  for (int i = 0; i < n; ++i) {
    const double* u = wb + i * dl;
    const lanes nu = load(s.un.data() + i * L);
    int j = 0;
    for (; j + 4 <= k; j += 4) teacher_sums<4>(u, nu, T, j, d, D, S);
    for (; j < k; ++j) teacher_sums<1>(u, nu, T, j, d, D, S);
    const lanes al = load(s.alive.data() + i * L), wn = load(s.wn.data() + i * L);
    lanes a = load(s.a.data() + i * L);
    for (int j0 = 0; j0 < k; j0 += AB) {
      const int m = std::min(AB, k - j0);
      lanes rd[AB], rs[AB], t[AB];
      for (int q = 0; q < m; ++q) {
        rd[q] = exact_root(load(D + (j0 + q) * L)), rs[q] = exact_root(load(S + (j0 + q) * L));
        t[q] = 2.0 * angle<true>(rd[q], rs[q]);
      }
      for (int q = 0; q < m; ++q) {
        const int jq = j0 + q;
        if (T.vn[jq] == 0.0) continue;
        lanes p;
        teacher_terms(t[q], rd[q], rs[q], load(D + jq * L), load(S + jq * L), al, wn, T.vn[jq], a,
                      p, fl);
        store(pt + jq * L, p);
      }
    }
    store(s.a.data() + i * L, a);
    int m = 0;
    for (; m + 4 <= d; m += 4) teacher_coupling<4>(pt, T, m, g + i * dl);
    for (; m < d; ++m) teacher_coupling<1>(pt, T, m, g + i * dl);
  }
  store(f, fl);
}

// Norm |w|, alive flag (|w| > 0), unit vector wb and its length un of one neuron; adds |w|^2/4 to
// F.
void neuron_norm(const double* w, int d, double* wn, double* alive, double* wb, double* un,
                 double* f) {
  lanes q{}, norm, live, inv;
  for (int m = 0; m < d; ++m) {
    const lanes x = load(w + m * L);
    q += x * x;
  }
  neuron_scale(q, norm, live, inv);
  store(wn, norm), store(alive, live), store(f, load(f) + 0.25 * q);
  for (int m = 0; m < d; ++m) store(wb + m * L, load(w + m * L) * inv);
  // rare: |w|^2 under- or overflows (or is NaN) in some lane
  if (const unsigned plain = lane_bits((q >= 0x1p-900) & (q <= 0x1p900)); plain != ALL_LANES)
    for (int l = 0; l < L; ++l)
      if (!(plain >> l & 1u)) neuron_rescaled(w + l, L, d, wb + l, L, wn[l], alive[l]);
  lanes uu{};
  for (int m = 0; m < d; ++m) {
    const lanes x = load(wb + m * L);
    uu += x * x;
  }
  store(un, exact_root(uu));
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
    neuron_norm(w + i * dl, d, wn + i * L, alive + i * L, wb + i * dl, s.un.data() + i * L, f);
    LANE_LOOP a[i * L + l] = 0.0;
  }
  student_geometry(wb, n, d, s);
  student_angles(n, s, f);
  student_coupling(w, n, d, s, g);

  if (T.identity) identity_teacher(wb, g, f, n, d, s);
  else general_teacher(wb, g, f, n, d, T, s);

  lanes gm{};
  for (int i = 0; i < n; ++i) {
    double* gi = g + i * dl;
    const double* wbi = wb + i * dl;
    const lanes ai = load(a + i * L);
    lanes sq{};
    for (int m = 0; m < d; ++m) {
      const lanes x = load(gi + m * L) + ai * load(wbi + m * L);
      store(gi + m * L, x);
      sq += x * x;
    }
    const lanes r = exact_root(sq);
    gm = gm < r ? r : gm;  // std::max, NaN included
  }
  store(gmax, gm);
}



}  // namespace

}  // namespace relufast::teacher
