// Restarts in blocks of W lanes (W = LANES unless a kernel steps several blocks together): an
// (R, P) array <-> blocks [P][W]. Lanes past R repeat the last restart, so every lane computes real
// numbers; unpacking writes back only the real ones. And 64-byte aligned scratch for the blocks.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>

#include "core/simd.hpp"

namespace relufast {

inline int64_t num_blocks(int64_t R, int W = LANES) { return (R + W - 1) / W; }

// Restarts [r0, r0 + W) of X (R, P) as blk [P][W].
template <int W = LANES>
inline void pack_block(const double* X, int64_t R, int64_t r0, int64_t P, double* blk) {
  for (int l = 0; l < W; ++l) {
    const double* src = X + std::min(r0 + l, R - 1) * P;
    for (int64_t p = 0; p < P; ++p) blk[p * W + l] = src[p];
  }
}

template <int W = LANES>
inline void unpack_block(const double* blk, int64_t R, int64_t r0, int64_t P, double* X) {
  for (int l = 0; l < W && r0 + l < R; ++l) {
    double* dst = X + (r0 + l) * P;
    for (int64_t p = 0; p < P; ++p) dst[p] = blk[p * W + l];
  }
}

// 64-byte aligned scratch (one cache line / one AVX-512 vector per block), grown on demand.
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

}  // namespace relufast
