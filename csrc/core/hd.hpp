// RELUFAST_HD marks functions that both the C++ kernels and (later) CUDA kernels call: the
// per-restart arithmetic lives in one place, so the CPU tests exercise the formulas a GPU runs.
#pragma once

#if defined(__CUDACC__)
#define RELUFAST_HD __host__ __device__
#else
#define RELUFAST_HD
#endif

// Forced inlining for the small helpers of the hot loops (host compilers; nvcc inlines anyway).
#if defined(__CUDACC__)
#define RELUFAST_INLINE __forceinline__
#elif defined(__GNUC__)
#define RELUFAST_INLINE __attribute__((always_inline)) inline
#else
#define RELUFAST_INLINE inline
#endif
