"""Peer benchmark of the CUDA tiny-net trainer (issue 8), for a GPU machine: relufast-cuda, JAX, PyTorch.

The work: the five-point net (``relufast.experiments.five_points``: X, Y, sizes (1, 1, 1)), the
sum-of-squares loss, full-batch GD (lr 0.01) or Adam (lr 0.01, betas 0.9 / 0.999, eps 1e-8), R
restarts with N(0, 1) parameters, all in float64. What is timed is restart-iterations per second
(one optimizer step of one restart), the host-device copies of relufast-cuda included (one chunk
is one call: copy in, one launch, copy out), the peers' arrays already on the device.

- relufast-cuda: ``_core.cuda_mlp_tiny_train`` (one thread per restart, the whole chunk in one
  launch);
- JAX: float64, the closed-form batched gradient on (H, R) arrays in a ``lax.fori_loop`` under
  ``jit`` (on plain batched arrays this beats ``vmap(grad)``, which re-derives the same sums through
  the autodiff graph);
- PyTorch: float64 on CUDA, the same closed-form batched step written by hand, replayed from a CUDA
  graph of ``GRAPH_STEPS`` steps (eager launches of these tiny kernels are launch-bound).

Each ``time_*`` function raises RuntimeError saying why it cannot run here (no CUDA build or
device, peer not installed, no CUDA in the peer). With ``device="cpu"`` the peers run their logic on
the CPU (a smoke test for small R where JAX or PyTorch are installed for the CPU).

``rows()`` returns one dict per (optimizer, R) with the three rates (None where a peer could not run,
its reason under "why") and ``flops``, the float64 operations per restart-iteration, so a caller
can print the fraction of the chip's float64 peak (:data:`H200_FP64_FLOPS`).

Flop count of one restart-iteration of [1, H, 1] on N = 5 points (an FMA counts 2, compares 0,
square root and division 1 each; benchmarks/bench_mlp.py derives it): GD 56 H + 17 (73 at H = 1),
Adam 89 H + 28 (117 at H = 1).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from relufast import backend
from relufast.experiments import five_points as fp

#: The H200's float64 rate on the vector units (the H100 SXM's by the vendor's datasheet: 34
#: TFLOP/s; the 67 TFLOP/s of its float64 tensor cores do not apply to this scalar FMA code).
H200_FP64_FLOPS = 34e12
LR = 0.01
B1, B2, EPS = 0.9, 0.999, 1e-8
GRAPH_STEPS = 100  # steps per captured CUDA graph (PyTorch)


def flops(H: int, optimizer: str) -> int:
    """float64 operations of one restart-iteration of [1, H, 1] on the five points."""
    return 56 * H + 17 if optimizer == "gd" else 89 * H + 28


def _init(R: int, H: int = 1, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(R, 3 * H + 1))


def _adam_coefficients(steps: int) -> np.ndarray:
    """(steps, 2): a1 = lr / (1 - b1^t), c2 = 1 / sqrt(1 - b2^t), t = 1, 2, ... (the core's table)."""
    t = np.arange(1, steps + 1, dtype=np.float64)
    return np.stack([LR / (1.0 - B1**t), 1.0 / np.sqrt(1.0 - B2**t)], axis=1)


# ----------------------------------------------------------------------------------- relufast-cuda


def time_relufast_cuda(R: int, steps: int, optimizer: str = "gd") -> float:
    """Restart-iterations/s of ``_core.cuda_mlp_tiny_train`` (one chunk of ``steps`` steps)."""
    if not backend.has_core():
        raise RuntimeError(f"relufast's C++ core is not loaded: {backend.core_error()}")
    c = backend.core()
    if not c.built_with_cuda or not hasattr(c, "cuda_mlp_tiny_train"):
        raise RuntimeError("relufast was built without CUDA (or without the CUDA tiny-net trainer)")
    if c.cuda_device_count() == 0:
        raise RuntimeError("no CUDA device is visible")
    X, Y = fp.X.reshape(-1, 1), fp.Y.reshape(-1, 1)
    net = c.Net(list(fp.SIZES))
    opt = c.Optimizer.ADAM if optimizer == "adam" else c.Optimizer.GD
    p = _init(R)
    m, v = np.zeros_like(p), np.zeros_like(p)
    c.cuda_mlp_tiny_train(
        p.copy(), m.copy(), v.copy(), X, Y, None, net, 0, c.TrainOptions(optimizer=opt, steps=2)
    )
    t = time.perf_counter()
    c.cuda_mlp_tiny_train(p, m, v, X, Y, None, net, 0, c.TrainOptions(optimizer=opt, lr=LR, steps=steps))
    return R * steps / (time.perf_counter() - t)


# --------------------------------------------------------------------------------------------- JAX


def time_jax(R: int, steps: int, optimizer: str = "gd", device: str = "cuda") -> float:
    """Restart-iterations/s of a jitted closed-form batched trainer in JAX (float64)."""
    try:
        import jax
    except ImportError as e:
        raise RuntimeError(f"JAX is not installed: {e}") from None
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    from jax import lax

    platform = "gpu" if device == "cuda" else device
    try:
        dev = jax.devices(platform)[0]
    except RuntimeError as e:
        raise RuntimeError(f"JAX has no {device} device: {e}") from None
    H = fp.SIZES[1]
    x = jnp.asarray(fp.X, dtype=jnp.float64)[:, None, None]  # (N, 1, 1): broadcasts over (H, R)
    y = jnp.asarray(fp.Y, dtype=jnp.float64)[:, None]
    adam = optimizer == "adam"

    def grads(w, b, v, c):  # (H, R) x 3, (R,): the closed-form gradient of the SSE loss
        z = w[None] * x + b[None]  # (N, H, R)
        on = z > 0.0
        a = jnp.where(on, z, 0.0)
        r = c[None] + jnp.sum(v[None] * a, axis=1) - y  # (N, R)
        e = 2.0 * r
        d = jnp.where(on, e[:, None] * v[None], 0.0)
        return (d * x).sum(0), d.sum(0), (e[:, None] * a).sum(0), e.sum(0)

    coef = jnp.asarray(_adam_coefficients(steps))

    def body(t, s):
        p, m, vv = s
        g = grads(*p)
        if not adam:
            return tuple(q - LR * gq for q, gq in zip(p, g, strict=True)), m, vv
        a1, c2 = coef[t, 0], coef[t, 1]
        m = tuple(B1 * mq + (1.0 - B1) * gq for mq, gq in zip(m, g, strict=True))
        vv = tuple(B2 * vq + (1.0 - B2) * gq * gq for vq, gq in zip(vv, g, strict=True))
        p = tuple(q - a1 * (mq / (jnp.sqrt(vq) * c2 + EPS)) for q, mq, vq in zip(p, m, vv, strict=True))
        return p, m, vv

    @jax.jit
    def run(p, m, vv, n):
        return lax.fori_loop(0, n, body, (p, m, vv))

    P = _init(R, H)
    p = tuple(
        jax.device_put(jnp.asarray(a), dev)
        for a in (P[:, :H].T, P[:, H : 2 * H].T, P[:, 2 * H : 3 * H].T, P[:, 3 * H])
    )
    zeros = tuple(jnp.zeros_like(a) for a in p)
    jax.block_until_ready(run(p, zeros, zeros, 2))  # compile (n is traced: one compile)
    t = time.perf_counter()
    jax.block_until_ready(run(p, zeros, zeros, steps))
    return R * steps / (time.perf_counter() - t)


# ----------------------------------------------------------------------------------------- PyTorch


def time_torch(R: int, steps: int, optimizer: str = "gd", device: str = "cuda") -> float:
    """Restart-iterations/s of a hand-written batched trainer in PyTorch (float64), CUDA graphs on
    a CUDA device, eager elsewhere."""
    try:
        import torch
    except ImportError as e:
        raise RuntimeError(f"PyTorch is not installed: {e}") from None
    if device == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("PyTorch has no CUDA device (a CPU build, or none visible)")
    dev = torch.device(device)
    f64 = torch.float64
    H = fp.SIZES[1]
    x = torch.tensor(fp.X, dtype=f64, device=dev)[:, None, None]
    y = torch.tensor(fp.Y, dtype=f64, device=dev)[:, None]
    adam = optimizer == "adam"
    P = torch.tensor(_init(R, H), dtype=f64, device=dev)
    params = [
        P[:, :H].T.contiguous(),
        P[:, H : 2 * H].T.contiguous(),
        P[:, 2 * H : 3 * H].T.contiguous(),
        P[:, 3 * H].contiguous(),
    ]
    m = [torch.zeros_like(q) for q in params]
    v = [torch.zeros_like(q) for q in params]
    coef = torch.tensor(_adam_coefficients(steps + GRAPH_STEPS), dtype=f64, device=dev)
    t_idx = torch.zeros((), dtype=torch.long, device=dev)  # Adam's step, on the device (graphs)

    def step() -> None:
        w, b, vo, c = params
        z = w[None] * x + b[None]
        on = z > 0.0
        a = torch.where(on, z, 0.0)
        e = 2.0 * (c[None] + (vo[None] * a).sum(1) - y)
        d = torch.where(on, e[:, None] * vo[None], 0.0)
        g = [(d * x).sum(0), d.sum(0), (e[:, None] * a).sum(0), e.sum(0)]
        if not adam:
            for q, gq in zip(params, g, strict=True):
                q.sub_(LR * gq)
            return
        a1, c2 = coef[t_idx, 0], coef[t_idx, 1]
        for q, mq, vq, gq in zip(params, m, v, g, strict=True):
            mq.mul_(B1).add_((1.0 - B1) * gq)
            vq.mul_(B2).add_((1.0 - B2) * gq * gq)
            q.sub_(a1 * (mq / (vq.sqrt() * c2 + EPS)))
        t_idx.add_(1)

    with torch.no_grad():
        if dev.type == "cuda":
            side = torch.cuda.Stream()  # warm-up on a side stream before capture, as the docs ask
            side.wait_stream(torch.cuda.current_stream())
            with torch.cuda.stream(side):
                for _ in range(3):
                    step()
            torch.cuda.current_stream().wait_stream(side)
            graph = torch.cuda.CUDAGraph()
            with torch.cuda.graph(graph):
                for _ in range(GRAPH_STEPS):
                    step()
            t_idx.zero_()
            torch.cuda.synchronize()
            t = time.perf_counter()
            for _ in range(max(1, steps // GRAPH_STEPS)):
                graph.replay()
            torch.cuda.synchronize()
            done = max(1, steps // GRAPH_STEPS) * GRAPH_STEPS
        else:
            step()
            t_idx.zero_()
            t = time.perf_counter()
            for _ in range(steps):
                step()
            done = steps
    return R * done / (time.perf_counter() - t)


# -------------------------------------------------------------------------------------------- rows

PEERS = {"relufast-cuda": time_relufast_cuda, "jax": time_jax, "torch": time_torch}


def rows(
    Rs: tuple[int, ...] = (10**6, 10**7), steps: int = 1000, optimizers: tuple[str, ...] = ("gd", "adam")
) -> list[dict[str, Any]]:
    """One dict per (optimizer, R): {optimizer, R, steps, relufast-cuda, jax, torch, flops, why}.

    The rates are restart-iterations/s (None where that one could not run; ``why`` maps it to the
    reason); ``flops`` is the float64 operations of one restart-iteration, so ``rate * flops /
    H200_FP64_FLOPS`` is the fraction of the chip's float64 peak.
    """
    out = []
    for optimizer in optimizers:
        for R in Rs:
            row: dict[str, Any] = {"optimizer": optimizer, "R": R, "steps": steps, "why": {}}
            for name, fn in PEERS.items():
                try:
                    row[name] = fn(R, steps, optimizer)
                except Exception as e:  # a peer that cannot run here is reported, not fatal
                    row[name] = None
                    row["why"][name] = f"{type(e).__name__}: {e}"
            row["flops"] = flops(fp.SIZES[1], optimizer)
            out.append(row)
    return out


def describe(row: dict[str, Any]) -> str:
    """One row of :func:`rows` as text: each rate, its share of the float64 peak, why one is missing."""
    rates = "  ".join(
        f"{k} {row[k]:.3g}/s ({row[k] * row['flops'] / H200_FP64_FLOPS:.1%} of fp64 peak)"
        if row[k]
        else f"{k} -"
        for k in PEERS
    )
    why = "".join(f"\n    {k}: {reason}" for k, reason in row["why"].items())
    return f"five-point net {row['optimizer']:4s} R={row['R']:.0e} steps={row['steps']}: {rates}{why}"


def main() -> None:
    for row in rows():
        print(describe(row))


if __name__ == "__main__":
    main()
