// Seeding: splitmix64's finaliser, the counter-based mixing behind every per-restart random order.
// A restart's numbers depend only on (seed, restart, counter), never on the batch it ran in.
#pragma once
#include <cstdint>

#include "core/hd.hpp"

namespace relufast {

constexpr uint64_t GOLDEN = 0x9e3779b97f4a7c15ULL;  // 2^64 / golden ratio, splitmix64's increment

RELUFAST_HD inline uint64_t mix64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

}  // namespace relufast
