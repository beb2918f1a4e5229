// Exact Hessians of the teacher loss and their products with vectors (closed form in
// teacher/hessian_restart.hpp, the arithmetic the CUDA kernels run too), one restart per thread.
#include <vector>

#include "core/guard.hpp"
#include "core/team.hpp"
#include "core/threads.hpp"
#include "teacher/hessian_restart.hpp"
#include "teacher/teacher.hpp"

namespace relufast::teacher {

void hessian(const double* W, int64_t R, int n, int d, const Teacher& T, double* H) {
  const int64_t nd = int64_t(n) * d;
  const int64_t ns = hessian_scratch_size(n, d);
  const TeacherView tv = host_view(T);
  const int threads = team_size(R);
  Guard guard("teacher Hessian", sizeof(double) * size_t(ns), threads);
#pragma omp parallel num_threads(threads)
  {
    std::vector<double> tmp;
    guard.run([&] { tmp.resize(size_t(ns)); });
#pragma omp for schedule(static)
    for (int64_t r = 0; r < R; ++r)
      guard.run(
          [&] { hessian_restart(Solo{}, W + r * nd, n, d, tv, H + r * nd * nd, tmp.data()); });
  }
  guard.rethrow();
}

void hessian_vector(const double* W, const double* X, int64_t R, int n, int d, const Teacher& T,
                    double* HX) {
  const int64_t nd = int64_t(n) * d;
  const int64_t ns = hessian_scratch_size(n, d);
  const TeacherView tv = host_view(T);
  const int threads = team_size(R);
  Guard guard("teacher Hessian-vector product", sizeof(double) * size_t(ns), threads);
#pragma omp parallel num_threads(threads)
  {
    std::vector<double> tmp;
    guard.run([&] { tmp.resize(size_t(ns)); });
#pragma omp for schedule(static)
    for (int64_t r = 0; r < R; ++r)
      guard.run(
          [&] { hvp_restart(Solo{}, W + r * nd, X + r * nd, n, d, tv, HX + r * nd, tmp.data()); });
  }
  guard.rethrow();
}

}  // namespace relufast::teacher
