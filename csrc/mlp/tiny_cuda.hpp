// The tiny-net trainer on a CUDA device (mlp/tiny_cuda.cu; CUDA builds only). Host pointers in
// and out, the arguments of mlp::train (mlp/mlp.hpp) for [1, h, 1] ReLU nets, h <= 8, SSE/MSE,
// full batch (std::invalid_argument otherwise); each restart runs on one thread through
// mlp/tiny_restart.hpp. CUDA errors are thrown as std::runtime_error.
#pragma once
#include <cstdint>

#include "mlp/mlp.hpp"

namespace relufast::mlp::cuda {

void train_tiny(double* params, double* m, double* v, int64_t R, const Net& net, const Data& data,
                const TrainOptions& opt);

}  // namespace relufast::mlp::cuda
