// Compile check (CUDA builds only): the per-restart rules and formulas shared with the C++ kernels
// build as device code. Nothing here is launched; the CUDA kernels that call them go beside the
// .cpp kernels of each objective.
#include "core/math.hpp"
#include "core/rules.hpp"
#include "core/seed.hpp"
#include "teacher/gd_rule.hpp"
#include "teacher/kappa.hpp"

namespace relufast {

__global__ void rules_check_kernel(double* p, double* m, double* v, const double* g, int64_t* iters,
                                   int8_t* status, double* eta, uint64_t* seed) {
  const int i = threadIdx.x;
  double a1, c2;
  rules::adam_coefficients(0.1, 0.9, 0.999, 1, a1, c2);
  rules::adam_update(p[i], m[i], v[i], g[i], a1, c2, 0.9, 0.999, 1e-8);
  rules::gd_update(p[i], g[i], 0.1);
  const teacher::GDOptions opt;
  bool reset = false;
  const double move = teacher::gd_decide(opt, p[i], g[i], eta[i], iters[i], status[i], reset);
  p[i] = teacher::gd_move(p[i], g[i], m[i], move, reset) + teacher::kappa(p[i], a1, c2) +
         angle(p[i], g[i]) + exp_lane(-p[i]);
  seed[i] = mix64(seed[i] + GOLDEN);
}

}  // namespace relufast
