#!/usr/bin/env python
"""Teacher-student (Safran-Shamir) benchmarks: relufast vs the NumPy reference, JAX and PyTorch.

Three workloads, all on the closed-form population loss with the identity teacher (k = n = d):

1. **GD throughput** -- restart-iterations per second of full-batch gradient descent (step 0.1) for
   k = n in {6, 10, 20} and R in {100, 1000, 10000} restarts. relufast runs its native chunk kernel
   (the registry's ``backend.get("teacher", "gd_chunk", "cpu")``) for a fixed number of steps with
   the early stops off (tol = 0, f_stop = 0); the count of iterations is the one the kernel reports
   (a restart whose loss rounds to <= 0 or whose gradient is exactly 0 stops; those are not
   counted). The NumPy reference is the registry's NumPy ``gd_chunk`` kernel (fewer steps). JAX:
   ``jit`` of a ``lax.fori_loop`` over GD steps of a ``vmap``-ed gradient; PyTorch: the batched
   (R, n, d) gradient, eager or ``torch.compile``-d. Each peer tries several formulations (autodiff
   of the loss vs the closed-form gradient; pairwise angles from the Gram matrix (through D, S
   or, with one root per pair, as cos t and sin t = sqrt(1 - cos^2)) or from |u - v|, |u + v| as
   relufast does; the library atan2 vs the same branch-free rational atan relufast
   uses); the fastest, picked at R = 1000, runs every R.
   Every formulation's gradient is checked against the NumPy reference (column ``max|dG|``).
2. **Hessian + smallest eigenvalue** of 1000 Hessians at k = n = 20 (400 x 400): relufast
   (``teacher.hessian`` + ``minima.min_eigenvalues``, backend cpu) vs ``numpy.linalg.eigvalsh``,
   ``scipy.linalg.eigh(subset_by_index=[0, 0])``, ``torch.linalg.eigvalsh`` and
   ``jax.numpy.linalg.eigvalsh`` on the same matrices; slow peers get fewer matrices and are quoted
   per matrix (matrices/s).
3. **Table 1 estimate**: how long the full Safran-Shamir Table 1 (k = 6..20, n = k, k+1, k+2, 1000
   runs each) takes here with ``safran_shamir.run``: a few cells are measured, the rest are
   extrapolated from median iterations x per-cell restart-iteration rate (``--full`` measures all).

Usage::

    python benchmarks/bench_teacher.py --quick            # smoke run, < 1 minute
    python benchmarks/bench_teacher.py --out benchmarks/results/teacher.txt
    python benchmarks/bench_teacher.py --full             # measure every Table 1 cell (long)

Everything is measured in worker subprocesses pinned with taskset (1 core; then all cores), see
benchmarks/harness/ and benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import machine, peers, tables, timing, workers

PI = math.pi
INV2PI = 1.0 / (2.0 * math.pi)
PIO2 = math.pi / 2
PIO4 = math.pi / 4


# --------------------------------------------------------------------------- shared peer math


def poly_atan2(xp):
    """atan2(y, x) for y >= 0 in a namespace xp (jax.numpy or torch): the branch-free Cephes rational
    atan relufast uses (one division for the argument, one for the rational), ~1 ulp."""

    def atan01(x):
        big = x > 0.41421356237309504880
        y = xp.where(big, (x - 1.0) / (x + 1.0), x)
        z = y * y
        p = (
            ((-8.750608600031904122785e-1 * z - 1.615753718733365076637e1) * z - 7.500855792314704667340e1)
            * z
            - 1.228866684490136173410e2
        ) * z - 6.485021904942025371773e1
        q = (
            (
                ((z + 2.485846490142306297962e1) * z + 1.650270098316988542046e2) * z
                + 4.328810604912902668951e2
            )
            * z
            + 4.853903996359136964868e2
        ) * z + 1.945506571482613964425e2
        r = y + y * z * p / q
        return xp.where(big, PIO4 + r, r)

    def angle(y, x):
        ax = xp.abs(x)
        hi, lo = xp.maximum(y, ax), xp.minimum(y, ax)
        a = atan01(lo / xp.where(hi > 0, hi, 1.0))
        b = xp.where(y > ax, PIO2 - a, a)
        return xp.where(x < 0, PI - b, b)

    return angle


def _pair_sums(xp, U, form):
    """D = |u_i - u_j|^2 and S = |u_i + u_j|^2 (..., n, n) for unit rows U (..., n, d)."""
    if form == "gram":
        G = U @ xp.swapaxes(U, -1, -2)
        return xp.clip(2.0 - 2.0 * G, min=0.0), xp.clip(2.0 + 2.0 * G, min=0.0)
    dif = U[..., :, None, :] - U[..., None, :, :]
    som = U[..., :, None, :] + U[..., None, :, :]
    return (dif * dif).sum(-1), (som * som).sum(-1)


def analytic_grad(xp, W, atan2, form, offd):
    """Closed-form gradient of the identity-teacher loss for W (..., n, d) (no dead neurons).

    G_i = w_i/2 + c_i u_i + sum_{j != i} (pi - t_ij)/2pi w_j - (pi - t_i,e_j)/2pi e_j, with
    c_i = (sum_{j != i} |w_j| sin t_ij - sum_j sin t_i,e_j) / 2pi (same formula as the reference).
    """
    sq = (W * W).sum(-1)
    wn = xp.sqrt(sq)
    U = W / wn[..., None]
    if form == "cos":  # one root per pair: cos t from the Gram matrix, sin t = sqrt(1 - cos^2)
        c = xp.clip(U @ xp.swapaxes(U, -1, -2), -1.0, 1.0)
        sint = xp.sqrt(xp.clip(1.0 - c * c, min=0.0))
        t = atan2(sint, c)
    else:
        D, S = _pair_sums(xp, U, form)
        rd, rs = xp.sqrt(D), xp.sqrt(S)
        t = 2.0 * atan2(rd, rs)
        sint = 0.5 * rd * rs
    U2 = U * U
    s = xp.sqrt(xp.clip(U2.sum(-1)[..., None] - U2, min=0.0))  # sin of the angle to e_j
    tt = atan2(s, U)
    coef = ((wn[..., None, :] * sint * offd).sum(-1) - s.sum(-1)) * INV2PI
    return 0.5 * W + coef[..., None] * U + (((PI - t) * offd) * INV2PI) @ W - (PI - tt) * INV2PI


def analytic_grad_t(jnp, W, atan2, offd):
    """:func:`analytic_grad` with restarts last, W (n, d, R): every op is elementwise over R."""
    sq = (W * W).sum(1)
    wn = jnp.sqrt(sq)
    U = W / wn[:, None, :]
    G = jnp.einsum("imr,jmr->ijr", U, U)
    D, S = jnp.clip(2.0 - 2.0 * G, min=0.0), jnp.clip(2.0 + 2.0 * G, min=0.0)
    rd, rs = jnp.sqrt(D), jnp.sqrt(S)
    t = 2.0 * atan2(rd, rs)
    sint = 0.5 * rd * rs
    U2 = U * U
    s = jnp.sqrt(jnp.clip(U2.sum(1)[:, None, :] - U2, min=0.0))
    tt = atan2(s, U)
    coef = ((wn[None, :, :] * sint * offd[:, :, None]).sum(1) - s.sum(1)) * INV2PI
    M = (PI - t) * offd[:, :, None] * INV2PI
    return 0.5 * W + coef[:, None, :] * U + jnp.einsum("ijr,jmr->imr", M, W) - (PI - tt) * INV2PI


def closed_form_loss(xp, W, atan2, form, eye):
    """F(W) for one student W (n, d) against the identity teacher (for autodiff)."""
    n, d = W.shape
    sq = (W * W).sum(-1)
    wn = xp.sqrt(sq)
    U = W / wn[:, None]
    D, S = _pair_sums(xp, U, form)
    D = xp.where(eye, 1.0, D)  # keep sqrt away from 0 on the diagonal (its gradient is inf there)
    S = xp.where(eye, 1.0, S)
    rd, rs = xp.sqrt(D), xp.sqrt(S)
    t = 2.0 * atan2(rd, rs)
    kap = xp.where(eye, 0.0, (0.5 * rd * rs + (PI - t) * 0.25 * (S - D)) * INV2PI)
    U2 = U * U
    s = xp.sqrt(xp.clip(U2.sum(-1)[:, None] - U2, min=1e-300))
    tt = atan2(s, U)
    F = 0.25 * sq.sum() + 0.5 * (wn[:, None] * wn[None, :] * kap).sum()
    F = F - (wn[:, None] * (s + (PI - tt) * U) * INV2PI).sum()
    return F + 0.5 * (0.5 * d + d * (d - 1) * INV2PI)


# --------------------------------------------------------------------------- contenders


def gd_runner(W0, backend, V=None):
    """run(steps) -> restart-iterations done by one GD chunk kernel of ``backend`` (relufast's
    native one or its NumPy twin, through the kernel registry) from W0, step 0.1, never stopping
    early; V: the teacher's rows (None: the identity)."""
    import numpy as np

    from relufast.backend import get
    from relufast.optim import GDOptions, GDState

    R = W0.shape[0]
    kernel = get("teacher", "gd_chunk", backend)

    def run(steps):
        s = GDState(
            W=W0.copy(),
            W0=W0,
            step=np.full(R, 0.1),
            iters=np.zeros(R, np.int64),
            status=np.zeros(R, np.int8),
            F=np.full(R, np.nan),
            gmax=np.full(R, np.nan),
        )
        kernel(s, V, GDOptions(steps=int(steps), max_iters=0, tol=0.0, diverge=1e4, f_stop=0.0))
        return int(s.iters.sum())

    return run


def make_relufast(W0):
    return gd_runner(W0, "cpu")


def make_numpy(W0):
    return gd_runner(W0, "numpy")


JAX_VARIANTS = (
    "analytic-cos-poly",
    "analytic-gram-poly",
    "analytic-gramRlast-poly",
    "analytic-gram-atan2",
    "analytic-pair-poly",
    "autodiff-gram-poly",
    "autodiff-gram-atan2",
)
TORCH_VARIANTS = (
    "analytic-gram-atan2",
    "analytic-gram-poly",
    "autograd-gram-atan2",
    "compile-analytic-gram-poly",
    "compile-analytic-gram-atan2",
    "compile-analytic-cos-poly",
)


def jax_grad_fn(variant, n, d):
    import jax
    import jax.numpy as jnp

    kind, form, at = variant.split("-")
    atan2 = poly_atan2(jnp) if at == "poly" else jnp.arctan2
    if kind == "analytic":
        offd = 1.0 - jnp.eye(n)
        return jax.vmap(lambda W: analytic_grad(jnp, W, atan2, form, offd))
    eye = jnp.eye(n, dtype=bool)
    return jax.vmap(jax.grad(lambda W: closed_form_loss(jnp, W, atan2, form, eye)))


def make_jax(W0, variant):
    import jax
    import jax.numpy as jnp
    import numpy as np

    R, n, d = W0.shape
    rlast = "Rlast" in variant  # state kept as (n, d, R)
    if rlast:
        offd = 1.0 - jnp.eye(n)
        atan2 = poly_atan2(jnp) if variant.endswith("poly") else jnp.arctan2
        g = lambda W: analytic_grad_t(jnp, W, atan2, offd)  # noqa: E731
    else:
        g = jax_grad_fn(variant, n, d)
    block = min(R, 100) if "pair" in variant and R % min(R, 100) == 0 else R

    def step(W):
        if block == R:
            return W - 0.1 * g(W)
        Wb = W.reshape(R // block, block, n, d)
        return jax.lax.map(lambda w: w - 0.1 * g(w), Wb).reshape(W.shape)

    gd = jax.jit(lambda W, steps: jax.lax.fori_loop(0, steps, lambda i, W: step(W), W))
    Wj = jnp.asarray(W0.transpose(1, 2, 0).copy() if rlast else W0)

    def run(steps):
        gd(Wj, int(steps)).block_until_ready()
        return R * int(steps)

    if rlast:
        run.grad = lambda W: np.asarray(jax.jit(g)(jnp.asarray(W.transpose(1, 2, 0).copy()))).transpose(
            2, 0, 1
        )
    else:
        run.grad = lambda W: np.asarray(jax.jit(g)(jnp.asarray(W)))
    return run


def make_torch(W0, variant):
    import numpy as np
    import torch

    R, n, d = W0.shape
    parts = variant.split("-")
    compiled = parts[0] == "compile"
    kind, form, at = parts[-3:]
    atan2 = poly_atan2(torch) if at == "poly" else torch.atan2
    offd = 1.0 - torch.eye(n, dtype=torch.float64)
    eye = torch.eye(n, dtype=torch.bool)

    if kind == "analytic":

        def grad(W):
            return analytic_grad(torch, W, atan2, form, offd)
    else:

        def loss(W):  # batched loss, summed over restarts: its gradient is each restart's
            return torch.vmap(lambda w: closed_form_loss(torch, w, atan2, form, eye))(W).sum()

        def grad(W):
            W = W.detach().requires_grad_(True)
            return torch.autograd.grad(loss(W), W)[0]

    def step(W):
        return W - 0.1 * grad(W)

    if compiled:
        peers.torch_allow_recompiles()
        step = torch.compile(step, dynamic=False, fullgraph=True)
    Wt = torch.from_numpy(W0.copy())

    def run(steps):
        W = Wt
        with torch.no_grad() if kind == "analytic" else torch.enable_grad():
            for _ in range(int(steps)):
                W = step(W)
        return R * int(steps)

    run.grad = lambda W: grad(torch.from_numpy(np.asarray(W))).detach().numpy()
    return run


# --------------------------------------------------------------------------- worker sections


def gd_section(args, threads, log):
    import numpy as np

    from relufast import teacher
    from relufast.experiments import safran_shamir

    jax = peers.import_jax() if not args.no_jax else None
    torch = None
    if peers.has("torch") and not args.no_torch:
        import torch
    ks = [6, 10] if args.quick else [6, 10, 20]
    Rs = [100, 1000] if args.quick else [100, 1000, 10000]
    R_sel = 1000
    target, repeat = (0.05, 3) if args.quick else (args.target, args.repeat)
    out = {"selection": [], "rows": []}

    def timed(cases):
        return timing.timed(cases, target, repeat, threads, log)

    for k in ks:
        W_sel = safran_shamir.initial_students(k, k, R_sel, seed=0)
        G_ref = teacher.grad(W_sel[:50], backend="numpy")
        best = {}
        for peer, variants, maker, ok in (
            ("jax", JAX_VARIANTS, make_jax, jax is not None),
            ("torch", TORCH_VARIANTS, make_torch, torch is not None),
        ):
            if not ok:
                continue
            cand = {}
            for v in variants:
                if args.quick and (
                    "autodiff" in v
                    or "autograd" in v
                    or "compile" in v
                    or "pair" in v
                    or ("atan2" in v and peer == "jax")
                ):
                    continue
                if args.no_compile and "compile" in v:
                    continue
                try:
                    fn = maker(W_sel, v)
                    err = float(np.max(np.abs(fn.grad(W_sel[:50]) - G_ref)))
                    cand[v] = (fn, 20)
                    out["selection"].append({"k": k, "peer": peer, "variant": v, "max_dG": err})
                except Exception as exc:  # a formulation a peer version cannot run is skipped
                    log(f"    {peer} {v}: skipped ({type(exc).__name__}: {exc})")
            log(f"  k={k}: choosing the fastest {peer} formulation at R={R_sel}")
            res = timed(cand)
            for v, r in res.items():
                for row in out["selection"]:
                    if row["k"] == k and row["peer"] == peer and row["variant"] == v:
                        row["rate"] = r["rate"]
                log(f"    {peer} {v}: {r['rate']:.3g} restart-it/s")
            best[peer] = max(res, key=lambda v: res[v]["rate"])
            best[peer + "_err"] = next(
                r["max_dG"]
                for r in out["selection"]
                if r["k"] == k and r["peer"] == peer and r["variant"] == best[peer]
            )
        for R in Rs:
            log(f"  k=n={k}, R={R}")
            W0 = safran_shamir.initial_students(k, k, R, seed=0)
            cases = {"relufast": (make_relufast(W0), 50), "numpy": (make_numpy(W0), 1)}
            if "jax" in best:
                cases["jax"] = (make_jax(W0, best["jax"]), 20)
            if "torch" in best:
                cases["torch"] = (make_torch(W0, best["torch"]), 5)
            res = timed(cases)
            row = {"k": k, "n": k, "R": R, "threads": threads}
            for name, r in res.items():
                row[name] = r["rate"]
                row[name + "_wall"] = r["work"] / r["wall"]
                row[name + "_cpu"] = r["work"] / r["cpu"]
            row["jax_variant"] = best.get("jax")
            row["torch_variant"] = best.get("torch")
            row["jax_max_dG"] = best.get("jax_err")
            row["torch_max_dG"] = best.get("torch_err")
            out["rows"].append(row)
            log("    " + ", ".join(f"{n}: {row[n]:.3g}" for n in res))
    return out


def eig_section(args, threads, log):
    import numpy as np

    from relufast import minima, teacher
    from relufast.experiments import safran_shamir

    k = 12 if args.quick else 20
    M = 40 if args.quick else args.hessians
    m_peer = 10 if args.quick else args.hessians_peer
    W = safran_shamir.initial_students(k, k, M, seed=1)
    batch = 100
    rows = []

    def hess_all():
        return [teacher.hessian(W[i : i + batch], backend="cpu") for i in range(0, M, batch)]

    def rf_eig(Hs):
        return np.concatenate([minima.min_eigenvalues(H, backend="cpu") for H in Hs])

    Hs = hess_all()  # warm-up
    H_peer = Hs[0][:m_peer].copy()
    lam_ref = rf_eig(Hs)
    # relufast: Hessians and eigenvalues timed separately and together, on all M matrices
    cases = {"hessian": hess_all, "eig": lambda: rf_eig(Hs)}
    r = timing.round_robin(cases, 1 if args.quick else 3)
    t_h, t_e = timing.seconds(r["hessian"], threads), timing.seconds(r["eig"], threads)
    rows.append(
        {"what": "relufast teacher.hessian (cpu)", "matrices": M, "per_s": M / t_h, "threads": threads}
    )
    rows.append(
        {
            "what": "relufast min_eigenvalues (cpu)",
            "matrices": M,
            "per_s": M / t_e,
            "threads": threads,
            "max_dlam": 0.0,
        }
    )
    rows.append(
        {
            "what": "relufast hessian + min_eigenvalues",
            "matrices": M,
            "per_s": M / (t_h + t_e),
            "threads": threads,
        }
    )
    log(f"  relufast: hessian {M / t_h:.3g}/s, eig {M / t_e:.3g}/s")

    # NumPy reference Hessian (few matrices)
    m_h = min(m_peer, 10)
    r = timing.round_robin(
        {"np_hess": lambda: teacher.reference.hessian(W[:m_h], None)}, 1 if args.quick else 3
    )
    rows.append(
        {
            "what": "numpy reference teacher.reference.hessian",
            "matrices": m_h,
            "per_s": m_h / timing.seconds(r["np_hess"], threads),
            "threads": threads,
        }
    )

    eig_peers = {"numpy.linalg.eigvalsh": lambda H: np.linalg.eigvalsh(H)[:, 0]}
    if peers.has("scipy"):
        import scipy.linalg

        eig_peers["scipy.linalg.eigh(subset [0,0])"] = lambda H: np.array(
            [scipy.linalg.eigh(h, eigvals_only=True, subset_by_index=[0, 0], driver="evr")[0] for h in H]
        )
    if peers.has("torch") and not args.no_torch:
        import torch

        eig_peers["torch.linalg.eigvalsh"] = lambda H: torch.linalg.eigvalsh(torch.from_numpy(H))[
            :, 0
        ].numpy()
    jax = peers.import_jax() if not args.no_jax else None
    if jax is not None:
        import jax.numpy as jnp

        f = jax.jit(lambda H: jnp.linalg.eigvalsh(H)[:, 0])
        eig_peers["jax.numpy.linalg.eigvalsh (jit)"] = lambda H: np.asarray(
            f(jnp.asarray(H)).block_until_ready()
        )
    if threads > 1:
        # independent matrices: one library thread per Python thread over slices of the batch;
        # whichever of this and the library's own threading is faster is that peer's figure
        for name, fn in list(eig_peers.items()):
            if name.startswith("jax"):  # a jitted call from two Python threads deadlocked here
                continue
            if name.startswith("torch"):
                import torch

                def split(H, fn=fn):
                    prev = torch.get_num_threads()
                    torch.set_num_threads(1)
                    try:
                        return timing.split_batch(fn, H, threads)
                    finally:
                        torch.set_num_threads(prev)
            else:

                def split(H, fn=fn):
                    with timing.one_thread_libraries():
                        return timing.split_batch(fn, H, threads)

            eig_peers[name + f" [{threads} py threads x 1]"] = split
    errs = {}
    for name, fn in eig_peers.items():
        lam = fn(H_peer)  # warm-up / compile
        errs[name] = float(np.max(np.abs(lam - lam_ref[:m_peer])))
    r = timing.round_robin(
        {name: (lambda fn=fn: fn(H_peer)) for name, fn in eig_peers.items()}, 1 if args.quick else 3
    )
    for name in eig_peers:
        rows.append(
            {
                "what": name,
                "matrices": m_peer,
                "per_s": m_peer / timing.seconds(r[name], threads),
                "threads": threads,
                "max_dlam": errs[name],
            }
        )
        log(f"  {name}: {rows[-1]['per_s']:.3g}/s")
    return {"k": k, "M": M, "m_peer": m_peer, "rows": rows}


def _fit_iters(measured):
    """log(median iterations) ~ a + b k per n - k, from the measured cells."""
    import numpy as np

    fits = {}
    for e in sorted({c["n"] - c["k"] for c in measured}):
        pts = [(c["k"], math.log(max(c["median_iterations"], 1.0))) for c in measured if c["n"] - c["k"] == e]
        if len(pts) >= 2:
            b, a = np.polyfit([p[0] for p in pts], [p[1] for p in pts], 1)
        else:
            a, b = pts[0][1], 0.0
        fits[e] = (float(a), float(b))
    return fits


def table1_model(t1):
    """Per-cell estimates for 1000 runs from a saved table1 section (re-computable from the JSON)."""
    import numpy as np

    cells = t1["rows"]
    x = np.log([c["n"] ** 2 * c["k"] for c in cells])
    b, a = np.polyfit(x, np.log([c["rate"] for c in cells]), 1)
    smooth = {(c["k"], c["n"]): float(np.exp(a + b * np.log(c["n"] ** 2 * c["k"]))) for c in cells}
    measured = {(m["k"], m["n"]): m for m in t1["measured"]}
    fits = {}
    for e in sorted({n - k for k, n in measured}):
        pts = [(k, math.log(m["mean_iterations"])) for (k, n), m in measured.items() if n - k == e]
        fits[e] = tuple(np.polyfit(*zip(*pts, strict=True), 1)) if len(pts) >= 2 else (0.0, pts[0][1])
    raw = lambda k, n, runs, it: runs * it / smooth[(k, n)]  # noqa: E731
    big = [m for m in measured.values() if m["runs"] >= 1000] or list(measured.values())
    corr = float(np.median([m["wall_s"] / raw(m["k"], m["n"], m["runs"], m["mean_iterations"]) for m in big]))
    rows, total, total_scaled = [], 0.0, 0.0
    for c in cells:
        k, n = c["k"], c["n"]
        bb, aa = fits.get(n - k, fits[min(fits, key=lambda e: abs(e - (n - k)))])
        m = measured.get((k, n))
        it = m["mean_iterations"] if m else math.exp(aa + bb * k)
        row = {
            "k": k,
            "n": n,
            "rate": c["rate"],
            "rate_smooth": smooth[(k, n)],
            "mean_iterations": it,
            "median_iterations": m["median_iterations"] if m else None,
            "model_s": corr * raw(k, n, 1000, it),
        }
        if m:
            row.update(
                runs=m["runs"],
                measured_s=m["wall_s"],
                scaled_s=m["wall_s"] * 1000 / m["runs"],
                pct_spurious=m["pct_spurious"],
            )
        if m and m["runs"] >= 1000:
            row.update(source="measured", est_s=m["wall_s"])
            scaled = m["wall_s"]
        else:
            row.update(source="model" if not m else f"model ({m['runs']} measured)", est_s=row["model_s"])
            scaled = row["scaled_s"] if m else row["model_s"]
        total += row["est_s"]
        total_scaled += scaled
        rows.append(row)
    return rows, {
        "rate_fit": (float(a), float(b)),
        "corr": corr,
        "total": total,
        "total_scaled": total_scaled,
    }


def table1_section(args, threads, log):
    import numpy as np

    from relufast.experiments import safran_shamir

    if args.quick:
        ks, extra, runs_cells = [6, 7, 8], [0, 1, 2], {(6, 6): 100, (6, 7): 100, (8, 8): 50}
    else:
        ks, extra = list(range(6, 21)), [0, 1, 2]
        runs_cells = {}
        for k in (6, 10):
            for e in extra:
                runs_cells[(k, k + e)] = 1000
        for k in (14, 20):
            for e in extra:
                runs_cells[(k, k + e)] = args.big_runs
        if args.full:
            runs_cells = {(k, k + e): 1000 for k in ks for e in extra}
    cells = [(k, k + e) for k in ks for e in extra]

    # 1) native GD restart-iteration rate per cell (fixed steps, no early stop, R = 1000)
    rates = {}
    Rr = 256 if args.quick else 1000
    for k, n in cells:
        W0 = safran_shamir.initial_students(k, n, Rr, seed=0)
        fn = make_relufast(W0)
        fn(2)
        steps = timing.calibrate(fn, 20, 0.05 if args.quick else 0.25)
        r = timing.round_robin({"x": lambda fn=fn, steps=steps: fn(steps)}, 3)
        rates[(k, n)] = fn(steps) / timing.seconds(r["x"], threads)
    log("  per-cell rates done")

    # 2) measured cells
    measured = []
    for (k, n), runs in runs_cells.items():
        with timing.Clock() as c:
            res = safran_shamir.run(k, n, runs, seed=0, backend="cpu")
        s = res.summary()
        measured.append(
            {
                "k": k,
                "n": n,
                "runs": runs,
                "wall_s": c.wall,
                "cpu_s": c.cpu,
                "median_iterations": float(np.median(res.iterations)),
                "mean_iterations": float(np.mean(res.iterations)),
                "max_iterations": int(np.max(res.iterations)),
                "pct_spurious": s["pct_spurious"],
                "not_converged": s["not_converged"],
            }
        )
        m = measured[-1]
        m["model_s"] = runs * m["median_iterations"] / rates[(k, n)]
        log(
            f"  measured k={k} n={n} runs={runs}: {c.wall:.2f}s, median it {m['median_iterations']:.0f}, "
            f"mean it {m['mean_iterations']:.0f}, model {m['model_s']:.2f}s"
        )

    # 3) model: wall ~= corr * runs * median_iterations / rate, corr from the measured cells
    corr = float(np.median([m["wall_s"] / m["model_s"] for m in measured]))
    fits = _fit_iters(measured)
    rows, total = [], 0.0
    by_cell = {(m["k"], m["n"]): m for m in measured}
    for k, n in cells:
        a, b = fits.get(n - k, fits[min(fits, key=lambda e: abs(e - (n - k)))])
        row = {"k": k, "n": n, "rate": rates[(k, n)]}
        m = by_cell.get((k, n))
        if m is not None:
            row.update(
                runs=m["runs"],
                median_iterations=m["median_iterations"],
                measured_s=m["wall_s"],
                pct_spurious=m["pct_spurious"],
            )
            row["est_1000_s"] = m["wall_s"] * 1000 / m["runs"]
            row["source"] = "measured" if m["runs"] == 1000 else f"measured x{1000 / m['runs']:g}"
        else:
            it = math.exp(a + b * k)
            row.update(median_iterations=it, est_1000_s=corr * 1000 * it / rates[(k, n)], source="model")
        total += row["est_1000_s"]
        rows.append(row)
    return {"rows": rows, "measured": measured, "corr": corr, "fits": fits, "total_s": total, "rate_R": Rr}


def worker(args):
    threads = workers.in_worker_setup()
    log = lambda msg: print(f"[{threads}t] {msg}", file=sys.stderr, flush=True)  # noqa: E731
    out = {"threads": threads, "loadavg_start": os.getloadavg()}
    if "gd" in args.sections:
        log("GD throughput")
        out["gd"] = gd_section(args, threads, log)
    if "eig" in args.sections:
        log("Hessian + eigenvalue throughput")
        out["eig"] = eig_section(args, threads, log)
    if "table1" in args.sections and threads == args.table1_threads:
        log("Table 1 estimate")
        out["table1"] = table1_section(args, threads, log)
    out["loadavg_end"] = os.getloadavg()
    Path(args.json).write_text(__import__("json").dumps(out, default=str))


# --------------------------------------------------------------------------- report


def report(info, results, args) -> str:
    parts = [machine.header("relufast teacher-student benchmarks (benchmarks/bench_teacher.py)", info)]
    parts.append(
        f"mode: {'quick' if args.quick else 'full Table 1' if args.full else 'default'}; "
        f"threads: {', '.join(str(t) for t in results)}; "
        f"median of {3 if args.quick else args.repeat} round-robin repeats after warm-up"
    )
    for t, res in results.items():
        parts.append(
            f"worker {t} thread(s): load average {res['loadavg_start'][0]:.2f} at start, "
            f"{res['loadavg_end'][0]:.2f} at end"
        )
    threads = list(results)
    if all("gd" in r for r in results.values()):
        parts.append(
            "\n## 1. Full-batch GD on the Safran-Shamir loss (identity teacher, step 0.1): "
            "restart-iterations per second"
        )
        for t in threads:
            rows = results[t]["gd"]["rows"]
            for r in rows:
                for p in ("numpy", "jax", "torch"):
                    if r.get(p):
                        r["x_" + p] = r["relufast"] / r[p]
                if t != threads[0]:
                    base = next(
                        b for b in results[threads[0]]["gd"]["rows"] if b["k"] == r["k"] and b["R"] == r["R"]
                    )
                    r["scaling"] = r["relufast_wall"] / base["relufast_wall"]
                    # a peer at its best with t threads may be its 1-thread run (CPU-time rate)
                    for p in ("numpy", "jax", "torch"):
                        if r.get(p) and base.get(p):
                            r["xbest_" + p] = r["relufast"] / max(r[p], base[p])
            cols = [
                ("k", "k=n", "d"),
                ("R", "R", "d"),
                ("relufast", "relufast", ".3g"),
                ("numpy", "numpy", ".3g"),
                ("jax", "jax", ".3g"),
                ("torch", "torch", ".3g"),
                ("x_numpy", "rf/np", ".1f"),
                ("x_jax", "rf/jax", ".2f"),
                ("x_torch", "rf/torch", ".2f"),
            ]
            if t != threads[0]:
                cols += [
                    ("xbest_jax", "rf/jax-best", ".2f"),
                    ("xbest_torch", "rf/torch-best", ".2f"),
                    ("scaling", f"rf wall {t}t/{threads[0]}t", ".2f"),
                ]
            cols += [("jax_variant", "jax variant", "s"), ("torch_variant", "torch variant", "s")]
            parts.append(
                f"\n### {t} thread(s); rates on {timing.clock_name(t)}"
                + (
                    ""
                    if t == threads[0]
                    else "; rf/X-best divides by the better of X's "
                    f"{t}-thread rate and its {threads[0]}-thread (CPU-time) rate"
                )
            )
            parts.append(tables.table(rows, cols))
        sel = results[threads[0]]["gd"]["selection"]
        parts.append(
            f"\nPeer formulations tried ({threads[0]} thread, R = 1000, restart-it/s; "
            "max|dG| = max abs gradient difference from the NumPy reference over 50 restarts):"
        )
        parts.append(
            tables.table(
                sel,
                [
                    ("k", "k", "d"),
                    ("peer", "peer", "s"),
                    ("variant", "variant", "s"),
                    ("rate", "rate", ".3g"),
                    ("max_dG", "max|dG|", ".1e"),
                ],
            )
        )
        gd0 = results[threads[0]]["gd"]["rows"]
        r20 = [r for r in gd0 if r["k"] == max(x["k"] for x in gd0)]
        if r20 and r20[0].get("jax"):
            best = max(r["x_jax"] for r in r20)
            parts.append(
                f"\nTarget relufast >= 5x JAX per core at k = n = {r20[0]['k']}: ratios "
                + ", ".join(f"R={r['R']}: {r['x_jax']:.2f}x" for r in r20)
                + (" -> MET" if min(r["x_jax"] for r in r20) >= 5 else " -> NOT MET")
                + f" (best {best:.2f}x)"
            )
    if all("eig" in r for r in results.values()):
        e0 = results[threads[0]]["eig"]
        parts.append(
            f"\n## 2. Exact Hessian + smallest eigenvalue, k = n = {e0['k']} "
            f"({e0['k'] ** 2} x {e0['k'] ** 2}); relufast on {e0['M']} matrices, peers on "
            f"{e0['m_peer']} (the numpy reference Hessian on <= 10), quoted per matrix"
        )
        rows = []
        for t in threads:
            for r in results[t]["eig"]["rows"]:
                rows.append(dict(r, threads=t))
        parts.append(
            tables.table(
                rows,
                [
                    ("threads", "threads", "d"),
                    ("what", "what", "s"),
                    ("matrices", "matrices", "d"),
                    ("per_s", "matrices/s", ".3g"),
                    ("max_dlam", "max|dlambda_min| vs relufast", ".1e"),
                ],
            )
        )
        for t in threads:
            rr = {}
            for r in results[t]["eig"]["rows"]:
                if r["what"].startswith("relufast") or "reference" in r["what"]:
                    continue
                peer = r["what"].split(" ")[0].split(".")[0]
                rr[peer] = max(rr.get(peer, 0.0), r["per_s"])
            rf = next(
                r["per_s"] for r in results[t]["eig"]["rows"] if r["what"] == "relufast min_eigenvalues (cpu)"
            )
            parts.append(
                f"{t} thread(s): relufast min_eigenvalues vs the best of each peer: "
                + ", ".join(f"{k} {rf / v:.2f}x" for k, v in rr.items())
            )
    t1 = next((r["table1"] for r in results.values() if "table1" in r), None)
    if t1:
        rows, model = table1_model(t1)
        parts.append(
            f"\n## 3. Table 1 time (k = 6..20, n = k, k+1, k+2, 1000 runs each) with "
            f"safran_shamir.run, {args.table1_threads} thread(s), wall time"
        )
        parts.append(
            f"raw rate = native GD restart-iterations/s measured for that (k, n) (R = {t1['rate_R']}, "
            f"~0.25 s, no early stop); smooth rate = fit log(rate) = {model['rate_fit'][0]:.2f} "
            f"{model['rate_fit'][1]:+.3f} log(n^2 k) over all cells (the raw rates are noisy on this "
            "shared machine). Model: 1000 x mean iterations (fit log(mean it) = a + b k per n - k on the "
            f"measured cells) / smooth rate x {model['corr']:.2f} (median measured/model ratio of the "
            "1000-run cells: Hessians, chunking, stragglers). 'model' cells use it; 1000-run cells are "
            "measured; 100-run cells show measured x 10 beside the model."
        )
        parts.append(
            tables.table(
                rows,
                [
                    ("k", "k", "d"),
                    ("n", "n", "d"),
                    ("source", "source", "s"),
                    ("runs", "runs", "d"),
                    ("median_iterations", "median it", ".3g"),
                    ("mean_iterations", "mean it", ".3g"),
                    ("rate", "raw rate/s", ".3g"),
                    ("rate_smooth", "smooth rate/s", ".3g"),
                    ("measured_s", "measured s", ".3g"),
                    ("scaled_s", "measured x1000/runs", ".3g"),
                    ("model_s", "model s", ".3g"),
                    ("est_s", "estimate s (1000 runs)", ".3g"),
                    ("pct_spurious", "% spurious", ".1f"),
                ],
            )
        )
        parts.append(
            f"TOTAL for the full Table 1 on this machine: {model['total']:.0f} s = "
            f"{model['total'] / 60:.1f} min "
            f"(1000-run cells measured, the others modelled); taking the 100-run cells as "
            f"measured x 10 instead: {model['total_scaled']:.0f} s = "
            f"{model['total_scaled'] / 60:.1f} min. "
            f"The earlier median-iterations model gave {t1['total_s']:.0f} s."
        )
    return "\n".join(parts)


def main(argv=None):
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--quick", action="store_true", help="small sizes: a smoke run in under a minute")
    ap.add_argument("--full", action="store_true", help="measure every Table 1 cell with 1000 runs (long)")
    ap.add_argument(
        "--threads",
        default=None,
        help="comma-separated thread counts, one pinned worker each (default: 1 and all CPUs)",
    )
    ap.add_argument(
        "--out", default=None, help="write the report here (and the raw numbers to .json beside it)"
    )
    ap.add_argument("--sections", default="gd,eig,table1", help="any of gd,eig,table1")
    ap.add_argument("--repeat", type=int, default=5, help="round-robin repeats (median kept)")
    ap.add_argument("--target", type=float, default=0.4, help="seconds per timed sample")
    ap.add_argument("--hessians", type=int, default=1000, help="matrices for relufast's Hessian/eig timing")
    ap.add_argument("--hessians-peer", type=int, default=100, help="matrices for the peers' eigvalsh")
    ap.add_argument("--big-runs", type=int, default=100, help="runs of the measured k = 14, 20 Table 1 cells")
    ap.add_argument("--no-jax", action="store_true")
    ap.add_argument("--no-torch", action="store_true")
    ap.add_argument("--no-compile", action="store_true", help="skip torch.compile variants")
    ap.add_argument(
        "--report-from",
        default=None,
        metavar="JSON",
        help="re-print the report of a saved run (its .json) instead of measuring",
    )
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--json", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--table1-threads", type=int, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    args.sections = [s.strip() for s in args.sections.split(",") if s.strip()]
    ncpu = os.cpu_count() or 1
    threads = [int(t) for t in args.threads.split(",")] if args.threads else sorted({1, ncpu})
    if args.table1_threads is None:
        args.table1_threads = max(threads)
    if args.worker:
        worker(args)
        return
    if args.report_from:
        tables.reprint_saved(args.report_from, args, report)
        return
    passthrough = workers.strip_options(argv if argv is not None else sys.argv[1:], ("--out", "--threads"))
    passthrough += ["--table1-threads", str(args.table1_threads)]
    info = machine.machine_info()
    t0 = time.perf_counter()
    results = workers.run_workers(__file__, threads, passthrough)
    text = report(info, results, args) + f"\n\n(total benchmark time {time.perf_counter() - t0:.0f} s)"
    tables.save(text, {"machine": info, "results": results, "argv": sys.argv}, args.out)


if __name__ == "__main__":
    main()
