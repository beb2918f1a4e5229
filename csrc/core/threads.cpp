#include "core/threads.hpp"

#include <atomic>
#include <stdexcept>

namespace relufast {

namespace {

int initial_threads() {
#ifdef _OPENMP
  return omp_get_max_threads();  // honours OMP_NUM_THREADS
#else
  return 1;
#endif
}

std::atomic<int> g_threads{initial_threads()};

}  // namespace

int num_threads() {
#ifdef _OPENMP
  return g_threads.load(std::memory_order_relaxed);
#else
  return 1;
#endif
}

void set_num_threads(int n) {
  if (n < 1) throw std::invalid_argument("the number of threads must be >= 1");
  g_threads.store(n, std::memory_order_relaxed);
}

}  // namespace relufast
