// The CUDA seam: device discovery. cudart is linked statically, so a CUDA build still imports on a
// machine without a GPU and reports zero devices.
#include <cuda_runtime.h>

namespace relufast {
int cuda_device_count() {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    cudaGetLastError();  // clear the sticky "no device" error
    return 0;
  }
  return n;
}
}  // namespace relufast
