"""The 2021 regime (Safran, Yehudai & Shamir, COLT 2021) past the 2018 table: the sweep, its rows,
the a/k fit, and the shipped reference recomputed where that is cheap."""

import numpy as np
import pytest

from relufast.experiments import colt2021, reference
from relufast.experiments import safran_shamir as ss


@pytest.fixture(scope="module")
def shipped():
    return reference.load(reference.FILES["teacher_2021"])


def test_shipped_reference_covers_k_6_to_50_with_the_2021_protocol(shipped):
    assert shipped["params"]["protocol"] == "colt2021"
    ks = [c["k"] for c in shipped["cells"]]
    assert ks == sorted(colt2021.RUNS) and ks[0] == 6 and ks[-1] >= 50
    assert all(c["n"] == c["k"] for c in shipped["cells"])
    assert [c["summary"]["runs"] for c in shipped["cells"]] == [colt2021.RUNS[k] for k in ks]


@pytest.mark.core  # 500 runs to |grad|_F <= 1e-12: seconds on the C++ core, minutes on NumPy
@pytest.mark.parametrize("k", [6, 8])
def test_shipped_cell_is_what_the_sweep_computes(shipped, k):
    """Recompute the k = 6 and 8 cells at the shipped size: the same labels, counts and families."""
    cell = next(c for c in shipped["cells"] if c["k"] == k)
    res = ss.run(k, k, colt2021.RUNS[k], shipped["params"]["seed"], protocol="colt2021")
    got = res.to_summary()
    assert got["counts"] == cell["counts"]
    assert got["summary"]["pct_spurious"] == cell["summary"]["pct_spurious"]
    assert [f["blocks"] for f in got["families"]] == [f["blocks"] for f in cell["families"]]
    np.testing.assert_allclose(
        [f["F"] for f in got["families"]], [f["F"] for f in cell["families"]], rtol=1e-9
    )


def test_fraction_rows_put_the_2021_paper_beside_ours(shipped):
    rows = colt2021.fraction_rows(shipped["cells"])
    by_k = {r["k"]: r for r in rows}
    assert by_k[30]["paper %"] == 99.6 and by_k[50]["paper %"] == 100.0 and by_k[20]["paper %"] is None
    for r in rows:
        assert r["ci lo"] <= r["ours %"] <= r["ci hi"]


def test_family_rows_follow_a_family_across_k():
    def fam(blocks, F):
        return {"blocks": blocks, "count": 3, "F": F, "lambda_min": 1e-3}

    cells = [
        {"k": 10, "families": [fam([1, 9], 0.02), fam([7, 3], 0.06)]},
        {"k": 20, "families": [fam([1, 19], 0.0105), fam([17, 3], 0.05)]},
        {"k": 40, "families": [fam([1, 39], 0.0054), fam([3, 37], 0.03)]},
    ]
    rows = colt2021.family_rows(cells)
    assert [r["type"] for r in rows] == ["[1, k-1]", "[k-3, 3]"] * 2 + ["[1, k-1]", "[3, k-3]"]
    fit = colt2021.fit_a_over_k(rows)
    assert fit["ks"] == [10, 20, 40] and fit["a"] == pytest.approx(0.22, abs=0.01)
    assert colt2021.fit_a_over_k(rows[:4]) is None  # seen at two k only


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), 0.0, -0.01])
def test_fit_a_over_k_refuses_a_loss_that_no_family_has(bad):
    """A NaN or a non-positive F (a run not polished, a global minimum mislabelled) names the
    family instead of coming back as a fit of NaN."""
    rows = [{"k": k, "type": "[1, k-1]", "F": 0.3 / k} for k in (6, 10, 20)]
    rows[1]["F"] = bad
    with pytest.raises(ValueError, match=r"F of family '\[1, k-1\]' must be finite and positive"):
        colt2021.fit_a_over_k(rows)


def test_sweep_rejects_bad_runs():
    with pytest.raises(ValueError, match="runs"):
        colt2021.sweep({1: 10})
    with pytest.raises(ValueError, match="runs"):
        colt2021.sweep({6: 0})


@pytest.mark.parametrize("runs", [None, [2, 3], {2: float("inf")}, {2: float("nan")}, {True: 2}])
def test_sweep_refuses_runs_that_are_not_a_mapping_of_counts(runs):
    with pytest.raises((ValueError, TypeError), match="runs must"):  # AttributeError, OverflowError before
        colt2021.sweep(runs)


@pytest.mark.parametrize(
    "fn, cells, match",
    [
        (colt2021.fraction_rows, None, "cells must be a list"),
        (colt2021.fraction_rows, "ab", "cells must be a list"),
        (colt2021.fraction_rows, [{"k": 6}], "lacks the key 'summary'"),
        (colt2021.family_rows, [1], r"cells\[0\] must be a dict"),
        (colt2021.fit_a_over_k, [{"k": 6}], "lacks the key 'type'"),
    ],
)
def test_row_helpers_name_what_they_need(fn, cells, match):
    """Not the sweep's cells: a ValueError saying so (a KeyError or TypeError before)."""
    with pytest.raises(ValueError, match=match):
        fn(cells)
