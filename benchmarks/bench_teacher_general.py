"""Teacher GD against general teachers: relufast vs its NumPy reference and JAX, one pinned core.

Full-batch GD (step 0.1, no early stop) at k = n = d, R restarts from the paper's initialisation,
against the identity teacher (its own closed form in the kernel), a random orthogonal and a random
Gaussian teacher (``safran_shamir.make_teacher``: the general-teacher path, every (student,
teacher row) angle from the sums D, S). Rates are restart-iterations per second of process CPU
time, best of ``--repeat`` rounds in turn. relufast runs the registry's native ``gd_chunk``; NumPy
the registry's NumPy ``gd_chunk`` (both through ``bench_teacher.gd_runner``); JAX (when
installed) ``jit`` of a ``fori_loop`` of GD steps on the closed-form gradient, batched over
restarts, cosines from the Gram products, in four formulations (restarts first or last, where
every op is elementwise over R; the library arctan2 or bench_teacher's branch-free rational one,
as relufast's) of which the fastest is quoted; its
gradient is checked against the NumPy reference (``max|dG|``). Against the identity teacher JAX
runs the same general formulation with V = I; ``bench_teacher.py`` times JAX's identity-specific
ones.

    python benchmarks/bench_teacher_general.py [--k 10 20] [--restarts 1000]
        [--out benchmarks/results/teacher_general.txt]
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path

# one pinned core and single-threaded XLA, before numpy or jax start their threads
if hasattr(os, "sched_setaffinity"):
    os.sched_setaffinity(0, {max(os.sched_getaffinity(0))})
os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")

import numpy as np
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_teacher import gd_runner, poly_atan2
from harness import machine, peers, tables

from relufast import backend
from relufast.experiments import safran_shamir as ss
from relufast.objectives import teacher as objective

PI = math.pi
INV2PI = 1.0 / (2.0 * math.pi)
TEACHERS = ("identity", "orthogonal", "gaussian")
#: JAX formulations: restarts first or last, library or rational atan2; the fastest is quoted.
JAX_FORMS = ("first-lib", "last-lib", "first-poly", "last-poly")


def jax_grad(jnp, layout, atan, V):
    """The closed-form gradient for W (R, n, d) (restarts first) or (n, d, R) (restarts last);
    atan: "lib" (jnp.arctan2) or "poly" (bench_teacher's branch-free rational, as relufast's)."""
    Vn = np.linalg.norm(V, axis=1)
    Vb = V / Vn[:, None]
    atan2 = jnp.arctan2 if atan == "lib" else poly_atan2(jnp)

    def angles(c):
        c = jnp.clip(c, -1.0, 1.0)
        s = jnp.sqrt(jnp.maximum(1.0 - c * c, 0.0))
        return s, atan2(s, c)

    if layout == "first":

        def grad(W):
            n = W.shape[1]
            offd = 1.0 - jnp.eye(n)
            wn = jnp.sqrt((W * W).sum(-1))
            U = W / wn[..., None]
            s, t = angles(U @ jnp.swapaxes(U, -1, -2))
            s2, t2 = angles(U @ Vb.T)
            coef = ((wn[:, None, :] * s * offd).sum(-1) - (Vn * s2).sum(-1)) * INV2PI
            return 0.5 * W + coef[..., None] * U + ((PI - t) * offd * INV2PI) @ W - ((PI - t2) * INV2PI) @ V

        return grad

    def grad(W):
        n = W.shape[0]
        offd = (1.0 - jnp.eye(n))[:, :, None]
        wn = jnp.sqrt((W * W).sum(1))
        U = W / wn[:, None, :]
        s, t = angles(jnp.einsum("imr,jmr->ijr", U, U))
        s2, t2 = angles(jnp.einsum("imr,jm->ijr", U, Vb))
        coef = ((wn[None, :, :] * s * offd).sum(1) - (Vn[None, :, None] * s2).sum(1)) * INV2PI
        M = (PI - t) * offd * INV2PI
        return (
            0.5 * W
            + coef[:, None, :] * U
            + jnp.einsum("ijr,jmr->imr", M, W)
            - jnp.einsum("ijr,jm->imr", (PI - t2) * INV2PI, V)
        )

    return grad


def jax_runner(jax, W0, V, layout, atan):
    """(run(steps), max|dG| against the NumPy reference) for one JAX formulation."""
    jnp = jax.numpy
    grad = jax_grad(jnp, layout, atan, jnp.asarray(V))
    to = (lambda W: W) if layout == "first" else (lambda W: np.moveaxis(W, 0, -1))
    back = (lambda G: G) if layout == "first" else (lambda G: np.moveaxis(G, -1, 0))
    W0j = jnp.asarray(to(W0))
    G = back(np.asarray(jax.jit(grad)(W0j)))
    err = float(np.abs(G - objective.grad(W0, V, backend="numpy")).max())
    loop = jax.jit(lambda W, steps: jax.lax.fori_loop(0, steps, lambda _, X: X - 0.1 * grad(X), W))

    def run(steps):
        loop(W0j, int(steps)).block_until_ready()

    run(1)
    return run, err


def rate(run, R: int, steps: int, repeat: int) -> float:
    best = math.inf
    for _ in range(repeat):
        t0 = time.process_time()
        run(steps)
        best = min(best, time.process_time() - t0)
    return R * steps / best


def steps_for(run, R: int, target_s: float) -> int:
    """GD steps that take about ``target_s`` seconds (from a 2-step probe)."""
    t0 = time.process_time()
    run(2)
    per = max(time.process_time() - t0, 1e-6) / 2
    return max(2, int(target_s / per))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--k", type=int, nargs="+", default=[10, 20])
    ap.add_argument("--restarts", type=int, default=1000)
    ap.add_argument("--seconds", type=float, default=1.0, help="target time of one measurement")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    backend.set_num_threads(1)
    threadpool_limits(1)
    jax = peers.import_jax()
    R = args.restarts
    rows, data = [], []
    for k in args.k:
        W0 = ss.initial_students(k, k, R, 0)
        for name in TEACHERS:
            Vk = ss.make_teacher(name, k, k, seed=1)
            V = np.eye(k) if Vk is None else Vk
            runs = {"relufast": gd_runner(W0, "cpu", Vk), "numpy": gd_runner(W0, "numpy", Vk)}
            errs = {}
            if jax is not None:
                for form in JAX_FORMS:
                    runs[form], errs[form] = jax_runner(jax, W0, V, *form.split("-"))
            steps = {c: steps_for(fn, R, args.seconds) for c, fn in runs.items()}
            rates = {c: 0.0 for c in runs}
            for _ in range(args.repeat):  # in turn, so a slow spell of the host slows them all
                for c, fn in runs.items():
                    rates[c] = max(rates[c], rate(fn, R, steps[c], 1))
            row = {"k": k, "teacher": name, "relufast": rates["relufast"], "numpy": rates["numpy"]}
            if jax is not None:
                best = max(JAX_FORMS, key=rates.get)
                row.update(jax=rates[best], form=best, dG=errs[best])
                row["rf/jax"] = row["relufast"] / row["jax"]
            row["rf/np"] = row["relufast"] / row["numpy"]
            rows.append(row)
            data.append({**row, "steps": steps})
            print(row, file=sys.stderr, flush=True)
    identity = {r["k"]: r["relufast"] for r in rows if r["teacher"] == "identity"}
    for r in rows:
        r["vs_id"] = identity[r["k"]] / r["relufast"]
    cols = [
        ("k", "k=n=d", "d"),
        ("teacher", "teacher", "s"),
        ("relufast", "relufast", ".3g"),
        ("numpy", "numpy", ".3g"),
        ("jax", "jax", ".3g"),
        ("rf/np", "rf/np", ".1f"),
        ("rf/jax", "rf/jax", ".2f"),
        ("vs_id", "cost/identity", ".2f"),
        ("form", "jax form", "s"),
        ("dG", "jax max|dG|", ".1e"),
    ]
    text = "\n".join(
        [
            machine.header(
                "relufast teacher GD against general teachers (benchmarks/bench_teacher_general.py)",
                machine.machine_info(),
            ),
            f"R = {R} restarts, step 0.1, no early stop, one pinned core (process CPU time), best of "
            f"{args.repeat} rounds in turn; restart-iterations per second. cost/identity: relufast's time "
            "per step against the identity teacher's at the same k.",
            "",
            tables.table(rows, cols),
        ]
    )
    tables.save(text, {"rows": data}, args.out)


if __name__ == "__main__":
    main()
