"""Past the 2018 table: the spurious fraction and the families vs k under the 2021 protocol.

Safran, Yehudai & Shamir (COLT 2021) ran the same teacher-student objective with n = k up to 100
(500 runs per k, step 5/k, stop at |grad F|_F <= 1e-12) and report the spurious fraction rising
towards 100 % (papers.md B5). Arjevani & Field describe the minima as symmetric families whose loss
along the main family decays like a / k. This module runs that sweep with
:func:`relufast.experiments.safran_shamir.run` (``protocol="colt2021"``) and turns the per-k
summaries into the rows the app charts: the fraction with its interval beside the paper's, every
family found at each k, and the least-squares fit of ``F = a / k`` along a family type.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from .._validate import BadTypeError
from . import safran_shamir as ss

__all__ = ["RUNS", "QUICK_RUNS", "sweep", "fraction_rows", "family_rows", "fit_a_over_k"]

#: Runs per k of the shipped reference: the paper's 500 at every k (GD to |grad|_F <= 1e-12 costs
#: about k^4 per run: k = 50 takes about 2 minutes on 2 cores).
RUNS = {
    6: 500,
    8: 500,
    10: 500,
    12: 500,
    14: 500,
    16: 500,
    18: 500,
    20: 500,
    25: 500,
    30: 500,
    35: 500,
    40: 500,
    45: 500,
    50: 500,
}
#: A smoke-test size.
QUICK_RUNS = {6: 20, 8: 20}


def sweep(
    runs: Mapping[int, int],
    seed: int = 0,
    *,
    backend: str = "auto",
    runner: Callable[..., ss.Result] | None = None,
    on_cell: Callable[[dict, ss.Result], None] | None = None,
) -> dict:
    """Run the 2021 protocol at n = k for each k of ``runs`` (k -> restarts) and summarise.

    Returns
    -------
    dict
        ``params`` (``runs``, ``seed``, ``protocol``) and ``cells``: one
        :meth:`~relufast.experiments.safran_shamir.Result.to_summary` per k, in order of k.

    Examples
    --------
    >>> out = sweep({5: 4})
    >>> out["cells"][0]["k"], out["cells"][0]["summary"]["runs"], out["params"]["protocol"]
    (5, 4, 'colt2021')
    """
    runner = ss.run if runner is None else runner
    if not callable(runner):
        raise TypeError(f"runner must be callable like safran_shamir.run, got {runner!r}")
    if not isinstance(runs, Mapping):
        raise TypeError(f"runs must be a mapping k -> restarts, e.g. {{5: 100}}, got {runs!r}")
    for k, restarts in runs.items():  # all checked before any cell runs
        if not (_whole(k) and k >= 2 and _whole(restarts) and restarts >= 1):
            raise ValueError(f"runs must map k >= 2 to restarts >= 1, got {k!r}: {restarts!r}")
    cells = []
    for k, restarts in sorted(runs.items()):
        res = runner(int(k), int(k), int(restarts), seed, backend=backend, protocol="colt2021")
        cell = res.to_summary()
        cells.append(cell)
        if on_cell is not None:
            on_cell(cell, res)
    return {
        "params": {"runs": {int(k): int(r) for k, r in runs.items()}, "seed": seed, "protocol": "colt2021"},
        "cells": cells,
    }


def _whole(x: object) -> bool:
    """An integer, or a float holding one (not a bool, NaN or infinity)."""
    if isinstance(x, (bool, np.bool_)):
        return False
    if isinstance(x, numbers.Integral):
        return True
    return isinstance(x, numbers.Real) and math.isfinite(x) and float(x).is_integer()


def _cells(cells: object, what: str) -> Sequence[dict]:
    """``cells`` if it is a sequence of dicts (the cells of :func:`sweep` or rows of this module)."""
    if isinstance(cells, (str, bytes, Mapping)) or not isinstance(cells, Sequence):
        raise BadTypeError(f"cells must be a list of {what}, got {type(cells).__name__}")
    for i, c in enumerate(cells):
        if not isinstance(c, Mapping):
            raise BadTypeError(f"cells[{i}] must be a dict ({what}), got {type(c).__name__}")
    return cells


def _missing(e: KeyError, what: str) -> ValueError:
    return ValueError(f"cells must be {what}: a cell lacks the key {e}")


def fraction_rows(cells: Sequence[dict]) -> list[dict]:
    """Spurious % with its 95 % Wilson interval per k, beside the 2021 paper's stated fraction."""
    try:
        return _fraction_rows(_cells(cells, "sweep() cells"))
    except KeyError as e:
        raise _missing(e, "sweep() cells") from None


def _fraction_rows(cells: Sequence[dict]) -> list[dict]:
    rows = []
    for c in cells:
        s = c["summary"]
        paper = ss.paper_value(c["k"], c["n"], "colt2021")
        rows.append(
            {
                "k": c["k"],
                "runs": s["runs"],
                "ours %": s["pct_spurious"],
                "ci lo": s["ci_lo"],
                "ci hi": s["ci_hi"],
                "paper %": None if paper is None else paper["pct"],
                "not converged": c["counts"].get("not converged", 0),
                "families": c.get("n_families", len(c["families"])),
            }
        )
    return rows


def family_rows(cells: Sequence[dict]) -> list[dict]:
    """Every family listed at each k: blocks (ordered by matched value), runs, F, lambda_min."""
    try:
        return _family_rows(_cells(cells, "sweep() cells"))
    except KeyError as e:
        raise _missing(e, "sweep() cells") from None


def _family_rows(cells: Sequence[dict]) -> list[dict]:
    return [
        {
            "k": c["k"],
            "blocks": str(f["blocks"]),
            "type": _family_type(f["blocks"], c["k"]),
            "runs": f["count"],
            "F": f["F"],
            "lambda_min": f["lambda_min"],
        }
        for c in cells
        for f in c["families"]
    ]


def _family_type(blocks: Sequence[int], k: int) -> str:
    """A name that follows a family across k: "[m, k-m]" or "[k-m, m]" (m the smaller block) for
    two blocks, else the blocks.
    """
    if len(blocks) == 2 and sum(blocks) == k:
        m0, m1 = blocks
        return f"[{m0}, k-{m0}]" if m0 <= m1 else f"[k-{m1}, {m1}]"
    return str(list(blocks))


def fit_a_over_k(rows: Sequence[dict], family: str = "[1, k-1]") -> dict | None:
    """Least-squares ``F = a / k + b / k^2`` along one family type of :func:`family_rows`.

    The leading term is the a / k decay of Arjevani & Field; the second absorbs the finite-k
    correction, so ``a`` is the large-k limit of ``k F``.

    Returns
    -------
    dict or None
        ``{"family", "a", "b", "ks", "max_rel_err"}``, None where the family is seen at fewer than
        three k.

    Examples
    --------
    >>> rows = [{"k": k, "type": "[1, k-1]", "F": 0.3 / k - 1.0 / k**2} for k in (6, 10, 20)]
    >>> fit = fit_a_over_k(rows)
    >>> round(fit["a"], 9), round(fit["b"], 9), fit["ks"]
    (0.3, -1.0, [6, 10, 20])
    """
    try:
        pts = {r["k"]: r["F"] for r in _cells(rows, "family_rows() rows") if r["type"] == family}
    except KeyError as e:
        raise _missing(e, "family_rows() rows") from None
    if len(pts) < 3:
        return None
    k = np.array(sorted(pts), dtype=float)
    F = np.array([pts[int(x)] for x in k], dtype=float)
    if not (np.all(np.isfinite(F)) and np.all(F > 0)):  # a family's loss is positive and finite
        raise ValueError(f"rows: the F of family {family!r} must be finite and positive, got {F.tolist()}")
    (a, b), *_ = np.linalg.lstsq(np.stack([1 / k, 1 / k**2], axis=1), F, rcond=None)
    return {
        "family": family,
        "a": float(a),
        "b": float(b),
        "ks": k.astype(int).tolist(),
        "max_rel_err": float(np.max(np.abs(a / k + b / k**2 - F) / F)),
    }
