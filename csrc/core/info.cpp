// Build facts that need no pybind11.
namespace relufast {
#ifndef RELUFAST_WITH_CUDA
int cuda_device_count() { return 0; }
#endif
}  // namespace relufast
