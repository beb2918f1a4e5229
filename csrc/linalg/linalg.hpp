// Batched dense symmetric eigenvalue helpers (no LAPACK dependency).
#pragma once
#include <cstdint>

namespace relufast::linalg {

// Smallest eigenvalue of each of R symmetric m x m matrices A (R, m, m); A is not modified and
// only its lower triangle is read (as numpy.linalg.eigvalsh does). The input is scaled by a power
// of two (exact), reduced to tridiagonal form by Householder reflectors (lower-triangle storage,
// one fused symv + rank-2 update SIMD pass over the trailing matrix per step), and the smallest
// eigenvalue is bracketed by Sturm counts (8 points per sweep, one per lane) to a few ulps. Each
// matrix runs on one thread through the same instructions: results are bitwise identical for any
// thread count.
void min_eigenvalues(const double* A, int64_t R, int m, double* out);

}  // namespace relufast::linalg
