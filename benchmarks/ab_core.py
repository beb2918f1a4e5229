"""Two builds of the C++ core, bit for bit and step for step: the check behind a kernel rewrite.

Loads each ``_core`` shared object given on the command line (e.g. one built from an older commit
with ``cmake -S OLD -B /tmp/old -DRELUFAST_CUDA=OFF && cmake --build /tmp/old --target _core``
and this checkout's), and for each prints hashes of the teacher loss, gradient and GD endpoints
(identity, random orthogonal and Gaussian teachers; parallel, opposite, near-parallel, 1e-160
and zero neurons; a diverging step 30 in chunks of 7) and one-core GD rates at k = n = 20 and
(17, 18), R = 1000. Every build runs in its own subprocess, pinned to the last CPU.

    python benchmarks/ab_core.py OLD/_core...so NEW/_core...so [--out results/ab_core.txt]
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def _load(path: str):
    spec = importlib.util.spec_from_file_location("_core", path)
    core = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(core)
    core.set_num_threads(1)
    return core


def _digest(*arrays) -> str:
    h = hashlib.sha1()
    for a in arrays:
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()[:12]


def _students(rng, R: int, n: int, d: int, k: int) -> np.ndarray:
    """Gaussian students with the edge cases of the angle and norm code in restarts 0-5."""
    W = rng.standard_normal((R, n, d)) / np.sqrt(d)
    if n > 1:
        W[0, 0] = W[0, n - 1]  # parallel
        W[1, 1] = -W[1, 0]  # opposite
        W[2, 1] = W[2, 0] * (1 + 1e-13)  # near-parallel
    W[3, 0] = 1e-160  # tiny
    W[4, n - 1] = 0.0  # dead
    if d >= k:
        W[5, 0] = 0.0
        W[5, 0, 0] = 1.0  # on a teacher row
    return W


def _gd(core, W0, V, step0: float, chunks: list[int], tol: float = 1e-10):
    R = W0.shape[0]
    W, step = W0.copy(), np.full(R, step0)
    iters, status = np.zeros(R, np.int64), np.zeros(R, np.int8)
    F, gmax = np.zeros(R), np.zeros(R)
    for s in chunks:
        opts = core.GDOptions(steps=s, max_iters=0, tol=tol, diverge=1e6, f_stop=0.0)
        core.teacher_gd(W, W0, step, iters, status, F, gmax, V, opts)
    return W, step, iters, status, F, gmax


def measure(path: str) -> dict:
    """Hashes and rates of one build (run in a subprocess of its own)."""
    sys.path.insert(0, str(ROOT))
    from relufast.experiments import safran_shamir as ss

    core = _load(path)
    rng = np.random.default_rng(5)
    hashes = {}
    for k, n, d in [
        (6, 6, 6),
        (20, 20, 20),
        (17, 18, 17),
        (5, 7, 9),
        (3, 2, 4),
        (9, 9, 13),
        (1, 1, 1),
        (2, 3, 2),
    ]:
        W = _students(rng, 37, n, d, k)
        teachers = {
            "identity": None if d == k else np.eye(k, d),
            "orthogonal": np.linalg.qr(rng.standard_normal((d, d)))[0][:k],
            "gaussian": rng.standard_normal((k, d)),
        }
        for name, V in teachers.items():
            F, G, gm = core.teacher_evaluate(W, V)
            runs = [
                _digest(*_gd(core, W, V, s, c)) for s, c in [(0.1, [300]), (30.0, [7] * 6), (0.5, [50, 50])]
            ]
            hashes[f"k={k} n={n} d={d} {name}"] = [_digest(np.asarray(F), G, np.asarray(gm)), *runs]
    rates = {}
    Vo = np.linalg.qr(np.random.default_rng(1).standard_normal((20, 20)))[0]
    for label, k, n, V in [
        ("k=n=20 identity", 20, 20, None),
        ("(17, 18) identity", 17, 18, None),
        ("k=n=20 orthogonal", 20, 20, Vo),
    ]:
        W0 = ss.initial_students(k, n, 1000, 0)
        t = time.process_time()
        out = _gd(core, W0, V, 0.1, [2000], tol=1e-300)
        rates[label] = float(out[2].sum() / (time.process_time() - t))
    return {"lanes": int(core.lanes), "hashes": hashes, "rates": rates}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("builds", nargs=2, help="two _core shared objects: old, new")
    ap.add_argument("--out", type=Path, help="also write the report here")
    ap.add_argument("--measure", help=argparse.SUPPRESS)  # internal: one build, JSON to stdout
    if "--measure" in sys.argv:
        print(json.dumps(measure(sys.argv[sys.argv.index("--measure") + 1])))
        return
    args = ap.parse_args()
    cpu = str((os.cpu_count() or 1) - 1)
    res = []
    for b in args.builds:
        cmd = ["taskset", "-c", cpu, sys.executable, __file__, "--measure", str(Path(b).resolve())]
        res.append(json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout))
    old, new = res
    lines = [
        f"# {args.builds[0]} (old) against {args.builds[1]} (new); "
        f"SIMD lanes {old['lanes']} and {new['lanes']}"
    ]
    same = [key for key in old["hashes"] if old["hashes"][key] == new["hashes"][key]]
    lines.append(
        f"bitwise equal (F, G, gmax and three GD runs each): {len(same)} of {len(old['hashes'])} cases"
    )
    lines += [f"  differs: {key}" for key in old["hashes"] if key not in same]
    lines.append("one-core GD, R = 1000, restart-it/s (process CPU time): old, new, new/old")
    lines += [
        f"  {key:20s} {r0:.3e}  {r1:.3e}  {r1 / r0:.2f}x"
        for key, r0, r1 in ((key, old["rates"][key], new["rates"][key]) for key in old["rates"])
    ]
    text = "\n".join(lines)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
