// One warp as a Team (core/team.hpp) for the device kernels: lane i takes the indices i, i + 32,
// ...; sums and maxima by an xor butterfly, which leaves the same bits in every lane (each step
// adds the same two numbers in every lane, and IEEE addition is commutative). .cu files only.
#pragma once
#include <cmath>
#include <cstdint>

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

// Kernels with one warp per problem: LANES threads each, WARP_BLOCK threads (4 problems) a block.
constexpr int LANES = 32;
constexpr int WARP_BLOCK = 128;

// This thread's problem (one per warp; >= the count for a whole idle warp) and its warp.
__device__ __forceinline__ int64_t warp_problem() {
  return (int64_t(blockIdx.x) * blockDim.x + threadIdx.x) / LANES;
}
__device__ __forceinline__ Warp this_warp() { return Warp{threadIdx.x % LANES}; }

// Blocks of WARP_BLOCK threads for `problems` warps.
inline unsigned warp_blocks(int64_t problems) {
  return unsigned((problems * LANES + WARP_BLOCK - 1) / WARP_BLOCK);
}

}  // namespace relufast::cuda
