import numpy as np
import pytest

from relufast import mlp
from relufast.experiments import five_points as fp


def test_losses_and_zero_gradients_at_red_and_blue():
    for backend in ("numpy", "auto"):
        assert fp.loss(fp.RED, backend=backend) == 18.0
        assert fp.loss(fp.BLUE, backend=backend) == 14.0
        assert np.all(fp.grad(fp.RED, backend=backend) == 0.0)
        assert np.all(fp.grad(fp.BLUE, backend=backend) == 0.0)
    # red's kink at x = 3 is reported
    assert mlp.kinks(fp.RED, fp.X, fp.SIZES).tolist() == [False, False, True, False, False]


def test_reference_values_computed_from_data():
    ref = fp.reference_values()
    assert ref["14"] == 14.0 and ref["18"] == 18.0
    assert ref["21.2"] == pytest.approx(21.2, abs=1e-12)
    assert ref["21.17"] == pytest.approx(21.2 - 0.8**2 / 23.2, abs=1e-12)  # Syy - Sxy^2 / Sxx
    assert ref["21.17"] < ref["21.2"]


def test_flat_curve_keeps_loss_at_18():
    a = np.array([0.25, 0.5, 2.0, 7.0])
    pts = fp.flat_curve(a)
    np.testing.assert_allclose(pts[:, :3], np.stack([a, -3 * a, 1 / a], axis=1))
    np.testing.assert_allclose(fp.loss(pts, backend="numpy"), 18.0, atol=1e-12)
    with pytest.raises(ValueError):
        fp.flat_curve(-1.0)


def test_certificate_accepts_red_with_kink_pieces():
    cert = fp.certify_local_min(fp.RED)
    assert cert.is_local_min and cert.lower_bound == 18.0
    assert cert.kink.tolist() == [2] and cert.dead.tolist() == [0, 1]
    assert cert.active.tolist() == [3, 4]
    assert len(cert.pieces) == 2  # x = 3 active or dead
    assert cert.dead_bound == {"constant": 18.0, "n_dead": 2, "center": 0.0}  # 18 + 2 c^2
    assert cert.radius > 0.2
    np.testing.assert_allclose(cert.flat_direction, [1.0, -3.0, -1.0, 0.0])
    assert "local_min" in cert.summary()


def test_certificate_accepts_other_minima():
    for p in (fp.BLUE, fp.flat_curve(3.0), np.array([-1.0, -10.0, 1.0, 0.6])):  # dead, L = 21.2
        assert fp.certify_local_min(p).is_local_min, p
    # the linear fit with the unit active everywhere (L ~ 21.17)
    A = np.stack([fp.X, np.ones(5)], axis=1)
    slope, icpt = np.linalg.lstsq(A, fp.Y, rcond=None)[0]
    lin = np.array([slope, 10.0 * slope, 1.0, icpt - 10.0 * slope])  # z = slope (x + 10) > 0
    cert = fp.certify_local_min(lin)
    assert cert.is_local_min and cert.loss == pytest.approx(fp.reference_values()["21.17"])


@pytest.mark.parametrize(
    "p",
    [
        fp.RED + np.array([0.0, 0.0, 0.0, 0.1]),  # red with a shifted output bias
        fp.RED + np.array([0.0, 0.05, 0.0, 0.0]),  # x = 3 becomes active with a residual
        np.array([1.0, -3.0, 1.2, 0.0]),  # on a slope: wrong output weight
        np.array([1.0, -3.0, 0.0, 0.6]),  # v = 0 with a live unit: first-order descent in v
        np.array([0.0, 0.0, 0.0, 0.6]),  # every point on a kink, needs a second-order witness
    ],
)
def test_certificate_rejects_non_minima(p):
    cert = fp.certify_local_min(p)
    assert cert.verdict == "not_min"
    assert cert.witness_drop > 0
    assert fp.loss(p, backend="numpy") > cert.loss - cert.witness_drop - 1e-12


def test_certificate_bad_input():
    with pytest.raises(ValueError):
        fp.certify_local_min([1.0, 2.0, 3.0])
    with pytest.raises(ValueError):
        fp.certify_local_min(fp.RED, [1.0, 2.0], [1.0])
    with pytest.raises(ValueError):
        fp.certify_local_min(fp.RED, tol=0.0)
    with pytest.raises(ValueError):
        fp.certify_local_min([np.nan, 0.0, 0.0, 0.0])


def test_classify_endpoints():
    P = np.stack([fp.RED, fp.BLUE, [-1.0, -10.0, 1.0, 0.6], [np.inf, 0, 0, 0], [0.0, 0.0, 0.0, 5.0]])
    lab = fp.classify_endpoints(P)
    assert lab["class"].tolist() == ["18", "14", "21.2", "diverged", "other"]
    with pytest.raises(ValueError):
        fp.classify_endpoints(fp.RED)


def test_basin_statistics_small_run_in_sanity_range():
    # 2000 runs and 2000 steps: the endpoints are already settled (see the slow test for 20k steps)
    calls = []
    r = fp.basin_statistics(
        restarts=2000, seed=0, steps=2000, chunk=500, progress=lambda done, total: calls.append((done, total))
    )
    assert calls == [(500, 2000), (1000, 2000), (1500, 2000), (2000, 2000)]
    t = r.table()
    assert t["class"] == list(fp.CLASSES) and t["count"].sum() == 2000
    frac = dict(zip(t["class"], t["fraction"]))
    # paper (4000 runs): 21.2 ~42 %, 14 ~36 %, 21.17 ~13 %, 18 ~9 %; loose sanity bounds
    assert 0.33 < frac["21.2"] < 0.50
    assert 0.28 < frac["14"] < 0.44
    assert 0.08 < frac["21.17"] < 0.20
    assert 0.05 < frac["18"] < 0.15
    assert frac["other"] + frac["diverged"] < 0.02
    assert np.all(t["lo"] <= t["fraction"]) and np.all(t["fraction"] <= t["hi"])
    assert r.backend in ("cpu", "numpy") and r.config["steps"] == 2000


def test_basin_statistics_bad_input():
    with pytest.raises(ValueError):
        fp.basin_statistics(restarts=0)
    with pytest.raises(ValueError):
        fp.basin_statistics(restarts=10, lr=-1.0)
    with pytest.raises(ValueError):
        fp.basin_statistics(restarts=10, backend="gpu")


@pytest.mark.slow
def test_basin_statistics_paper_protocol():
    r = fp.basin_statistics(restarts=4000, seed=1, steps=20_000)
    paper = fp.PAPER["basin_fractions"]
    for k, f, lo, hi in zip(r.classes, r.fractions, r.lo, r.hi):
        # a Wilson 95 % interval around our fraction, at most +-1.6 points wide at 4000 runs
        assert lo <= f <= hi and hi - lo < 0.032, (k, lo, f, hi)
        if k in paper:
            assert abs(f - paper[k]) < 0.05, (k, f, paper[k])
            # the paper's 4000 runs carry the same noise: its value is within 0.05 of our interval
            assert lo - 0.05 < paper[k] < hi + 0.05, (k, lo, hi, paper[k])


def test_slices_around_red():
    s = fp.slice_1d(ts=np.linspace(-0.5, 0.5, 11), backend="numpy")
    assert s["loss"][5] == 18.0 and np.all(s["loss"] >= 18.0 - 1e-12)
    pl = fp.red_blue_plane(np.array([0.0, 1.0]), np.array([0.0, 0.5]), backend="numpy")
    assert pl["loss_grid"][0, 0] == 18.0 and pl["loss_grid"][1, 0] == pytest.approx(14.0)
    assert pl["points"].tolist() == [[0.0, 0.0], [1.0, 0.0]]
    s2 = fp.slice_2d(fp.RED, [1.0, 0, 0, 0], [0, 0, 0, 1.0], [-0.1, 0.0, 0.1], [0.0, 0.2])
    assert s2["loss_grid"].shape == (3, 2) and s2["loss_grid"][1, 0] == 18.0
    assert s2["loss_grid"][1, 1] == pytest.approx(18.0 + 5 * 0.2**2)


# --------------------------------------------------------------------------- what the page shows


def test_predict_by_hand():
    # f(x) = v relu(w x + b) + c, by hand on D1
    p = np.array([-2.0, 1.0, 0.5, -1.0])
    expected = [0.5 * max(-2.0 * x + 1.0, 0.0) - 1.0 for x in fp.X]
    np.testing.assert_allclose(fp.predict(p, fp.X), expected, rtol=0, atol=1e-15)
    np.testing.assert_array_equal(fp.predict(fp.RED, fp.X), [0.0, 0.0, 0.0, 1.0, 2.0])
    both = fp.predict(np.stack([fp.RED, fp.BLUE]), [-1.0, 0.0])
    assert both.shape == (2, 2) and both[1].tolist() == [3.0, 0.0]  # blue: relu(7 - 4) at -1, dead at 0
    assert fp.basin_work(10_000, 20_000) == 200_000_000
    with pytest.raises(TypeError, match="x must be a real number or an array of them, got the bool"):
        fp.predict(p, True)  # was taken as x = 1.0


def test_basin_to_summary_is_the_table_and_a_loss_histogram():
    import json

    r = fp.basin_statistics(restarts=300, seed=2, steps=500, backend="numpy")
    s = r.to_summary()
    json.dumps(s, allow_nan=False)
    t = r.table()
    assert s["table"]["class"] == list(fp.CLASSES) and s["table"]["count"] == t["count"].tolist()
    assert s["table"]["paper"][fp.CLASSES.index("other")] is None  # NaN -> null
    assert s["table"]["paper"][0] == fp.PAPER["basin_fractions"]["14"]
    assert s["restarts"] == 300 and s["config"] == r.config and s["backend"] == "numpy"
    assert s["loss_edges"] == fp.BASIN_LOSS_EDGES.tolist() and len(s["loss_edges"]) == 101
    h = s["hist_loss"]
    finite = r.final_loss[np.isfinite(r.final_loss)]
    assert len(h) == 100 and sum(h) == finite.size
    # by hand: bins [13 + 0.1 i, 13 + 0.1 (i + 1)); below 13 or above 23 in the end bins
    edges = np.array([float(f"{13 + i / 10:.1f}") for i in range(101)])  # 13.0, 13.1, ..., 23.0
    idx = np.clip(np.searchsorted(edges, finite, side="right") - 1, 0, 99)
    assert np.bincount(idx, minlength=100).tolist() == h


def test_slice_errors_name_the_argument():
    with pytest.raises(ValueError, match="^center must be"):
        fp.slice_1d([1.0, 2.0])
    with pytest.raises(ValueError, match="^direction must be"):
        fp.slice_1d(direction=[1.0])
    with pytest.raises(ValueError, match="^d2 must be"):
        fp.slice_2d(fp.RED, fp.BLUE, [1.0, 2.0])
    with pytest.raises(ValueError, match="^third must be"):
        fp.red_blue_plane(third=[0.0, 1.0])
    with pytest.raises(TypeError, match="^seed must be"):
        fp.red_blue_plane(seed=0.5)
