// The tiny-net trainer: [1, H, 1] nets with SSE/MSE on the full batch, every parameter, gradient
// and Adam moment in registers for a whole chunk. Internal to the C++ kernels: included by
// driver.cpp only (train() tries it first).
#pragma once
#include <cstring>

#include "core/blocks.hpp"
#include "core/math.hpp"
#include "core/rules.hpp"
#include "core/simd.hpp"
#include "core/threads.hpp"
#include "mlp/mlp.hpp"

namespace relufast::mlp {

namespace {

// Scalar-in, scalar-out nets [1, H, 1] with SSE/MSE on the full batch: the hot case (the five-point
// net and friends). K blocks of L lanes step together so that the dependency chain of one step
// (forward, residual, gradient, update) overlaps with the others; parameters, gradients and Adam's
// moments live in registers for the whole chunk and the data are broadcast across lanes.
// Gradients: with q_hn = r_n [z_hn > 0], dL/dw_h = s v_h sum_n q_hn x_n, dL/db_h = s v_h sum_n
// q_hn, dL/dv_h = s sum_n r_n relu(z_hn), dL/dc = s sum_n r_n (s = 2 for SSE, 2 / N for MSE).
template <int H, int K, bool OB, bool ADAM>
void tiny_chunk(double* blk, double* mblk, double* vblk, const Data& d, const TrainOptions& opt,
                const double* coef) {
  constexpr int P = 3 * H + (OB ? 1 : 0);
  constexpr int KV = K * NV;  // registers per quantity
  constexpr int MP = ADAM ? P : 1;
  reg p[P][KV], m[MP][KV], v[MP][KV];
  for (int i = 0; i < P; ++i)
    for (int k = 0; k < KV; ++k) std::memcpy(&p[i][k], blk + (i * KV + k) * VW, sizeof(reg));
  if (ADAM)
    for (int i = 0; i < P; ++i)
      for (int k = 0; k < KV; ++k) {
        std::memcpy(&m[i][k], mblk + (i * KV + k) * VW, sizeof(reg));
        std::memcpy(&v[i][k], vblk + (i * KV + k) * VW, sizeof(reg));
      }
  const double* X = d.X;
  const double* Y = d.Y;
  const int64_t N = d.N;
  const double scale = d.loss == MSE ? 2.0 / double(N) : 2.0;
  const double lr = opt.lr, b1 = opt.beta1, b2 = opt.beta2, eps = opt.eps;
  const reg zero = {};
  for (int64_t t = 0; t < opt.steps; ++t) {
    reg gw[H][KV], gb[H][KV], gv[H][KV], gc[KV];
    for (int k = 0; k < KV; ++k) {
      gc[k] = zero;
      for (int h = 0; h < H; ++h) gw[h][k] = gb[h][k] = gv[h][k] = zero;
    }
    for (int64_t n = 0; n < N; ++n) {
      const reg x = broadcast<reg>(X[n]), y = broadcast<reg>(Y[n]);
      for (int k = 0; k < KV; ++k) {
        reg z[H];
        reg f = OB ? p[3 * H][k] : zero;
        for (int h = 0; h < H; ++h) {
          z[h] = p[h][k] * x + p[H + h][k];
          f = z[h] > 0.0 ? f + p[2 * H + h][k] * z[h] : f;
        }
        const reg r = f - y;
        gc[k] += r;
        for (int h = 0; h < H; ++h) {
          const auto on = z[h] > 0.0;
          gv[h][k] = on ? gv[h][k] + r * z[h] : gv[h][k];
          gw[h][k] = on ? gw[h][k] + r * x : gw[h][k];
          gb[h][k] = on ? gb[h][k] + r : gb[h][k];
        }
      }
    }
    if (!ADAM) {
      for (int k = 0; k < KV; ++k) {
        for (int h = 0; h < H; ++h) {
          const reg sv = scale * p[2 * H + h][k];
          rules::gd_update(p[h][k], sv * gw[h][k], lr);
          rules::gd_update(p[H + h][k], sv * gb[h][k], lr);
          rules::gd_update(p[2 * H + h][k], scale * gv[h][k], lr);
        }
        if (OB) rules::gd_update(p[3 * H][k], scale * gc[k], lr);
      }
    } else {
      const double a1 = coef[2 * t], c2 = coef[2 * t + 1];
      auto upd = [&](int i, int k, reg g) {
        // on AVX-512 reg is relufast::lanes: root and divide stay off the divider unit
        rules::adam_update(p[i][k], m[i][k], v[i][k], g, a1, c2, b1, b2, eps);
      };
      for (int k = 0; k < KV; ++k) {
        for (int h = 0; h < H; ++h) {
          const reg sv = scale * p[2 * H + h][k];
          upd(h, k, sv * gw[h][k]);
          upd(H + h, k, sv * gb[h][k]);
          upd(2 * H + h, k, scale * gv[h][k]);
        }
        if (OB) upd(3 * H, k, scale * gc[k]);
      }
    }
  }
  for (int i = 0; i < P; ++i)
    for (int k = 0; k < KV; ++k) std::memcpy(blk + (i * KV + k) * VW, &p[i][k], sizeof(reg));
  if (ADAM)
    for (int i = 0; i < P; ++i)
      for (int k = 0; k < KV; ++k) {
        std::memcpy(mblk + (i * KV + k) * VW, &m[i][k], sizeof(reg));
        std::memcpy(vblk + (i * KV + k) * VW, &v[i][k], sizeof(reg));
      }
}

template <int H, int K, bool OB, bool ADAM>
void tiny_train(double* params, double* m, double* v, int64_t R, const Data& d,
                const TrainOptions& opt, const double* coef) {
  constexpr int W = K * L;
  constexpr int P = 3 * H + (OB ? 1 : 0);
  const int64_t nsb = (R + W - 1) / W;
#pragma omp parallel num_threads(num_threads())
  {
    alignas(64) double blk[P * W], mblk[ADAM ? P * W : 1], vblk[ADAM ? P * W : 1];
#pragma omp for schedule(static)
    for (int64_t b = 0; b < nsb; ++b) {
      const int64_t r0 = b * W;
      pack_block<W>(params, R, r0, P, blk);
      if (ADAM) {
        pack_block<W>(m, R, r0, P, mblk);
        pack_block<W>(v, R, r0, P, vblk);
      }
      tiny_chunk<H, K, OB, ADAM>(blk, mblk, vblk, d, opt, coef);
      unpack_block<W>(blk, R, r0, P, params);
      if (ADAM) {
        unpack_block<W>(mblk, R, r0, P, m);
        unpack_block<W>(vblk, R, r0, P, v);
      }
    }
  }
}

template <int H, int K>
void tiny_dispatch(double* params, double* m, double* v, int64_t R, const Net& net, const Data& d,
                   const TrainOptions& opt, const double* coef) {
  const bool adam = opt.optimizer == ADAM;
  if (net.output_bias) {
    if (adam) tiny_train<H, K, true, true>(params, m, v, R, d, opt, coef);
    else tiny_train<H, K, true, false>(params, m, v, R, d, opt, coef);
  } else {
    if (adam) tiny_train<H, K, false, true>(params, m, v, R, d, opt, coef);
    else tiny_train<H, K, false, false>(params, m, v, R, d, opt, coef);
  }
}

// The tiny path, if this problem has one.
bool tiny(double* params, double* m, double* v, int64_t R, const Net& net, const Data& d,
          const TrainOptions& opt, int64_t B, const double* coef) {
  if (net.layers != 2 || net.sizes[0] != 1 || net.sizes[2] != 1 || d.loss == CE || B != 0 ||
      net.activation != RELU)
    return false;
  // K (blocks stepped together) per width: enough independent chains to hide latency without
  // spilling registers (measured on AVX-512, and on AVX2 with blocks of one register each, where
  // two per quantity ran ~20 % faster than one).
  constexpr int K2 = 2;
  constexpr int K1 = VW == 8 ? 1 : 2;
  switch (net.sizes[1]) {
    case 1: tiny_dispatch<1, K2>(params, m, v, R, net, d, opt, coef); return true;
    case 2: tiny_dispatch<2, K2>(params, m, v, R, net, d, opt, coef); return true;
    case 3: tiny_dispatch<3, K1>(params, m, v, R, net, d, opt, coef); return true;
    case 4: tiny_dispatch<4, K1>(params, m, v, R, net, d, opt, coef); return true;
    case 5: tiny_dispatch<5, K1>(params, m, v, R, net, d, opt, coef); return true;
    case 6: tiny_dispatch<6, K1>(params, m, v, R, net, d, opt, coef); return true;
    case 7: tiny_dispatch<7, K1>(params, m, v, R, net, d, opt, coef); return true;
    case 8: tiny_dispatch<8, K1>(params, m, v, R, net, d, opt, coef); return true;
    default: return false;
  }
}

}  // namespace

}  // namespace relufast::mlp
