// A strided view of one restart's array, for the per-restart (CUDA-thread) code paths.
#pragma once
#include <cstdint>

#include "core/hd.hpp"

namespace relufast {

// Element i of one restart's array at p[i * stride]: stride 1 on the host, stride R on the device
// (restart-minor, so that neighbouring threads read neighbouring addresses).
struct Strided {
  double* p;
  int64_t stride;
  RELUFAST_HD RELUFAST_INLINE double& operator[](int64_t i) const { return p[i * stride]; }
};

}  // namespace relufast
