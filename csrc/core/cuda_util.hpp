// Host-side helpers of the CUDA kernels (.cu files only): errors as exceptions, device buffers
// from plain cudaMalloc (never managed memory), freed by their destructor.
#pragma once
#include <cuda_runtime.h>

#include <cstddef>
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
    if (n) check(cudaMalloc(&p, n * sizeof(T)), "cudaMalloc");
  }
  DeviceBuffer(const T* host, size_t count) : DeviceBuffer(count) { upload(host); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  ~DeviceBuffer() {
    if (p) cudaFree(p);
  }
  void upload(const T* host) {
    if (n)
      check(cudaMemcpy(p, host, n * sizeof(T), cudaMemcpyHostToDevice), "cudaMemcpy to device");
  }
  void download(T* host) const {
    if (n) check(cudaMemcpy(host, p, n * sizeof(T), cudaMemcpyDeviceToHost), "cudaMemcpy to host");
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

// Launch errors, then the kernel's own (synchronising).
inline void check_launch(const char* what) {
  check(cudaGetLastError(), what);
  check(cudaDeviceSynchronize(), what);
}

inline unsigned grid_for(long long R, int block) { return unsigned((R + block - 1) / block); }

}  // namespace relufast::cuda
