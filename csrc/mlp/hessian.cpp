// Exact Hessians of dense MLPs (scalar): one exact Hessian-vector product per column, columns or
// restarts spread over threads, then symmetrised. ReLU hidden units (relu'' = 0 away from kinks)
// or sigmoid ones, whose s'' adds a term to the tangent of every backpropagated delta.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "core/guard.hpp"
#include "core/threads.hpp"
#include "mlp/mlp.hpp"

namespace relufast::mlp {

namespace {

double activate(double z, Activation act) {
  return act == RELU ? (z > 0.0 ? z : 0.0) : 1.0 / (1.0 + std::exp(-z));
}
// s'(z) * x from the activation a = s(z): relu' = [a > 0], sigmoid' = a (1 - a).
double times_slope(double a, double x, Activation act) {
  return act == RELU ? (a > 0.0 ? x : 0.0) : x * (a * (1.0 - a));
}
// s''(z) from a = s(z) (sigmoid only): a (1 - a) (1 - 2 a).
double curvature(double a) { return a * (1.0 - a) * (1.0 - 2.0 * a); }

struct HessWork {
  std::vector<double> A;  // per layer k: inputs A_k (N, d_k) at aoff[k]
  std::vector<int64_t> aoff;
  std::vector<double> F, D;   // (N, d_out) outputs and dL/dF
  std::vector<double> delta;  // per layer k: dL/dZ_k (N, d_{k+1}) at doff[k]
  std::vector<int64_t> doff;
  std::vector<double> Pr;           // (N, d_out) softmax probabilities (CE)
  std::vector<double> dZ, dd, dd2;  // tangents, (N, max_width)
  std::vector<double> tang;         // forward tangents dA_k of the layers above the direction
  std::vector<double> tangz;        // and those of their pre-activations (sigmoid's s'' term)
  std::vector<int64_t> toff;
  // Bytes of one HessWork, about (A, delta, tang and tangz; F, D, Pr; dZ, dd, dd2).
  static size_t bytes(const Net& net, int64_t N) {
    size_t widths = 0;
    for (int x : net.sizes) widths += size_t(x);
    return sizeof(double) * size_t(N) *
           (4 * widths + 3 * size_t(net.sizes.back()) + 3 * size_t(net.max_width));
  }
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
        Z[n * dk + i] = hidden ? activate(s, net.activation) : s;
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
        dp[n * din + j] = times_slope(A[n * din + j], s, net.activation);
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
  const bool sig = net.activation == SIGMOID;
  if (sig) w.tangz.resize(toff[net.layers] + 1);
  for (int k = k0 + 1; k < net.layers; ++k) {
    // dA_k = s'(Z_{k-1}) * dZ_{k-1}  (layer k's input; dZ_{k-1} kept for s'')
    const int dk = net.sizes[k];
    const double* Ak = w.A.data() + w.aoff[k];
    double* dAk = tang.data() + toff[k];
    for (int64_t n = 0; n < N * dk; ++n) dAk[n] = times_slope(Ak[n], dZ[n], net.activation);
    if (sig) std::copy(dZ, dZ + N * dk, w.tangz.data() + toff[k]);
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
    // ddelta_{k-1} = (ddelta_k W_k + [k == k0] delta_k dW_k) * s'(Z_{k-1})
    //                + (delta_k W_k) * s''(Z_{k-1}) * dZ_{k-1}   (sigmoid, k > k0)
    const double* W = p + net.w_off[k];
    const double* dZk = sig && has_dA ? w.tangz.data() + toff[k] : nullptr;
    for (int64_t n = 0; n < N; ++n)
      for (int j = 0; j < din; ++j) {
        double s = 0.0;
        for (int i = 0; i < dk; ++i) s += dd[n * dk + i] * W[i * din + j];
        if (k == k0 && !is_bias && j == j0) s += dl[n * dk + i0];
        const double a = A[n * din + j];
        double t = times_slope(a, s, net.activation);
        if (dZk) {
          double back = 0.0;  // dL/dA_k
          for (int i = 0; i < dk; ++i) back += dl[n * dk + i] * W[i * din + j];
          t += back * curvature(a) * dZk[n * din + j];
        }
        dd_next[n * din + j] = t;
      }
    std::swap(dd, dd_next);
  }
}

}  // namespace

void hessian(const double* params, int64_t R, const Net& net, const Data& data, double* H) {
  const int64_t P = net.P;
  const bool by_restart = R >= 4 * num_threads();
  const int threads = team_size(by_restart ? R : P);
  Guard guard("MLP Hessian", HessWork::bytes(net, data.N), threads);
  if (by_restart) {
#pragma omp parallel num_threads(threads)
    {
      HessWork w;
#pragma omp for schedule(dynamic, 1)
      for (int64_t r = 0; r < R; ++r)
        guard.run([&] {
          hess_forward(params + r * P, net, data, w);
          for (int64_t c = 0; c < P; ++c)
            hess_column(params + r * P, net, data, w, c, H + (r * P + c) * P);
        });
    }
  } else {
    for (int64_t r = 0; r < R; ++r) {
      HessWork w0;
      hess_forward(params + r * P, net, data, w0);
#pragma omp parallel num_threads(threads)
      {
        HessWork w;
        guard.run([&] { w = w0; });
#pragma omp for schedule(dynamic, 1)
        for (int64_t c = 0; c < P; ++c)
          guard.run([&] { hess_column(params + r * P, net, data, w, c, H + (r * P + c) * P); });
      }
      guard.rethrow();
    }
  }
  guard.rethrow();
  // symmetrise: H <- (H + H^T) / 2
#pragma omp parallel for num_threads(num_threads()) schedule(static)
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

}  // namespace relufast::mlp
