"""Block-seeded random draws: restart i's numbers never depend on how many restarts are drawn."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

__all__ = ["BLOCK", "block_normals"]

#: Restarts per SeedSequence block.
BLOCK = 1024

_PIECE_BYTES = 8 << 20  # largest draw at once


def block_normals(
    entropy: int | Sequence[int], R: int, shape: tuple[int, ...], scale: float | None = None, start: int = 0
) -> np.ndarray:
    """Standard normals (R, *shape) for restarts ``start .. start + R - 1``, drawn in blocks.

    Block b (restarts ``b * BLOCK ..``) uses ``numpy.random.SeedSequence(entropy, spawn_key=(b,))``
    and fills a ``(BLOCK, *shape)`` array row by row, so restart i is the same whether 10 or 10^6
    restarts are drawn, and any range of them can be drawn alone (a shard). With ``scale`` the draws
    are ``normal(0, scale)`` instead. Only the rows up to the last one asked for are drawn, a few
    MB at a time (the rows before ``start`` in its block are drawn and dropped), so the memory is
    that of the result: one restart of a (256, 784) layer does not cost 1024 of them.

    Examples
    --------
    >>> a = block_normals(0, 3, (2,))
    >>> bool(np.array_equal(a, block_normals(0, 2000, (2,))[:3]))
    True
    """
    out = np.empty((R, *shape))
    row = max(1, math.prod(shape))
    piece = max(1, _PIECE_BYTES // (8 * row))  # rows per draw
    stop = start + R
    for b in range(start // BLOCK, (stop + BLOCK - 1) // BLOCK):
        rng = np.random.default_rng(np.random.SeedSequence(entropy, spawn_key=(b,)))
        r0, r1 = max(start, b * BLOCK), min(stop, (b + 1) * BLOCK)
        pos = b * BLOCK  # the restart the generator draws next
        while pos < r1:
            n = min(piece, r1 - pos)
            Z = rng.standard_normal((n, *shape)) if scale is None else rng.normal(0.0, scale, (n, *shape))
            lo = max(pos, r0)
            if lo < pos + n:
                out[lo - start : pos + n - start] = Z[lo - pos :]
            pos += n
    return out
