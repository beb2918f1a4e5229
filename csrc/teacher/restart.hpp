// The teacher loss, gradient and GD chunk of ONE restart on doubles, shared by a Team: what each
// CUDA warp runs (teacher/teacher_cuda.cu), and what the host runs restart by restart for the tests
// of that path without a GPU (teacher/per_restart.cpp: a Solo team, or an OpenMP team for the
// device's split). The pair terms and the stopping rule are the same
// functions the C++ lane kernel calls (pair_terms.hpp, gd_rule.hpp), in the same order; only the
// square roots and divisions differ (exact here, AVX-512 estimates of ~1 ulp in the lane kernel).
#pragma once
#include <cmath>
#include <cstdint>

#include "core/hd.hpp"
#include "core/math.hpp"
#include "core/strided.hpp"
#include "teacher/gd_rule.hpp"
#include "teacher/pair_terms.hpp"

namespace relufast::teacher {

using relufast::Strided;  // core/strided.hpp: stride 1 on the host, R on the device

// The teacher as plain pointers (host or device memory): rows v (k, d), unit rows vb, norms vn,
// lengths vbn of the unit rows.
struct TeacherView {
  int k, d;
  bool identity;
  const double *v, *vb, *vn, *vbn;
  double half_vv;
};

// Scratch of one restart: unit vectors wb (n*d), norms wn, alive flags, own-direction terms a,
// lengths un of the unit vectors (n each) and the coupling P (n*n).
struct RestartScratch {
  Strided wb, wn, alive, a, un, P;
};

// Doubles of scratch per restart.
RELUFAST_HD inline int64_t restart_scratch_size(int n, int d) {
  return int64_t(n) * d + 4 * int64_t(n) + int64_t(n) * n;
}
RELUFAST_HD inline RestartScratch restart_scratch(double* base, int64_t stride, int n, int d) {
  const int64_t nd = int64_t(n) * d;
  return {{base, stride},
          {base + nd * stride, stride},
          {base + (nd + n) * stride, stride},
          {base + (nd + 2 * n) * stride, stride},
          {base + (nd + 3 * n) * stride, stride},
          {base + (nd + 4 * n) * stride, stride}};
}

// Loss F and max_i |grad_i| of one restart w (n*d, neuron-major); the gradient into g. A Team
// (core/team.hpp) shares the work by neuron: member t owns neurons t, t + size, ... (their unit
// rows, their row of P, their gradient rows), and computes each of its pairs itself (a pair is
// computed by both its owners), so that a neuron's terms arrive in the lane kernel's order: its
// pair terms for j = 0, 1, ..., its teacher terms, each sum in loss_lanes.hpp's order. Gradients
// are therefore the same bits for every team size; F (and |G|_F) are sums over the team, the same
// bits as the lane kernel's for a Solo team and within rounding of them otherwise. On return g and
// the scratch rows are complete for every member.
template <class Team>
RELUFAST_HD inline void eval_restart(const Team& tm, Strided w, Strided g, int n, int d,
                                     const TeacherView& T, const RestartScratch& s, double& F,
                                     double& gmax) {
  const int r0 = tm.rank(), rs = tm.size();
  double f = tm.leader() ? T.half_vv : 0.0;
  for (int i = r0; i < n; i += rs) {  // norms, alive flags, unit vectors
    double sq = 0.0;
    for (int m = 0; m < d; ++m) sq += w[i * d + m] * w[i * d + m];
    double wn, al, inv;
    neuron_scale(sq, wn, al, inv);
    f += 0.25 * sq;
    s.wn[i] = wn;
    s.alive[i] = al;
    s.a[i] = 0.0;
    for (int m = 0; m < d; ++m) s.wb[i * d + m] = w[i * d + m] * inv;
    if (!plain_norm(sq)) {  // rare: |w|^2 under- or overflows
      neuron_rescaled(&w[i * d], w.stride, d, &s.wb[i * d], s.wb.stride, wn, al);
      s.wn[i] = wn;
      s.alive[i] = al;
    }
    double uu = 0.0;
    for (int m = 0; m < d; ++m) uu += s.wb[i * d + m] * s.wb[i * d + m];
    s.un[i] = std::sqrt(uu);
  }
  tm.sync();
  for (int i = r0; i < n; i += rs) {  // neuron i's student pairs, j = 0, 1, ... as lo < hi
    s.P[i * n + i] = 0.0;
    double a = s.a[i];
    for (int j = 0; j < n; ++j) {
      if (j == i) continue;
      const int lo = j < i ? j : i, hi = j < i ? i : j;
      double c = 0.0;
      for (int m = 0; m < d; ++m) c += s.wb[lo * d + m] * s.wb[hi * d + m];
      double sn = std::sqrt((1.0 - c) * (1.0 + c));
      if (std::fabs(c) > 0.9) {
        double D = 0.0, S = 0.0;
        for (int m = 0; m < d; ++m)
          add_pair_sums(s.wb[lo * d + m], s.wb[hi * d + m], s.un[lo], s.un[hi], D, S);
        pair_from_sums(D, S, sn, c);
      }
      double pt, sa, sb, fp = 0.0;
      student_pair(c, sn, s.alive[lo] * s.alive[hi], s.wn[lo], s.wn[hi], pt, sa, sb, fp);
      s.P[i * n + j] = pt;
      a += j < i ? sb : sa;
      if (j > i) f += fp;  // each pair's share of F once, by its lower neuron
    }
    s.a[i] = a;
  }
  for (int i = r0; i < n; i += rs)  // g_i = w_i / 2 + sum_j P_ij w_j
    for (int m = 0; m < d; ++m) {
      double acc = 0.5 * w[i * d + m];
      for (int j = 0; j < n; ++j) acc += s.P[i * n + j] * w[j * d + m];
      g[i * d + m] = acc;
    }
  if (T.identity) {
    for (int i = r0; i < n; i += rs) {
      // sin t to e_j = |wb without coordinate j|: prefix plus suffix sums of squares, each in
      // the lane kernel's order (no cancellation anywhere).
      double a = s.a[i];
      const double al = s.alive[i], wn = s.wn[i];
      for (int j = 0; j < d; ++j) {
        double pre = 0.0, suf = 0.0;
        for (int m = 0; m < j; ++m) pre += s.wb[i * d + m] * s.wb[i * d + m];
        for (int m = d - 1; m > j; --m) suf += s.wb[i * d + m] * s.wb[i * d + m];
        const double sint = std::sqrt(pre + suf);
        double gj = g[i * d + j];
        identity_pair(s.wb[i * d + j], sint, al, wn, a, gj, f);
        g[i * d + j] = gj;
      }
      s.a[i] = a;
    }
  } else {
    for (int i = r0; i < n; i += rs)
      for (int j = 0; j < T.k; ++j) {
        if (T.vn[j] == 0.0) continue;  // a zero teacher row contributes nothing
        double D = 0.0, S = 0.0;
        for (int m = 0; m < d; ++m)
          add_pair_sums(s.wb[i * d + m], T.vb[j * d + m], s.un[i], T.vbn[j], D, S);
        double a = s.a[i], pt;
        teacher_pair_one(D, S, s.alive[i], s.wn[i], T.vn[j], a, pt, f);
        s.a[i] = a;
        for (int m = 0; m < d; ++m) g[i * d + m] = g[i * d + m] - pt * T.v[j * d + m];
      }
  }
  double gm = 0.0;
  for (int i = r0; i < n; i += rs) {
    double sq = 0.0;
    for (int m = 0; m < d; ++m) {
      const double x = g[i * d + m] + s.a[i] * s.wb[i * d + m];
      g[i * d + m] = x;
      sq += x * x;
    }
    gm = dmax(gm, std::sqrt(sq));
  }
  // the reductions also order the members: all have read every w_j before any moves one
  F = tm.sum(f);
  gmax = tm.max(gm);
  tm.sync();
}

// One chunk of gradient descent of one restart (the lane kernel's loop, gradient_descent in
// teacher.cpp): evaluate, decide (gd_decide), move or go back to w0 (gd_move), at most opt.steps
// times and only while RUNNING. f and gm receive the last evaluated values. Every member takes the
// same decisions (from team-reduced F and norms) and moves its own neurons.
template <class Team>
RELUFAST_HD inline void gd_restart(const Team& tm, Strided w, Strided w0, Strided g, int n, int d,
                                   const TeacherView& T, const RestartScratch& s,
                                   const GDOptions& opt, double& eta, int64_t& iters,
                                   int8_t& status, double& f, double& gm) {
  const int64_t lo = int64_t(tm.rank()) * d, stride = int64_t(tm.size()) * d, nd = int64_t(n) * d;
  for (int64_t k = 0; k < opt.steps && status == RUNNING; ++k) {
    eval_restart(tm, w, g, n, d, T, s, f, gm);
    if (opt.frobenius) {  // |G|_F instead of max_i |g_i|, summed in coordinate order on one member
      double sq = 0.0;
      for (int64_t i0 = lo; i0 < nd; i0 += stride)
        for (int64_t p = i0; p < i0 + d; ++p) sq += g[p] * g[p];
      gm = std::sqrt(tm.sum(sq));
    }
    bool reset = false;
    const double move = gd_decide(opt, f, gm, eta, iters, status, reset);
    for (int64_t i0 = lo; i0 < nd; i0 += stride)
      for (int64_t p = i0; p < i0 + d; ++p) w[p] = gd_move(w[p], g[p], w0[p], move, reset);
    tm.sync();
  }
}

}  // namespace relufast::teacher
