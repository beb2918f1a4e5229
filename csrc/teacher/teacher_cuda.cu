// The teacher kernels on a CUDA device: one warp per restart, running teacher/restart.hpp (the
// pair terms and the GD rule the C++ lane kernel calls) over a cuda::Warp team: lane t owns
// neurons t, t + 32, ..., so one GD step of one restart takes the time of its slowest lane's
// neurons, not of all of them (the slowest runs, not the arithmetic, bound a Table 1). Arrays stay
// restart-major (each restart's block contiguous, cached for its warp). Only launch and memory
// code is here.
#include "core/cuda_util.hpp"
#include "core/warp.hpp"
#include "teacher/device_teacher.hpp"
#include "teacher/restart.hpp"
#include "teacher/teacher_cuda.hpp"

namespace relufast::teacher::cuda {

namespace {

using relufast::cuda::check_launch;
using relufast::cuda::DeviceBuffer;
using relufast::cuda::this_warp;
using relufast::cuda::Warp;
using relufast::cuda::WARP_BLOCK;
using relufast::cuda::warp_blocks;
using relufast::cuda::warp_problem;

__global__ void evaluate_kernel(const double* w, double* g, double* scratch, double* F,
                                double* gmax, int64_t R, int n, int d, TeacherView T, int64_t ns) {
  const int64_t r = warp_problem(), nd = int64_t(n) * d;
  if (r >= R) return;
  const Warp tm = this_warp();
  const RestartScratch s = restart_scratch(scratch + r * ns, 1, n, d);
  double f, gm;
  eval_restart(tm, {const_cast<double*>(w) + r * nd, 1}, {g + r * nd, 1}, n, d, T, s, f, gm);
  if (tm.leader()) F[r] = f, gmax[r] = gm;
}

__global__ void gd_kernel(double* w, const double* w0, double* g, double* scratch, double* step,
                          int64_t* iters, int8_t* status, double* F, double* gmax, int64_t R, int n,
                          int d, TeacherView T, GDOptions opt, int64_t ns) {
  const int64_t r = warp_problem(), nd = int64_t(n) * d;
  if (r >= R) return;
  int8_t st = status[r];
  if (st != RUNNING) return;  // finished restarts cost nothing (the whole warp leaves)
  const Warp tm = this_warp();
  const RestartScratch s = restart_scratch(scratch + r * ns, 1, n, d);
  double eta = step[r], f = F[r], gm = gmax[r];
  int64_t it = iters[r];
  gd_restart(tm, {w + r * nd, 1}, {const_cast<double*>(w0) + r * nd, 1}, {g + r * nd, 1}, n, d, T,
             s, opt, eta, it, st, f, gm);
  if (tm.leader()) step[r] = eta, iters[r] = it, status[r] = st, F[r] = f, gmax[r] = gm;
}

}  // namespace

void evaluate(const double* W, int64_t R, int n, int d, const Teacher& T, double* F, double* G,
              double* gmax) {
  if (R == 0) return;
  relufast::cuda::require_device();
  const int64_t nd = int64_t(n) * d, ns = restart_scratch_size(n, d);
  const DeviceTeacher dt(T);
  DeviceBuffer<double> w(W, size_t(R * nd)), g{size_t(R * nd)}, scratch { size_t(R * ns) };
  DeviceBuffer<double> f{size_t(R)}, gm{size_t(R)};
  evaluate_kernel<<<warp_blocks(R), WARP_BLOCK, 0, relufast::cuda::stream()>>>(
      w.p, g.p, scratch.p, f.p, gm.p, R, n, d, dt.view, ns);
  check_launch("teacher evaluate kernel");
  if (F) f.download(F);
  if (gmax) gm.download(gmax);
  if (G) g.download(G);
}

void gradient_descent(double* W, const double* W0, double* step, int64_t* iters, int8_t* status,
                      double* F, double* gmax, int64_t R, int n, int d, const Teacher& T,
                      const GDOptions& opt) {
  if (R == 0) return;
  relufast::cuda::require_device();
  const int64_t nd = int64_t(n) * d, ns = restart_scratch_size(n, d);
  const DeviceTeacher dt(T);
  DeviceBuffer<double> w(W, size_t(R * nd)), w0(W0, size_t(R * nd));
  DeviceBuffer<double> g{size_t(R * nd)}, scratch{size_t(R * ns)};
  DeviceBuffer<double> s(step, size_t(R)), f(F, size_t(R)), gm(gmax, size_t(R));
  DeviceBuffer<int64_t> it(iters, size_t(R));
  DeviceBuffer<int8_t> st(status, size_t(R));
  gd_kernel<<<warp_blocks(R), WARP_BLOCK, 0, relufast::cuda::stream()>>>(
      w.p, w0.p, g.p, scratch.p, s.p, it.p, st.p, f.p, gm.p, R, n, d, dt.view, opt, ns);
  check_launch("teacher GD kernel");
  w.download(W);
  s.download(step);
  it.download(iters);
  st.download(status);
  f.download(F);
  gm.download(gmax);
}

}  // namespace relufast::teacher::cuda
