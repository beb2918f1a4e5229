// The MLP drivers on the CPU: loss/gradient of R restarts and one chunk of training, blocks of
// restarts spread over threads; the tiny-net trainer first where it applies, else the generic
// lane kernels with the update rules of core/rules.hpp.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <vector>

#include "core/blocks.hpp"
#include "core/guard.hpp"
#include "core/rules.hpp"
#include "core/threads.hpp"
#include "mlp/generic.hpp"
#include "mlp/mlp.hpp"
#include "mlp/tiny.hpp"

namespace relufast::mlp {

void evaluate(const double* params, int64_t R, const Net& net, const Data& data, double* F,
              double* G) {
  const int64_t P = net.P;
  const int threads = team_size(num_blocks(R));
  Guard guard("MLP", Work::bytes(net), threads);
#pragma omp parallel num_threads(threads)
  {
    std::unique_ptr<Work> wp;
    guard.run([&] { wp = std::make_unique<Work>(net); });
    double f[L];
#pragma omp for schedule(static)
    for (int64_t b = 0; b < num_blocks(R); ++b)
      guard.run([&] {
        Work& w = *wp;
        const int64_t r0 = b * L;
        pack_block(params, R, r0, P, w.p.data());
        block_eval(w.p.data(), G ? w.g.data() : nullptr, f, net, data, nullptr, data.N, w);
        for (int l = 0; l < L && r0 + l < R; ++l) F[r0 + l] = f[l];
        if (G) unpack_block(w.g.data(), R, r0, P, G);
      });
  }
  guard.rethrow();
}

void train(double* params, double* m, double* v, int64_t R, const Net& net, const Data& data,
           const TrainOptions& opt) {
  const int64_t P = net.P, N = data.N;
  const bool adam = opt.optimizer == ADAM;
  const int64_t B = (opt.batch > 0 && opt.batch < N) ? opt.batch : 0;
  const int64_t spe = B ? (N + B - 1) / B : 1;  // steps per epoch
  // Adam's step size and bias correction for every step of the chunk:
  // coef[2t] = lr / (1 - b1^t'), coef[2t + 1] = 1 / sqrt(1 - b2^t'), t' = t0 + t + 1.
  std::vector<double> coef(adam ? 2 * opt.steps : 0);
  for (int64_t t = 0; adam && t < opt.steps; ++t)
    rules::adam_coefficients(opt.lr, opt.beta1, opt.beta2, opt.t0 + t + 1, coef[2 * t],
                             coef[2 * t + 1]);
  if (tiny(params, m, v, R, net, data, opt, B, coef.data())) return;
  const int threads = team_size(num_blocks(R));
  const size_t extra = sizeof(double) * L * size_t((adam ? 2 * P : 0) + (B ? N + B : 0));
  Guard guard("MLP training", Work::bytes(net) + extra, threads);
#pragma omp parallel num_threads(threads)
  {
    std::unique_ptr<Work> wp;
    guard.run([&] {
      wp = std::make_unique<Work>(net);
      if (adam) {
        wp->m.resize(P * L);
        wp->v.resize(P * L);
      }
      if (B) {
        wp->perm.resize(size_t(N) * L);
        wp->idx.resize(size_t(B) * L);
      }
    });
#pragma omp for schedule(static)
    for (int64_t b = 0; b < num_blocks(R); ++b) guard.run([&] {
        Work& w = *wp;
        const int64_t r0 = b * L;
        double* p = w.p.data();
        double* g = w.g.data();
        pack_block(params, R, r0, P, p);
        if (adam) {
          pack_block(m, R, r0, P, w.m.data());
          pack_block(v, R, r0, P, w.v.data());
        }
        for (int64_t t = 0; t < opt.steps; ++t) {
          const int64_t s = opt.t0 + t;
          if (B) {
            const int64_t e = s / spe, k = s % spe;
            if (k == 0 || t == 0)
              for (int l = 0; l < L; ++l)
                epoch_permutation(opt.seed, std::min(r0 + l, R - 1), e, N, w.perm.data() + l * N);
            const int64_t pos = k * B, nb = std::min(B, N - pos);
            for (int64_t q = 0; q < nb; ++q)
              for (int l = 0; l < L; ++l) w.idx[q * L + l] = w.perm[l * N + pos + q];
            block_eval(p, g, nullptr, net, data, w.idx.data(), nb, w);
          } else {
            block_eval(p, g, nullptr, net, data, nullptr, N, w);
          }
          if (!adam) {
            const double lr = opt.lr;
            for (int64_t i = 0; i < P; ++i)
    LANE_LOOP rules::gd_update(p[i * L + l], g[i * L + l], lr);
        } else {
          const double a1 = coef[2 * t], c2 = coef[2 * t + 1];
          const double b1 = opt.beta1, b2 = opt.beta2, eps = opt.eps;
          double* mm = w.m.data();
          double* vv = w.v.data();
          for (int64_t i = 0; i < P; ++i) LANE_LOOP {
            rules::adam_update(p[i * L + l], mm[i * L + l], vv[i * L + l], g[i * L + l], a1, c2, b1,
                               b2, eps);
          }
        }
      }
      unpack_block(p, R, r0, P, params);
      if (adam) {
        unpack_block(w.m.data(), R, r0, P, m);
        unpack_block(w.v.data(), R, r0, P, v);
      }
    });
  }
  guard.rethrow();
}

}  // namespace relufast::mlp
