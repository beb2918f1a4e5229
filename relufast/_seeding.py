"""Block-seeded random draws: restart i's numbers never depend on how many restarts are drawn."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["BLOCK", "block_normals"]

#: Restarts per SeedSequence block.
BLOCK = 1024


def block_normals(
    entropy: int | Sequence[int], R: int, shape: tuple[int, ...], scale: float | None = None, start: int = 0
) -> np.ndarray:
    """Standard normals (R, *shape) for restarts ``start .. start + R - 1``, drawn in blocks.

    Block b (restarts ``b * BLOCK ..``) uses ``numpy.random.SeedSequence(entropy, spawn_key=(b,))``
    and fills a ``(BLOCK, *shape)`` array, so restart i is the same whether 10 or 10^6 restarts are
    drawn, and any range of them can be drawn alone (a shard). With ``scale`` the draws are
    ``normal(0, scale)`` instead.

    Examples
    --------
    >>> a = block_normals(0, 3, (2,))
    >>> bool(np.array_equal(a, block_normals(0, 2000, (2,))[:3]))
    True
    """
    out = np.empty((R, *shape))
    stop = start + R
    for b in range(start // BLOCK, (stop + BLOCK - 1) // BLOCK):
        rng = np.random.default_rng(np.random.SeedSequence(entropy, spawn_key=(b,)))
        Z = rng.standard_normal((BLOCK, *shape)) if scale is None else rng.normal(0.0, scale, (BLOCK, *shape))
        r0, r1 = max(start, b * BLOCK), min(stop, (b + 1) * BLOCK)
        out[r0 - start : r1 - start] = Z[r0 - b * BLOCK : r1 - b * BLOCK]
    return out
