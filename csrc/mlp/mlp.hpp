// Finite-data dense MLPs (ReLU or sigmoid hidden units): loss, gradient, exact Hessian and batched
// trainers over R restarts.
// Kernels only: no Python here. Arrays are float64 (labels int64), C-contiguous, batch-first.
//
// Parameter layout (shared with relufast/mlp.py): layer by layer, the weight matrix (out x in,
// row-major) then the bias; the output layer's bias is left out when output_bias is false.
// relu'(0) = 0 everywhere; sigmoid s(z) = 1 / (1 + exp(-z)), s' = s (1 - s), s'' = s' (1 - 2 s).
#pragma once
#include <cstdint>
#include <vector>

namespace relufast::mlp {

enum Loss : int { SSE = 0, MSE = 1, CE = 2 };
enum Optimizer : int { GD = 0, ADAM = 1 };
enum Activation : int { RELU = 0, SIGMOID = 1 };

// Layer sizes [d_in, h_1, ..., d_out], the hidden activation and where each layer's weights and
// bias live in a parameter vector (b_off = -1: no bias).
struct Net {
  std::vector<int> sizes;
  bool output_bias = true;
  Activation activation = RELU;
  int layers = 0;
  std::vector<int64_t> w_off, b_off;
  int64_t P = 0;
  int max_width = 0;
  Net(const std::vector<int>& sizes, bool output_bias, Activation activation = RELU);
};

// The data: X (N, d_in); Y (N, d_out) for SSE/MSE, labels (N) in [0, d_out) for CE.
struct Data {
  const double* X = nullptr;
  const double* Y = nullptr;
  const int64_t* labels = nullptr;
  int64_t N = 0;
  Loss loss = SSE;
};

// Loss F (R) and, when G is not null, gradient G (R, P) of R parameter vectors (R, P).
void evaluate(const double* params, int64_t R, const Net& net, const Data& data, double* F,
              double* G);

// Exact Hessians H (R, P, P) (relu'' = 0: exact away from kinks; sigmoid: exact), symmetrised.
void hessian(const double* params, int64_t R, const Net& net, const Data& data, double* H);

struct TrainOptions {
  Optimizer optimizer = GD;
  double lr = 1e-2;
  int64_t steps = 0;  // steps in this chunk
  int64_t t0 = 0;     // steps already done (Adam's bias correction, the mini-batch schedule)
  int64_t batch = 0;  // mini-batch size; 0: full batch
  uint64_t seed = 0;  // data order of mini-batches
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
};

// One chunk of training, in place. params, m, v: (R, P) (m, v: Adam moments, ignored by GD).
// Full batch: GD p -= lr g; Adam (bias-corrected, t = t0 + 1, t0 + 2, ...):
//   m = b1 m + (1 - b1) g,  v = b2 v + (1 - b2) g^2,
//   p -= (lr / (1 - b1^t)) * (m / (sqrt(v) * (1 / sqrt(1 - b2^t)) + eps)).
// Mini-batch (batch = B): epochs of ceil(N / B) steps; restart r walks its own permutation of the
// data for each epoch (epoch_permutation), the last batch of an epoch holds the N mod B leftovers.
// The batch loss is the loss of the batch's points (SSE: their sum; MSE/CE: their mean).
void train(double* params, double* m, double* v, int64_t R, const Net& net, const Data& data,
           const TrainOptions& opt);

// The permutation of range(N) that restart r uses in epoch e (Fisher-Yates driven by splitmix64;
// mirrored exactly by relufast/train.py).
void epoch_permutation(uint64_t seed, int64_t r, int64_t epoch, int64_t N, int64_t* perm);

}  // namespace relufast::mlp
