// Batched dense symmetric eigenvalue helpers (no LAPACK dependency).
#pragma once
#include <cstdint>

namespace relufast::linalg {

// Smallest eigenvalue of each of R symmetric m x m matrices A (R, m, m); A is not modified.
// Householder tridiagonalisation of the lower triangle (one fused symv + rank-2 update pass over
// the trailing matrix per step, SIMD over columns), then bisection on Sturm counts to full
// precision (8 Sturm counts per sweep, one per SIMD lane). The input is scaled by a power of two
// (exact) and only its lower triangle is read, as numpy.linalg.eigvalsh does. Each matrix runs on one thread through the same instructions: results are bitwise
// identical for any thread count.
void min_eigenvalues(const double* A, int64_t R, int m, double* out);

}  // namespace relufast::linalg
