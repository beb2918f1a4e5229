// The per-restart tiny-net trainer (mlp/tiny_restart.hpp) on the host: one restart after another
// on doubles, OpenMP across restarts. It is the arithmetic every CUDA thread runs, here so that the
// tests hold it to the lane kernel (mlp/tiny.hpp) on machines without a GPU.
#include <vector>

#include "core/guard.hpp"
#include "core/threads.hpp"
#include "mlp/mlp.hpp"
#include "mlp/tiny_restart.hpp"

namespace relufast::mlp {

void train_tiny_per_restart(double* params, double* m, double* v, int64_t R, const Net& net,
                            const Data& data, const TrainOptions& opt) {
  require_tiny(net, data, opt);
  const std::vector<double> coef = adam_coefficient_table(opt);
  const int64_t P = net.P;
  const bool adam = opt.optimizer == ADAM;
  const int threads = team_size(R);
  Guard guard("tiny MLP training", 0, threads);  // no scratch: everything lives in registers
  tiny_dispatch_restart(net.sizes[1], net.output_bias, adam, [&](auto h, auto ob, auto ad) {
#pragma omp parallel for num_threads(threads) schedule(static)
    for (int64_t r = 0; r < R; ++r)
      guard.run([&] {
        // GD has no moments: its views point at the parameters and are never touched
        double* mr = ad ? m + r * P : params + r * P;
        double* vr = ad ? v + r * P : params + r * P;
        tiny_restart<decltype(h)::value, decltype(ob)::value, decltype(ad)::value>(
            {params + r * P, 1}, {mr, 1}, {vr, 1}, data, opt, coef.data());
      });
  });
  guard.rethrow();
}

}  // namespace relufast::mlp
