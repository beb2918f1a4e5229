"""Endpoint analysis: Hessian spectra, classification of critical points, families up to symmetry."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import backend as _backend
from ._validate import float_array

__all__ = ["min_eigenvalues", "Family", "families", "neuron_blocks", "canonical_form"]


def min_eigenvalues(H, *, backend: str = "auto") -> np.ndarray:
    """Smallest eigenvalue of each symmetric matrix in H, shape (m, m) or (R, m, m).

    The C++ path tridiagonalises (Householder) and bisects on Sturm counts to full precision, in
    parallel over matrices; the NumPy path is ``numpy.linalg.eigvalsh``.
    """
    H = float_array(H, "H", (2, 3))
    single = H.ndim == 2
    H3 = H[None] if single else H
    if H3.shape[1] != H3.shape[2]:
        raise ValueError(f"H must hold square matrices, got shape {H.shape}")
    if _backend.resolve(backend) == "cpu":
        lam = _backend.core().min_eigenvalues(H3)
    else:
        lam = np.linalg.eigvalsh(H3)[:, 0]
    return float(lam[0]) if single else lam


def canonical_form(W) -> np.ndarray:
    """A form of W (n, d) invariant under permuting neurons and (jointly) coordinates.

    Each neuron's entries are sorted (a coordinate permutation permutes every neuron's entries the
    same way), then neurons are sorted lexicographically. Equal forms are necessary, not sufficient,
    for two points to be equivalent; it separates the families seen in practice.
    """
    rows = np.sort(np.asarray(W, dtype=float), axis=1)
    return rows[np.lexsort(rows.T[::-1])]


def neuron_blocks(W, tol: float = 1e-4) -> list[int]:
    """Sizes of the groups of neurons that are alike up to a permutation of coordinates, ascending.

    The k = n = 6 spurious minimum of Safran & Shamir gives [1, 5]: one neuron set apart, five alike.
    """
    rows = np.sort(np.asarray(W, dtype=float), axis=1)
    sizes, used = [], np.zeros(len(rows), bool)
    for i in range(len(rows)):
        if used[i]:
            continue
        same = ~used & (np.abs(rows - rows[i]).max(axis=1) <= tol)
        used |= same
        sizes.append(int(same.sum()))
    return sorted(sizes)


@dataclass
class Family:
    """Endpoints equal up to permutations of neurons and coordinates."""

    members: np.ndarray  # indices into the endpoints given to :func:`families`
    F: float  # mean loss of the members
    lambda_min: float  # mean smallest Hessian eigenvalue of the members
    blocks: list[int] = field(default_factory=list)  # neuron block structure, e.g. [1, k-1]
    representative: np.ndarray | None = None  # one member's W (n, d)

    @property
    def count(self) -> int:
        return int(self.members.size)

    def describe(self) -> str:
        return f"{self.blocks}x{self.count}"


def families(W, F, lambda_min, *, tol: float = 1e-3, block_tol: float = 1e-4) -> list[Family]:
    """Group endpoints W (R, n, d) into families equal up to neuron and coordinate permutations.

    Two endpoints join when their :func:`canonical_form` differ by at most ``tol`` entrywise and
    their losses by at most ``tol * 1e-2``. Families are returned largest first.
    """
    W = np.asarray(W, dtype=float)
    F = np.asarray(F, dtype=float)
    lam = np.asarray(lambda_min, dtype=float)
    reps: list[np.ndarray] = []
    rep_F: list[float] = []
    groups: list[list[int]] = []
    for r in range(W.shape[0]):
        form = canonical_form(W[r])
        for g, (rep, f) in enumerate(zip(reps, rep_F)):
            if abs(F[r] - f) <= tol * 1e-2 and np.abs(form - rep).max() <= tol:
                groups[g].append(r)
                break
        else:
            reps.append(form)
            rep_F.append(F[r])
            groups.append([r])
    out = [
        Family(
            members=np.asarray(g),
            F=float(F[g].mean()),
            lambda_min=float(np.nanmean(lam[g])) if np.isfinite(lam[g]).any() else float("nan"),
            blocks=neuron_blocks(W[g[0]], block_tol),
            representative=W[g[0]].copy(),
        )
        for g in groups
    ]
    return sorted(out, key=lambda fam: -fam.count)
