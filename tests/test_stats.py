import numpy as np
import pytest

from relufast.stats import proportion_table, wilson


def test_wilson_known_value():
    # 42 of 100 at z = 1.96 (Brown, Cai and DasGupta 2001 formula, computed by hand)
    lo, hi = wilson(42, 100)
    assert lo == pytest.approx(0.327982, abs=1e-6)
    assert hi == pytest.approx(0.517937, abs=1e-6)


def test_wilson_edges_and_coverage_of_estimate():
    assert wilson(0, 10)[0] == 0.0 and wilson(10, 10)[1] == 1.0
    lo, hi = wilson(np.arange(11), np.full(11, 10))
    p = np.arange(11) / 10
    assert np.all(lo <= p) and np.all(p <= hi) and np.all(hi - lo > 0)


def test_wilson_narrows_with_n():
    w1 = np.subtract(*wilson(30, 100)[::-1])
    w2 = np.subtract(*wilson(3000, 10000)[::-1])
    assert w2 < w1 / 5


def test_wilson_monte_carlo_coverage():
    rng = np.random.default_rng(0)
    n, p = 200, 0.1
    s = rng.binomial(n, p, size=4000)
    lo, hi = wilson(s, np.full_like(s, n))
    cover = np.mean((lo <= p) & (p <= hi))
    assert 0.92 < cover < 0.98


@pytest.mark.parametrize(
    "s, n, z",
    [
        (-1, 10, 1.96),
        (11, 10, 1.96),
        (1, 0, 1.96),
        (1.5, 10, 1.96),
        (1, 10, 0.0),
        (True, 10, 1.96),
        (1, 10, float("nan")),
    ],
)
def test_wilson_bad_input(s, n, z):
    with pytest.raises(ValueError):
        wilson(s, n, z)


def test_proportion_table():
    t = proportion_table([3, 7], 10)
    assert t["fraction"].tolist() == [0.3, 0.7]
    assert np.all(t["lo"] < t["fraction"]) and np.all(t["fraction"] < t["hi"])


@pytest.mark.parametrize("z", [1e300, 101.0, -1.0, float("inf")])
def test_wilson_huge_z_is_a_value_error_not_an_overflow(z):
    with pytest.raises(ValueError, match="z must be a standard-normal quantile"):
        wilson(1, 10, z)


def test_wilson_counts_beyond_exact_floats_are_refused():
    for s, n in ((np.uint64(2**64 - 1), np.uint64(2**64 - 1)), (1e300, 1e300)):
        with pytest.raises(ValueError, match="at most 2\\*\\*53"):
            wilson(s, n)
    with pytest.raises(TypeError, match="integer counts"):  # also a ValueError
        wilson(1.5, 10)
    assert wilson(np.int8(3), np.int16(5)) == wilson(3, 5)


def test_wilson_large_n_does_not_overflow():
    lo, hi = wilson(0, 2**31)  # 4 n^2 overflowed int64 here (divide by zero)
    assert lo == 0.0 and 0 < hi < 1e-8


@pytest.mark.parametrize(
    "counts, match",
    [
        ([8, 5], "sum to at most n"),  # 13 outcomes of 10 trials
        ([[1, 2]], "1-D"),
        ([-1, 3], "counts must be >= 0"),
        ([1.5, 2], "counts must be integer"),
    ],
)
def test_proportion_table_refuses_counts_that_cannot_be_outcomes_of_n_trials(counts, match):
    with pytest.raises(ValueError, match=match):
        proportion_table(counts, 10)


def test_wilson_names_ragged_counts():
    with pytest.raises(TypeError, match="successes and n must be integer counts"):
        wilson([[1, 2], [3]], 10)
