"""lambda_min of teacher Hessians without forming them: relufast's Lanczos vs ARPACK and dense solvers.

For each k = n (identity teacher) it takes students near the teacher, W = I + 0.3 N(0, 1/k) (at
k <= 20 also real spurious GD endpoints with --minima), and prints seconds per lambda_min on ONE
core (BLAS and relufast threads limited to 1) for:

* relufast Lanczos on the BLAS-3 Hessian operator (``teacher.min_eigenvalues(method="lanczos")``);
* the same Lanczos on the C++ per-pair Hessian-vector kernel (``teacher_hessian_vector``);
* ``scipy.sparse.linalg.eigsh`` (ARPACK, which="SA") on the same BLAS-3 operator, at its default
  tolerance (machine precision);
* dense: ``numpy.linalg.eigvalsh`` of the full Hessian (relufast builds it), where it fits
  (``--dense-max``; k = 100 is a 10^4 x 10^4 matrix, 800 MB, minutes);

and |lambda - lambda_dense| where the dense value exists.

    python benchmarks/bench_lanczos.py [--ks 20 50 100] [--per-k 2] [--dense-max 100] [--minima]
"""

from __future__ import annotations

import argparse
import contextlib
import time

import numpy as np

from relufast import backend, lanczos
from relufast.objectives import teacher
from relufast.objectives.teacher.operator import HessianOperator


def _one_core():
    backend.set_num_threads(1)
    try:
        import threadpoolctl

        return threadpoolctl.threadpool_limits(1)
    except ImportError:  # pragma: no cover
        return contextlib.nullcontext()


def _timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def _lanczos_cpp(W):
    from relufast import _core

    _, n, d = W.shape

    def mv(X, rows):
        return _core.teacher_hessian_vector(W[rows], X.reshape(-1, n, d)).reshape(len(rows), -1)

    return lanczos.smallest_eigenpairs(mv, len(W), n * d).value


def _arpack(W):
    from scipy.sparse.linalg import LinearOperator, eigsh

    _, n, d = W.shape
    out = []
    for r in range(len(W)):
        op = HessianOperator(W[r : r + 1])
        A = LinearOperator((n * d, n * d), matvec=lambda x, op=op: op(x.reshape(1, n, d)).ravel())
        out.append(eigsh(A, k=1, which="SA", return_eigenvectors=False)[0])
    return np.array(out)


def _dense(W):
    return np.array([np.linalg.eigvalsh(teacher.hessian(w, backend="cpu"))[0] for w in W])


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ks", type=int, nargs="+", default=[20, 50, 100])
    ap.add_argument("--per-k", type=int, default=2, help="students per k")
    ap.add_argument("--dense-max", type=int, default=100, help="largest k for the dense oracle")
    ap.add_argument("--minima", action="store_true", help="also spurious GD endpoints at k = 10, 20")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    cases = []
    for k in args.ks:
        cases.append(
            (f"k=n={k}, W near I", k, np.eye(k) + 0.3 * rng.normal(size=(args.per_k, k, k)) / np.sqrt(k))
        )
    if args.minima:
        from relufast.experiments import safran_shamir as ss

        for k in (10, 20):
            res = ss.run(k, k, 100, seed=args.seed)
            spur = res.W[res.label == "spurious"][: args.per_k]
            if len(spur):
                cases.append((f"k=n={k}, spurious GD endpoint", k, spur))
    cols = ["case", "N", "lanczos s", "lanczos(C++ hvp) s", "ARPACK s", "dense s", "max |dlam|", "lambda_min"]
    import os

    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"relufast {backend.info()['version']}, one core; seconds per lambda_min; load average {load}")
    print(" | ".join(cols))
    with _one_core():
        for name, k, W in cases:
            R = len(W)
            lam, t_l = _timed(lambda W=W: teacher.min_eigenvalues(W, method="lanczos"))
            _, t_c = _timed(lambda W=W: _lanczos_cpp(W))
            try:
                _, t_a = _timed(lambda W=W: _arpack(W))
                arp = f"{t_a / R:.3f}"
            except ImportError:
                arp = "scipy missing"
            dense, dl = "-", "-"
            if k <= args.dense_max:
                ref, t_d = _timed(lambda W=W: _dense(W))
                dense, dl = f"{t_d / R:.2f}", f"{np.abs(ref - lam).max():.1e}"
            row = [name, str(k * k), f"{t_l / R:.3f}", f"{t_c / R:.3f}", arp, dense, dl, f"{lam.min():.6f}"]
            print(" | ".join(row), flush=True)


if __name__ == "__main__":
    main()
