// The per-restart teacher path (teacher/restart.hpp) on the host: one restart after another on
// doubles, OpenMP across restarts. It is the arithmetic every CUDA warp runs, here so that the
// tests hold it to the lane kernel on machines without a GPU.
#ifdef _OPENMP
#include <omp.h>
#endif

#include <algorithm>
#include <initializer_list>
#include <stdexcept>
#include <type_traits>
#include <vector>

#include "core/guard.hpp"
#include "core/lanczos_restart.hpp"
#include "core/team.hpp"
#include "core/threads.hpp"
#include "teacher/hessian_restart.hpp"
#include "teacher/restart.hpp"
#include "teacher/teacher.hpp"

namespace relufast::teacher {

namespace {
// A thread's buffers: two of one restart's n*d doubles and its scratch.
size_t scratch_bytes(int n, int d) {
  return sizeof(double) * size_t(2 * int64_t(n) * d + restart_scratch_size(n, d));
}
void allocate(int n, int d, std::initializer_list<std::vector<double>*> bufs,
              std::vector<double>& scratch) {
  for (auto* b : bufs) b->resize(size_t(n) * d);
  scratch.resize(size_t(restart_scratch_size(n, d)));
}

// The host twins' `team`: 1 (one thread per restart) up to 64 (a warp's split, and more).
void check_team(int members) {
  if (members < 1 || members > 64) throw std::invalid_argument("team must be in 1..64");
}

// one(team, r) for r = 0 .. R-1, each restart on an OpenMP team of `members` threads that splits
// it as a warp does on the device: the tests of that split.
template <class F>
void on_teams([[maybe_unused]] int64_t R, [[maybe_unused]] int members, [[maybe_unused]] F&& one) {
#ifndef _OPENMP
  throw std::invalid_argument("team > 1 needs a build with OpenMP");
#else
  std::vector<double> shared(static_cast<size_t>(members));
  for (int64_t r = 0; r < R; ++r) {
#pragma omp parallel num_threads(members)
    one(OmpTeam{omp_get_thread_num(), members, shared.data()}, r);
  }
#endif
}
}  // namespace

void evaluate_per_restart(const double* W, int64_t R, int n, int d, const Teacher& T, double* F,
                          double* G, double* gmax) {
  const int nd = n * d;
  const TeacherView tv = host_view(T);
  const int threads = team_size(R);
  Guard guard("teacher", scratch_bytes(n, d), threads);
#pragma omp parallel num_threads(threads)
  {
    std::vector<double> w, g, scratch;
    guard.run([&] { allocate(n, d, {&w, &g}, scratch); });
#pragma omp for schedule(static)
    for (int64_t r = 0; r < R; ++r)
      guard.run([&] {
        const RestartScratch s = restart_scratch(scratch.data(), 1, n, d);
        std::copy(W + r * nd, W + (r + 1) * nd, w.begin());
        double f, gm;
        eval_restart(Solo{}, {w.data(), 1}, {g.data(), 1}, n, d, tv, s, f, gm);
        if (F) F[r] = f;
        if (gmax) gmax[r] = gm;
        if (G) std::copy(g.begin(), g.end(), G + r * nd);
      });
  }
  guard.rethrow();
}

void gradient_descent_per_restart(double* W, const double* W0, double* step, int64_t* iters,
                                  int8_t* status, double* F, double* gmax, int64_t R, int n, int d,
                                  const Teacher& T, const GDOptions& opt, int members) {
  const int nd = n * d;
  const TeacherView tv = host_view(T);
  check_team(members);
  if (members > 1) {
    std::vector<double> g(static_cast<size_t>(nd));
    std::vector<double> scratch(static_cast<size_t>(restart_scratch_size(n, d)));
    const RestartScratch s = restart_scratch(scratch.data(), 1, n, d);
    on_teams(R, members, [&](const OmpTeam& tm, int64_t r) {
      double eta = step[r], f = F[r], gm = gmax[r];
      int64_t it = iters[r];
      int8_t st = status[r];
      gd_restart(tm, {W + r * nd, 1}, {const_cast<double*>(W0) + r * nd, 1}, {g.data(), 1}, n, d,
                 tv, s, opt, eta, it, st, f, gm);
      if (tm.leader()) step[r] = eta, iters[r] = it, status[r] = st, F[r] = f, gmax[r] = gm;
    });
    return;
  }
  const int threads = team_size(R);
  Guard guard("teacher GD", scratch_bytes(n, d), threads);
#pragma omp parallel num_threads(threads)
  {
    std::vector<double> g, w0, scratch;
    guard.run([&] { allocate(n, d, {&g, &w0}, scratch); });
#pragma omp for schedule(dynamic, 16)
    for (int64_t r = 0; r < R; ++r)
      guard.run([&] {
        const RestartScratch s = restart_scratch(scratch.data(), 1, n, d);
        std::copy(W0 + r * nd, W0 + (r + 1) * nd, w0.begin());
        gd_restart(Solo{}, {W + r * nd, 1}, {w0.data(), 1}, {g.data(), 1}, n, d, tv, s, opt,
                   step[r], iters[r], status[r], F[r], gmax[r]);
      });
  }
  guard.rethrow();
}

void smallest_eigenpairs_per_restart(const double* W, int64_t R, int n, int d, const Teacher& T,
                                     const LanczosOptions& opt, const Eigenpairs& out) {
  const int64_t nd = int64_t(n) * d;
  const int m = int(std::min<int64_t>(opt.basis, nd));
  const int members = opt.team;
  check_team(members);
  const int64_t nl = lanczos::scratch_size(nd, m), nh = hessian_scratch_size(n, d, members);
  const TeacherView tv = host_view(T);
  auto one = [&](const auto& tm, int64_t r, double* scratch) {
    const HessianProduct<std::decay_t<decltype(tm)>> H{tm, W + r * nd, n, d, tv, scratch + nl};
    const lanczos::Result res =
        lanczos::smallest(tm, H, nd, m, opt.tol, opt.max_restarts,
                          lanczos::problem_seed(opt.seed, r), out.vector + r * nd, scratch);
    if (tm.leader()) {
      out.value[r] = res.value;
      out.residual[r] = res.residual;
      out.products[r] = res.products;
      out.converged[r] = res.converged;
    }
  };
  if (members > 1) {
    Guard guard("teacher Lanczos", 0, 1);
    std::vector<double> scratch;
    guard.run([&] { scratch.resize(size_t(nl + nh)); });
    guard.rethrow();
    on_teams(R, members, [&](const OmpTeam& tm, int64_t r) { one(tm, r, scratch.data()); });
    return;
  }
  const int threads = team_size(R);
  Guard guard("teacher Lanczos", sizeof(double) * size_t(nl + nh), threads);
#pragma omp parallel num_threads(threads)
  {
    std::vector<double> scratch;
    guard.run([&] { scratch.resize(size_t(nl + nh)); });
#pragma omp for schedule(dynamic, 4)
    for (int64_t r = 0; r < R; ++r) guard.run([&] { one(Solo{}, r, scratch.data()); });
  }
  guard.rethrow();
}

}  // namespace relufast::teacher
