// The thread count of the kernels: one process-wide setting (not OpenMP's per-thread ICV), so a
// new Python thread, a Streamlit session or a thread pool sees what set_num_threads chose. Every
// `#pragma omp parallel` in csrc/ says num_threads(relufast::num_threads()) (or team_size()).
// Results never depend on it: restarts are split across threads, each restart's arithmetic is
// sequential.
#pragma once
#include <cstdint>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace relufast {

// Threads a kernel uses: omp_get_max_threads() at load (OMP_NUM_THREADS), within the bound below,
// or what set_num_threads chose. A count whose threads cannot be started is lowered to one that
// can.
int num_threads();

// The most threads set_num_threads accepts: 4 x the hardware threads this process may run on.
int thread_limit();

// 1 <= n <= thread_limit() (std::invalid_argument otherwise); the threads are started once to be
// sure they can be (libgomp exits the process when it cannot create them): std::runtime_error
// where they cannot.
void set_num_threads(int n);

// Threads for `items` independent work items: num_threads(), but never more than items (idle
// threads would only hold scratch).
inline int team_size(int64_t items) {
  const int n = num_threads();
  return items < n ? (items < 1 ? 1 : int(items)) : n;
}

inline int thread_id() {
#ifdef _OPENMP
  return omp_get_thread_num();
#else
  return 0;
#endif
}

// Threads of the team running the caller (what OpenMP started, which may be fewer than asked).
inline int threads_in_team() {
#ifdef _OPENMP
  return omp_get_num_threads();
#else
  return 1;
#endif
}

}  // namespace relufast
