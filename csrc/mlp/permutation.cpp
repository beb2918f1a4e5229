// The data order of mini-batch training: Fisher-Yates driven by splitmix64 (core/seed.hpp).
#include <utility>

#include "core/seed.hpp"
#include "mlp/mlp.hpp"

namespace relufast::mlp {

void epoch_permutation(uint64_t seed, int64_t r, int64_t epoch, int64_t N, int64_t* perm) {
  const uint64_t key = mix64(mix64(mix64(seed + GOLDEN) + uint64_t(r)) + uint64_t(epoch));
  for (int64_t i = 0; i < N; ++i) perm[i] = i;
  for (int64_t i = N - 1; i > 0; --i) {
    const uint64_t u = mix64(key + uint64_t(i) * GOLDEN);
    const int64_t j = int64_t(u % uint64_t(i + 1));
    std::swap(perm[i], perm[j]);
  }
}

}  // namespace relufast::mlp
