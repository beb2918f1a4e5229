// The thread count of the kernels: one process-wide setting (not OpenMP's per-thread ICV), so a
// new Python thread, a Streamlit session or a thread pool sees what set_num_threads chose. Every
// `#pragma omp parallel` in csrc/ says num_threads(relufast::num_threads()). Results never depend
// on it: restarts are split across threads, each restart's arithmetic is sequential.
#pragma once

#ifdef _OPENMP
#include <omp.h>
#endif

namespace relufast {

int num_threads();            // threads a kernel uses (default: omp_get_max_threads() at load)
void set_num_threads(int n);  // n >= 1 (std::invalid_argument otherwise)

inline int thread_id() {
#ifdef _OPENMP
  return omp_get_thread_num();
#else
  return 0;
#endif
}

}  // namespace relufast
