// The teacher kernels on a CUDA device: one thread per restart, running teacher/restart.hpp (the
// pair terms and the GD rule the C++ lane kernel calls). Arrays live on the device restart-minor
// (element i of restart r at i * R + r), so neighbouring threads touch neighbouring addresses; the
// host transposes on the way in and out. Only launch and memory code is here.
#include <vector>

#include "core/cuda_util.hpp"
#include "teacher/device_teacher.hpp"
#include "teacher/restart.hpp"
#include "teacher/teacher_cuda.hpp"

namespace relufast::teacher::cuda {

namespace {

using relufast::cuda::check_launch;
using relufast::cuda::DeviceBuffer;
using relufast::cuda::from_device_order;
using relufast::cuda::grid_for;
using relufast::cuda::to_device_order;

constexpr int BLOCK = 128;

__global__ void evaluate_kernel(double* w, double* g, double* scratch, double* F, double* gmax,
                                int64_t R, int n, int d, TeacherView T) {
  const int64_t r = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (r >= R) return;
  const RestartScratch s = restart_scratch(scratch + r, R, n, d);
  double f, gm;
  eval_restart({w + r, R}, {g + r, R}, n, d, T, s, f, gm);
  F[r] = f;
  gmax[r] = gm;
}

__global__ void gd_kernel(double* w, double* w0, double* g, double* scratch, double* step,
                          int64_t* iters, int8_t* status, double* F, double* gmax, int64_t R, int n,
                          int d, TeacherView T, GDOptions opt) {
  const int64_t r = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (r >= R) return;
  int8_t st = status[r];
  if (st != RUNNING) return;  // finished restarts cost nothing
  const RestartScratch s = restart_scratch(scratch + r, R, n, d);
  double eta = step[r], f = F[r], gm = gmax[r];
  int64_t it = iters[r];
  gd_restart({w + r, R}, {w0 + r, R}, {g + r, R}, n, d, T, s, opt, eta, it, st, f, gm);
  step[r] = eta;
  iters[r] = it;
  status[r] = st;
  F[r] = f;
  gmax[r] = gm;
}

}  // namespace

void evaluate(const double* W, int64_t R, int n, int d, const Teacher& T, double* F, double* G,
              double* gmax) {
  if (R == 0) return;
  relufast::cuda::require_device();
  const int64_t nd = int64_t(n) * d;
  const DeviceTeacher dt(T);
  DeviceBuffer<double> w(to_device_order(W, R, nd).data(), size_t(R * nd));
  DeviceBuffer<double> g{size_t(R * nd)}, scratch{size_t(R * restart_scratch_size(n, d))};
  DeviceBuffer<double> f{size_t(R)}, gm{size_t(R)};
  evaluate_kernel<<<grid_for(R, BLOCK), BLOCK>>>(w.p, g.p, scratch.p, f.p, gm.p, R, n, d, dt.view);
  check_launch("teacher evaluate kernel");
  if (F) f.download(F);
  if (gmax) gm.download(gmax);
  if (G) {
    std::vector<double> y(size_t(R * nd));
    g.download(y.data());
    from_device_order(y, R, nd, G);
  }
}

void gradient_descent(double* W, const double* W0, double* step, int64_t* iters, int8_t* status,
                      double* F, double* gmax, int64_t R, int n, int d, const Teacher& T,
                      const GDOptions& opt) {
  if (R == 0) return;
  relufast::cuda::require_device();
  const int64_t nd = int64_t(n) * d;
  const DeviceTeacher dt(T);
  DeviceBuffer<double> w(to_device_order(W, R, nd).data(), size_t(R * nd));
  DeviceBuffer<double> w0(to_device_order(W0, R, nd).data(), size_t(R * nd));
  DeviceBuffer<double> g{size_t(R * nd)}, scratch{size_t(R * restart_scratch_size(n, d))};
  DeviceBuffer<double> s(step, size_t(R)), f(F, size_t(R)), gm(gmax, size_t(R));
  DeviceBuffer<int64_t> it(iters, size_t(R));
  DeviceBuffer<int8_t> st(status, size_t(R));
  gd_kernel<<<grid_for(R, BLOCK), BLOCK>>>(w.p, w0.p, g.p, scratch.p, s.p, it.p, st.p, f.p, gm.p, R,
                                           n, d, dt.view, opt);
  check_launch("teacher GD kernel");
  std::vector<double> y(size_t(R * nd));
  w.download(y.data());
  from_device_order(y, R, nd, W);
  s.download(step);
  it.download(iters);
  st.download(status);
  f.download(F);
  gm.download(gmax);
}

}  // namespace relufast::teacher::cuda
