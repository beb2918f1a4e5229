"""GPU benchmark of issue 8 (run by benchmarks/gpu_check.sh): relufast-cuda against JAX and PyTorch.

Prints and writes OUT/bench_gpu.json and OUT/bench_gpu.txt. Every part that cannot run here (no
device, no CUDA build, no JAX or PyTorch with CUDA) is reported as skipped, not estimated.
Not yet on the device (so not timed for relufast-cuda): the Hessian eigenvalues; the peers are
timed for them so the next session has the baseline. The five-point [1, H, 1] trainer has its own
peer benchmark, benchmarks/gpu_tiny.py.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from relufast import backend
from relufast.experiments import safran_shamir as ss

results: dict = {"skipped": []}


def say(msg: str) -> None:
    print(msg, flush=True)
    results.setdefault("log", []).append(msg)


def skip(what: str, why: str) -> None:
    say(f"skipped: {what} ({why})")
    results["skipped"].append(f"{what}: {why}")


def cuda_ready() -> str | None:
    if not backend.has_core():
        return "the C++ core is not loaded"
    c = backend.core()
    if not c.built_with_cuda:
        return "relufast was built without CUDA"
    if c.cuda_device_count() == 0:
        return "no CUDA device is visible"
    return None


def relufast_gd(k: int, R: int, steps: int) -> float:
    c = backend.core()
    W0 = np.random.default_rng(0).normal(size=(R, k, k)) / np.sqrt(k)
    buf = [
        W0.copy(),
        W0,
        np.full(R, 0.1),
        np.zeros(R, np.int64),
        np.zeros(R, np.int8),
        np.zeros(R),
        np.zeros(R),
    ]
    opt = c.GDOptions(steps=steps, max_iters=0, tol=0.0, diverge=1e4, f_stop=0.0)
    c.cuda_teacher_gd(*[b.copy() for b in buf], None, c.GDOptions(steps=2))  # warm-up
    t = time.perf_counter()
    c.cuda_teacher_gd(*buf, None, opt)
    return R * steps / (time.perf_counter() - t)


def jax_gd(k: int, R: int, steps: int):
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
    if jax.default_backend() != "gpu":
        raise RuntimeError(f"JAX backend is {jax.default_backend()}, not gpu")

    def loss(W):
        V = jnp.eye(k)

        def kap(A, B):
            na, nb = jnp.linalg.norm(A, axis=1), jnp.linalg.norm(B, axis=1)
            c = jnp.clip((A @ B.T) / (na[:, None] * nb[None, :]), -1.0, 1.0)
            t = jnp.arccos(c)
            return na[:, None] * nb[None, :] * (jnp.sin(t) + (jnp.pi - t) * c) / (2 * jnp.pi)

        return 0.5 * (kap(W, W).sum() - 2 * kap(W, V).sum() + kap(V, V).sum())

    g = jax.vmap(jax.grad(loss))

    @jax.jit
    def run(W):
        return jax.lax.fori_loop(0, steps, lambda i, W: W - 0.1 * g(W), W)

    W = jnp.asarray(np.random.default_rng(0).normal(size=(R, k, k)) / np.sqrt(k))
    run(W).block_until_ready()
    t = time.perf_counter()
    run(W).block_until_ready()
    return R * steps / (time.perf_counter() - t)


def torch_gd(k: int, R: int, steps: int):
    import torch

    if not torch.cuda.is_available():
        raise RuntimeError("PyTorch sees no CUDA device")
    dev = torch.device("cuda")
    W = torch.tensor(np.random.default_rng(0).normal(size=(R, k, k)) / np.sqrt(k), device=dev)
    V = torch.eye(k, dtype=torch.float64, device=dev).expand(R, k, k)

    def kap(A, B):
        na, nb = A.norm(dim=2), B.norm(dim=2)
        c = ((A @ B.transpose(1, 2)) / (na[:, :, None] * nb[:, None, :])).clamp(-1, 1)
        t = torch.arccos(c)
        return na[:, :, None] * nb[:, None, :] * (torch.sin(t) + (torch.pi - t) * c) / (2 * torch.pi)

    def step(W):
        W = W.detach().requires_grad_(True)
        F = 0.5 * (kap(W, W).sum() - 2 * kap(W, V).sum())
        (g,) = torch.autograd.grad(F, W)
        return (W - 0.1 * g).detach()

    W = step(W)
    torch.cuda.synchronize()
    t = time.perf_counter()
    for _ in range(steps):
        W = step(W)
    torch.cuda.synchronize()
    return R * steps / (time.perf_counter() - t)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=".")
    ap.add_argument("--table-restarts", type=int, default=1000)
    args = ap.parse_args()
    why = cuda_ready()
    try:
        import subprocess

        dev = subprocess.run(
            ["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"],
            capture_output=True,
            text=True,
            timeout=20,
        ).stdout.strip()
    except Exception:
        dev = ""
    results["device"] = dev or "none visible"
    say(f"device: {results['device']}; relufast-cuda: {'ready' if why is None else why}")

    rows = []
    for k in (6, 10, 20):
        for R in (1000, 10_000, 100_000):
            steps = max(20, int(2e7 / (R * k * k)))
            row = {"k": k, "R": R, "steps": steps}
            for name, fn in (("relufast-cuda", relufast_gd), ("jax", jax_gd), ("torch", torch_gd)):
                if name == "relufast-cuda" and why is not None:
                    row[name] = None
                    continue
                try:
                    row[name] = fn(k, R, steps)
                except Exception as e:
                    row[name] = None
                    if k == 6 and R == 1000:
                        skip(f"{name} teacher GD", f"{type(e).__name__}: {e}")
            rows.append(row)
            fmt = lambda v: "-" if v is None else f"{v:.3g}"  # noqa: E731
            say(
                f"teacher GD k=n={k:2d} R={R:6d}: restart-it/s  relufast-cuda {fmt(row['relufast-cuda'])}"
                f"  jax {fmt(row['jax'])}  torch {fmt(row['torch'])}"
            )
    if why is not None:
        skip("relufast-cuda teacher GD", why)
    results["teacher_gd"] = rows

    skip("relufast-cuda five-point net (GD, Adam)", "timed by benchmarks/gpu_tiny.py, not here")
    skip("relufast-cuda Hessian eigenvalues", "no device kernel yet (Hessian and eigvalsh run on the CPU)")

    if why is None:
        t = time.perf_counter()
        table = ss.table(range(6, 21), (0, 1, 2), restarts=args.table_restarts, backend="cuda")
        dt = time.perf_counter() - t
        results["table1"] = {"wall_s": dt, "rows": table}
        say(f"Table 1 (k = 6..20, n = k..k+2, {args.table_restarts} runs, backend=cuda): {dt:.1f} s")
        for r in table:
            say(
                f"  k={r['k']:2d} n={r['n']:2d} spurious {r['pct_spurious']:5.1f}% paper {r.get('paper_pct')}"
            )
    else:
        skip("Table 1 with backend='cuda'", why)

    with open(f"{args.out}/bench_gpu.json", "w") as f:
        json.dump(results, f, indent=1, default=str)
    with open(f"{args.out}/bench_gpu.txt", "w") as f:
        f.write("\n".join(results.get("log", [])) + "\n")


if __name__ == "__main__":
    main()
