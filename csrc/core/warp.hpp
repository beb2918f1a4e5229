// One warp as a Team (core/team.hpp) for the device kernels: lane i takes the indices i, i + 32,
// ...; sums and maxima by an xor butterfly, which leaves the same bits in every lane (each step
// adds the same two numbers in every lane, and IEEE addition is commutative). .cu files only.
#pragma once
#include <cmath>

namespace relufast::cuda {

struct Warp {
  unsigned lane;
  __device__ __forceinline__ int rank() const { return int(lane); }
  __device__ __forceinline__ int size() const { return 32; }
  __device__ __forceinline__ bool leader() const { return lane == 0; }
  __device__ __forceinline__ void sync() const { __syncwarp(); }
  __device__ __forceinline__ double sum(double x) const {
    for (int o = 16; o > 0; o >>= 1) x += __shfl_xor_sync(0xffffffffu, x, o);
    return x;
  }
  __device__ __forceinline__ double max(double x) const {
    for (int o = 16; o > 0; o >>= 1) x = fmax(x, __shfl_xor_sync(0xffffffffu, x, o));
    return x;
  }
  __device__ __forceinline__ double broadcast(double x) const {
    return __shfl_sync(0xffffffffu, x, 0);
  }
};

}  // namespace relufast::cuda
