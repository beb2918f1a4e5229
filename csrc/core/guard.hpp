// Exceptions and memory in OpenMP regions. An exception that leaves a parallel region terminates
// the process, so each region runs its work under a Guard: the first exception of any thread is
// kept (the other threads skip what is left) and rethrown after the region, a failed allocation as
// OutOfMemory, which pybind11 raises as MemoryError with its message.
#pragma once
#include <atomic>
#include <cstddef>
#include <exception>
#include <mutex>
#include <new>
#include <string>
#include <utility>

namespace relufast {

// A std::bad_alloc that says what was asked for.
class OutOfMemory : public std::bad_alloc {
 public:
  explicit OutOfMemory(std::string what) : what_(std::move(what)) {}
  const char* what() const noexcept override { return what_.c_str(); }

 private:
  std::string what_;
};

// The memory this process can have: physical memory, or less where a cgroup or RLIMIT_AS says so.
size_t memory_limit();

class Guard {
 public:
  // `threads` threads of `kernel` will allocate `per_thread` bytes of scratch each: OutOfMemory at
  // once where that exceeds memory_limit() (rather than being killed once the pages are touched).
  Guard(const char* kernel, size_t per_thread, int threads);

  // Runs f() on this thread, keeping its exception instead of letting it leave the region; a no-op
  // once any thread has failed.
  template <class F>
  void run(F&& f) noexcept {
    if (failed_.load(std::memory_order_relaxed)) return;
    try {
      f();
    } catch (...) {
      keep(std::current_exception());
    }
  }

  // After the region: the kept exception, a std::bad_alloc as OutOfMemory naming the scratch.
  void rethrow() const;

 private:
  void keep(std::exception_ptr e) noexcept;
  std::string need() const;

  const char* kernel_;
  size_t per_thread_;
  int threads_;
  std::atomic<bool> failed_{false};
  std::mutex mutex_;
  std::exception_ptr error_;
};

}  // namespace relufast
