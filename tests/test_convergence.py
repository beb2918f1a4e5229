"""relufast.experiments.convergence: the paper's Table 1 (XOR and jellyfish, 2-h-1 nets)."""

from fractions import Fraction

import numpy as np
import pytest

from relufast import backend, mlp
from relufast.experiments import convergence as cv
from relufast.experiments import reference

HAS_CPU = backend.has_core()
needs_cpu = pytest.mark.skipif(
    not HAS_CPU, reason="C++ core not built (10^5-step cells take minutes on NumPy)"
)
XOR_FIT = np.array([1.0, -1.0, -1.0, 1.0, 0.0, 0.0, 1.0, 1.0, 0.0])  # |x1 - x2| as two ReLU units


def test_neither_data_set_is_linearly_separable():
    # a convex combination of the positives equals one of the negatives, so no affine function
    # can be > 1/2 on the first and < 1/2 on the second
    X = {k: [[Fraction(str(v)) for v in row] for row in cv.DATASETS[k][0]] for k in cv.DATASETS}

    def comb(a, b, t):
        return [a[i] + t * (b[i] - a[i]) for i in range(2)]

    xor, jelly = X["xor"], X["jellyfish"]
    assert comb(xor[1], xor[2], Fraction(1, 2)) == comb(xor[0], xor[3], Fraction(1, 2))  # (1/2, 1/2)
    t = Fraction(5, 7)
    assert comb(jelly[0], jelly[1], t) == comb(jelly[2], jelly[3], t) == [Fraction(3, 7)] * 2
    for k in cv.DATASETS:
        assert list(cv.DATASETS[k][1]) == ([0, 1, 1, 0] if k == "xor" else [1, 1, 0, 0])


@pytest.mark.parametrize("data", sorted(cv.DATASETS))
def test_nets_affine_on_the_data_never_converge(data):
    # all ReLU units active on all four points: f is affine there, its residual 0, and it fails
    p = cv.initial_params(2, 20_000, seed=1)
    X, _ = cv.dataset(data)
    W, b = mlp.unpack(p, [2, 2, 1])[0]
    active = np.all(np.einsum("rij,nj->rni", W, X) + b[:, None, :] > 0, axis=(1, 2))
    assert active.sum() > 20
    conv, div = cv.classify(p[active], data, 2, "relu")
    assert not conv.any() and not div.any()
    np.testing.assert_allclose(cv.affine_residual(p[active], data, 2, "relu"), 0.0, atol=1e-12)


def test_classify_and_the_affine_residual():
    conv, div = cv.classify(np.stack([XOR_FIT, -XOR_FIT, np.full(9, np.nan)]), "xor", 2, "relu")
    assert list(conv) == [True, False, False] and list(div) == [False, False, True]
    res = cv.affine_residual(np.stack([XOR_FIT, np.zeros(9)]), "xor", 2, "relu")
    assert res[0] == pytest.approx(1.0) and np.isnan(res[1])  # the constant net has no spread
    assert cv.affine_residual(np.empty((0, 9)), "xor", 2, "relu").shape == (0,)
    # sigmoid units: the same exact fit, steepened, converges
    conv, _ = cv.classify(np.r_[20 * XOR_FIT[:4], -10.0, -10.0, 2.0, 2.0, -0.8][None], "xor", 2, "sigmoid")
    assert conv[0]


def test_initial_params_are_prefix_stable_and_glorot():
    p = cv.initial_params(4, 3000, seed=3)
    np.testing.assert_array_equal(cv.initial_params(4, 7, seed=3), p[:7])
    (W1, b1), (W2, b2) = mlp.unpack(p, [2, 4, 1])
    assert W1.std() == pytest.approx(np.sqrt(2 / 6), rel=0.05)
    assert W2.std() == pytest.approx(np.sqrt(2 / 5), rel=0.05)
    assert b1.std() == pytest.approx(0.1, rel=0.05) and b2.std() == pytest.approx(0.1, rel=0.1)
    assert np.all(cv.initial_params(4, 5, seed=3, bias_std=0.0)[:, 8:12] == 0.0)


@needs_cpu
def test_cells_agree_across_backends():
    for act, opt in (("relu", "gd"), ("sigmoid", "adam")):
        a = cv.cell("jellyfish", act, opt, 3, runs=40, steps=400, backend="cpu")
        b = cv.cell("jellyfish", act, opt, 3, runs=40, steps=400, backend="numpy")
        np.testing.assert_array_equal(a.converged_mask, b.converged_mask)
        np.testing.assert_allclose(a.params, b.params, atol=1e-9)


def _shipped(data, act, opt, h):
    ref = reference.load("convergence.json")
    assert ref is not None, "convergence.json is missing: python scripts/make_reference.py convergence"
    rows = ref["table"]["rows"]
    for i in range(len(rows["h"])):
        if (rows["data"][i], rows["activation"][i], rows["optimizer"][i], rows["h"][i]) == (
            data,
            act,
            opt,
            h,
        ):
            return ref, {k: v[i] for k, v in rows.items()}
    raise AssertionError(f"no shipped cell {(data, act, opt, h)}")


@needs_cpu
@pytest.mark.parametrize(
    "cell", [("xor", "relu", "adam", 2), ("jellyfish", "relu", "gd", 3), ("jellyfish", "sigmoid", "gd", 2)]
)
def test_small_cells_reproduce_the_shipped_table(cell):
    # the first n runs of a shipped cell: their fraction within 4 binomial sigmas of the shipped one
    ref, row = _shipped(*cell)
    n = 300
    got = cv.cell(*cell, runs=n, steps=row["steps"], lr=row["lr"], seed=ref["table"]["params"]["seed"])
    p, N = row["fraction"], row["runs"]
    sigma = np.sqrt(max(p * (1 - p), 1 / N) * (1 / n - 1 / N))
    assert abs(got.fraction - p) <= 4 * sigma + 1e-12, (got.fraction, p, sigma)
    assert got.summary()["paper"] == row["paper"]


@needs_cpu
def test_the_papers_trends_hold():
    # computed on 300 runs each: sigmoid units train far more often than ReLU ones on XOR with
    # Adam, and wider ReLU nets more often than narrow ones (both by more than 10 sigma)
    relu2 = cv.cell("xor", "relu", "adam", 2, runs=300, steps=10_000).fraction
    relu7 = cv.cell("xor", "relu", "adam", 7, runs=300, steps=10_000).fraction
    sig2 = cv.cell("xor", "sigmoid", "adam", 2, runs=300, steps=10_000).fraction
    assert sig2 > relu2 + 0.3 and relu7 > relu2 + 0.3


def test_table_rows_and_progress():
    calls = []
    t = cv.table(
        8,
        50,
        widths=[2, 3],
        datasets="xor",
        activations=["relu"],
        optimizers=["gd", "adam"],
        backend="numpy",
        progress=lambda d, n: calls.append((d, n)) or d < 3,
    )
    rows = t["rows"]
    assert len(rows["h"]) == 3 and calls == [(1, 4), (2, 4), (3, 4)]  # stopped after the third cell
    assert rows["optimizer"] == ["gd", "gd", "adam"] and rows["h"] == [2, 3, 2]
    assert rows["paper"] == [0.23, 0.47, 0.28] and all(
        0 <= lo <= hi <= 1 for lo, hi in zip(rows["lo"], rows["hi"])
    )


def test_sensitivity_grid():
    s = cv.sensitivity(6, lr_factors=[1.0, 30.0], steps=[20, 500], widths=[2], backend="numpy")
    rows = s["rows"]
    assert len(rows["h"]) == 2 * 2 * 8 and sorted(set(rows["lr_factor"])) == [1.0, 30.0]
    assert set(rows["steps"]) == {20, 500}
    cells = zip(rows["diverged"], rows["lr_factor"], rows["optimizer"], rows["steps"])
    big = [d for d, f, o, n in cells if f == 30.0 and o == "gd" and n == 500]
    assert sum(big) > 0  # GD with lr 3 on the mean squared error diverges, and is counted


def test_examples_and_decision_grid():
    ex = cv.examples("jellyfish", "relu", "gd", 2, runs=40, steps=3000, backend="numpy")
    assert ex["converged"] is not None and ex["stuck"] is not None
    conv, _ = cv.classify(
        np.array([ex["converged"]["params"], ex["stuck"]["params"]]), "jellyfish", 2, "relu"
    )
    assert list(conv) == [True, False]
    g = cv.decision_grid(ex["converged"]["params"], 2, "relu", n=101, box=(-0.5, 1.5))
    X, y = cv.dataset("jellyfish")
    for x, label in zip(X, y):  # the grid contains the data points: the regions classify them right
        i = np.flatnonzero((np.abs(g["x1"] - x[0]) < 1e-9) & (np.abs(g["x2"] - x[1]) < 1e-9))
        assert i.size == 1 and g["label"][i[0]] == (label > 0.5)


def test_bad_input():
    with pytest.raises(ValueError, match="data must be one of"):
        cv.cell("spiral", "relu", "gd", 2, runs=2, steps=2)
    with pytest.raises(ValueError, match="activation must be one of"):
        cv.cell("xor", "tanh", "gd", 2, runs=2, steps=2)
    with pytest.raises(ValueError, match="optimizer must be one of"):
        cv.cell("xor", "relu", "sgd", 2, runs=2, steps=2)
    with pytest.raises(ValueError, match="h"):
        cv.cell("xor", "relu", "gd", 0, runs=2, steps=2)
    with pytest.raises(ValueError, match="runs"):
        cv.cell("xor", "relu", "gd", 2, runs=-1, steps=2)
    with pytest.raises(ValueError, match="steps"):
        cv.cell("xor", "relu", "gd", 2, runs=2, steps=0)
    with pytest.raises(ValueError, match="lr"):
        cv.cell("xor", "relu", "gd", 2, runs=2, steps=2, lr=float("nan"))
    with pytest.raises(ValueError, match="widths"):
        cv.table(2, 2, widths=[])
    with pytest.raises(ValueError, match="datasets"):
        cv.table(2, 2, datasets=["xor", "moons"])
    with pytest.raises(ValueError, match="lr_factor"):
        cv.table(2, 2, lr_factor=-1)
    with pytest.raises(ValueError, match="lr_factors"):
        cv.sensitivity(2, lr_factors=[])
    with pytest.raises(ValueError, match="bias_std"):
        cv.initial_params(2, 3, bias_std=np.inf)
    with pytest.raises(ValueError, match="box"):
        cv.decision_grid(XOR_FIT, 2, "relu", box=(1.0, 1.0))
    with pytest.raises(ValueError, match="n"):
        cv.decision_grid(XOR_FIT, 2, "relu", n=1)


@pytest.mark.slow
@needs_cpu
def test_whole_shipped_table_is_reproduced_exactly():
    ref = reference.load("convergence.json")
    p = ref["table"]["params"]
    t = cv.table(p["runs"], p["steps"], widths=p["widths"], lr_factor=p["lr_factor"], seed=p["seed"])
    assert t["rows"]["converged"] == ref["table"]["rows"]["converged"]
