// The one SIMD lane type of the kernels. Restarts are processed in blocks of LANES, one restart per
// lane, so every restart runs through exactly the same instructions whatever the batch size or the
// thread count. A block is `lanes` (LANES doubles, a GCC/Clang vector); kernels that block for
// the register file use `reg` (VW doubles), the same type on AVX2 and AVX-512 and a narrower one
// on SSE2.
// Arithmetic on these types is lane-wise IEEE (no reassociation): the width never changes a result.
#pragma once
#include <cstdint>
#include <cstring>

#include "core/hd.hpp"

#if defined(__AVX__)
#include <immintrin.h>
#endif

// Vectors wider than the target's registers are passed in memory; they are only used by inline
// helpers, so the ABI note GCC emits for them does not apply.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wpsabi"
#endif

// A loop over the lanes of a block, vectorised by the compiler.
#define LANE_LOOP _Pragma("omp simd") for (int l = 0; l < ::relufast::LANES; ++l)

namespace relufast {

// W doubles as one GCC/Clang vector.
template <int W>
struct simd {
  typedef double type __attribute__((vector_size(W * sizeof(double))));
};

// Doubles per native SIMD register.
#if defined(__AVX512F__)
constexpr int VW = 8;
#elif defined(__AVX__)
constexpr int VW = 4;
#else
constexpr int VW = 2;
#endif

// Restarts per block: one native register where it holds 4 or 8 doubles. A block wider than the
// registers is lowered by GCC piece by piece, and its comparisons and selects (the angle's
// branches) one lane at a time: 8 lanes on AVX2 (Zen 3) made one teacher evaluation at k = n = 20
// 3.6x slower than 4 (27 vs 7.5 us per restart).
constexpr int LANES = VW < 4 ? 4 : VW;
static_assert(LANES % VW == 0, "LANES must be a multiple of the SIMD width");
constexpr int NV = LANES / VW;  // registers per block of LANES restarts

using lanes = simd<LANES>::type;  // one block: a double per restart lane
using reg = simd<VW>::type;       // one native register of a block (== lanes on AVX-512)

// Unaligned-safe loads and stores (one vector move each).
template <class V = lanes>
RELUFAST_INLINE V load(const double* p) {
  V v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
template <class V>
RELUFAST_INLINE void store(double* p, V v) {
  std::memcpy(p, &v, sizeof v);
}
// Keeps v in a register from here on: GCC would otherwise fold a value used by several FMAs into
// each of them as a memory operand, one load per use, where loads are what limits the
// register-tiled products. No effect on the arithmetic.
template <class V>
RELUFAST_INLINE V in_register(V v) {
#if (defined(__GNUC__) || defined(__clang__)) && defined(__AVX__) && !defined(__CUDACC__)
  if constexpr (sizeof(V) <= VW * sizeof(double)) asm("" : "+v"(v));
#endif
  return v;
}
// x in every lane (x - 0 == x for every x, -0 included, so this folds to a plain broadcast).
template <class V = lanes>
RELUFAST_INLINE V broadcast(double x) {
  return x - V{};
}
// The lanes where a comparison of blocks holds (its lanes -1 or 0) as bits, lane l at bit l: one
// branch on a block where a loop over its lanes would be LANES compares and branches.
template <class M>
RELUFAST_INLINE unsigned lane_bits(M m) {
#if defined(__AVX512DQ__)
  if constexpr (sizeof(M) == 64) return _mm512_movepi64_mask((__m512i)m);
#endif
#if defined(__AVX__)  // GCC lowers the loop below to 4 extracts and tests on AVX2
  if constexpr (sizeof(M) == 32) return unsigned(_mm256_movemask_pd((__m256d)m));
#endif
  unsigned bits = 0;
  for (int l = 0; l < int(sizeof(M) / sizeof(m[0])); ++l) bits |= m[l] ? 1u << l : 0u;
  return bits;
}
constexpr unsigned ALL_LANES = (1u << LANES) - 1;
// 0, 1, ..., LANES - 1.
RELUFAST_INLINE lanes iota() {
  lanes v;
  for (int l = 0; l < LANES; ++l) v[l] = double(l);
  return v;
}

}  // namespace relufast
