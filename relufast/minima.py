"""Endpoint analysis: smallest Hessian eigenvalues (and, re-exported, families of minima).

The families of the identity-teacher objective live with it, in
:mod:`relufast.objectives.teacher.symmetry`; they are re-exported here for older imports.
"""

from __future__ import annotations

import numpy as np

from ._kernels import get
from ._validate import float_array
from .objectives.teacher.symmetry import Family, block_structure, canonical_form, families, neuron_blocks

__all__ = ["min_eigenvalues", "Family", "families", "block_structure", "neuron_blocks", "canonical_form"]


def min_eigenvalues(H, *, backend: str = "auto") -> float | np.ndarray:
    """Smallest eigenvalue of each symmetric matrix in H, shape (m, m) or (R, m, m).

    Only the lower triangle is read. The C++ path tridiagonalises (Householder) and bisects on
    Sturm counts to full precision, in parallel over matrices; the NumPy path is
    ``numpy.linalg.eigvalsh``.

    Examples
    --------
    >>> min_eigenvalues(np.diag([3.0, -1.0, 2.0]))
    -1.0
    """
    H = float_array(H, "H", (2, 3))
    single = H.ndim == 2
    H3 = H[None] if single else H
    if H3.shape[1] != H3.shape[2]:
        raise ValueError(f"H must hold square matrices, got shape {H.shape}")
    lam = get("linalg", "min_eigenvalues", backend)(H3)
    return float(lam[0]) if single else lam
