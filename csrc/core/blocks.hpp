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

// Interleaved halves of (a, b): lo = a0 b0 a1 b1 ..., hi = the same from the middle on.
template <int W>
RELUFAST_INLINE void interleave(typename simd<W>::type a, typename simd<W>::type b,
                                typename simd<W>::type& lo, typename simd<W>::type& hi) {
  if constexpr (W == 2) {
    lo = __builtin_shufflevector(a, b, 0, 2), hi = __builtin_shufflevector(a, b, 1, 3);
  } else if constexpr (W == 4) {
    lo = __builtin_shufflevector(a, b, 0, 4, 1, 5), hi = __builtin_shufflevector(a, b, 2, 6, 3, 7);
  } else {
    static_assert(W == 8, "interleave: W must be 2, 4 or 8");
    lo = __builtin_shufflevector(a, b, 0, 8, 1, 9, 2, 10, 3, 11);
    hi = __builtin_shufflevector(a, b, 4, 12, 5, 13, 6, 14, 7, 15);
  }
}

// Transposes the W x W matrix of rows r[0..W) in registers: log2(W) rounds of interleaving row i
// with row i + W/2 (a perfect shuffle) do it, W shuffles a round, instead of W^2 scalar moves.
template <int W>
RELUFAST_INLINE void transpose(typename simd<W>::type (&r)[W]) {
  for (int round = 1; round < W; round *= 2) {
    typename simd<W>::type t[W];
    for (int i = 0; i < W / 2; ++i) interleave<W>(r[i], r[i + W / 2], t[2 * i], t[2 * i + 1]);
    for (int i = 0; i < W; ++i) r[i] = t[i];
  }
}

// Whether blocks of W lanes move through in-register W x W transposes (else scalar moves).
template <int W>
constexpr bool tiled_blocks = W == 2 || W == 4 || W == 8;

// Restarts [r0, r0 + W) of X (R, P) as blk [P][W]. Pure data movement: the values are unchanged.
// Returns whether every value moved is finite (x * 0 is 0 for a finite x, NaN for NaN or +-inf), so
// that a kernel checks its input in the pass that reads it anyway, not in a second one.
template <int W = LANES>
inline bool pack_block(const double* X, int64_t R, int64_t r0, int64_t P, double* blk) {
  const double* src[W];
  for (int l = 0; l < W; ++l) src[l] = X + std::min(r0 + l, R - 1) * P;
  const int64_t tiles = tiled_blocks<W> ? P - P % W : 0;  // columns moved by whole tiles
  bool finite = true;
  if constexpr (tiled_blocks<W>) {
    using V = typename simd<W>::type;
    V probe = {};  // stays 0 while every value is finite
    for (int64_t p = 0; p < tiles; p += W) {
      V r[W];
      for (int l = 0; l < W; ++l) r[l] = load<V>(src[l] + p), probe += r[l] * 0.0;
      transpose<W>(r);
      for (int q = 0; q < W; ++q) store(blk + (p + q) * W, r[q]);
    }
    for (int l = 0; l < W; ++l) finite &= probe[l] == 0.0;
  }
  double probe = 0.0;
  for (int64_t p = tiles; p < P; ++p)
    for (int l = 0; l < W; ++l) blk[p * W + l] = src[l][p], probe += src[l][p] * 0.0;
  return finite && probe == 0.0;
}

template <int W = LANES>
inline void unpack_block(const double* blk, int64_t R, int64_t r0, int64_t P, double* X) {
  const int live = int(std::min<int64_t>(W, R - r0));
  const int64_t tiles = tiled_blocks<W> ? P - P % W : 0;
  if constexpr (tiled_blocks<W>) {
    using V = typename simd<W>::type;
    for (int64_t p = 0; p < tiles; p += W) {
      V r[W];
      for (int q = 0; q < W; ++q) r[q] = load<V>(blk + (p + q) * W);
      transpose<W>(r);
      for (int l = 0; l < live; ++l) store(X + (r0 + l) * P + p, r[l]);
    }
  }
  for (int l = 0; l < live; ++l)
    for (int64_t q = tiles; q < P; ++q) X[(r0 + l) * P + q] = blk[q * W + l];
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
