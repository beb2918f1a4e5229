#!/usr/bin/env python
"""Finite-data MLP benchmarks: relufast's trainers vs the NumPy reference, JAX and PyTorch.

Workloads (restart-iterations per second: one optimizer step of one restart):

* **five-point net** -- data X = [-1, 1, 3, 4, 5], Y = [3, -3, 0, 1, 2], sum-of-squares loss,
  sizes [1, 1, 1] and [1, 8, 1], R = 1e5 restarts (all parameters N(0, 1)), full-batch GD with
  lr 0.01 and Adam (lr 0.01). Targets: relufast >= 2x JAX and >= 10x NumPy and PyTorch; the fraction
  of the core's float64 peak is printed from the flop count below and a measured FMA peak.
* **digits MLP** -- scikit-learn digits scaled to [0, 1] (1797 x 64), sizes [64, 64, 64, 10],
  softmax cross-entropy, 16 restarts (He init), Adam lr 1e-3, full batch and mini-batches of 64
  (each restart its own shuffled order; the peers draw full batches of 64, relufast's epochs end on
  a batch of 1797 mod 64 = 5 points, i.e. ~3 % less work per step on average).

relufast runs its native chunk trainer (the registry's ``backend.get("mlp", "train_chunk", "cpu")``,
what ``relufast.train.train`` calls per chunk) for a fixed number of steps; the NumPy reference is
``train(..., backend="numpy")``.
JAX: ``jit`` of a ``lax.fori_loop`` over steps, gradients by ``vmap(grad)`` or the closed-form
batched gradient, Adam written out; PyTorch: the batched closed-form gradient (eager or
``torch.compile``) for the five-point nets, batched ``bmm`` + autograd + ``torch.optim.Adam``
(foreach / fused) for digits. Each peer tries its formulations and keeps the fastest; every peer's
first-step gradient is checked against the NumPy reference.

Flop count of one five-point restart-iteration (net [1, H, 1], N = 5 points; an FMA counts 2,
max/compare 0, sqrt and divide 1 each; the loss value itself is not needed by the step):
  per point, forward: z_h = w_h x + b_h (2H), f = c + sum_h v_h relu(z_h) (2H), r = f - y (1)
             backward: e = 2r (1), g_c += e (1), g_v += e a_h (2H), d_h = e v_h [z_h > 0] (H),
                       g_w += d_h x (2H), g_b += d_h (H)                       -> 10H + 3 per point
  GD update: p -= lr g, 2 per parameter, P = 3H + 1                            -> 6H + 2
  Adam update per parameter: m (3), v (3 + g^2 1), sqrt, fma, div, mul, sub (6) -> 13 per parameter
  GD total = 5 (10H + 3) + 6H + 2 = 56H + 17  ->  H = 1: 73 flops, H = 8: 465 flops
  Adam total = 5 (10H + 3) + 13 (3H + 1) = 89H + 28  ->  H = 1: 117 flops, H = 8: 740 flops
Digits, full batch (N = 1797, layer widths 64-64-64-10, 8832 weights): forward 2 N 8832, backward
2 N 8832 (weight gradients) + 2 N (64*64 + 64*10) (activation gradients) ~ 80.7 MFlop per step.

Usage::

    python benchmarks/bench_mlp.py --quick
    python benchmarks/bench_mlp.py --out benchmarks/results/mlp.txt
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import machine, peak, peers, tables, timing, workers

X5 = [-1.0, 1.0, 3.0, 4.0, 5.0]
Y5 = [3.0, -3.0, 0.0, 1.0, 2.0]
B1, B2, EPS = 0.9, 0.999, 1e-8


def five_point_flops(H: int, optimizer: str) -> int:
    return 56 * H + 17 if optimizer == "gd" else 89 * H + 28


def digits_flops(N: int) -> float:
    w = 64 * 64 + 64 * 64 + 64 * 10
    return 2 * N * w * 2 + 2 * N * (64 * 64 + 64 * 10)


# --------------------------------------------------------------------------- relufast / numpy


def make_relufast(p0, X, Y, sizes, loss, optimizer, lr, batch):
    import numpy as np

    from relufast.backend import get
    from relufast.objectives.mlp import Problem
    from relufast.optim import TrainOptions
    from relufast.train import TrainState

    kernel = get("mlp", "train_chunk", "cpu")
    prob = Problem.of(X, Y, sizes, loss)
    adam = optimizer == "adam"
    R = p0.shape[0]

    def run(steps):
        p = p0.copy()
        s = TrainState(p, np.zeros_like(p) if adam else None, np.zeros_like(p) if adam else None)
        kernel(
            prob,
            s,
            TrainOptions(
                optimizer="adam" if adam else "gd",
                lr=lr,
                steps=int(steps),
                t0=0,
                batch=batch or 0,
                seed=0,
                beta1=B1,
                beta2=B2,
                eps=EPS,
            ),
        )
        run.p = p
        return R * int(steps)

    return run


def make_numpy(p0, X, Y, sizes, loss, optimizer, lr, batch):
    from relufast import train

    R = p0.shape[0]

    def run(steps):
        res = train.train(
            p0,
            X,
            Y,
            sizes,
            optimizer=optimizer,
            lr=lr,
            steps=int(steps),
            batch_size=batch,
            loss=loss,
            backend="numpy",
            chunk=int(steps),
        )
        run.p = res.params
        return R * int(steps)

    return run


# --------------------------------------------------------------------------- five-point peers


def fp_grad(xp, w, b, v, c, x, y):
    """Closed-form SSE gradient of the [1, H, 1] net, batched: w, b, v (R, H), c (R,); x, y (N,)."""
    z = w[:, :, None] * x + b[:, :, None]  # (R, H, N)
    a = xp.where(z > 0, z, 0.0 * z)
    f = (v[:, :, None] * a).sum(1) + c[:, None]  # (R, N)
    e = 2.0 * (f - y)
    d = xp.where(z > 0, e[:, None, :] * v[:, :, None], 0.0 * z)
    return (d * x).sum(-1), d.sum(-1), (e[:, None, :] * a).sum(-1), e.sum(-1)


def fp_grad_t(xp, w, b, v, c, x, y):
    """The same with restarts last (w, b, v (H, R), c (R,)): the long axis is the contiguous one."""
    z = w[:, None, :] * x[None, :, None] + b[:, None, :]  # (H, N, R)
    a = xp.where(z > 0, z, 0.0 * z)
    f = (v[:, None, :] * a).sum(0) + c  # (N, R)
    e = 2.0 * (f - y[:, None])
    d = xp.where(z > 0, e[None] * v[:, None, :], 0.0 * z)
    return (d * x[None, :, None]).sum(1), d.sum(1), (e[None] * a).sum(1), e.sum(0)


def fp_loss_one(xp, p, x, y, H):
    w, b, v, c = p[:H], p[H : 2 * H], p[2 * H : 3 * H], p[3 * H]
    z = w[:, None] * x + b[:, None]
    f = (v[:, None] * xp.maximum(z, 0.0)).sum(0) + c
    return ((f - y) ** 2).sum()


def adam_update(xp, p, m, v, g, lr, t):
    m = B1 * m + (1.0 - B1) * g
    v = B2 * v + (1.0 - B2) * (g * g)
    a1 = lr / (1.0 - B1**t)
    c2 = 1.0 / xp.sqrt(1.0 - B2**t)
    return p - a1 * (m / (xp.sqrt(v) * c2 + EPS)), m, v


def split_fp(p, H):
    """relufast's flat layout of [1, H, 1]: W1 (H), b1 (H), W2 (H), b2 (1)."""
    return p[:, :H], p[:, H : 2 * H], p[:, 2 * H : 3 * H], p[:, 3 * H]


JAX_FP = ("analytic", "analytic-Rlast", "autodiff-vmap")
TORCH_FP = ("analytic-eager", "analytic-Rlast-eager", "analytic-Rlast-compile")


def make_jax_fp(p0, H, optimizer, lr, variant):
    import jax
    import jax.numpy as jnp
    import numpy as np

    x, y = jnp.asarray(X5), jnp.asarray(Y5)
    R = p0.shape[0]
    rlast = "Rlast" in variant  # state kept as (P, R)
    if variant == "analytic":

        def grad(p):
            gw, gb, gv, gc = fp_grad(jnp, *split_fp(p, H), x, y)
            return jnp.concatenate([gw, gb, gv, gc[:, None]], axis=1)
    elif rlast:

        def grad(p):
            gw, gb, gv, gc = fp_grad_t(jnp, p[:H], p[H : 2 * H], p[2 * H : 3 * H], p[3 * H], x, y)
            return jnp.concatenate([gw, gb, gv, gc[None]], axis=0)
    else:
        grad = jax.vmap(jax.grad(lambda q: fp_loss_one(jnp, q, x, y, H)))

    if optimizer == "gd":

        def body(i, s):
            return (s[0] - lr * grad(s[0]), s[1], s[2])
    else:

        def body(i, s):
            p, m, v = s
            return adam_update(jnp, p, m, v, grad(p), lr, (i + 1).astype(jnp.float64))

    loop = jax.jit(lambda s, steps: jax.lax.fori_loop(0, steps, body, s))
    pj = jnp.asarray(p0.T.copy() if rlast else p0)
    s0 = (pj, jnp.zeros(pj.shape), jnp.zeros(pj.shape))

    def run(steps):
        out = loop(s0, int(steps))
        out[0].block_until_ready()
        return R * int(steps)

    if rlast:
        run.grad = lambda p: np.asarray(jax.jit(grad)(jnp.asarray(p.T.copy()))).T
    else:
        run.grad = lambda p: np.asarray(jax.jit(grad)(jnp.asarray(p)))
    return run


def make_torch_fp(p0, H, optimizer, lr, variant):
    import torch

    x, y = torch.tensor(X5, dtype=torch.float64), torch.tensor(Y5, dtype=torch.float64)
    R = p0.shape[0]

    rlast = "Rlast" in variant

    def grad(p):
        if rlast:
            gw, gb, gv, gc = fp_grad_t(torch, p[:H], p[H : 2 * H], p[2 * H : 3 * H], p[3 * H], x, y)
            return torch.cat([gw, gb, gv, gc[None]], dim=0)
        gw, gb, gv, gc = fp_grad(torch, *split_fp(p, H), x, y)
        return torch.cat([gw, gb, gv, gc[:, None]], dim=1)

    if optimizer == "gd":

        def step(p, m, v, t):
            return p - lr * grad(p), m, v
    else:

        def step(p, m, v, t):
            return adam_update(torch, p, m, v, grad(p), lr, t)

    if variant.endswith("compile"):
        peers.torch_allow_recompiles()
        step = torch.compile(step, dynamic=False, fullgraph=True)
    p_init = torch.from_numpy(p0.T.copy() if rlast else p0.copy())

    def run(steps):
        p, m, v = p_init, torch.zeros_like(p_init), torch.zeros_like(p_init)
        with torch.no_grad():
            for i in range(int(steps)):
                p, m, v = step(p, m, v, torch.tensor(float(i + 1), dtype=torch.float64))
        run.p = p
        return R * int(steps)

    if rlast:
        run.grad = lambda p: grad(torch.from_numpy(p.T.copy())).numpy().T
    else:
        run.grad = lambda p: grad(torch.from_numpy(p)).numpy()
    return run


# --------------------------------------------------------------------------- digits peers


def make_jax_digits(p0, X, labels, sizes, lr, batch, seed=0):
    import jax
    import jax.numpy as jnp
    import numpy as np

    from relufast import mlp

    R = p0.shape[0]
    N = X.shape[0]
    Xj, Lj = jnp.asarray(X), jnp.asarray(labels)
    shapes = [(W.shape[1:], bb.shape[1:]) for W, bb in mlp.unpack(p0, sizes)]

    def unflat(p):
        out, o = [], 0
        for ws, bs in shapes:
            nw = ws[0] * ws[1]
            out.append((p[o : o + nw].reshape(ws), p[o + nw : o + nw + bs[0]]))
            o += nw + bs[0]
        return out

    def loss_one(p, xb, lb):
        a = xb
        layers = unflat(p)
        for i, (W, bb) in enumerate(layers):
            z = a @ W.T + bb
            a = jax.nn.relu(z) if i < len(layers) - 1 else z
        return jnp.mean(jax.nn.logsumexp(a, axis=1) - jnp.take_along_axis(a, lb[:, None], 1)[:, 0])

    if batch:
        spe = N // batch
        E = 4
        rng = np.random.default_rng(seed)
        perms = jnp.asarray(
            np.stack([[rng.permutation(N)[: spe * batch] for _ in range(R)] for _ in range(E)])
        )
        grad_b = jax.vmap(jax.grad(loss_one))

        def grad(p, i):
            e, k = (i // spe) % E, i % spe
            idx = jax.lax.dynamic_slice(perms[e], (0, k * batch), (R, batch))  # (R, B)
            return grad_b(p, Xj[idx], Lj[idx])
    else:
        g1 = jax.vmap(jax.grad(loss_one), in_axes=(0, None, None))

        def grad(p, i):
            return g1(p, Xj, Lj)

    def body(i, s):
        p, m, v = s
        return adam_update(jnp, p, m, v, grad(p, i), lr, (i + 1).astype(jnp.float64))

    loop = jax.jit(lambda s, steps: jax.lax.fori_loop(0, steps, body, s))
    s0 = (jnp.asarray(p0), jnp.zeros(p0.shape), jnp.zeros(p0.shape))

    def run(steps):
        out = loop(s0, int(steps))
        out[0].block_until_ready()
        return R * int(steps)

    run.grad = lambda p: np.asarray(
        jax.jit(jax.vmap(jax.grad(loss_one), in_axes=(0, None, None)))(jnp.asarray(p), Xj, Lj)
    )
    return run


def make_torch_digits(p0, X, labels, sizes, lr, batch, variant, seed=0):
    import numpy as np
    import torch

    from relufast import mlp

    R = p0.shape[0]
    N = X.shape[0]
    Xt, Lt = torch.from_numpy(X), torch.from_numpy(labels)

    def params_from(p):
        out = []
        for W, bb in mlp.unpack(p, sizes):
            out += [torch.tensor(W).requires_grad_(True), torch.tensor(bb).requires_grad_(True)]
        return out

    def loss_fn(ps, xb, lb):  # xb (N, 64) shared or (R, B, 64); summed over restarts
        a = xb
        nl = len(ps) // 2
        for i in range(nl):
            W, bb = ps[2 * i], ps[2 * i + 1]
            z = torch.matmul(a, W.transpose(1, 2)) + bb[:, None, :]
            a = torch.relu(z) if i < nl - 1 else z
        lbl = lb if lb.dim() == 2 else lb.expand(R, -1)
        return (
            torch.nn.functional.cross_entropy(a.reshape(-1, a.shape[-1]), lbl.reshape(-1), reduction="sum")
            / a.shape[1]
        )

    spe = N // batch if batch else 1
    gen = torch.Generator().manual_seed(seed)

    def run(steps):
        ps = params_from(p0)
        kw = {"fused": True} if variant == "fused" else {"foreach": True}
        opt = torch.optim.Adam(ps, lr=lr, betas=(B1, B2), eps=EPS, **kw)
        perm = None
        for i in range(int(steps)):
            if batch:
                k = i % spe
                if k == 0:
                    perm = torch.argsort(torch.rand(R, N, generator=gen), dim=1)
                idx = perm[:, k * batch : (k + 1) * batch]
                xb, lb = Xt[idx], Lt[idx]
            else:
                xb, lb = Xt, Lt
            opt.zero_grad(set_to_none=True)
            loss_fn(ps, xb, lb).backward()
            opt.step()
        run.ps = ps
        return R * int(steps)

    def grad(p):
        ps = params_from(p)
        loss_fn(ps, Xt, Lt).backward()
        return np.concatenate([q.grad.reshape(R, -1).numpy() for q in ps], axis=1)

    run.grad = grad
    return run


# --------------------------------------------------------------------------- worker


def worker(args):
    import numpy as np

    threads = workers.in_worker_setup()
    log = lambda msg: print(f"[{threads}t] {msg}", file=sys.stderr, flush=True)  # noqa: E731
    jax = peers.import_jax() if not args.no_jax and peers.has("jax") else None
    torch = None
    if peers.has("torch") and not args.no_torch:
        import torch
    from relufast import mlp, train

    target, repeat = (0.05, 3) if args.quick else (args.target, args.repeat)
    out = {"threads": threads, "loadavg_start": os.getloadavg(), "rows": [], "selection": []}

    def timed(cases):
        return timing.timed(cases, target, repeat, threads, log)

    def record(wl, R, flops, variants, res):
        """One table row: each case's rate (CPU-time based at 1 thread) and its wall-time rate."""
        row = {
            "workload": wl,
            "R": R,
            "threads": threads,
            "flops": flops,
            "jax_variant": variants.get("jax"),
            "torch_variant": variants.get("torch"),
        }
        for name, r in res.items():
            row[name] = r["rate"]
            row[name + "_wall"] = r["work"] / r["wall"]
        out["rows"].append(row)
        log("    " + ", ".join(f"{n}: {row[n]:.3g}" for n in res))

    def pick(peer, cands, ref):
        """Time a peer's formulations, keep the fastest (gradient checked against the reference)."""
        ok = {}
        for v, (fn, s0) in cands.items():
            try:
                err = float(np.max(np.abs(fn.grad(ref[0]) - ref[1]) / (1.0 + np.abs(ref[1]))))
                ok[v] = (fn, s0)
                out["selection"].append({"workload": wl, "peer": peer, "variant": v, "rel_dG": err})
            except Exception as exc:
                log(f"    {peer} {v}: skipped ({type(exc).__name__}: {exc})")
        if not ok:
            return None
        if len(ok) == 1:
            return next(iter(ok))
        res = timed(ok)
        for v, r in res.items():
            for row in out["selection"]:
                if row["workload"] == wl and row["peer"] == peer and row["variant"] == v:
                    row["rate"] = r["rate"]
        return max(res, key=lambda v: res[v]["rate"])

    # ---- five-point nets
    R = 2000 if args.quick else args.restarts
    for H in (1, 8):
        sizes = [1, H, 1]
        p0 = train.init_params(sizes, R, seed=0, bias_std=1.0)
        for opt in ("gd", "adam"):
            wl = f"five-point [1,{H},1] {opt}"
            log(wl)
            ref = (p0[:64], mlp.grad(p0[:64], X5, Y5, sizes, loss="sse", backend="numpy"))
            cases = {
                "relufast": (make_relufast(p0, X5, Y5, sizes, "sse", opt, 0.01, None), 200),
                "numpy": (make_numpy(p0, X5, Y5, sizes, "sse", opt, 0.01, None), 2),
            }
            variants = {}
            if jax is not None:
                v = pick("jax", {v: (make_jax_fp(p0, H, opt, 0.01, v), 100) for v in JAX_FP}, ref)
                if v:
                    cases["jax"] = (make_jax_fp(p0, H, opt, 0.01, v), 100)
                    variants["jax"] = v
            if torch is not None:
                # torch.compile costs ~20 s per shape here: tried in the 1-thread worker only (the
                # multi-thread table's rf/torch-best also counts the 1-thread figure)
                tv = [
                    v
                    for v in TORCH_FP
                    if "compile" not in v or not (args.no_compile or args.quick or threads > 1)
                ]
                v = pick("torch", {v: (make_torch_fp(p0, H, opt, 0.01, v), 10) for v in tv}, ref)
                if v:
                    cases["torch"] = (make_torch_fp(p0, H, opt, 0.01, v), 10)
                    variants["torch"] = v
            record(wl, R, five_point_flops(H, opt), variants, timed(cases))

    # ---- digits
    from relufast import datasets

    X, y = datasets.digits()
    if args.quick:
        X, y = X[:300], y[:300]
    sizes = [64, 64, 64, 10]
    Rd = 4 if args.quick else 16
    p0 = train.init_params(sizes, Rd, seed=0, scheme="he")
    ref = (p0, mlp.grad(p0, X, y, sizes, loss="ce", backend="numpy"))
    for batch in (None, 64):
        wl = f"digits [64,64,64,10] adam {'full batch' if batch is None else 'batch 64'}"
        log(wl)
        cases = {
            "relufast": (make_relufast(p0, X, y, sizes, "ce", "adam", 1e-3, batch), 5),
            "numpy": (make_numpy(p0, X, y, sizes, "ce", "adam", 1e-3, batch), 1),
        }
        variants = {}
        if jax is not None:
            cases["jax"] = (make_jax_digits(p0, X, y, sizes, 1e-3, batch), 5)
            err = float(np.max(np.abs(cases["jax"][0].grad(p0) - ref[1]) / (1 + np.abs(ref[1]))))
            out["selection"].append({"workload": wl, "peer": "jax", "variant": "vmap(grad)", "rel_dG": err})
            variants["jax"] = "vmap(grad)"
        if torch is not None:
            v = pick(
                "torch",
                {v: (make_torch_digits(p0, X, y, sizes, 1e-3, batch, v), 5) for v in ("foreach", "fused")},
                ref,
            )
            if v:
                cases["torch"] = (make_torch_digits(p0, X, y, sizes, 1e-3, batch, v), 5)
                variants["torch"] = "bmm+autograd, Adam " + v
        record(wl, Rd, digits_flops(X.shape[0] if batch is None else batch), variants, timed(cases))
    if threads == 1:
        out["peak"] = peak.measure_peak()
    out["loadavg_end"] = os.getloadavg()
    Path(args.json).write_text(__import__("json").dumps(out, default=str))


# --------------------------------------------------------------------------- report


def report(info, results, args) -> str:
    parts = [machine.header("relufast MLP benchmarks (benchmarks/bench_mlp.py)", info)]
    parts.append(
        f"mode: {'quick' if args.quick else 'default'}; threads: {', '.join(map(str, results))}; "
        f"median of {3 if args.quick else args.repeat} round-robin repeats after warm-up"
    )
    for t, res in results.items():
        parts.append(
            f"worker {t} thread(s): load average {res['loadavg_start'][0]:.2f} at start, "
            f"{res['loadavg_end'][0]:.2f} at end"
        )
    threads = list(results)
    peak = results[threads[0]].get("peak", {})
    peak_flops = peak.get("measured_flops")
    for t in threads:
        rows = results[t]["rows"]
        for r in rows:
            for p in ("numpy", "jax", "torch"):
                if r.get(p):
                    r["x_" + p] = r["relufast"] / r[p]
            if t != threads[0]:
                base = next(b for b in results[threads[0]]["rows"] if b["workload"] == r["workload"])
                for p in ("numpy", "jax", "torch"):
                    if r.get(p) and base.get(p):
                        r["xbest_" + p] = r["relufast"] / max(r[p], base[p])
            if t == 1 and peak_flops:
                r["gflops"] = r["relufast"] * r["flops"] / 1e9
                r["peak_frac"] = r["relufast"] * r["flops"] / peak_flops
                if r.get("jax"):
                    r["jax_peak_frac"] = r["jax"] * r["flops"] / peak_flops
        cols = [
            ("workload", "workload", "s"),
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
            cols += [("xbest_jax", "rf/jax-best", ".2f"), ("xbest_torch", "rf/torch-best", ".2f")]
        if t == 1 and peak_flops:
            cols += [
                ("flops", "flop/it", ".4g"),
                ("gflops", "rf GF/s", ".3g"),
                ("peak_frac", "rf %peak", ".1%"),
                ("jax_peak_frac", "jax %peak", ".1%"),
            ]
        cols += [("jax_variant", "jax variant", "s"), ("torch_variant", "torch variant", "s")]
        parts.append(
            f"\n## {t} thread(s): restart-iterations per second, on {timing.clock_name(t)}"
            + (
                ""
                if t == threads[0]
                else "; rf/X-best divides by the better of X's "
                f"{t}-thread rate and its {threads[0]}-thread (CPU-time) rate"
            )
        )
        parts.append(tables.table(rows, cols))
    if peak:
        parts.append(
            "\nfloat64 peak of one core: "
            f"measured {peak.get('measured_flops', float('nan')) / 1e9:.1f} GFlop/s "
            f"({peak.get('flops_per_cycle', float('nan')):.1f} flop/cycle at a measured "
            f"{peak.get('clock_hz', float('nan')) / 1e9:.2f} GHz); stated: clock x "
            f"{4 * peak.get('doubles_per_fma', 8)} flop/cycle ({peak.get('doubles_per_fma', 8)} doubles "
            f"per FMA, 2 FMA units) = {peak.get('stated_flops', float('nan')) / 1e9:.1f} GFlop/s. Method: "
            f"{peak.get('method')}. %peak = rate x flop/it / measured peak (flop counts: see bench_mlp.py)."
        )
    sel = results[threads[0]]["selection"]
    parts.append(
        f"\nPeer formulations ({threads[0]} thread; rel_dG = max |dG| / (1 + |G|) vs the NumPy "
        "reference gradient at the initial point):"
    )
    parts.append(
        tables.table(
            sel,
            [
                ("workload", "workload", "s"),
                ("peer", "peer", "s"),
                ("variant", "variant", "s"),
                ("rate", "rate", ".3g"),
                ("rel_dG", "rel_dG", ".1e"),
            ],
        )
    )
    t1 = results[threads[0]]["rows"]
    fp = [r for r in t1 if r["workload"].startswith("five-point")]
    if fp:
        lines = []
        for r in fp:
            ok = [
                (r.get("x_jax", 0) >= 2, "2x jax"),
                (r.get("x_numpy", 0) >= 10, "10x numpy"),
                (r.get("x_torch", 0) >= 10, "10x torch"),
            ]
            lines.append(
                f"  {r['workload']}: "
                + ", ".join(f"{name} {'MET' if good else 'NOT MET'}" for good, name in ok)
            )
        parts.append(f"\nTargets on the five-point workload ({threads[0]} thread):\n" + "\n".join(lines))
    return "\n".join(parts)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="small sizes: a smoke run in under a minute")
    ap.add_argument("--threads", default=None, help="comma-separated thread counts (default: 1 and all CPUs)")
    ap.add_argument(
        "--out", default=None, help="write the report here (and the raw numbers to .json beside it)"
    )
    ap.add_argument("--restarts", type=int, default=100_000, help="R of the five-point nets")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--target", type=float, default=0.4, help="seconds per timed sample")
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
    args = ap.parse_args(argv)
    ncpu = os.cpu_count() or 1
    threads = [int(t) for t in args.threads.split(",")] if args.threads else sorted({1, ncpu})
    if args.worker:
        worker(args)
        return
    if args.report_from:
        tables.reprint_saved(args.report_from, args, report)
        return
    passthrough = workers.strip_options(argv if argv is not None else sys.argv[1:], ("--out", "--threads"))
    info = machine.machine_info()
    t0 = time.perf_counter()
    results = workers.run_workers(__file__, threads, passthrough)
    text = report(info, results, args) + f"\n\n(total benchmark time {time.perf_counter() - t0:.0f} s)"
    tables.save(text, {"machine": info, "results": results, "argv": sys.argv}, args.out)


if __name__ == "__main__":
    main()
