// Safran-Shamir population loss of a two-layer ReLU student against a ReLU teacher (closed form).
// Kernels only: no Python here. Arrays are float64, C-contiguous, batch-first.
#pragma once
#include <cstdint>
#include <vector>

namespace relufast::teacher {

// The teacher's rows v_j, pre-normalised. identity == true means V = I_k (d == k), which has a
// faster and exact path (angles to e_j from prefix sums, no dot products).
struct Teacher {
  int k = 0, d = 0;
  bool identity = true;
  std::vector<double> v, vb, vn;  // (k, d), (k, d), (k)
  double half_vv = 0.0;           // 1/2 sum_{j,j'} E[relu(v_j.x) relu(v_j'.x)]
  Teacher(const double* V, int k, int d);  // V == nullptr: identity
};

// Stop codes of a restart in gradient descent.
enum Status : int8_t { RUNNING = 0, CONVERGED = 1, SMALL_LOSS = 2, MAX_ITERS = 3, DIVERGED = 4 };

// Loss F (R), gradient G (R, n, d) and max_i |grad_i| (R) of R students W (R, n, d); G/gmax may be null.
void evaluate(const double* W, int64_t R, int n, int d, const Teacher& T, double* F, double* G,
              double* gmax);

// Exact Hessians H (R, n*d, n*d), neuron-major.
void hessian(const double* W, int64_t R, int n, int d, const Teacher& T, double* H);

struct GDOptions {
  int64_t steps = 1000;      // steps in this chunk
  int64_t max_iters = 0;     // safety cap on total steps (0: none)
  double tol = 1e-9;         // stop when 2*pi*max_i |grad_i| <= tol
  double diverge = 1e4;      // restart from W0 with half the step when 2*pi*max_i |grad_i| > diverge
  double f_stop = 0.0;       // stop once F < f_stop (0: never)
  double min_step = 1e-12;   // give up (DIVERGED) below this step
};

// One chunk of full-batch gradient descent for every restart whose status is RUNNING.
// W, step, iters, status are updated in place; F and gmax receive the last evaluated values.
void gradient_descent(double* W, const double* W0, double* step, int64_t* iters, int8_t* status,
                      double* F, double* gmax, int64_t R, int n, int d, const Teacher& T,
                      const GDOptions& opt);

}  // namespace relufast::teacher
