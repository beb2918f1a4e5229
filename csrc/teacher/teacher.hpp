// Safran-Shamir population loss of a two-layer ReLU student against a ReLU teacher (closed form).
// Kernels only: no Python here. Arrays are float64, C-contiguous, batch-first.
#pragma once
#include <cstdint>
#include <vector>

#include "teacher/gd_rule.hpp"  // Status, GDOptions
#include "teacher/restart.hpp"  // TeacherView

namespace relufast::teacher {

// The teacher's rows v_j, pre-normalised. identity == true means V = I_k (d == k), which has a
// faster and exact path (angles to e_j from prefix sums, no dot products).
struct Teacher {
  int k = 0, d = 0;
  bool identity = true;
  std::vector<double> v, vb, vn, vbn;      // (k, d), (k, d), (k), (k): |vb_j| (1 up to rounding)
  double half_vv = 0.0;                    // 1/2 sum_{j,j'} E[relu(v_j.x) relu(v_j'.x)]
  Teacher(const double* V, int k, int d);  // V == nullptr: identity
};

// The teacher as the plain pointers of the per-restart functions (host memory).
inline TeacherView host_view(const Teacher& T) {
  return {T.k, T.d, T.identity, T.v.data(), T.vb.data(), T.vn.data(), T.vbn.data(), T.half_vv};
}

// Loss F (R), gradient G (R, n, d) and max_i |grad_i| (R) of R students W (R, n, d); G/gmax may be
// null. Returns whether every entry of W is finite (checked as W is read: F and G mean nothing
// otherwise).
bool evaluate(const double* W, int64_t R, int n, int d, const Teacher& T, double* F, double* G,
              double* gmax);

// Exact Hessians H (R, n*d, n*d), neuron-major.
void hessian(const double* W, int64_t R, int n, int d, const Teacher& T, double* H);

// Hessian-vector products HX (R, n, d) = H(W_r) X_r without forming H: O(n (n + k) d) each.
void hessian_vector(const double* W, const double* X, int64_t R, int n, int d, const Teacher& T,
                    double* HX);

// Smallest eigenpair of each restart's exact Hessian from Hessian-vector products alone
// (core/lanczos_restart.hpp: full reorthogonalisation, at most `basis` vectors a pass,
// `max_restarts` restarts, start vectors from `seed`): value (R), unit vector (R, n*d), recomputed
// residual |H y - value y| (R), products spent (R), converged (R: residual <= tol max(1, |T|)).
struct Eigenpairs {
  double *value, *vector, *residual;
  int64_t* products;
  bool* converged;
};
struct LanczosOptions {
  double tol = 1e-10;
  int basis = 300, max_restarts = 50;
  uint64_t seed = 0;
  int team =
      1;  // host twin: > 1 runs each restart on an OpenMP team of that many (the device's split)
};
void smallest_eigenpairs_per_restart(const double* W, int64_t R, int n, int d, const Teacher& T,
                                     const LanczosOptions& opt, const Eigenpairs& out);

// One chunk of full-batch gradient descent for every restart whose status is RUNNING.
// W, step, iters, status are updated in place; F and gmax receive the last evaluated values.
void gradient_descent(double* W, const double* W0, double* step, int64_t* iters, int8_t* status,
                      double* F, double* gmax, int64_t R, int n, int d, const Teacher& T,
                      const GDOptions& opt);

// The same two kernels restart by restart on doubles (teacher/restart.hpp, what each CUDA warp
// runs), on the host: the CUDA path's arithmetic, testable without a GPU. Same arguments; team > 1
// runs each restart on an OpenMP team of that many threads, split as a warp splits it.
void evaluate_per_restart(const double* W, int64_t R, int n, int d, const Teacher& T, double* F,
                          double* G, double* gmax);
void gradient_descent_per_restart(double* W, const double* W0, double* step, int64_t* iters,
                                  int8_t* status, double* F, double* gmax, int64_t R, int n, int d,
                                  const Teacher& T, const GDOptions& opt, int team);

}  // namespace relufast::teacher
