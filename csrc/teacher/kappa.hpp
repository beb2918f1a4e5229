// The closed form of the Safran-Shamir loss, shared by every teacher kernel (C++ and CUDA).
#pragma once
#include "core/hd.hpp"
#include "core/math.hpp"

namespace relufast::teacher {

// E[relu(w.x) relu(v.x)] / (|w||v|) as a function of the angle: (sin t + (pi - t) cos t) / 2pi.
// T: a double (one restart) or a block of lanes.
template <class T>
RELUFAST_HD RELUFAST_INLINE T kappa(T t, T sint, T cost) {
  return (sint + (PI - t) * cost) * INV2PI;
}

}  // namespace relufast::teacher
