// The teacher GD stopping rule of one restart: after each evaluation, converged / small loss /
// iteration cap / diverged (restart from W0 with half the step) / take a step. Shared by the C++
// kernel and (later) the CUDA kernel; the NumPy twin is relufast.optim._np_gd_chunk.
#pragma once
#include <cmath>
#include <cstdint>

#include "core/hd.hpp"
#include "core/math.hpp"

namespace relufast::teacher {

// Stop codes of a restart in gradient descent.
enum Status : int8_t { RUNNING = 0, CONVERGED = 1, SMALL_LOSS = 2, MAX_ITERS = 3, DIVERGED = 4 };

struct GDOptions {
  int64_t steps = 1000;     // steps in this chunk
  int64_t max_iters = 0;    // safety cap on total steps (0: none)
  double tol = 1e-9;        // stop when 2*pi*max_i |grad_i| <= tol
  double diverge = 1e4;     // restart from W0 with half the step when 2*pi*max_i |grad_i| > diverge
  double f_stop = 0.0;      // stop once F < f_stop (0: never)
  double min_step = 1e-12;  // give up (DIVERGED) below this step
  bool frobenius = false;   // measure |grad| as the Frobenius norm |G|_F (no 2 pi) instead of
                            // 2 pi max_i |grad_i| (Safran, Yehudai & Shamir 2021 vs 2018)
};

// One RUNNING restart with loss F and gradient norm gnorm at its current point (max_i |grad_i|, or
// |G|_F with opt.frobenius), step eta and iters steps done: updates eta, iters, status. Returns the
// step to take now (0: none) and sets reset when the restart goes back to W0 (divergence: the step
// is halved; DIVERGED below min_step).
RELUFAST_HD inline double gd_decide(const GDOptions& opt, double F, double gnorm, double& eta,
                                    int64_t& iters, int8_t& status, bool& reset) {
  reset = false;
  const double norm = opt.frobenius ? gnorm : 2.0 * PI * gnorm;
  if (!(norm <= opt.diverge) || !std::isfinite(F)) {
    eta *= 0.5;
    reset = true;
    if (eta < opt.min_step) status = DIVERGED;
  } else if (norm <= opt.tol) {
    status = CONVERGED;
  } else if (opt.f_stop > 0.0 &&
             F < opt.f_stop) {  // 0 disables it, even where rounding gives F < 0
    status = SMALL_LOSS;
  } else if (opt.max_iters > 0 && iters >= opt.max_iters) {
    status = MAX_ITERS;
  } else {
    ++iters;
    return eta;
  }
  return 0.0;
}

// The move of one coordinate: w - move g when moving, w0 when reset, else w unchanged. T, move
// and reset are a double, a double and a bool, or a block of lanes, a block and a lane mask (a
// whole block in a few vector instructions: GCC leaves the per-lane branches of the scalar form
// unvectorised, about a tenth of a GD step on AVX2).
template <class T, class S, class B>
RELUFAST_HD RELUFAST_INLINE T gd_move(T w, T g, T w0, S move, B reset) {
  const T x = move != 0.0 ? w - move * g : w;
  return reset ? w0 : x;
}

}  // namespace relufast::teacher
