// Batched dense symmetric eigenvalue helpers (no LAPACK dependency).
#pragma once
#include <cstdint>

namespace relufast::linalg {

// Smallest eigenvalue of each of R symmetric m x m matrices A (R, m, m); A is not modified.
// Householder tridiagonalisation, then bisection on Sturm counts to full precision.
void min_eigenvalues(const double* A, int64_t R, int m, double* out);

}  // namespace relufast::linalg
