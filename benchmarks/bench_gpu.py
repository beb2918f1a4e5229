"""GPU benchmark of issue 8 (run by benchmarks/gpu_check.sh): relufast-cuda against JAX and PyTorch.

Prints and writes OUT/bench_gpu.json and OUT/bench_gpu.txt. Every part that cannot run here (no
device, no CUDA build, no JAX or PyTorch with CUDA) is reported as skipped, not estimated.

Parts: teacher GD (restart-iterations/s), the five-point net (benchmarks/gpu_tiny.py), the 1000
smallest Hessian eigenvalues at k = n = 20, and the whole Table 1 with backend="cuda" beside the
shipped CPU reference's counts.
"""

from __future__ import annotations

import argparse
import json
import time
from concurrent.futures import ThreadPoolExecutor

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


def reference_counts() -> dict[tuple[int, int], int]:
    """Spurious runs per (k, n) of the shipped CPU reference (same seeds, 1000 runs per cell)."""
    from relufast.experiments import reference

    shipped = reference.load("teacher_student")
    cells = shipped["cells"] if shipped else []
    return {(c["k"], c["n"]): int(c["counts"]["spurious"]) for c in cells}


def five_points(why: str | None) -> None:
    """The five-point [1, 1, 1] net, GD and Adam, R = 1e6 and 1e7 (benchmarks/gpu_tiny.py)."""
    try:
        import gpu_tiny
    except ImportError as e:
        skip("five-point net", f"benchmarks/gpu_tiny.py: {e}")
        return
    rows = gpu_tiny.rows()
    for row in rows:
        say(gpu_tiny.describe(row))
    results["five_points"] = rows


def eigenvalues(why: str | None, k: int = 20, R: int = 1000) -> None:
    """Smallest Hessian eigenvalue of R students at k = n: relufast-cuda from the students (Hessian
    products and the whole Lanczos on the device, transfers included) against jnp / torch eigvalsh
    on the dense Hessians already on the device (their best case)."""
    from relufast import _core
    from relufast.objectives import teacher as objective

    W = np.random.default_rng(1).normal(size=(R, k, k)) / np.sqrt(k)
    row: dict = {"k": k, "R": R}
    lam_ref = None
    if why is None:
        objective.min_eigenvalues(W[:8], backend="cuda")  # warm-up
        t = time.perf_counter()
        lam_ref = objective.min_eigenvalues(W, backend="cuda")
        row["relufast-cuda"] = time.perf_counter() - t
    else:
        skip("relufast-cuda eigenvalues", why)
    H = _core.teacher_hessian(W)

    def jax_eig():
        import jax
        import jax.numpy as jnp

        jax.config.update("jax_enable_x64", True)
        if jax.default_backend() != "gpu":
            raise RuntimeError(f"JAX backend is {jax.default_backend()}, not gpu")
        Hd = jax.device_put(H)
        f = jax.jit(lambda A: jnp.linalg.eigvalsh(A)[:, 0])
        f(Hd).block_until_ready()
        t = time.perf_counter()
        lam = f(Hd).block_until_ready()
        return time.perf_counter() - t, np.asarray(lam)

    def torch_eig():
        import torch

        if not torch.cuda.is_available():
            raise RuntimeError("PyTorch sees no CUDA device")
        Hd = torch.tensor(H, device="cuda")
        torch.linalg.eigvalsh(Hd[:8])
        torch.cuda.synchronize()
        t = time.perf_counter()
        lam = torch.linalg.eigvalsh(Hd)[:, 0]
        torch.cuda.synchronize()
        return time.perf_counter() - t, lam.cpu().numpy()

    for name, fn in (("jax", jax_eig), ("torch", torch_eig)):
        try:
            row[name], lam = fn()
            if lam_ref is not None:
                row[f"max |relufast - {name}|"] = float(np.abs(lam - lam_ref).max())
        except Exception as e:
            row[name] = None
            skip(f"{name} eigvalsh", f"{type(e).__name__}: {e}")
    results["eigenvalues"] = row
    fmt = lambda v: "-" if v is None else f"{v:.3g} s"  # noqa: E731
    say(
        f"smallest Hessian eigenvalue, k=n={k}, R={R}: relufast-cuda {fmt(row.get('relufast-cuda'))}"
        f"  jax eigvalsh {fmt(row.get('jax'))}  torch eigvalsh {fmt(row.get('torch'))}"
        + "".join(f"  {key} {v:.1e}" for key, v in row.items() if key.startswith("max |"))
    )


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

    five_points(why)
    eigenvalues(why)

    if why is None:
        # every cell on its own host thread, so on its own stream: the cells run side by side and
        # the table takes about as long as its slowest cell (sweep's results are the same bits as
        # cell after cell: seeds depend on (seed, k, n, shard) only)
        t = time.perf_counter()
        with ThreadPoolExecutor(max_workers=45) as pool:
            table = ss.table(
                range(6, 21),
                (0, 1, 2),
                restarts=args.table_restarts,
                backend="cuda",
                executor=pool,
                shard_size=args.table_restarts,
                threads_per_worker=None,
            )
        dt = time.perf_counter() - t
        results["table1"] = {"wall_s": dt, "rows": table}
        say(
            f"Table 1 (k = 6..20, n = k..k+2, {args.table_restarts} runs, backend=cuda, 45 cells on"
            f" 45 host threads): {dt:.1f} s"
        )
        ref = reference_counts() if args.table_restarts == 1000 else {}
        same = 0
        for r in table:
            cpu = ref.get((r["k"], r["n"]))
            mine = int(r["spurious"])
            same += cpu == mine
            say(
                f"  k={r['k']:2d} n={r['n']:2d} spurious {mine:4d} ({r['pct_spurious']:5.1f}%)"
                f"  cpu reference {'-' if cpu is None else cpu:>4}  paper {r.get('paper_pct')}"
            )
        if ref:
            say(f"  cells whose spurious count equals the CPU reference's: {same} of {len(table)}")
    else:
        skip("Table 1 with backend='cuda'", why)

    with open(f"{args.out}/bench_gpu.json", "w") as f:
        json.dump(results, f, indent=1, default=str)
    with open(f"{args.out}/bench_gpu.txt", "w") as f:
        f.write("\n".join(results.get("log", [])) + "\n")


if __name__ == "__main__":
    main()
