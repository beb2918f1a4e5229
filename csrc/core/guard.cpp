#include "core/guard.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <limits>

namespace relufast {

namespace {

std::string gigabytes(double bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g GB", bytes / 1e9);
  return buf;
}

size_t read_limit(const char* path) {  // a cgroup file: a number, or "max"
  std::ifstream f(path);
  unsigned long long v = 0;
  return (f >> v) ? size_t(v) : std::numeric_limits<size_t>::max();
}

}  // namespace

size_t memory_limit() {
  static const size_t limit = [] {
    size_t m = size_t(sysconf(_SC_PHYS_PAGES)) * size_t(sysconf(_SC_PAGE_SIZE));
    m = std::min(m, read_limit("/sys/fs/cgroup/memory.max"));                    // cgroup v2
    m = std::min(m, read_limit("/sys/fs/cgroup/memory/memory.limit_in_bytes"));  // cgroup v1
    return m;
  }();
  struct rlimit as;  // read every time: a process may lower it
  if (getrlimit(RLIMIT_AS, &as) == 0 && as.rlim_cur != RLIM_INFINITY)
    return std::min(limit, size_t(as.rlim_cur));
  return limit;
}

Guard::Guard(const char* kernel, size_t per_thread, int threads)
    : kernel_(kernel), per_thread_(per_thread), threads_(threads) {
  const double total = double(per_thread) * threads;
  if (total > double(memory_limit()))
    throw OutOfMemory(need() + ", more than the " + gigabytes(double(memory_limit())) +
                      " of memory this process can have");
}

std::string Guard::need() const {
  return std::string("the ") + kernel_ + " kernel needs " +
         gigabytes(double(per_thread_) * threads_) + " of scratch (" + std::to_string(threads_) +
         (threads_ == 1 ? " thread" : " threads") + " x " + gigabytes(double(per_thread_)) + ")";
}

void Guard::keep(std::exception_ptr e) noexcept {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!error_) error_ = e;
  failed_.store(true, std::memory_order_relaxed);
}

void Guard::rethrow() const {
  if (!error_) return;
  try {
    std::rethrow_exception(error_);
  } catch (const OutOfMemory&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw OutOfMemory("out of memory: " + need());
  }
}

}  // namespace relufast
