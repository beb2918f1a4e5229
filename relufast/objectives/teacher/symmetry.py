"""Symmetries of the identity-teacher objective: canonical forms and families of minima.

With the identity teacher V = I_k (d = k, the Safran-Shamir setting) the loss is invariant under
permuting the student's neurons and under permuting the coordinates of every neuron at once (the
same permutation of the teacher's rows maps I to itself). Two endpoints related by such
permutations are the same minimum. The functions here group endpoints by that group, so they are
valid for the identity teacher only (for a general V the group is smaller, and two endpoints with
equal canonical forms need not be equivalent); :func:`valid_for` says whether a teacher qualifies.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..._validate import float_array, positive_float, real_array

__all__ = ["canonical_form", "block_structure", "neuron_blocks", "Family", "families", "valid_for"]


def valid_for(V: np.ndarray | None) -> bool:
    """Whether the symmetry argument holds for teacher V (None: the identity teacher).

    True for V = None or any V equal to the identity matrix (k = d); False otherwise.

    Examples
    --------
    >>> valid_for(None), valid_for(np.eye(3)), valid_for(2 * np.eye(3))
    (True, True, False)
    """
    if V is None:
        return True
    V = np.asarray(V, dtype=float)
    return V.ndim == 2 and V.shape[0] == V.shape[1] and bool(np.array_equal(V, np.eye(V.shape[0])))


def canonical_form(W) -> np.ndarray:
    """A form of W (n, d) invariant under permuting neurons and (jointly) coordinates.

    Each neuron's entries are sorted (a coordinate permutation permutes every neuron's entries the
    same way), then neurons are sorted lexicographically. Equal forms are necessary, not sufficient,
    for two points to be equivalent; it separates the families seen in practice.
    """
    rows = np.sort(float_array(W, "W", (2,)), axis=1)
    return rows[np.lexsort(rows.T[::-1])]


def block_structure(W, tol: float = 1e-4) -> tuple[list[int], list[float]]:
    """Groups of neurons alike up to a permutation of coordinates: their sizes and matched values.

    A neuron's *matched value* is its largest entry: the weight on the teacher coordinate it is
    matched with (all neurons of a group share it). Groups come in ascending order of it, so the
    two different minima [m, k - m] and [k - m, m] (the m-group matched below or above the other)
    get different labels.

    Returns
    -------
    sizes : list of int
    values : list of float
        The matched value of each group, ascending.

    Examples
    --------
    >>> block_structure([[0.9, 0.1], [0.1, 0.9], [0.5, 0.2]])
    ([1, 2], [0.5, 0.9])
    """
    rows = np.sort(float_array(W, "W", (2,)), axis=1)
    tol = positive_float(tol, "tol", allow_zero=True)
    groups, used = [], np.zeros(len(rows), bool)
    for i in range(len(rows)):
        if used[i]:
            continue
        same = ~used & (np.abs(rows - rows[i]).max(axis=1) <= tol)
        used |= same
        groups.append((float(rows[same, -1].mean()), int(same.sum())))
    groups.sort()
    return [size for _, size in groups], [value for value, _ in groups]


def neuron_blocks(W, tol: float = 1e-4) -> list[int]:
    """Sizes of the groups of neurons alike up to a permutation of coordinates.

    In ascending order of the groups' matched values (see :func:`block_structure`): the
    k = n = 6 spurious minimum of Safran & Shamir gives [1, 5] (the odd neuron's largest entry is
    0.22, the five others' 0.99).
    """
    return block_structure(W, tol)[0]


@dataclass
class Family:
    """Endpoints equal up to permutations of neurons and coordinates."""

    members: np.ndarray  # indices into the endpoints given to :func:`families`
    F: float  # mean loss of the members
    lambda_min: float  # mean smallest Hessian eigenvalue of the members
    blocks: list[int] = field(default_factory=list)  # group sizes, e.g. [1, k-1] (block_structure)
    representative: np.ndarray | None = None  # one member's W (n, d)
    block_values: list[float] = field(default_factory=list)  # each group's matched value

    @property
    def count(self) -> int:
        return int(self.members.size)

    def describe(self) -> str:
        """``[sizes]xcount F=...``: the loss tells apart families whose sizes coincide."""
        return f"{self.blocks}x{self.count} F={self.F:.6g}"


def families(W, F, lambda_min, *, tol: float = 1e-3, block_tol: float = 1e-4) -> list[Family]:
    """Group endpoints W (R, n, d) into families equal up to neuron and coordinate permutations.

    Two endpoints join when their :func:`canonical_form` differ by at most ``tol`` entrywise and
    their losses by at most ``tol * 1e-2``. Families are returned largest first.
    """
    W = float_array(W, "W", (3,))
    F = real_array(F, "F")
    lam = real_array(lambda_min, "lambda_min")
    if F.shape != W.shape[:1] or lam.shape != W.shape[:1]:
        raise ValueError(f"F and lambda_min must have shape ({W.shape[0]},), got {F.shape} and {lam.shape}")
    if not np.all(np.isfinite(F)):  # NaN never matches, so it made a family of its own
        raise ValueError("F must hold finite losses (lambda_min may be NaN where not computed)")
    tol = positive_float(tol, "tol", allow_zero=True)
    block_tol = positive_float(block_tol, "block_tol", allow_zero=True)
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
            blocks=block_structure(W[g[0]], block_tol)[0],
            representative=W[g[0]].copy(),
            block_values=block_structure(W[g[0]], block_tol)[1],
        )
        for g in groups
    ]
    return sorted(out, key=lambda fam: -fam.count)
