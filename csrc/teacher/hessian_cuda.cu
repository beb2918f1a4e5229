// Exact teacher Hessians, Hessian-vector products and smallest Hessian eigenpairs on a CUDA device:
// one warp per restart, running teacher/hessian_restart.hpp and core/lanczos_restart.hpp over a
// cuda::Warp team (lane t owns neurons t, t + 32, ... of the products and coordinates t, t + 32,
// ... of the Lanczos vectors, so a warp's loads of one vector are coalesced). Arrays stay
// restart-major (each restart's block contiguous); restarts go in batches that fit half the free
// device memory. No Hessian leaves the device on the way to its eigenvalues. Only launch and
// memory code is here.
#include <algorithm>

#include "core/cuda_util.hpp"
#include "core/lanczos_restart.hpp"
#include "core/warp.hpp"
#include "teacher/device_teacher.hpp"
#include "teacher/hessian_restart.hpp"
#include "teacher/teacher_cuda.hpp"

namespace relufast::teacher::cuda {

namespace {

using relufast::cuda::batch_that_fits;
using relufast::cuda::check_launch;
using relufast::cuda::DeviceBuffer;
using relufast::cuda::LANES;
using relufast::cuda::this_warp;
using relufast::cuda::Warp;
using relufast::cuda::WARP_BLOCK;
using relufast::cuda::warp_blocks;
using relufast::cuda::warp_problem;

__global__ void hessian_kernel(const double* w, double* H, double* scratch, int64_t R, int n, int d,
                               TeacherView T, int64_t ns) {
  const int64_t r = warp_problem(), nd = int64_t(n) * d;
  if (r >= R) return;
  hessian_restart(this_warp(), w + r * nd, n, d, T, H + r * nd * nd, scratch + r * ns);
}

__global__ void hvp_kernel(const double* w, const double* x, double* hx, double* scratch, int64_t R,
                           int n, int d, TeacherView T, int64_t ns) {
  const int64_t r = warp_problem(), nd = int64_t(n) * d;
  if (r >= R) return;
  hvp_restart(this_warp(), w + r * nd, x + r * nd, n, d, T, hx + r * nd, scratch + r * ns);
}

__global__ void eigenpairs_kernel(const double* w, double* vec, double* scratch, double* value,
                                  double* residual, int64_t* products, bool* converged, int64_t R,
                                  int64_t r0, int n, int d, TeacherView T, LanczosOptions opt,
                                  int m, int64_t ns) {
  const int64_t r = warp_problem(), nd = int64_t(n) * d;
  if (r >= R) return;
  const Warp tm = this_warp();
  double* s = scratch + r * ns;
  const HessianProduct<Warp> H{tm, w + r * nd, n, d, T, s + lanczos::scratch_size(nd, m)};
  const lanczos::Result res =
      lanczos::smallest(tm, H, nd, m, opt.tol, opt.max_restarts,
                        lanczos::problem_seed(opt.seed, r0 + r), vec + r * nd, s);
  if (tm.leader()) {
    value[r] = res.value;
    residual[r] = res.residual;
    products[r] = res.products;
    converged[r] = res.converged;
  }
}

}  // namespace

void hessian(const double* W, int64_t R, int n, int d, const Teacher& T, double* H) {
  if (R == 0) return;
  relufast::cuda::require_device();
  const int64_t nd = int64_t(n) * d, ns = hessian_scratch_size(n, d, LANES);
  const DeviceTeacher dt(T);
  const int64_t batch = batch_that_fits(R, 8.0 * double(nd + nd * nd + ns));
  for (int64_t r0 = 0; r0 < R; r0 += batch) {
    const int64_t B = std::min(batch, R - r0);
    DeviceBuffer<double> w(W + r0 * nd, size_t(B * nd));
    DeviceBuffer<double> h{size_t(B * nd * nd)}, scratch{size_t(B * ns)};
    hessian_kernel<<<warp_blocks(B), WARP_BLOCK, 0, relufast::cuda::stream()>>>(
        w.p, h.p, scratch.p, B, n, d, dt.view, ns);
    check_launch("teacher Hessian kernel");
    h.download(H + r0 * nd * nd);
  }
}

void hessian_vector(const double* W, const double* X, int64_t R, int n, int d, const Teacher& T,
                    double* HX) {
  if (R == 0) return;
  relufast::cuda::require_device();
  const int64_t nd = int64_t(n) * d, ns = hessian_scratch_size(n, d, LANES);
  const DeviceTeacher dt(T);
  const int64_t batch = batch_that_fits(R, 8.0 * double(3 * nd + ns));
  for (int64_t r0 = 0; r0 < R; r0 += batch) {
    const int64_t B = std::min(batch, R - r0);
    DeviceBuffer<double> w(W + r0 * nd, size_t(B * nd)), x(X + r0 * nd, size_t(B * nd));
    DeviceBuffer<double> hx{size_t(B * nd)}, scratch{size_t(B * ns)};
    hvp_kernel<<<warp_blocks(B), WARP_BLOCK, 0, relufast::cuda::stream()>>>(
        w.p, x.p, hx.p, scratch.p, B, n, d, dt.view, ns);
    check_launch("teacher Hessian-vector kernel");
    hx.download(HX + r0 * nd);
  }
}

void smallest_eigenpairs(const double* W, int64_t R, int n, int d, const Teacher& T,
                         const LanczosOptions& opt, const Eigenpairs& out) {
  if (R == 0) return;
  relufast::cuda::require_device();
  const int64_t nd = int64_t(n) * d;
  const int m = int(std::min<int64_t>(opt.basis, nd));
  const int64_t ns = lanczos::scratch_size(nd, m) + hessian_scratch_size(n, d, LANES);
  const DeviceTeacher dt(T);
  const int64_t batch = batch_that_fits(R, 8.0 * double(2 * nd + ns + 4));
  for (int64_t r0 = 0; r0 < R; r0 += batch) {
    const int64_t B = std::min(batch, R - r0);
    DeviceBuffer<double> w(W + r0 * nd, size_t(B * nd));
    DeviceBuffer<double> vec{size_t(B * nd)}, scratch{size_t(B * ns)};
    DeviceBuffer<double> value{size_t(B)}, residual{size_t(B)};
    DeviceBuffer<int64_t> products{size_t(B)};
    DeviceBuffer<bool> converged{size_t(B)};
    eigenpairs_kernel<<<warp_blocks(B), WARP_BLOCK, 0, relufast::cuda::stream()>>>(
        w.p, vec.p, scratch.p, value.p, residual.p, products.p, converged.p, B, r0, n, d, dt.view,
        opt, m, ns);
    check_launch("teacher Lanczos kernel");
    vec.download(out.vector + r0 * nd);
    value.download(out.value + r0);
    residual.download(out.residual + r0);
    products.download(out.products + r0);
    converged.download(out.converged + r0);
  }
}

}  // namespace relufast::teacher::cuda
