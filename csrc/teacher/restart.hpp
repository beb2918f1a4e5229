// The teacher loss, gradient and GD chunk of ONE restart on doubles: what each CUDA thread runs
// (teacher/teacher_cuda.cu), and what the host runs restart by restart for the tests of that path
// without a GPU (teacher/per_restart.cpp). The pair terms and the stopping rule are the same
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

// Loss F and max_i |grad_i| of one restart w (n*d, neuron-major); the gradient into g. The order
// of every sum is the lane kernel's (loss_lanes.hpp: eval_block).
RELUFAST_HD inline void eval_restart(Strided w, Strided g, int n, int d, const TeacherView& T,
                                     const RestartScratch& s, double& F, double& gmax) {
  double f = T.half_vv;
  for (int i = 0; i < n; ++i) {  // norms, alive flags, unit vectors
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
  for (int i = 0; i < n; ++i) s.P[i * n + i] = 0.0;
  for (int i = 0; i < n; ++i)  // student pairs i < j, in the lane kernel's order
    for (int j = i + 1; j < n; ++j) {
      double c = 0.0;
      for (int m = 0; m < d; ++m) c += s.wb[i * d + m] * s.wb[j * d + m];
      double sn = std::sqrt((1.0 - c) * (1.0 + c));
      if (std::fabs(c) > 0.9) {
        double D = 0.0, S = 0.0;
        for (int m = 0; m < d; ++m)
          add_pair_sums(s.wb[i * d + m], s.wb[j * d + m], s.un[i], s.un[j], D, S);
        pair_from_sums(D, S, sn, c);
      }
      double pt, sa, sb;
      student_pair(c, sn, s.alive[i] * s.alive[j], s.wn[i], s.wn[j], pt, sa, sb, f);
      s.P[i * n + j] = pt;
      s.P[j * n + i] = pt;
      s.a[i] += sa;
      s.a[j] += sb;
    }
  for (int i = 0; i < n; ++i)  // g_i = w_i / 2 + sum_j P_ij w_j
    for (int m = 0; m < d; ++m) {
      double acc = 0.5 * w[i * d + m];
      for (int j = 0; j < n; ++j) acc += s.P[i * n + j] * w[j * d + m];
      g[i * d + m] = acc;
    }
  if (T.identity) {
    for (int i = 0; i < n; ++i) {
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
    for (int i = 0; i < n; ++i)
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
  for (int i = 0; i < n; ++i) {
    double sq = 0.0;
    for (int m = 0; m < d; ++m) {
      const double x = g[i * d + m] + s.a[i] * s.wb[i * d + m];
      g[i * d + m] = x;
      sq += x * x;
    }
    gm = dmax(gm, std::sqrt(sq));
  }
  F = f;
  gmax = gm;
}

// One chunk of gradient descent of one restart (the lane kernel's loop, gradient_descent in
// teacher.cpp): evaluate, decide (gd_decide), move or go back to w0 (gd_move), at most opt.steps
// times and only while RUNNING. f and gm receive the last evaluated values.
RELUFAST_HD inline void gd_restart(Strided w, Strided w0, Strided g, int n, int d,
                                   const TeacherView& T, const RestartScratch& s,
                                   const GDOptions& opt, double& eta, int64_t& iters,
                                   int8_t& status, double& f, double& gm) {
  const int nd = n * d;
  for (int64_t k = 0; k < opt.steps && status == RUNNING; ++k) {
    eval_restart(w, g, n, d, T, s, f, gm);
    if (opt.frobenius) {  // |G|_F instead of max_i |g_i|, summed in coordinate order as on the CPU
      double sq = 0.0;
      for (int p = 0; p < nd; ++p) sq += g[p] * g[p];
      gm = std::sqrt(sq);
    }
    bool reset = false;
    const double move = gd_decide(opt, f, gm, eta, iters, status, reset);
    for (int p = 0; p < nd; ++p) w[p] = gd_move(w[p], g[p], w0[p], move, reset);
  }
}

}  // namespace relufast::teacher
