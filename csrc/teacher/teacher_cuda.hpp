// The teacher kernels on a CUDA device (teacher/teacher_cuda.cu; CUDA builds only). Host pointers
// in and out, the arguments of the C++ kernels in teacher.hpp; each restart runs on one thread
// through teacher/restart.hpp. CUDA errors are thrown as std::runtime_error.
#pragma once
#include <cstdint>

#include "teacher/teacher.hpp"

namespace relufast::teacher::cuda {

void evaluate(const double* W, int64_t R, int n, int d, const Teacher& T, double* F, double* G,
              double* gmax);

void gradient_descent(double* W, const double* W0, double* step, int64_t* iters, int8_t* status,
                      double* F, double* gmax, int64_t R, int n, int d, const Teacher& T,
                      const GDOptions& opt);

// Exact Hessians, Hessian-vector products and smallest Hessian eigenpairs
// (teacher/hessian_cuda.cu): the arguments of teacher::hessian, hessian_vector and
// smallest_eigenpairs_per_restart.
void hessian(const double* W, int64_t R, int n, int d, const Teacher& T, double* H);
void hessian_vector(const double* W, const double* X, int64_t R, int n, int d, const Teacher& T,
                    double* HX);
void smallest_eigenpairs(const double* W, int64_t R, int n, int d, const Teacher& T,
                         const LanczosOptions& opt, const Eigenpairs& out);

}  // namespace relufast::teacher::cuda
