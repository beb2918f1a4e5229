// The generic lane kernels of dense MLPs: loss and gradient of one block of LANES restarts (any
// depth and width, SSE/MSE/CE, full batch or per-lane mini-batches), written with core/simd.hpp's
// registers so that their vectorisation does not depend on the compiler's auto-vectoriser. Hidden
// units are ReLU (relu'(a) = [a > 0]) or sigmoid (a stored, s' = a (1 - a)).
// Internal to the C++ kernels: included by driver.cpp only, so every function stays local to that
// translation unit and inlines as it always did.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "core/blocks.hpp"
#include "core/math.hpp"
#include "core/simd.hpp"
#include "mlp/mlp.hpp"

namespace relufast::mlp {

namespace {

constexpr int L = LANES;

// Register blocking of the generic kernels: G data points x UB units per pass over the weights
// (G x UB x NV accumulators must fit the register file). Neither changes any result: sums over
// points and units always run in the same order.
constexpr int G = VW == 8 ? 8 : 4;
constexpr int UB = VW == 8 ? 2 : 1;

// Per-thread scratch for one block of L restarts on groups of up to G data points.
struct Work {
  std::vector<int64_t> act_off;  // layer k's input A_k: [G][d_k][L] at act + act_off[k]
  Buf act, out, d0, d1, p, g, m, v;
  std::vector<int64_t> perm, idx;
  const double* x = nullptr;  // shared input rows of the current group (null: per-lane rows in act)
  explicit Work(const Net& net) {
    int64_t off = 0;
    for (int k = 0; k < net.layers; ++k) {
      act_off.push_back(off);
      off += int64_t(G) * net.sizes[k] * L;
    }
    act.resize(off);
    const int dout = net.sizes.back();
    out.resize(size_t(G) * dout * L);
    d0.resize(size_t(G) * net.max_width * L);
    d1.resize(size_t(G) * net.max_width * L);
    p.resize(net.P * L);
    g.resize(net.P * L);
  }
  // Bytes of one Work (its Bufs as the constructor sizes them).
  static size_t bytes(const Net& net) {
    size_t n = 0;
    for (int k = 0; k < net.layers; ++k) n += size_t(G) * net.sizes[k] * L;
    n += size_t(G) * (net.sizes.back() + 2 * size_t(net.max_width)) * L + 2 * size_t(net.P) * L;
    return sizeof(double) * n;
  }
};

// Inputs of a group of NB points: shared points n0.. (idx null: read in place from X, broadcast to
// every lane) or per-lane points idx[(n0 + q) * L + l] (gathered into act).
template <int NB>
void load_inputs(const Net& net, const Data& d, const int64_t* idx, int64_t n0, Work& w) {
  const int din = net.sizes[0];
  double* A = w.act.data();
  w.x = idx ? nullptr : d.X + n0 * din;  // shared points are read in place and broadcast
  if (idx) {
    for (int q = 0; q < NB; ++q)
      for (int l = 0; l < L; ++l) {
        const double* x = d.X + idx[(n0 + q) * L + l] * din;
        for (int j = 0; j < din; ++j) A[(q * din + j) * L + l] = x[j];
      }
  }
}

// z_i = W_i . a (+ b_i) for IB consecutive units i and NB points at once (IB x NB accumulators in
// registers; each weight vector loaded once per NB points). Sums run over j in order.
// Input a_qj of a layer as a vector: broadcast from shared rows (BC) or the lanes of act.
#define A_AT(q, j, v) \
  (BC ? broadcast<reg>(A[(q) * din + (j)]) : load<reg>(A + ((q) * din + (j)) * L + (v) * VW))

// z_i = W_i . a (+ b_i) for IB consecutive units i and NB points at once (IB x NB accumulators in
// registers; each weight vector loaded once per NB points). Sums run over j in order.
template <int NB, int IB, bool BC>
inline void forward_units(const double* W, const double* B, const double* A, double* Z, int i,
                          int din, int dout, bool rectify) {
  reg acc[IB][NB][NV];
  for (int u = 0; u < IB; ++u)
    for (int q = 0; q < NB; ++q)
      for (int v = 0; v < NV; ++v) acc[u][q][v] = reg{};
  const double* Wi = W + int64_t(i) * din * L;
  for (int j = 0; j < din; ++j) {
    reg w[IB][NV];
    for (int u = 0; u < IB; ++u)
      for (int v = 0; v < NV; ++v) w[u][v] = load<reg>(Wi + (u * din + j) * L + v * VW);
    for (int q = 0; q < NB; ++q)
      for (int v = 0; v < NV; ++v) {
        const reg a = A_AT(q, j, v);
        for (int u = 0; u < IB; ++u) acc[u][q][v] += w[u][v] * a;
      }
  }
  for (int u = 0; u < IB; ++u)
    for (int v = 0; v < NV; ++v) {
      const reg b = B ? load<reg>(B + (i + u) * L + v * VW) : reg{};
      for (int q = 0; q < NB; ++q) {
        const reg z = B ? acc[u][q][v] + b : acc[u][q][v];
        store(Z + (q * dout + i + u) * L + v * VW, rectify ? (z > 0.0 ? z : reg{}) : z);
      }
    }
}

template <int NB>
void forward(const double* p, const Net& net, Work& w) {
  for (int k = 0; k < net.layers; ++k) {
    const int din = net.sizes[k], dout = net.sizes[k + 1];
    const bool hidden = k + 1 < net.layers;
    const bool rect = hidden && net.activation == RELU;
    const bool bc = k == 0 && w.x;
    const double* A = bc ? w.x : w.act.data() + w.act_off[k];
    double* Z = hidden ? w.act.data() + w.act_off[k + 1] : w.out.data();
    const double* W = p + net.w_off[k] * L;
    const double* B = net.b_off[k] >= 0 ? p + net.b_off[k] * L : nullptr;
    int i = 0;
    if (bc) {
      for (; i + UB <= dout; i += UB) forward_units<NB, UB, true>(W, B, A, Z, i, din, dout, rect);
      for (; i < dout; ++i) forward_units<NB, 1, true>(W, B, A, Z, i, din, dout, rect);
    } else {
      for (; i + UB <= dout; i += UB) forward_units<NB, UB, false>(W, B, A, Z, i, din, dout, rect);
      for (; i < dout; ++i) forward_units<NB, 1, false>(W, B, A, Z, i, din, dout, rect);
    }
    if (hidden && net.activation == SIGMOID) {
      const int64_t n = int64_t(NB) * dout * L;  // Z holds [NB][dout][L] contiguously
#pragma omp simd
      for (int64_t e = 0; e < n; ++e) Z[e] = sigmoid_lane(Z[e]);
    }
  }
}

// Output layer: loss contributions into loss (if not null) and dL/dF into w.out (overwriting F).
// scale = 1 for SSE, 1/n for MSE and CE (n points in the batch).
template <int NB>
void output(const Net& net, const Data& d, const int64_t* idx, int64_t n0, double inv_n,
            double* loss, Work& w) {
  const int dout = net.sizes.back();
  double* F = w.out.data();
  if (d.loss != CE) {
    for (int q = 0; q < NB; ++q)
      for (int k = 0; k < dout; ++k) {
        double y[L];
        if (!idx) {
          const double yv = d.Y[(n0 + q) * dout + k];
          // (clang-format 23 mis-indents this LANE_LOOP line)
          // clang-format off
          LANE_LOOP y[l] = yv;
          // clang-format on
        } else {
          for (int l = 0; l < L; ++l) y[l] = d.Y[idx[(n0 + q) * L + l] * dout + k];
        }
        double* f = F + (q * dout + k) * L;
        if (loss) LANE_LOOP {
          const double r = f[l] - y[l];
          loss[l] += r * r;
        }
        if (d.loss == SSE) {
          LANE_LOOP f[l] = 2.0 * (f[l] - y[l]);
        } else {
          LANE_LOOP f[l] = 2.0 * (f[l] - y[l]) * inv_n;
        }
      }
    return;
  }
  for (int q = 0; q < NB; ++q) {
    double* f = F + q * dout * L;
    int64_t lab[L];
    for (int l = 0; l < L; ++l) lab[l] = d.labels[idx ? idx[(n0 + q) * L + l] : n0 + q];
    double mx[L], s[L];
    LANE_LOOP mx[l] = f[l];
    for (int k = 1; k < dout; ++k) LANE_LOOP mx[l] = std::max(mx[l], f[k * L + l]);
    LANE_LOOP s[l] = 0.0;
    if (loss) {
      double fy[L];
      for (int l = 0; l < L; ++l) fy[l] = f[lab[l] * L + l];
      for (int k = 0; k < dout; ++k) LANE_LOOP s[l] += exp_lane(f[k * L + l] - mx[l]);
      for (int l = 0; l < L; ++l) loss[l] += (mx[l] + std::log(s[l])) - fy[l];
      LANE_LOOP s[l] = 0.0;
    }
    for (int k = 0; k < dout; ++k) LANE_LOOP {
      const double e = exp_lane(f[k * L + l] - mx[l]);
      f[k * L + l] = e;
      s[l] += e;
    }
    for (int k = 0; k < dout; ++k) LANE_LOOP f[k * L + l] = f[k * L + l] / s[l];
    for (int l = 0; l < L; ++l) f[lab[l] * L + l] -= 1.0;
    for (int k = 0; k < dout; ++k) LANE_LOOP f[k * L + l] *= inv_n;
  }
}

// gW_ij += sum_q delta_qi a_qj (q in order) for IB consecutive units i; gb_i += sum_q delta_qi.
template <int NB, int IB, bool BC>
inline void grad_units(const double* delta, const double* A, double* gW, double* gB, int i, int din,
                       int dout) {
  reg di[IB][NB][NV];
  for (int u = 0; u < IB; ++u)
    for (int q = 0; q < NB; ++q)
      for (int v = 0; v < NV; ++v) di[u][q][v] = load<reg>(delta + (q * dout + i + u) * L + v * VW);
  if (gB)
    for (int u = 0; u < IB; ++u)
      for (int v = 0; v < NV; ++v) {
        reg s = load<reg>(gB + (i + u) * L + v * VW);
        for (int q = 0; q < NB; ++q) s += di[u][q][v];
        store(gB + (i + u) * L + v * VW, s);
      }
  double* gWi = gW + int64_t(i) * din * L;
  for (int j = 0; j < din; ++j) {
    reg s[IB][NV];
    for (int u = 0; u < IB; ++u)
      for (int v = 0; v < NV; ++v) s[u][v] = load<reg>(gWi + (u * din + j) * L + v * VW);
    for (int q = 0; q < NB; ++q)
      for (int v = 0; v < NV; ++v) {
        const reg a = A_AT(q, j, v);
        for (int u = 0; u < IB; ++u) s[u][v] += di[u][q][v] * a;
      }
    for (int u = 0; u < IB; ++u)
      for (int v = 0; v < NV; ++v) store(gWi + (u * din + j) * L + v * VW, s[u][v]);
  }
}

// dprev_qj = s'(a_qj) sum_i W_ij delta_qi (i in order) for JB consecutive inputs j: relu' =
// [a > 0], sigmoid' = a (1 - a) (SIG).
template <int NB, int JB, bool SIG>
inline void delta_units(const double* W, const double* delta, const double* A, double* dprev, int j,
                        int din, int dout) {
  reg acc[JB][NB][NV];
  for (int u = 0; u < JB; ++u)
    for (int q = 0; q < NB; ++q)
      for (int v = 0; v < NV; ++v) acc[u][q][v] = reg{};
  for (int i = 0; i < dout; ++i) {
    reg w[JB][NV];
    for (int u = 0; u < JB; ++u)
      for (int v = 0; v < NV; ++v) w[u][v] = load<reg>(W + (int64_t(i) * din + j + u) * L + v * VW);
    for (int q = 0; q < NB; ++q)
      for (int v = 0; v < NV; ++v) {
        const reg dq = load<reg>(delta + (q * dout + i) * L + v * VW);
        for (int u = 0; u < JB; ++u) acc[u][q][v] += w[u][v] * dq;
      }
  }
  for (int u = 0; u < JB; ++u)
    for (int q = 0; q < NB; ++q)
      for (int v = 0; v < NV; ++v) {
        const reg a = load<reg>(A + (q * din + j + u) * L + v * VW);
        if constexpr (SIG)
          store(dprev + (q * din + j + u) * L + v * VW, acc[u][q][v] * (a * (1.0 - a)));
        else
          store(dprev + (q * din + j + u) * L + v * VW, a > 0.0 ? acc[u][q][v] : reg{});
      }
}

// Backpropagate dL/dF (in w.out) and accumulate the gradient into g ([P][L]), point after point.
template <int NB>
void backward(const double* p, double* g, const Net& net, Work& w) {
  const double* delta = w.out.data();
  double* bufs[2] = {w.d0.data(), w.d1.data()};
  int nb = 0;
  for (int k = net.layers - 1; k >= 0; --k) {
    const int din = net.sizes[k], dout = net.sizes[k + 1];
    const bool bc = k == 0 && w.x;
    const double* A = bc ? w.x : w.act.data() + w.act_off[k];
    const double* W = p + net.w_off[k] * L;
    double* gW = g + net.w_off[k] * L;
    double* gB = net.b_off[k] >= 0 ? g + net.b_off[k] * L : nullptr;
    int i = 0;
    if (bc) {
      for (; i + UB <= dout; i += UB) grad_units<NB, UB, true>(delta, A, gW, gB, i, din, dout);
      for (; i < dout; ++i) grad_units<NB, 1, true>(delta, A, gW, gB, i, din, dout);
    } else {
      for (; i + UB <= dout; i += UB) grad_units<NB, UB, false>(delta, A, gW, gB, i, din, dout);
      for (; i < dout; ++i) grad_units<NB, 1, false>(delta, A, gW, gB, i, din, dout);
    }
    if (k == 0) break;
    double* dprev = bufs[nb];
    nb ^= 1;
    int j = 0;
    if (net.activation == SIGMOID) {
      for (; j + UB <= din; j += UB) delta_units<NB, UB, true>(W, delta, A, dprev, j, din, dout);
      for (; j < din; ++j) delta_units<NB, 1, true>(W, delta, A, dprev, j, din, dout);
    } else {
      for (; j + UB <= din; j += UB) delta_units<NB, UB, false>(W, delta, A, dprev, j, din, dout);
      for (; j < din; ++j) delta_units<NB, 1, false>(W, delta, A, dprev, j, din, dout);
    }
    delta = dprev;
  }
}

template <int NB>
void group(const double* p, double* g, double* loss, const Net& net, const Data& d,
           const int64_t* idx, int64_t n0, double inv_n, Work& w) {
  load_inputs<NB>(net, d, idx, n0, w);
  forward<NB>(p, net, w);
  output<NB>(net, d, idx, n0, inv_n, loss, w);
  if (g) backward<NB>(p, g, net, w);
}

// Loss (if loss) and gradient (if g) of one block p [P][L] over n points: points 0..n-1 shared by
// all lanes (idx null) or per-lane points idx [n][L].
void block_eval(const double* p, double* g, double* loss, const Net& net, const Data& d,
                const int64_t* idx, int64_t n, Work& w) {
  if (g) std::memset(g, 0, sizeof(double) * net.P * L);
  if (loss) LANE_LOOP loss[l] = 0.0;
  const double inv_n = 1.0 / double(n);
  int64_t n0 = 0;
  for (; n0 + G <= n; n0 += G) group<G>(p, g, loss, net, d, idx, n0, inv_n, w);
  for (; n0 < n; ++n0) group<1>(p, g, loss, net, d, idx, n0, inv_n, w);
  if (loss && d.loss != SSE) LANE_LOOP loss[l] = loss[l] / double(n);
}

}  // namespace

}  // namespace relufast::mlp
