#include "mlp/mlp.hpp"

#include <cstdlib>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "core/common.hpp"

// The SIMD vector type below is wider than the registers of non-AVX-512 targets; it is only used
// inside this file (inline helpers), so the ABI note GCC emits for it does not apply.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wpsabi"
#endif

#define LANE_LOOP _Pragma("omp simd") for (int l = 0; l < LANES; ++l)

namespace relufast::mlp {

namespace {

constexpr int L = LANES;

// 64-byte aligned scratch (one cache line / one AVX-512 vector per lane group).
struct Buf {
  std::unique_ptr<double[], void (*)(void*)> p{nullptr, std::free};
  size_t n = 0;
  void resize(size_t count) {
    if (count <= n) return;
    const size_t bytes = ((count * sizeof(double) + 63) / 64) * 64;
    p.reset(static_cast<double*>(std::aligned_alloc(64, bytes)));
    if (!p) throw std::bad_alloc();
    n = count;
  }
  double* data() { return p.get(); }
};

// One native SIMD register of doubles (GCC/Clang vector extension); a block of L lanes is NV of
// them. The arithmetic of every lane is the same whatever the width. The hot
// kernels use it directly so that their vectorisation does not depend on the compiler's
// auto-vectoriser.
#if defined(__AVX512F__)
constexpr int VW = 8;  // doubles per native SIMD register
#elif defined(__AVX__)
constexpr int VW = 4;
#else
constexpr int VW = 2;
#endif
constexpr int NV = L / VW;  // registers per lane group of L restarts
static_assert(L % VW == 0, "LANES must be a multiple of the SIMD width");
typedef double vec __attribute__((vector_size(VW * sizeof(double))));

// Register blocking of the generic kernels: G data points x UB units per pass over the weights
// (G x UB x NV accumulators must fit the register file). Neither changes any result: sums over
// points and units always run in the same order.
constexpr int G = VW == 8 ? 8 : 4;
constexpr int UB = VW == 8 ? 2 : 1;

inline vec vload(const double* p) {
  vec v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void vstore(double* p, vec v) { std::memcpy(p, &v, sizeof v); }
// x in every lane (x - 0 == x for every x, so this folds to a plain broadcast; x + 0 would not).
inline vec vbcast(double x) { return x - vec{}; }


// exp(x) for lanes (no libm call, so loops vectorise), within a couple of ulp on [-708, 709];
// 0 below -708 (where exp is subnormal anyway), used only for softmax (x <= 0).
inline double vexp(double x) {
  constexpr double LOG2E = 1.4426950408889634074;
  constexpr double LN2_HI = 6.93145751953125e-1;
  constexpr double LN2_LO = 1.42860682030941723212e-6;
  const double xc = std::min(std::max(x, -708.0), 709.0);
  const double k = std::nearbyint(xc * LOG2E);
  const double r = (xc - k * LN2_HI) - k * LN2_LO;  // |r| <= ln2/2
  // Taylor to degree 13 (truncation < 1e-17 relative on |r| <= 0.347)
  double pp = 1.0 / 6227020800.0;
  pp = pp * r + 1.0 / 479001600.0;
  pp = pp * r + 1.0 / 39916800.0;
  pp = pp * r + 1.0 / 3628800.0;
  pp = pp * r + 1.0 / 362880.0;
  pp = pp * r + 1.0 / 40320.0;
  pp = pp * r + 1.0 / 5040.0;
  pp = pp * r + 1.0 / 720.0;
  pp = pp * r + 1.0 / 120.0;
  pp = pp * r + 1.0 / 24.0;
  pp = pp * r + 1.0 / 6.0;
  pp = pp * r + 0.5;
  pp = pp * r + 1.0;
  pp = pp * r + 1.0;
  const int64_t bits = (static_cast<int64_t>(k) + 1023) << 52;
  double scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return x < -708.0 ? 0.0 : pp * scale;
}

inline uint64_t mix64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}
constexpr uint64_t GOLDEN = 0x9e3779b97f4a7c15ULL;

// ----------------------------------------------------------------------------- generic lanes

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
#define A_AT(q, j, v) (BC ? vbcast(A[(q) * din + (j)]) : vload(A + ((q) * din + (j)) * L + (v) * VW))

// z_i = W_i . a (+ b_i) for IB consecutive units i and NB points at once (IB x NB accumulators in
// registers; each weight vector loaded once per NB points). Sums run over j in order.
template <int NB, int IB, bool BC>
inline void forward_units(const double* W, const double* B, const double* A, double* Z, int i, int din,
                          int dout, bool hidden) {
  vec acc[IB][NB][NV];
  for (int u = 0; u < IB; ++u)
    for (int q = 0; q < NB; ++q)
      for (int v = 0; v < NV; ++v) acc[u][q][v] = vec{};
  const double* Wi = W + int64_t(i) * din * L;
  for (int j = 0; j < din; ++j) {
    vec w[IB][NV];
    for (int u = 0; u < IB; ++u)
      for (int v = 0; v < NV; ++v) w[u][v] = vload(Wi + (u * din + j) * L + v * VW);
    for (int q = 0; q < NB; ++q)
      for (int v = 0; v < NV; ++v) {
        const vec a = A_AT(q, j, v);
        for (int u = 0; u < IB; ++u) acc[u][q][v] += w[u][v] * a;
      }
  }
  for (int u = 0; u < IB; ++u)
    for (int v = 0; v < NV; ++v) {
      const vec b = B ? vload(B + (i + u) * L + v * VW) : vec{};
      for (int q = 0; q < NB; ++q) {
        const vec z = B ? acc[u][q][v] + b : acc[u][q][v];
        vstore(Z + (q * dout + i + u) * L + v * VW, hidden ? (z > 0.0 ? z : vec{}) : z);
      }
    }
}

template <int NB>
void forward(const double* p, const Net& net, Work& w) {
  for (int k = 0; k < net.layers; ++k) {
    const int din = net.sizes[k], dout = net.sizes[k + 1];
    const bool hidden = k + 1 < net.layers;
    const bool bc = k == 0 && w.x;
    const double* A = bc ? w.x : w.act.data() + w.act_off[k];
    double* Z = hidden ? w.act.data() + w.act_off[k + 1] : w.out.data();
    const double* W = p + net.w_off[k] * L;
    const double* B = net.b_off[k] >= 0 ? p + net.b_off[k] * L : nullptr;
    int i = 0;
    if (bc) {
      for (; i + UB <= dout; i += UB) forward_units<NB, UB, true>(W, B, A, Z, i, din, dout, hidden);
      for (; i < dout; ++i) forward_units<NB, 1, true>(W, B, A, Z, i, din, dout, hidden);
    } else {
      for (; i + UB <= dout; i += UB) forward_units<NB, UB, false>(W, B, A, Z, i, din, dout, hidden);
      for (; i < dout; ++i) forward_units<NB, 1, false>(W, B, A, Z, i, din, dout, hidden);
    }
  }
}

// Output layer: loss contributions into loss (if not null) and dL/dF into w.out (overwriting F).
// scale = 1 for SSE, 1/n for MSE and CE (n points in the batch).
template <int NB>
void output(const Net& net, const Data& d, const int64_t* idx, int64_t n0, double inv_n, double* loss,
            Work& w) {
  const int dout = net.sizes.back();
  double* F = w.out.data();
  if (d.loss != CE) {
    for (int q = 0; q < NB; ++q)
      for (int k = 0; k < dout; ++k) {
        double y[L];
        if (!idx) {
          const double yv = d.Y[(n0 + q) * dout + k];
          LANE_LOOP y[l] = yv;
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
      for (int k = 0; k < dout; ++k) LANE_LOOP s[l] += vexp(f[k * L + l] - mx[l]);
      for (int l = 0; l < L; ++l) loss[l] += (mx[l] + std::log(s[l])) - fy[l];
      LANE_LOOP s[l] = 0.0;
    }
    for (int k = 0; k < dout; ++k) LANE_LOOP {
      const double e = vexp(f[k * L + l] - mx[l]);
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
  vec di[IB][NB][NV];
  for (int u = 0; u < IB; ++u)
    for (int q = 0; q < NB; ++q)
      for (int v = 0; v < NV; ++v) di[u][q][v] = vload(delta + (q * dout + i + u) * L + v * VW);
  if (gB)
    for (int u = 0; u < IB; ++u)
      for (int v = 0; v < NV; ++v) {
        vec s = vload(gB + (i + u) * L + v * VW);
        for (int q = 0; q < NB; ++q) s += di[u][q][v];
        vstore(gB + (i + u) * L + v * VW, s);
      }
  double* gWi = gW + int64_t(i) * din * L;
  for (int j = 0; j < din; ++j) {
    vec s[IB][NV];
    for (int u = 0; u < IB; ++u)
      for (int v = 0; v < NV; ++v) s[u][v] = vload(gWi + (u * din + j) * L + v * VW);
    for (int q = 0; q < NB; ++q)
      for (int v = 0; v < NV; ++v) {
        const vec a = A_AT(q, j, v);
        for (int u = 0; u < IB; ++u) s[u][v] += di[u][q][v] * a;
      }
    for (int u = 0; u < IB; ++u)
      for (int v = 0; v < NV; ++v) vstore(gWi + (u * din + j) * L + v * VW, s[u][v]);
  }
}

// dprev_qj = [a_qj > 0] sum_i W_ij delta_qi (i in order) for JB consecutive inputs j.
template <int NB, int JB>
inline void delta_units(const double* W, const double* delta, const double* A, double* dprev, int j,
                        int din, int dout) {
  vec acc[JB][NB][NV];
  for (int u = 0; u < JB; ++u)
    for (int q = 0; q < NB; ++q)
      for (int v = 0; v < NV; ++v) acc[u][q][v] = vec{};
  for (int i = 0; i < dout; ++i) {
    vec w[JB][NV];
    for (int u = 0; u < JB; ++u)
      for (int v = 0; v < NV; ++v) w[u][v] = vload(W + (int64_t(i) * din + j + u) * L + v * VW);
    for (int q = 0; q < NB; ++q)
      for (int v = 0; v < NV; ++v) {
        const vec dq = vload(delta + (q * dout + i) * L + v * VW);
        for (int u = 0; u < JB; ++u) acc[u][q][v] += w[u][v] * dq;
      }
  }
  for (int u = 0; u < JB; ++u)
    for (int q = 0; q < NB; ++q)
      for (int v = 0; v < NV; ++v) {
        const vec a = vload(A + (q * din + j + u) * L + v * VW);
        vstore(dprev + (q * din + j + u) * L + v * VW, a > 0.0 ? acc[u][q][v] : vec{});
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
    for (; j + UB <= din; j += UB) delta_units<NB, UB>(W, delta, A, dprev, j, din, dout);
    for (; j < din; ++j) delta_units<NB, 1>(W, delta, A, dprev, j, din, dout);
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

// ----------------------------------------------------------------------------- tiny nets

// Scalar-in, scalar-out nets [1, H, 1] with SSE/MSE on the full batch: the hot case (the five-point
// net and friends). K blocks of L lanes step together so that the dependency chain of one step
// (forward, residual, gradient, update) overlaps with the others; parameters, gradients and Adam's
// moments live in registers for the whole chunk and the data are broadcast across lanes.
// Gradients: with q_hn = r_n [z_hn > 0], dL/dw_h = s v_h sum_n q_hn x_n, dL/db_h = s v_h sum_n q_hn,
// dL/dv_h = s sum_n r_n relu(z_hn), dL/dc = s sum_n r_n (s = 2 for SSE, 2 / N for MSE).
template <int H, int K, bool OB, bool ADAM>
void tiny_chunk(double* blk, double* mblk, double* vblk, const Data& d, const TrainOptions& opt,
                const double* coef) {
  constexpr int P = 3 * H + (OB ? 1 : 0);
  constexpr int KV = K * NV;  // registers per quantity
  constexpr int MP = ADAM ? P : 1;
  vec p[P][KV], m[MP][KV], v[MP][KV];
  for (int i = 0; i < P; ++i)
    for (int k = 0; k < KV; ++k) std::memcpy(&p[i][k], blk + (i * KV + k) * VW, sizeof(vec));
  if (ADAM)
    for (int i = 0; i < P; ++i)
      for (int k = 0; k < KV; ++k) {
        std::memcpy(&m[i][k], mblk + (i * KV + k) * VW, sizeof(vec));
        std::memcpy(&v[i][k], vblk + (i * KV + k) * VW, sizeof(vec));
      }
  const double* X = d.X;
  const double* Y = d.Y;
  const int64_t N = d.N;
  const double scale = d.loss == MSE ? 2.0 / double(N) : 2.0;
  const double lr = opt.lr, b1 = opt.beta1, b2 = opt.beta2, eps = opt.eps;
  const vec zero = {};
  for (int64_t t = 0; t < opt.steps; ++t) {
    vec gw[H][KV], gb[H][KV], gv[H][KV], gc[KV];
    for (int k = 0; k < KV; ++k) {
      gc[k] = zero;
      for (int h = 0; h < H; ++h) gw[h][k] = gb[h][k] = gv[h][k] = zero;
    }
    for (int64_t n = 0; n < N; ++n) {
      const vec x = vbcast(X[n]), y = vbcast(Y[n]);
      for (int k = 0; k < KV; ++k) {
        vec z[H];
        vec f = OB ? p[3 * H][k] : zero;
        for (int h = 0; h < H; ++h) {
          z[h] = p[h][k] * x + p[H + h][k];
          f = z[h] > 0.0 ? f + p[2 * H + h][k] * z[h] : f;
        }
        const vec r = f - y;
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
          const vec sv = scale * p[2 * H + h][k];
          p[h][k] -= lr * (sv * gw[h][k]);
          p[H + h][k] -= lr * (sv * gb[h][k]);
          p[2 * H + h][k] -= lr * (scale * gv[h][k]);
        }
        if (OB) p[3 * H][k] -= lr * (scale * gc[k]);
      }
    } else {
      const double a1 = coef[2 * t], c2 = coef[2 * t + 1];
      auto upd = [&](int i, int k, vec g) {
        const vec mi = b1 * m[i][k] + (1.0 - b1) * g;
        const vec vi = b2 * v[i][k] + (1.0 - b2) * (g * g);
        m[i][k] = mi;
        v[i][k] = vi;
#if defined(__AVX512F__)  // vec is relufast::lanes: root and divide stay off the divider unit
        p[i][k] -= a1 * divide(mi, root(vi) * c2 + eps);
#else
        alignas(64) double sq[VW];
        std::memcpy(sq, &vi, sizeof(vec));
        _Pragma("omp simd") for (int l = 0; l < VW; ++l) sq[l] = std::sqrt(sq[l]);
        vec sqv;
        std::memcpy(&sqv, sq, sizeof(vec));
        p[i][k] -= a1 * (mi / (sqv * c2 + eps));
#endif
      };
      for (int k = 0; k < KV; ++k) {
        for (int h = 0; h < H; ++h) {
          const vec sv = scale * p[2 * H + h][k];
          upd(h, k, sv * gw[h][k]);
          upd(H + h, k, sv * gb[h][k]);
          upd(2 * H + h, k, scale * gv[h][k]);
        }
        if (OB) upd(3 * H, k, scale * gc[k]);
      }
    }
  }
  for (int i = 0; i < P; ++i)
    for (int k = 0; k < KV; ++k) std::memcpy(blk + (i * KV + k) * VW, &p[i][k], sizeof(vec));
  if (ADAM)
    for (int i = 0; i < P; ++i)
      for (int k = 0; k < KV; ++k) {
        std::memcpy(mblk + (i * KV + k) * VW, &m[i][k], sizeof(vec));
        std::memcpy(vblk + (i * KV + k) * VW, &v[i][k], sizeof(vec));
      }
}

// Restarts [r0, r0 + W) of a (R, P) array as [P][W]; lanes past R repeat the last restart.
void pack_w(const double* X, int64_t R, int64_t r0, int64_t P, int W, double* blk) {
  for (int l = 0; l < W; ++l) {
    const double* src = X + std::min(r0 + l, R - 1) * P;
    for (int64_t p = 0; p < P; ++p) blk[p * W + l] = src[p];
  }
}

void unpack_w(const double* blk, int64_t R, int64_t r0, int64_t P, int W, double* X) {
  for (int l = 0; l < W && r0 + l < R; ++l) {
    double* dst = X + (r0 + l) * P;
    for (int64_t p = 0; p < P; ++p) dst[p] = blk[p * W + l];
  }
}

template <int H, int K, bool OB, bool ADAM>
void tiny_train(double* params, double* m, double* v, int64_t R, const Data& d,
                const TrainOptions& opt, const double* coef) {
  constexpr int W = K * L;
  constexpr int P = 3 * H + (OB ? 1 : 0);
  const int64_t nsb = (R + W - 1) / W;
#pragma omp parallel
  {
    alignas(64) double blk[P * W], mblk[ADAM ? P * W : 1], vblk[ADAM ? P * W : 1];
#pragma omp for schedule(static)
    for (int64_t b = 0; b < nsb; ++b) {
      const int64_t r0 = b * W;
      pack_w(params, R, r0, P, W, blk);
      if (ADAM) {
        pack_w(m, R, r0, P, W, mblk);
        pack_w(v, R, r0, P, W, vblk);
      }
      tiny_chunk<H, K, OB, ADAM>(blk, mblk, vblk, d, opt, coef);
      unpack_w(blk, R, r0, P, W, params);
      if (ADAM) {
        unpack_w(mblk, R, r0, P, W, m);
        unpack_w(vblk, R, r0, P, W, v);
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
  if (net.layers != 2 || net.sizes[0] != 1 || net.sizes[2] != 1 || d.loss == CE || B != 0)
    return false;
  // K (blocks stepped together) per width: enough independent chains to hide latency without
  // spilling registers (measured on AVX-512; one block where registers are narrower).
  constexpr int K2 = VW == 8 ? 2 : 1;
  switch (net.sizes[1]) {
    case 1: tiny_dispatch<1, K2>(params, m, v, R, net, d, opt, coef); return true;
    case 2: tiny_dispatch<2, K2>(params, m, v, R, net, d, opt, coef); return true;
    case 3: tiny_dispatch<3, 1>(params, m, v, R, net, d, opt, coef); return true;
    case 4: tiny_dispatch<4, 1>(params, m, v, R, net, d, opt, coef); return true;
    case 5: tiny_dispatch<5, 1>(params, m, v, R, net, d, opt, coef); return true;
    case 6: tiny_dispatch<6, 1>(params, m, v, R, net, d, opt, coef); return true;
    case 7: tiny_dispatch<7, 1>(params, m, v, R, net, d, opt, coef); return true;
    case 8: tiny_dispatch<8, 1>(params, m, v, R, net, d, opt, coef); return true;
    default: return false;
  }
}

// ----------------------------------------------------------------------------- Hessian (scalar)

struct HessWork {
  std::vector<double> A;      // per layer k: inputs A_k (N, d_k) at aoff[k]
  std::vector<int64_t> aoff;
  std::vector<double> F, D;   // (N, d_out) outputs and dL/dF
  std::vector<double> delta;  // per layer k: dL/dZ_k (N, d_{k+1}) at doff[k]
  std::vector<int64_t> doff;
  std::vector<double> Pr;     // (N, d_out) softmax probabilities (CE)
  std::vector<double> dZ, dd, dd2;  // tangents, (N, max_width)
  std::vector<double> tang;             // forward tangents dA_k of the layers above the direction
  std::vector<int64_t> toff;
};

void hess_forward(const double* p, const Net& net, const Data& d, HessWork& w) {
  const int64_t N = d.N;
  w.aoff.assign(net.layers + 1, 0);
  w.doff.assign(net.layers + 1, 0);
  for (int k = 0; k < net.layers; ++k) {
    w.aoff[k + 1] = w.aoff[k] + N * net.sizes[k];
    w.doff[k + 1] = w.doff[k] + N * net.sizes[k + 1];
  }
  w.A.resize(w.aoff[net.layers]);
  w.delta.resize(w.doff[net.layers]);
  const int dout = net.sizes.back();
  w.F.resize(N * dout);
  w.D.resize(N * dout);
  if (d.loss == CE) w.Pr.resize(N * dout);
  const size_t mw = size_t(N) * net.max_width;
  w.dZ.resize(mw);
  w.dd.resize(mw);
  w.dd2.resize(mw);
  std::memcpy(w.A.data(), d.X, sizeof(double) * N * net.sizes[0]);
  for (int k = 0; k < net.layers; ++k) {
    const int din = net.sizes[k], dk = net.sizes[k + 1];
    const double* W = p + net.w_off[k];
    const double* B = net.b_off[k] >= 0 ? p + net.b_off[k] : nullptr;
    const double* A = w.A.data() + w.aoff[k];
    const bool hidden = k + 1 < net.layers;
    double* Z = hidden ? w.A.data() + w.aoff[k + 1] : w.F.data();
    for (int64_t n = 0; n < N; ++n)
      for (int i = 0; i < dk; ++i) {
        double s = 0.0;
        for (int j = 0; j < din; ++j) s += W[i * din + j] * A[n * din + j];
        if (B) s += B[i];
        Z[n * dk + i] = hidden ? (s > 0.0 ? s : 0.0) : s;
      }
  }
  // dL/dF
  const double invN = 1.0 / double(N);
  for (int64_t n = 0; n < N; ++n) {
    const double* f = w.F.data() + n * dout;
    double* D = w.D.data() + n * dout;
    if (d.loss == CE) {
      double mx = f[0], s = 0.0;
      for (int k = 1; k < dout; ++k) mx = std::max(mx, f[k]);
      for (int k = 0; k < dout; ++k) s += std::exp(f[k] - mx);
      double* pr = w.Pr.data() + n * dout;
      for (int k = 0; k < dout; ++k) pr[k] = std::exp(f[k] - mx) / s;
      for (int k = 0; k < dout; ++k) D[k] = pr[k];
      D[d.labels[n]] -= 1.0;
      for (int k = 0; k < dout; ++k) D[k] *= invN;
    } else {
      for (int k = 0; k < dout; ++k) {
        D[k] = 2.0 * (f[k] - d.Y[n * dout + k]);
        if (d.loss == MSE) D[k] *= invN;
      }
    }
  }
  // delta_k = dL/dZ_k, from the top
  std::memcpy(w.delta.data() + w.doff[net.layers - 1], w.D.data(), sizeof(double) * N * dout);
  for (int k = net.layers - 1; k > 0; --k) {
    const int din = net.sizes[k], dk = net.sizes[k + 1];
    const double* W = p + net.w_off[k];
    const double* dl = w.delta.data() + w.doff[k];
    const double* A = w.A.data() + w.aoff[k];
    double* dp = w.delta.data() + w.doff[k - 1];
    for (int64_t n = 0; n < N; ++n)
      for (int j = 0; j < din; ++j) {
        double s = 0.0;
        for (int i = 0; i < dk; ++i) s += dl[n * dk + i] * W[i * din + j];
        dp[n * din + j] = A[n * din + j] > 0.0 ? s : 0.0;
      }
  }
}

// Row `col` of the Hessian: the exact Hessian-vector product with the unit vector e_col.
void hess_column(const double* p, const Net& net, const Data& d, HessWork& w, int64_t col,
                 double* out) {
  const int64_t N = d.N;
  const int dout = net.sizes.back();
  // which layer / entry does col belong to?
  int k0 = 0;
  while (k0 + 1 < net.layers && col >= net.w_off[k0 + 1]) ++k0;
  const int din0 = net.sizes[k0], dk0 = net.sizes[k0 + 1];
  const bool is_bias = col >= net.w_off[k0] + int64_t(din0) * dk0;
  const int i0 = is_bias ? int(col - net.b_off[k0]) : int((col - net.w_off[k0]) / din0);
  const int j0 = is_bias ? -1 : int((col - net.w_off[k0]) % din0);
  std::fill(out, out + net.P, 0.0);

  // forward tangent: dZ_{k0} nonzero in unit i0 only
  double* dZ = w.dZ.data();
  const double* A0 = w.A.data() + w.aoff[k0];
  for (int64_t n = 0; n < N; ++n) {
    for (int i = 0; i < dk0; ++i) dZ[n * dk0 + i] = 0.0;
    dZ[n * dk0 + i0] = is_bias ? 1.0 : A0[n * din0 + j0];
  }
  // dA_k (layer k's input tangent) for k > k0 is kept for the backward pass; below k0 it is 0.
  std::vector<double>& tang = w.tang;
  std::vector<int64_t>& toff = w.toff;
  toff.assign(net.layers + 1, 0);
  for (int k = 0; k < net.layers; ++k) toff[k + 1] = toff[k] + (k > k0 ? N * net.sizes[k] : 0);
  tang.resize(toff[net.layers] + 1);
  for (int k = k0 + 1; k < net.layers; ++k) {
    // dA_k = relu'(Z_{k-1... }) * dZ  (layer k's input)
    const int dk = net.sizes[k];
    const double* Ak = w.A.data() + w.aoff[k];
    double* dAk = tang.data() + toff[k];
    for (int64_t n = 0; n < N * dk; ++n) dAk[n] = Ak[n] > 0.0 ? dZ[n] : 0.0;
    const int dn = net.sizes[k + 1];
    const double* W = p + net.w_off[k];
    for (int64_t n = 0; n < N; ++n)
      for (int i = 0; i < dn; ++i) {
        double s = 0.0;
        for (int j = 0; j < dk; ++j) s += W[i * dk + j] * dAk[n * dk + j];
        dZ[n * dn + i] = s;
      }
  }
  // dF = dZ (N, dout); ddelta at the output = Hl dF
  double* dd = w.dd.data();
  const double invN = 1.0 / double(N);
  for (int64_t n = 0; n < N; ++n) {
    const double* df = dZ + n * dout;
    double* o = dd + n * dout;
    if (d.loss == CE) {
      const double* pr = w.Pr.data() + n * dout;
      double pd = 0.0;
      for (int k = 0; k < dout; ++k) pd += pr[k] * df[k];
      for (int k = 0; k < dout; ++k) o[k] = pr[k] * (df[k] - pd) * invN;
    } else {
      for (int k = 0; k < dout; ++k) o[k] = (d.loss == MSE) ? 2.0 * df[k] * invN : 2.0 * df[k];
    }
  }
  // backward tangent
  double* dd_next = w.dd2.data();
  for (int k = net.layers - 1; k >= 0; --k) {
    const int din = net.sizes[k], dk = net.sizes[k + 1];
    const double* A = w.A.data() + w.aoff[k];
    const double* dl = w.delta.data() + w.doff[k];
    const bool has_dA = k > k0;
    const double* dAk = has_dA ? tang.data() + toff[k] : nullptr;
    double* oW = out + net.w_off[k];
    for (int i = 0; i < dk; ++i)
      for (int j = 0; j < din; ++j) {
        double s = 0.0;
        for (int64_t n = 0; n < N; ++n) s += dd[n * dk + i] * A[n * din + j];
        if (has_dA) {
          double t = 0.0;
          for (int64_t n = 0; n < N; ++n) t += dl[n * dk + i] * dAk[n * din + j];
          s += t;
        }
        oW[i * din + j] = s;
      }
    if (net.b_off[k] >= 0) {
      double* oB = out + net.b_off[k];
      for (int i = 0; i < dk; ++i) {
        double s = 0.0;
        for (int64_t n = 0; n < N; ++n) s += dd[n * dk + i];
        oB[i] = s;
      }
    }
    if (k == 0) break;
    // ddelta_{k-1} = (ddelta_k W_k + [k == k0] delta_k dW_k) * relu'(Z_{k-1})
    const double* W = p + net.w_off[k];
    for (int64_t n = 0; n < N; ++n)
      for (int j = 0; j < din; ++j) {
        double s = 0.0;
        for (int i = 0; i < dk; ++i) s += dd[n * dk + i] * W[i * din + j];
        if (k == k0 && !is_bias && j == j0) s += dl[n * dk + i0];
        dd_next[n * din + j] = A[n * din + j] > 0.0 ? s : 0.0;
      }
    std::swap(dd, dd_next);
  }
}

}  // namespace

// ----------------------------------------------------------------------------- public

Net::Net(const std::vector<int>& s, bool ob) : sizes(s), output_bias(ob) {
  if (sizes.size() < 2) throw std::invalid_argument("sizes needs at least 2 entries");
  for (int x : sizes)
    if (x < 1) throw std::invalid_argument("sizes must be >= 1");
  layers = int(sizes.size()) - 1;
  int64_t off = 0;
  for (int k = 0; k < layers; ++k) {
    w_off.push_back(off);
    off += int64_t(sizes[k]) * sizes[k + 1];
    if (k + 1 < layers || output_bias) {
      b_off.push_back(off);
      off += sizes[k + 1];
    } else {
      b_off.push_back(-1);
    }
  }
  P = off;
  for (int x : sizes) max_width = std::max(max_width, x);
}

void evaluate(const double* params, int64_t R, const Net& net, const Data& data, double* F,
              double* G) {
  const int64_t P = net.P;
#pragma omp parallel
  {
    Work w(net);
    double f[L];
#pragma omp for schedule(static)
    for (int64_t b = 0; b < num_blocks(R); ++b) {
      const int64_t r0 = b * L;
      pack_block(params, R, r0, P, w.p.data());
      block_eval(w.p.data(), G ? w.g.data() : nullptr, f, net, data, nullptr, data.N, w);
      for (int l = 0; l < L && r0 + l < R; ++l) F[r0 + l] = f[l];
      if (G) unpack_block(w.g.data(), R, r0, P, G);
    }
  }
}

void hessian(const double* params, int64_t R, const Net& net, const Data& data, double* H) {
  const int64_t P = net.P;
  const bool by_restart = R >= 4 * max_threads();
  if (by_restart) {
#pragma omp parallel
    {
      HessWork w;
#pragma omp for schedule(dynamic, 1)
      for (int64_t r = 0; r < R; ++r) {
        hess_forward(params + r * P, net, data, w);
        for (int64_t c = 0; c < P; ++c) hess_column(params + r * P, net, data, w, c, H + (r * P + c) * P);
      }
    }
  } else {
    for (int64_t r = 0; r < R; ++r) {
      HessWork w0;
      hess_forward(params + r * P, net, data, w0);
#pragma omp parallel
      {
        HessWork w = w0;
#pragma omp for schedule(dynamic, 1)
        for (int64_t c = 0; c < P; ++c) hess_column(params + r * P, net, data, w, c, H + (r * P + c) * P);
      }
    }
  }
  // symmetrise: H <- (H + H^T) / 2
#pragma omp parallel for schedule(static)
  for (int64_t r = 0; r < R; ++r) {
    double* h = H + r * P * P;
    for (int64_t i = 0; i < P; ++i)
      for (int64_t j = i + 1; j < P; ++j) {
        const double s = 0.5 * (h[i * P + j] + h[j * P + i]);
        h[i * P + j] = s;
        h[j * P + i] = s;
      }
  }
}

void epoch_permutation(uint64_t seed, int64_t r, int64_t epoch, int64_t N, int64_t* perm) {
  const uint64_t key = mix64(mix64(mix64(seed + GOLDEN) + uint64_t(r)) + uint64_t(epoch));
  for (int64_t i = 0; i < N; ++i) perm[i] = i;
  for (int64_t i = N - 1; i > 0; --i) {
    const uint64_t u = mix64(key + uint64_t(i) * GOLDEN);
    const int64_t j = int64_t(u % uint64_t(i + 1));
    std::swap(perm[i], perm[j]);
  }
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
  for (int64_t t = 0; adam && t < opt.steps; ++t) {
    const double tt = double(opt.t0 + t + 1);
    coef[2 * t] = opt.lr / (1.0 - std::pow(opt.beta1, tt));
    coef[2 * t + 1] = 1.0 / std::sqrt(1.0 - std::pow(opt.beta2, tt));
  }
  if (tiny(params, m, v, R, net, data, opt, B, coef.data())) return;
#pragma omp parallel
  {
    Work w(net);
    if (adam) {
      w.m.resize(P * L);
      w.v.resize(P * L);
    }
    if (B) {
      w.perm.resize(size_t(N) * L);
      w.idx.resize(size_t(B) * L);
    }
#pragma omp for schedule(static)
    for (int64_t b = 0; b < num_blocks(R); ++b) {
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
          for (int64_t i = 0; i < P; ++i) LANE_LOOP p[i * L + l] -= lr * g[i * L + l];
        } else {
          const double a1 = coef[2 * t], c2 = coef[2 * t + 1];
          const double b1 = opt.beta1, b2 = opt.beta2, eps = opt.eps;
          double* mm = w.m.data();
          double* vv = w.v.data();
          for (int64_t i = 0; i < P; ++i) LANE_LOOP {
            const double gi = g[i * L + l];
            const double mi = b1 * mm[i * L + l] + (1.0 - b1) * gi;
            const double vi = b2 * vv[i * L + l] + (1.0 - b2) * (gi * gi);
            mm[i * L + l] = mi;
            vv[i * L + l] = vi;
            p[i * L + l] -= a1 * (mi / (std::sqrt(vi) * c2 + eps));
          }
        }
      }
      unpack_block(p, R, r0, P, params);
      if (adam) {
        unpack_block(w.m.data(), R, r0, P, m);
        unpack_block(w.v.data(), R, r0, P, v);
      }
    }
  }
}

}  // namespace relufast::mlp
