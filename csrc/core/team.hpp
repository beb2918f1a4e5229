// A team of threads sharing ONE problem's work (the Hessian products and Lanczos of one restart):
// each member takes the indices rank, rank + size, ... of a loop, sums and maxima are reduced over
// the team and seen identically by every member, and sync() makes every member's writes visible to
// the others. The per-problem functions are written once over a Team:
//   Solo         one host thread (the C++ kernels): the sequential loops, no synchronisation;
//   OmpTeam      an OpenMP team on the host (omp parallel), the tests of the device's partitioning;
//   cuda::Warp   one warp of a CUDA block (core/warp.hpp), the device kernels.
#pragma once
#include "core/hd.hpp"

namespace relufast {

struct Solo {
  RELUFAST_HD RELUFAST_INLINE int rank() const { return 0; }
  RELUFAST_HD RELUFAST_INLINE int size() const { return 1; }
  RELUFAST_HD RELUFAST_INLINE bool leader() const { return true; }
  RELUFAST_HD RELUFAST_INLINE double sum(double x) const { return x; }
  RELUFAST_HD RELUFAST_INLINE double max(double x) const { return x; }
  RELUFAST_HD RELUFAST_INLINE double broadcast(double x) const { return x; }
  RELUFAST_HD RELUFAST_INLINE void sync() const {}
};

#if !defined(__CUDA_ARCH__)
// An OpenMP team: construct it inside `omp parallel` (every member of the region takes part in
// every call, in the same order); `shared` holds one double per member, the same for all.
struct OmpTeam {
  int r, s;
  double* shared;
  int rank() const { return r; }
  int size() const { return s; }
  bool leader() const { return r == 0; }
  void sync() const {
#pragma omp barrier
  }
  double sum(double x) const {  // members' partial sums added in rank order: identical for all
    shared[r] = x;
    sync();
    double t = 0.0;
    for (int i = 0; i < s; ++i) t += shared[i];
    sync();
    return t;
  }
  double max(double x) const {
    shared[r] = x;
    sync();
    double t = shared[0];
    for (int i = 1; i < s; ++i) t = shared[i] > t ? shared[i] : t;
    sync();
    return t;
  }
  double broadcast(double x) const {
    if (r == 0) shared[0] = x;
    sync();
    const double t = shared[0];
    sync();
    return t;
  }
};
#endif

}  // namespace relufast
