#include "core/threads.hpp"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

namespace relufast {

namespace {

int hardware_threads() {
#ifdef _OPENMP
  return std::max(1, omp_get_num_procs());  // the CPUs of this process's affinity mask
#else
  return 1;
#endif
}

int initial_threads() {
#ifdef _OPENMP
  return std::clamp(omp_get_max_threads(), 1, 4 * hardware_threads());  // honours OMP_NUM_THREADS
#else
  return 1;
#endif
}

std::atomic<int> g_threads{initial_threads()};
std::atomic<int> g_started{1};  // the largest count known to start
std::mutex g_mutex;

// How many of n - 1 extra threads could be started at once (plus the caller): libgomp exits the
// process when a team's threads cannot be created, so they are tried with plain threads first.
int try_start(int n, std::string& why) {
  std::vector<std::thread> pool;
  {
    std::mutex hold;  // every thread waits for it, so all n - 1 exist at the same time
    std::lock_guard<std::mutex> lock(hold);
    try {
      while (int(pool.size()) < n - 1)
        pool.emplace_back([&hold] { std::lock_guard<std::mutex> g(hold); });
    } catch (const std::system_error& e) {
      why = e.what();
    }
  }
  for (auto& t : pool) t.join();
  return int(pool.size()) + 1;
}

}  // namespace

int thread_limit() { return 4 * hardware_threads(); }

int num_threads() {
#ifdef _OPENMP
  const int n = g_threads.load(std::memory_order_relaxed);
  if (n <= g_started.load(std::memory_order_acquire)) return n;
  std::lock_guard<std::mutex> lock(g_mutex);  // the default count, first use: try it once
  std::string why;
  const int ok = std::min(n, try_start(n, why));
  g_started.store(std::max(ok, g_started.load()), std::memory_order_release);
  int expected = n;
  if (ok < n) g_threads.compare_exchange_strong(expected, ok);  // unless set meanwhile
  return ok;
#else
  return 1;
#endif
}

void set_num_threads(int n) {
  const int limit = thread_limit();
  if (n < 1 || n > limit)
    throw std::invalid_argument(
        "the number of threads must be between 1 and " + std::to_string(limit) + " (4 x the " +
        std::to_string(hardware_threads()) + " hardware threads here), got " + std::to_string(n));
  std::lock_guard<std::mutex> lock(g_mutex);
#ifdef _OPENMP
  if (n > g_started.load()) {
    std::string why;
    const int ok = try_start(n, why);
    if (ok < n)
      throw std::runtime_error("cannot start " + std::to_string(n) + " threads (" + why +
                               "); at most " + std::to_string(ok) + " could be started");
    g_started.store(n, std::memory_order_release);
  }
#endif
  g_threads.store(n, std::memory_order_relaxed);
}

}  // namespace relufast
