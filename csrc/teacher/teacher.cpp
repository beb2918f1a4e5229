// The teacher kernels on the CPU: the teacher's constants, loss/gradient of R restarts, and the
// chunked gradient descent driver (lanes of restarts through loss_lanes.hpp and gd_rule.hpp).
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <vector>

#include "core/blocks.hpp"
#include "core/guard.hpp"
#include "core/threads.hpp"
#include "teacher/gd_rule.hpp"
#include "teacher/kappa.hpp"
#include "teacher/loss_lanes.hpp"
#include "teacher/pair_terms.hpp"
#include "teacher/teacher.hpp"

namespace relufast::teacher {

Teacher::Teacher(const double* V, int k_, int d_) : k(k_), d(d_), identity(V == nullptr) {
  if (identity && k != d) throw std::invalid_argument("identity teacher needs k == d");
  v.assign(size_t(k) * d, 0.0);
  if (identity)
    for (int j = 0; j < k; ++j) v[size_t(j) * d + j] = 1.0;
  else std::memcpy(v.data(), V, sizeof(double) * k * d);
  vb.assign(v.size(), 0.0);
  vn.assign(k, 0.0);
  vbn.assign(k, 0.0);
  for (int j = 0; j < k; ++j) {
    double s = 0.0, alive;
    for (int m = 0; m < d; ++m) s += v[j * d + m] * v[j * d + m];
    vn[j] = std::sqrt(s);
    for (int m = 0; m < d; ++m) vb[j * d + m] = vn[j] > 0 ? v[j * d + m] / vn[j] : 0.0;
    if (!plain_norm(s)) neuron_rescaled(&v[j * d], 1, d, &vb[j * d], 1, vn[j], alive);
    s = 0.0;
    for (int m = 0; m < d; ++m) s += vb[j * d + m] * vb[j * d + m];
    vbn[j] = std::sqrt(s);
  }
  // 1/2 sum_{j,j'} |v_j||v_j'| kappa(angle): the constant term of F.
  double c = 0.0;
  for (int j = 0; j < k; ++j) {
    c += 0.5 * vn[j] * vn[j];
    for (int jj = j + 1; jj < k; ++jj) {
      double D = 0.0, S = 0.0;
      for (int m = 0; m < d; ++m)
        add_pair_sums(vb[j * d + m], vb[jj * d + m], vbn[j], vbn[jj], D, S);
      const double t = 2.0 * std::atan2(std::sqrt(D), std::sqrt(S));
      c += 2.0 * vn[j] * vn[jj] * kappa(t, 0.5 * std::sqrt(D * S), 0.25 * (S - D));
    }
  }
  half_vv = 0.5 * c;
}

bool evaluate(const double* W, int64_t R, int n, int d, const Teacher& T, double* F, double* G,
              double* gmax) {
  const int nd = n * d;
  const int threads = team_size(num_blocks(R));
  Guard guard("teacher", Scratch::bytes(n, d, T.k, 2), threads);
  std::atomic<bool> nonfinite{false};  // found while packing: no second pass over W
#pragma omp parallel num_threads(threads)
  {
    std::unique_ptr<Scratch> s;
    std::vector<double> w, g;
    guard.run([&] {
      s = std::make_unique<Scratch>(n, d, T.k);
      w.resize(size_t(nd) * L);
      g.resize(size_t(nd) * L);
    });
    double f[L], gm[L];
#pragma omp for schedule(static)
    for (int64_t b = 0; b < num_blocks(R); ++b)
      guard.run([&] {
        const int64_t r0 = b * L;
        if (!pack_block(W, R, r0, nd, w.data())) nonfinite.store(true, std::memory_order_relaxed);
        eval_block(w.data(), n, d, T, g.data(), f, gm, *s);
        for (int l = 0; l < L && r0 + l < R; ++l) {
          if (F) F[r0 + l] = f[l];
          if (gmax) gmax[r0 + l] = gm[l];
        }
        if (G) unpack_block(g.data(), R, r0, nd, G);
      });
  }
  guard.rethrow();
  return !nonfinite.load();
}

// Each thread keeps one block of L lanes full: a lane whose restart stops (or has run this call's
// opt.steps) writes it back and takes the next waiting restart, so no lane idles while restarts
// wait (a fixed block of L would run until its slowest lane). A block costs the same with one
// live lane as with L, so fewer restarts than the threads' lanes (the slow last ones of a run) are
// shared out evenly, up to one per thread, rather than packed into one block on one thread. A
// restart's arithmetic is its own lane's alone, so the result does not depend on which lane or
// thread ran it, nor when.
void gradient_descent(double* W, const double* W0, double* step, int64_t* iters, int8_t* status,
                      double* F, double* gmax, int64_t R, int n, int d, const Teacher& T,
                      const GDOptions& opt) {
  if (opt.steps <= 0) return;
  const int nd = n * d;
  int64_t running = 0;
  for (int64_t r = 0; r < R; ++r) running += status[r] == RUNNING;
  if (running == 0) return;
  const int threads = team_size(running);
  Guard guard("teacher GD", Scratch::bytes(n, d, T.k, 3), threads);
  std::atomic<int64_t> next{0};  // the next restart no thread has taken
#pragma omp parallel num_threads(threads)
  {
    std::unique_ptr<Scratch> sp;
    std::vector<double> w, w0, g;
    guard.run([&] {
      sp = std::make_unique<Scratch>(n, d, T.k);
      for (auto* v : {&w, &w0, &g}) v->resize(size_t(nd) * L);
    });
    guard.run([&] {
      Scratch& s = *sp;
      double f[L], gm[L], eta[L], move[L], reset[L];
      int64_t it[L], lane_r[L], lane_k[L];  // the lane's restart (-1: idle), its steps this call
      int8_t st[L];
      const auto take = [&]() -> int64_t {  // the next RUNNING restart, or -1
        for (int64_t r; (r = next.fetch_add(1, std::memory_order_relaxed)) < R;)
          if (status[r] == RUNNING) return r;
        return -1;
      };
      const auto load_lane = [&](int l, int64_t r) {
        for (int p = 0; p < nd; ++p) w[p * L + l] = W[r * nd + p], w0[p * L + l] = W0[r * nd + p];
        lane_r[l] = r, lane_k[l] = 0;
        eta[l] = step[r], it[l] = iters[r], st[l] = status[r], f[l] = F[r], gm[l] = gmax[r];
      };
      const auto idle = [&](int l, int from) {  // real numbers (a start) in a lane that never runs
        for (int p = 0; p < nd; ++p) w[p * L + l] = w0[p * L + l] = w0[p * L + from];
        lane_r[l] = -1, st[l] = CONVERGED;
      };
      const int team = threads_in_team();  // the threads started, not those asked for
      const int share = int(std::min<int64_t>(L, (running + team - 1) / team));  // first lanes
      int live = 0;
      for (int64_t r; live < share && (r = take()) >= 0; ++live) load_lane(live, r);
      if (live == 0) return;
      for (int l = live; l < L; ++l) idle(l, 0);
      while (live > 0) {
        double fl[L], gl[L];
        eval_block(w.data(), n, d, T, g.data(), fl, gl, s);
        if (opt.frobenius) {  // |G|_F instead of max_i |g_i|, summed in coordinate order
    LANE_LOOP gl[l] = 0.0;
          for (int p = 0; p < nd; ++p) LANE_LOOP gl[l] += g[p * L + l] * g[p * L + l];
          LANE_LOOP gl[l] = std::sqrt(gl[l]);
        }
        for (int l = 0; l < L; ++l) {
          move[l] = reset[l] = 0.0;
          if (st[l] != RUNNING) continue;
          f[l] = fl[l];
          gm[l] = gl[l];
          bool back = false;
          move[l] = gd_decide(opt, fl[l], gl[l], eta[l], it[l], st[l], back);
          reset[l] = back ? 1.0 : 0.0;
        }
        const lanes mv = load(move), reset_mask = load(reset);
        for (int p = 0; p < nd; ++p)
          store(&w[p * L], gd_move(load(&w[p * L]), load(&g[p * L]), load(&w0[p * L]), mv, reset_mask != 0.0));
        for (int l = 0; l < L; ++l) {
          const int64_t r = lane_r[l];
          if (r < 0 || (st[l] == RUNNING && ++lane_k[l] < opt.steps)) continue;
          for (int p = 0; p < nd; ++p) W[r * nd + p] = w[p * L + l];
          step[r] = eta[l], iters[r] = it[l], status[r] = st[l], F[r] = f[l], gmax[r] = gm[l];
          const int64_t q = take();
          if (q >= 0) load_lane(l, q);
          else idle(l, l), --live;
        }
      }
    });
  }
  guard.rethrow();
}

}  // namespace relufast::teacher
