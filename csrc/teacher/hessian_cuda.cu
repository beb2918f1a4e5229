// Exact teacher Hessians, Hessian-vector products and smallest Hessian eigenpairs on a CUDA device:
// one thread per restart, running teacher/hessian_restart.hpp and core/lanczos_restart.hpp (the
// arithmetic the C++ kernels and their host twins run). Arrays live on the device restart-minor;
// restarts go in batches that fit half the free device memory. No Hessian leaves the device on the
// way to its eigenvalues. Only launch and memory code is here.
#include <algorithm>
#include <vector>

#include "core/cuda_util.hpp"
#include "core/lanczos_restart.hpp"
#include "teacher/device_teacher.hpp"
#include "teacher/hessian_restart.hpp"
#include "teacher/teacher_cuda.hpp"

namespace relufast::teacher::cuda {

namespace {

using relufast::cuda::batch_that_fits;
using relufast::cuda::check_launch;
using relufast::cuda::DeviceBuffer;
using relufast::cuda::from_device_order;
using relufast::cuda::grid_for;
using relufast::cuda::to_device_order;

constexpr int BLOCK = 128;

__global__ void hessian_kernel(double* w, double* H, double* scratch, int64_t R, int n, int d,
                               TeacherView T) {
  const int64_t r = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (r >= R) return;
  hessian_restart(Strided{w + r, R}, n, d, T, Strided{H + r, R}, Strided{scratch + r, R});
}

__global__ void hvp_kernel(double* w, double* x, double* hx, double* scratch, int64_t R, int n,
                           int d, TeacherView T) {
  const int64_t r = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (r >= R) return;
  hvp_restart(Strided{w + r, R}, Strided{x + r, R}, n, d, T, Strided{hx + r, R},
              Strided{scratch + r, R});
}

__global__ void eigenpairs_kernel(double* w, double* vec, double* scratch, double* value,
                                  double* residual, int64_t* products, bool* converged, int64_t R,
                                  int64_t r0, int n, int d, TeacherView T, LanczosOptions opt,
                                  int m) {
  const int64_t r = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (r >= R) return;
  const int64_t nd = int64_t(n) * d;
  Strided s{scratch + r, R};
  HessianProduct<Strided, Strided> H{Strided{w + r, R}, n, d, T, s + lanczos::scratch_size(nd, m)};
  const lanczos::Result res =
      lanczos::smallest(H, nd, m, opt.tol, opt.max_restarts,
                        lanczos::problem_seed(opt.seed, r0 + r), Strided{vec + r, R}, s);
  value[r] = res.value;
  residual[r] = res.residual;
  products[r] = res.products;
  converged[r] = res.converged;
}

// Restarts [r0, r0 + B) of a (R, P) host array, restart-minor on the device.
DeviceBuffer<double> upload_rows(const double* x, int64_t r0, int64_t B, int64_t P) {
  return DeviceBuffer<double>(to_device_order(x + r0 * P, B, P).data(), size_t(B * P));
}
void download_rows(const DeviceBuffer<double>& y, int64_t r0, int64_t B, int64_t P, double* x) {
  std::vector<double> host(size_t(B * P));
  y.download(host.data());
  from_device_order(host, B, P, x + r0 * P);
}

}  // namespace

void hessian(const double* W, int64_t R, int n, int d, const Teacher& T, double* H) {
  if (R == 0) return;
  relufast::cuda::require_device();
  const int64_t nd = int64_t(n) * d, ns = hessian_scratch_size(n, d);
  const DeviceTeacher dt(T);
  const int64_t batch = batch_that_fits(R, 8.0 * double(nd + nd * nd + ns));
  for (int64_t r0 = 0; r0 < R; r0 += batch) {
    const int64_t B = std::min(batch, R - r0);
    DeviceBuffer<double> w = upload_rows(W, r0, B, nd);
    DeviceBuffer<double> h{size_t(B * nd * nd)}, scratch{size_t(B * ns)};
    hessian_kernel<<<grid_for(B, BLOCK), BLOCK>>>(w.p, h.p, scratch.p, B, n, d, dt.view);
    check_launch("teacher Hessian kernel");
    download_rows(h, r0, B, nd * nd, H);
  }
}

void hessian_vector(const double* W, const double* X, int64_t R, int n, int d, const Teacher& T,
                    double* HX) {
  if (R == 0) return;
  relufast::cuda::require_device();
  const int64_t nd = int64_t(n) * d, ns = hessian_scratch_size(n, d);
  const DeviceTeacher dt(T);
  const int64_t batch = batch_that_fits(R, 8.0 * double(3 * nd + ns));
  for (int64_t r0 = 0; r0 < R; r0 += batch) {
    const int64_t B = std::min(batch, R - r0);
    DeviceBuffer<double> w = upload_rows(W, r0, B, nd), x = upload_rows(X, r0, B, nd);
    DeviceBuffer<double> hx{size_t(B * nd)}, scratch{size_t(B * ns)};
    hvp_kernel<<<grid_for(B, BLOCK), BLOCK>>>(w.p, x.p, hx.p, scratch.p, B, n, d, dt.view);
    check_launch("teacher Hessian-vector kernel");
    download_rows(hx, r0, B, nd, HX);
  }
}

void smallest_eigenpairs(const double* W, int64_t R, int n, int d, const Teacher& T,
                         const LanczosOptions& opt, const Eigenpairs& out) {
  if (R == 0) return;
  relufast::cuda::require_device();
  const int64_t nd = int64_t(n) * d;
  const int m = int(std::min<int64_t>(opt.basis, nd));
  const int64_t ns = lanczos::scratch_size(nd, m) + hessian_scratch_size(n, d);
  const DeviceTeacher dt(T);
  const int64_t batch = batch_that_fits(R, 8.0 * double(2 * nd + ns + 4));
  for (int64_t r0 = 0; r0 < R; r0 += batch) {
    const int64_t B = std::min(batch, R - r0);
    DeviceBuffer<double> w = upload_rows(W, r0, B, nd);
    DeviceBuffer<double> vec{size_t(B * nd)}, scratch{size_t(B * ns)};
    DeviceBuffer<double> value{size_t(B)}, residual{size_t(B)};
    DeviceBuffer<int64_t> products{size_t(B)};
    DeviceBuffer<bool> converged{size_t(B)};
    eigenpairs_kernel<<<grid_for(B, BLOCK), BLOCK>>>(w.p, vec.p, scratch.p, value.p, residual.p,
                                                     products.p, converged.p, B, r0, n, d, dt.view,
                                                     opt, m);
    check_launch("teacher Lanczos kernel");
    download_rows(vec, r0, B, nd, out.vector);
    value.download(out.value + r0);
    residual.download(out.residual + r0);
    products.download(out.products + r0);
    converged.download(out.converged + r0);
  }
}

}  // namespace relufast::teacher::cuda
