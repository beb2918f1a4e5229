// Host-side helpers of the CUDA kernels (.cu files only): errors as exceptions, device buffers
// freed by their destructor (never managed memory). Everything runs on the calling host thread's
// own stream (cudaStreamPerThread) with stream-ordered allocation and no device-wide
// synchronisation, so the cells of a table run side by side on the device when host threads
// submit them (safran_shamir.table with a thread pool executor).
#pragma once
#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace relufast::cuda {

inline void check(cudaError_t e, const char* what) {
  if (e != cudaSuccess) {
    cudaGetLastError();  // clear a non-sticky error so the next call starts clean
    throw std::runtime_error(std::string("relufast CUDA: ") + what + ": " + cudaGetErrorString(e));
  }
}

// A device array of n elements of T.
template <class T>
struct DeviceBuffer {
  T* p = nullptr;
  size_t n = 0;
  explicit DeviceBuffer(size_t count) : n(count) {
    if (n) check(cudaMallocAsync(&p, n * sizeof(T), cudaStreamPerThread), "cudaMallocAsync");
  }
  DeviceBuffer(const T* host, size_t count) : DeviceBuffer(count) { upload(host); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  ~DeviceBuffer() {
    if (p) cudaFreeAsync(p, cudaStreamPerThread);  // cudaFree would wait for the whole device
  }
  // From pageable host memory: returns once the data are staged, so `host` may change after.
  void upload(const T* host) {
    if (n)
      check(cudaMemcpyAsync(p, host, n * sizeof(T), cudaMemcpyHostToDevice, cudaStreamPerThread),
            "copy to device");
  }
  void download(T* host) const {
    if (!n) return;
    check(cudaMemcpyAsync(host, p, n * sizeof(T), cudaMemcpyDeviceToHost, cudaStreamPerThread),
          "copy to host");
    check(cudaStreamSynchronize(cudaStreamPerThread), "copy to host");
  }
};

// Throws if no device is visible (a clear message instead of a launch failure).
inline void require_device() {
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess || count == 0) {
    cudaGetLastError();
    throw std::runtime_error("relufast CUDA: no CUDA device is visible");
  }
}

// The stream every kernel of this host thread runs on.
inline cudaStream_t stream() { return cudaStreamPerThread; }

// Launch errors, then the kernel's own (waiting for this thread's stream only).
inline void check_launch(const char* what) {
  check(cudaGetLastError(), what);
  check(cudaStreamSynchronize(cudaStreamPerThread), what);
}

// Blocks of `block` threads for one thread per restart.
inline unsigned grid_for(long long R, int block) { return unsigned((R + block - 1) / block); }

// Restarts per launch whose `bytes_each` of device memory fit in half the free memory (>= 1).
inline int64_t batch_that_fits(int64_t R, double bytes_each) {
  size_t free = 0, total = 0;
  check(cudaMemGetInfo(&free, &total), "cudaMemGetInfo");
  const double fit = 0.5 * double(free) / (bytes_each > 1.0 ? bytes_each : 1.0);
  return fit >= double(R) ? R : (fit < 1.0 ? 1 : int64_t(fit));
}

}  // namespace relufast::cuda
