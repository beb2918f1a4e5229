"""Mini-batch data order: every restart walks its own permutation of the data in every epoch.

The permutation of restart r in epoch e is a function of ``(seed, r, e)`` only (Fisher-Yates
driven by a splitmix64 hash, mirrored exactly by the C++ core), so results do not depend on R, on
the chunking, on the thread count or on the backend.
"""

from __future__ import annotations

import numpy as np

from .._validate import positive_int
from .._validate import seed as _check_seed

__all__ = ["epoch_permutations", "check_seed"]


def check_seed(seed: object, name: str = "seed") -> int:
    """Validate a seed: an integer in [0, 2**64) (see :func:`relufast._validate.seed`)."""
    return _check_seed(seed, name)


_GOLDEN = 0x9E3779B97F4A7C15
_MASK = (1 << 64) - 1


def _mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser on a uint64 array (wrapping arithmetic)."""
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def epoch_permutations(seed: int, rows: object, epoch: int, N: int) -> np.ndarray:
    """The data order of restarts ``rows`` in epoch ``epoch``: int64 array (len(rows), N).

    Mirrors the C++ core exactly: key = mix(mix(mix(seed + G) + r) + epoch), then Fisher-Yates
    for i = N-1, ..., 1 swapping positions i and mix(key + i G) mod (i + 1), where mix is the
    splitmix64 finaliser and G = 0x9E3779B97F4A7C15 (all arithmetic mod 2^64).
    """
    seed = check_seed(seed)
    epoch = check_seed(epoch, "epoch")
    N = positive_int(N, "N")
    r = np.asarray(rows)
    if r.size and (r.dtype.kind not in "iu" or (r.dtype.kind == "i" and np.any(r < 0))):
        raise ValueError(f"rows must be non-negative integers, got {r.dtype} {rows!r:.60}")
    rows = r.astype(np.uint64).reshape(-1)
    n = rows.shape[0]
    key = _mix64(np.full(n, (seed + _GOLDEN) & _MASK, dtype=np.uint64))
    key = _mix64(key + rows)
    key = _mix64(key + np.full(n, epoch & _MASK, dtype=np.uint64))
    perm = np.tile(np.arange(N, dtype=np.int64), (n, 1))
    ar = np.arange(n)
    for i in range(N - 1, 0, -1):
        u = _mix64(key + np.uint64((i * _GOLDEN) & _MASK))
        j = (u % np.uint64(i + 1)).astype(np.int64)
        pi = perm[:, i].copy()
        perm[:, i] = perm[ar, j]
        perm[ar, j] = pi
    return perm
