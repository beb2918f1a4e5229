// The tiny-net trainer on a CUDA device: one thread per restart, running mlp/tiny_restart.hpp (the
// formulas and order of sums of the C++ lane kernel). Parameters and Adam moments live on the
// device restart-minor (element i of restart r at i * R + r), so neighbouring threads touch
// neighbouring addresses; the host transposes on the way in and out. A whole chunk is one launch.
// Only launch and memory code is here.
#include <vector>

#include "core/cuda_util.hpp"
#include "mlp/tiny_cuda.hpp"
#include "mlp/tiny_restart.hpp"

namespace relufast::mlp::cuda {

namespace {

using relufast::cuda::check_launch;
using relufast::cuda::DeviceBuffer;
using relufast::cuda::grid_for;

constexpr int BLOCK = 128;

// (R, P) row-major <-> (P, R) restart-minor.
std::vector<double> to_device_order(const double* x, int64_t R, int64_t P) {
  std::vector<double> y(size_t(R) * P);
  for (int64_t r = 0; r < R; ++r)
    for (int64_t p = 0; p < P; ++p) y[p * R + r] = x[r * P + p];
  return y;
}
void from_device_order(const DeviceBuffer<double>& b, int64_t R, int64_t P, double* x) {
  std::vector<double> y(size_t(R) * P);
  b.download(y.data());
  for (int64_t r = 0; r < R; ++r)
    for (int64_t p = 0; p < P; ++p) x[r * P + p] = y[p * R + r];
}

// d: X and Y in device memory; coef: Adam's per-step coefficients (device), unused by GD.
template <int H, bool OB, bool ADAM>
__global__ void tiny_kernel(double* p, double* m, double* v, int64_t R, Data d, TrainOptions opt,
                            const double* coef) {
  const int64_t r = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (r >= R) return;
  tiny_restart<H, OB, ADAM>({p + r, R}, {m + r, R}, {v + r, R}, d, opt, coef);
}

}  // namespace

void train_tiny(double* params, double* m, double* v, int64_t R, const Net& net, const Data& data,
                const TrainOptions& opt) {
  require_tiny(net, data, opt);
  if (R == 0 || opt.steps == 0) return;
  relufast::cuda::require_device();
  const int64_t P = net.P, N = data.N;
  const bool adam = opt.optimizer == ADAM;
  const std::vector<double> coef = adam_coefficient_table(opt);
  DeviceBuffer<double> dp(to_device_order(params, R, P).data(), size_t(R * P));
  DeviceBuffer<double> dm{adam ? size_t(R * P) : 0}, dv{adam ? size_t(R * P) : 0};
  if (adam) {
    dm.upload(to_device_order(m, R, P).data());
    dv.upload(to_device_order(v, R, P).data());
  }
  DeviceBuffer<double> dX(data.X, size_t(N)), dY(data.Y, size_t(N));
  DeviceBuffer<double> dcoef(coef.data(), coef.size());
  Data dd = data;
  dd.X = dX.p;
  dd.Y = dY.p;
  dd.labels = nullptr;
  tiny_dispatch_restart(net.sizes[1], net.output_bias, adam, [&](auto h, auto ob, auto ad) {
    // GD has no moments: its views point at the parameters and are never touched
    double* pm = ad ? dm.p : dp.p;
    double* pv = ad ? dv.p : dp.p;
    tiny_kernel<decltype(h)::value, decltype(ob)::value, decltype(ad)::value>
        <<<grid_for(R, BLOCK), BLOCK, 0, relufast::cuda::stream()>>>(dp.p, pm, pv, R, dd, opt,
                                                                     dcoef.p);
  });
  check_launch("tiny MLP training kernel");
  from_device_order(dp, R, P, params);
  if (adam) {
    from_device_order(dm, R, P, m);
    from_device_order(dv, R, P, v);
  }
}

}  // namespace relufast::mlp::cuda
