import gzip
import importlib.util
import struct

import numpy as np
import pytest

from relufast import datasets
from relufast.experiments import initialisation as ini

needs_sklearn = pytest.mark.skipif(
    importlib.util.find_spec("sklearn") is None, reason="the digits come from scikit-learn"
)


# --------------------------------------------------------------------------- datasets


@needs_sklearn
def test_digits_scaled_and_majority_rate():
    X, y = datasets.digits()
    assert X.shape == (1797, 64) and X.dtype == np.float64 and y.dtype == np.int64
    assert X.min() == 0.0 and X.max() == 1.0
    assert datasets.majority_rate(y) == pytest.approx(183 / 1797)


@needs_sklearn
def test_permuted_labels_keep_counts_and_break_the_link():
    _, y = datasets.digits()
    p = datasets.permute_labels(y, seed=0)
    np.testing.assert_array_equal(np.bincount(p), np.bincount(y))
    np.testing.assert_array_equal(p, datasets.permute_labels(y, seed=0))
    assert np.mean(p == y) < 0.2
    assert not np.array_equal(p, datasets.permute_labels(y, seed=1))


def _idx_bytes(arr, code):
    head = bytes([0, 0, code, arr.ndim]) + struct.pack(">" + "I" * arr.ndim, *arr.shape)
    return head + arr.astype(arr.dtype.newbyteorder(">")).tobytes()


@pytest.mark.parametrize("compress", [False, True])
def test_load_mnist_idx(tmp_path, compress):
    rng = np.random.default_rng(0)
    imgs = rng.integers(0, 256, size=(7, 28, 28), dtype=np.uint8)
    labs = rng.integers(0, 10, size=7, dtype=np.uint8)
    suffix = ".gz" if compress else ""
    opener = gzip.open if compress else open
    ipath = tmp_path / f"train-images-idx3-ubyte{suffix}"
    with opener(ipath, "wb") as fh:
        fh.write(_idx_bytes(imgs, 0x08))
    with opener(tmp_path / f"train-labels-idx1-ubyte{suffix}", "wb") as fh:
        fh.write(_idx_bytes(labs, 0x08))
    X, y = datasets.load_mnist(ipath)  # labels file inferred from the name
    assert X.shape == (7, 784) and y.tolist() == labs.tolist()
    np.testing.assert_allclose(X, imgs.reshape(7, -1) / 255.0)
    X3, y3 = datasets.load_mnist(ipath, limit=3)
    assert X3.shape == (3, 784) and y3.tolist() == labs[:3].tolist()


def test_load_mnist_npz(tmp_path):
    rng = np.random.default_rng(1)
    xtr = rng.integers(0, 256, size=(5, 4, 4), dtype=np.uint8)
    ytr = np.arange(5)
    path = tmp_path / "mnist.npz"
    np.savez(path, x_train=xtr, y_train=ytr, x_test=xtr[:2], y_test=ytr[:2])
    X, y = datasets.load_mnist(path)
    assert X.shape == (5, 16) and y.tolist() == [0, 1, 2, 3, 4]
    assert datasets.load_mnist(path, split="test")[0].shape == (2, 16)


def test_load_mnist_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        datasets.load_mnist(tmp_path / "nope.npz")
    bad = tmp_path / "train-images-idx3-ubyte"
    bad.write_bytes(b"\x01\x02\x03\x04garbage")
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(_idx_bytes(np.zeros(1, np.uint8), 0x08))
    with pytest.raises(ValueError, match="idx"):
        datasets.load_mnist(bad)
    trunc = tmp_path / "t-images-idx3-ubyte"
    trunc.write_bytes(_idx_bytes(np.zeros((3, 2, 2), np.uint8), 0x08)[:-3])
    (tmp_path / "t-labels-idx1-ubyte").write_bytes(_idx_bytes(np.zeros(3, np.uint8), 0x08))
    with pytest.raises(ValueError, match="truncated"):
        datasets.load_mnist(trunc)
    mism = tmp_path / "m-images-idx3-ubyte"
    mism.write_bytes(_idx_bytes(np.zeros((3, 2, 2), np.uint8), 0x08))
    (tmp_path / "m-labels-idx1-ubyte").write_bytes(_idx_bytes(np.zeros(2, np.uint8), 0x08))
    with pytest.raises(ValueError, match="labels"):
        datasets.load_mnist(mism)
    np.savez(tmp_path / "other.npz", a=np.zeros(2))
    with pytest.raises(ValueError):
        datasets.load_mnist(tmp_path / "other.npz")
    with pytest.raises(ValueError):
        datasets.load_mnist(tmp_path / "other.npz", split="valid")


def test_label_helpers_bad_input():
    for bad in ([], [[1, 2]], [1.5, 2.0], [-1, 2], [True, False]):
        with pytest.raises(ValueError):
            datasets.majority_rate(bad)
    np.testing.assert_array_equal(datasets.one_hot([0, 2], 3), [[1, 0, 0], [0, 0, 1]])
    with pytest.raises(ValueError):
        datasets.one_hot([0, 3], 3)


# --------------------------------------------------------------------------- experiment


@needs_sklearn
def test_stuck_columns_start_dead_and_zero_mean_columns_do_not():
    X, _ = datasets.digits()
    for depth in (2, 5):
        sizes = ini.sizes_for(depth, 32)
        assert sizes == [64] + [32] * depth + [10]
        from relufast.experiments.blind_spot import in_blind_spot

        for c in ini.COLUMNS:
            p = ini.init_column(c, sizes, seed=0)
            assert in_blind_spot(p, X, sizes) == c.stuck, (c.name, depth)
    assert sum(c.stuck for c in ini.COLUMNS) == 3
    assert sum(c.weight_mean == 0 and c.bias_mean == 0 for c in ini.COLUMNS) == 2


@needs_sklearn
def test_small_run_zero_mean_trains_stuck_stays_at_majority_rate():
    r = ini.run(
        widths=(16,),
        depths=(2, 5),
        columns=("he", "small", "neg_w", "neg_b", "neg_w_wide"),
        seeds=(0,),
        steps=300,
    )
    rows = r.rows
    assert len(rows["column"]) == 10 and set(rows["labels"]) == {"real"}
    good = np.isin(rows["column"], ["he", "small"])
    assert np.all(rows["train_accuracy"][good] > 0.6)  # chance is 0.10
    stuck = ~good
    assert np.all(rows["dead_at_init"][stuck]) and np.all(rows["dead_at_end"][stuck])
    # a constant classifier: at most the majority-class rate, at least the rarest class rate
    assert np.all(rows["train_accuracy"][stuck] <= r.majority_rate + 1e-12)
    assert np.all(rows["train_accuracy"][stuck] >= 0.09)
    s = r.summary()
    assert len(s["column"]) == 10 and s["nets"].sum() == 10


@needs_sklearn
def test_permuted_labels_run():
    r = ini.run(widths=(8,), depths=(2,), columns=("he", "neg_b"), seeds=(0,), steps=50, labels="permuted")
    assert set(r.rows["labels"]) == {"permuted"}
    assert r.rows["train_accuracy"][1] <= r.majority_rate + 1e-12


def test_run_on_user_data():
    rng = np.random.default_rng(0)
    X = rng.random((40, 6))
    y = (X[:, 0] > 0.5).astype(int)
    r = ini.run(
        widths=(4,), depths=(2,), columns=("he",), seeds=(0, 1), steps=20, data=(X, y), batch_size=None
    )
    assert r.n_classes == 2 and r.rows["train_accuracy"].shape == (2,)


@pytest.mark.parametrize(
    "kw",
    [
        {"widths": ()},
        {"widths": (0,)},
        {"depths": (2.5,)},
        {"columns": ("bogus",)},
        {"columns": ()},
        {"labels": "shuffled"},
        {"steps": 0},
        {"lr": 0.0},
        {"backend": "gpu"},
        {"data": (np.zeros((3, 2)), np.array([0, 1]))},
    ],
)
def test_run_bad_input(kw):
    with pytest.raises(ValueError):
        ini.run(**{"widths": (4,), "depths": (2,), "seeds": (0,), "steps": 1, **kw})


# --------------------------------------------------------------------------- what the page shows


def _params_by_hand(depth, width, d_in=64, n_classes=10):
    # weights and biases of [d_in] + [width] * depth + [n_classes]
    return d_in * width + width + (depth - 1) * (width * width + width) + width * n_classes + n_classes


def test_work_and_estimate_seconds_by_hand():
    assert _params_by_hand(2, 16) == 1482
    P = _params_by_hand(2, 16) + _params_by_hand(2, 32) + _params_by_hand(5, 16) + _params_by_hand(5, 32)
    # parameters x 5 columns x 2 seeds x 300 updates x batch 128 x 2 label sets
    w = P * 5 * 2 * 300 * 128 * 2
    assert ini.work([16, 32], [2, 5], range(2), 300, ["real", "permuted"], 128) == w
    assert ini.work([16], [2], [0], 10, ["real"], None) == 1482 * 5 * 10 * 1797  # full batch
    # 1e9 multiply-adds per second and thread; NumPy 20x slower (and single-threaded)
    est = ini.estimate_seconds([16, 32], [2, 5], range(2), 300, ["real", "permuted"], 128, "cpu", threads=2)
    assert est == pytest.approx(w / 2e9)
    assert ini.estimate_seconds([16], [2], [0], 600, ["real"], 128, "auto") == pytest.approx(
        1482 * 5 * 600 * 128 / 1e9
    )
    assert ini.estimate_seconds([16], [2], [0], 600, ["real"], 128, "numpy", threads=4) == pytest.approx(
        20 * 1482 * 5 * 600 * 128 / 4e9
    )


def test_figure_stats_by_hand():
    rows = {
        "column": ["he", "small", "neg_w", "neg_b", "neg_w_wide", "he", "small", "neg_w"],
        "labels": ["real"] * 5 + ["permuted"] * 3,
        "train_accuracy": [0.95, 0.85, 0.10, 0.11, 0.09, 0.40, 0.55, 0.13],
        "dead_at_init": [False, False, True, True, True, False, False, True],
        "dead_at_end": [False, False, True, True, False, False, False, True],
    }
    st = ini.figure_stats({"rows": rows, "majority_rate": {"real": 0.102, "permuted": 0.101}})
    assert st["majority"] == 0.101 and st["stuck_nets"] == 4
    assert st["stuck_mean"] == pytest.approx((0.10 + 0.11 + 0.09 + 0.13) / 4)
    assert st["stuck_max"] == 0.13
    assert st["stuck_dead_at_init"] == 1.0 and st["stuck_dead_at_end"] == 0.75
    assert st["trains_real_mean"] == pytest.approx(0.90) and st["trains_permuted_best"] == 0.55
    assert st["stuck_at_chance"]  # 0.13 < 0.101 + 0.05
    assert not ini.figure_stats({"rows": rows, "majority_rate": {"real": 0.05}})["stuck_at_chance"]
    # no stuck column and no permuted labels: nothing to say about them
    few = {k: v[:2] for k, v in rows.items()}
    st = ini.figure_stats({"rows": few, "majority_rate": {"real": 0.102}})
    assert st["stuck_nets"] == 0 and st["stuck_mean"] is None and st["stuck_dead_at_end"] is None
    assert st["trains_permuted_best"] is None and st["stuck_at_chance"] is False


@needs_sklearn
def test_figure_summary_concatenates_label_sets():
    import json

    seen = []
    out = ini.figure_summary(
        [8],
        [1, 2],
        [0],
        5,
        ["real", "permuted"],
        1e-3,
        64,
        "numpy",
        progress=lambda d, t: seen.append((d, t)),
    )
    json.dumps(out, allow_nan=False)
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert len(out["rows"]["column"]) == 2 * 2 * 5  # labels x depths x columns
    assert out["rows"]["labels"] == ["real"] * 10 + ["permuted"] * 10
    assert out["params"] == {
        "widths": [8],
        "depths": [1, 2],
        "seeds": [0],
        "steps": 5,
        "labels": ["real", "permuted"],
        "lr": 1e-3,
        "batch_size": 64,
    }
    assert out["backend"] == "numpy" and set(out["majority_rate"]) == {"real", "permuted"}
    r = ini.run([8], [1, 2], seeds=[0], steps=5, labels="permuted", backend="numpy", lr=1e-3, batch_size=64)
    assert out["rows"]["train_accuracy"][10:] == r.rows["train_accuracy"].tolist()
    assert out["majority_rate"]["permuted"] == r.majority_rate


def test_load_mnist_float_labels_whole_numbers_only(tmp_path):
    path = tmp_path / "mnist.npz"
    x = np.zeros((3, 2, 2), np.uint8)
    np.savez(path, x_train=x, y_train=np.array([1.0, 0.0, 2.0]))
    assert datasets.load_mnist(path)[1].tolist() == [1, 0, 2]  # whole floats are labels
    for bad in ([1.5, 0.0, 2.0], [1.0, np.nan, 2.0]):
        np.savez(path, x_train=x, y_train=np.array(bad))
        with pytest.raises(ValueError, match="labels must be whole numbers"):
            datasets.load_mnist(path)  # was silently truncated to 1


def test_permute_labels_refuses_float_seeds():
    with pytest.raises(TypeError, match="seed"):
        datasets.permute_labels([0, 1, 2], seed=1.5)


def test_one_hot_refuses_a_huge_num_classes_up_front(monkeypatch):
    monkeypatch.setenv("RELUFAST_MEMORY_BUDGET", "64M")
    with pytest.raises(MemoryError, match="one_hot of 2 labels with num_classes=2147483648 would need"):
        datasets.one_hot([0, 1], 2**31)


def _idx(path, data):
    with open(path, "wb") as fh:
        fh.write(data)
    return str(path)


@pytest.mark.parametrize(
    "data, match",
    [
        (bytes([0, 0, 8, 3]) + struct.pack(">III", 1, 2, 2) + b"\0" * 40, "more data than"),  # was read
        (bytes([0, 0, 8, 3]) + struct.pack(">III", 2**31, 2**31, 2**31), "memory"),  # np.prod wrapped to 0
        (bytes([0, 0, 8, 255]) + b"\0\0\0\1" * 255, "255 dimensions"),
        (b"\x1f\x8b" + b"garbage" * 10, "not a readable gzipped idx file"),  # BadGzipFile
    ],
)
def test_read_idx_refuses_hostile_files(tmp_path, data, match):
    with pytest.raises(ValueError, match=match):
        datasets.read_idx(_idx(tmp_path / "train-images-idx3-ubyte", data))


def test_load_mnist_names_a_corrupt_npz_and_check_labels_does_not_wrap(tmp_path):
    with pytest.raises(ValueError, match="not a readable .npz archive"):  # BadZipFile before
        datasets.load_mnist(_idx(tmp_path / "mnist.npz", b"PK\x03\x04 garbage"))
    with pytest.raises(ValueError, match="below 2\\*\\*63"):
        datasets.check_labels([2**63])  # was array([-9223372036854775808])


# --------------------------------------------------------------------------- the edge


def test_edge_column_moves_one_mean_of_the_stuck_column():
    c = ini.edge_column("weight_mean", -0.05)
    assert (c.weight_mean, c.weight_std, c.bias_mean, c.bias_std) == (-0.05, 0.1, 0.0, 0.1)
    c = ini.edge_column("bias_mean", -5)
    neg_b = ini.column("neg_b")
    assert (c.weight_mean, c.weight_std, c.bias_mean, c.bias_std) == (
        neg_b.weight_mean,
        neg_b.weight_std,
        neg_b.bias_mean,
        neg_b.bias_std,
    )
    small = ini.column("small")
    for p in ini.EDGE_SWEEPS:
        z = ini.edge_column(p, 0.0)
        assert (z.weight_mean, z.weight_std, z.bias_mean, z.bias_std) == (
            small.weight_mean,
            small.weight_std,
            small.bias_mean,
            small.bias_std,
        )
        assert ini.EDGE_MEANS[p][0] == 0.0
        assert ini.EDGE_MEANS[p][-1] == getattr(ini.column(ini.EDGE_SWEEPS[p]), p)


@pytest.mark.parametrize("param, mean", [("weight_std", -1.0), ("weight_mean", np.nan), ("bias_mean", "x")])
def test_edge_column_bad_input(param, mean):
    with pytest.raises(ValueError, match="param|mean"):
        ini.edge_column(param, mean)


def _phi(t):
    import math

    return 0.5 * math.erfc(-t / math.sqrt(2))


def test_dead_unit_bounds_by_hand():
    # one image: m = -0.4, s = 0.2, both bounds are Phi(2)
    lo, hi = ini.dead_unit_bounds(np.ones((1, 4)), -0.1, 0.1, 0.0, 0.0)
    assert lo == pytest.approx(_phi(2.0), abs=1e-15) and hi == pytest.approx(_phi(2.0), abs=1e-15)
    # two images: alive with P = Phi(-2 / sqrt(.75)) and Phi(-1 / sqrt(.5))
    a1, a2 = _phi(-2 / np.sqrt(0.75)), _phi(-1 / np.sqrt(0.5))
    lo, hi = ini.dead_unit_bounds([[1.0, 1.0], [1.0, 0.0]], -1.0, 0.5, 0.0, 0.5)
    assert lo == pytest.approx(1 - a1 - a2, abs=1e-14) and hi == pytest.approx(1 - a2, abs=1e-14)
    # no randomness: dead iff every m_n <= 0
    assert ini.dead_unit_bounds([[1.0], [2.0]], -1.0, 0.0, 0.0, 0.0) == (1.0, 1.0)
    assert ini.dead_unit_bounds([[1.0], [2.0]], -1.0, 0.0, 1.5, 0.0) == (0.0, 0.0)
    # far in the tail the bounds meet (and the union bound does not go negative)
    assert ini.dead_unit_bounds(np.ones((3, 2)), 0.0, 0.1, 5.0, 0.1) == (0.0, pytest.approx(0.0, abs=1e-300))


def _digits_or_random():
    if importlib.util.find_spec("sklearn") is not None:
        return datasets.digits()[0]
    return np.random.default_rng(0).random((300, 64))


@pytest.mark.parametrize(
    "mw, mb", [(-0.03, 0.0), (-0.06, 0.0), (-0.08, 0.0), (0.0, -0.5), (0.0, -1.25), (0.0, -1.5), (0.0, 0.0)]
)
def test_monte_carlo_sits_between_the_bounds(mw, mb):
    X = _digits_or_random()
    lo, hi = ini.dead_unit_bounds(X, mw, 0.1, mb, 0.1)
    p, se = ini.dead_unit_monte_carlo(X, mw, 0.1, mb, 0.1, draws=4000, seed=1)
    tol = 4 * max(se, np.sqrt(0.25 / 4000) / 10)  # binomial, floored for p near 0 or 1
    assert lo - tol <= p <= hi + tol, (lo, p, hi)
    assert 0.0 <= lo <= hi <= 1.0


def test_monte_carlo_matches_the_one_image_closed_form():
    p, se = ini.dead_unit_monte_carlo(np.ones((1, 4)), -0.1, 0.1, 0.0, 0.0, draws=40_000, seed=3)
    assert abs(p - _phi(2.0)) < 4 * se
    assert ini.dead_unit_monte_carlo(np.ones((1, 4)), -0.1, 0.1, 0.0, 0.0, draws=500, seed=3) == (
        ini.dead_unit_monte_carlo(np.ones((1, 4)), -0.1, 0.1, 0.0, 0.0, draws=500, seed=3)
    )


@needs_sklearn
@pytest.mark.parametrize("param, mean, width", [("weight_mean", -0.07, 8), ("bias_mean", -1.5, 8)])
def test_measured_dead_at_init_agrees_with_the_closed_form(param, mean, width):
    """Nets drawn as the sweep draws them: their dead first-layer units and dead first layers."""
    from relufast import train
    from relufast.experiments.blind_spot import dead_layers

    X, _ = datasets.digits()
    c = ini.edge_column(param, mean)
    sizes = ini.sizes_for(2, width)
    nets = 400
    P0 = train.init_params(sizes, nets, seed=7, **c.init_kwargs())
    from relufast import mlp

    W1, b1 = mlp.unpack(P0, sizes, True)[0]  # (nets, width, 64), (nets, width)
    Z = np.einsum("nj,rhj->rnh", X, W1) + b1[:, None, :]
    unit_dead = np.all(Z <= 0, axis=1)  # (nets, width)
    layer_dead = unit_dead.all(axis=1)
    np.testing.assert_array_equal(layer_dead, dead_layers(P0, X, sizes)[:, 0])  # same layout as the lib
    lo, hi = ini.dead_unit_bounds(X, c.weight_mean, c.weight_std, c.bias_mean, c.bias_std)
    p, se = ini.dead_unit_monte_carlo(X, c.weight_mean, c.weight_std, c.bias_mean, c.bias_std, draws=20_000)
    assert 0.0 < hi < 1.0 and lo < hi  # the bounds say something here (the test can fail)
    # units of one layer and of different nets are independent draws of the same unit
    f_units = unit_dead.mean()
    se_units = np.sqrt(p * (1 - p) / unit_dead.size) + se
    assert abs(f_units - p) < 4 * se_units, (f_units, p)
    assert lo - 4 * se_units <= f_units <= hi + 4 * se_units
    # a whole layer: p^width, between lo^width and hi^width
    f_layer = layer_dead.mean()
    se_layer = np.sqrt(max(p**width * (1 - p**width), 1e-4) / nets)
    assert lo**width - 4 * se_layer <= f_layer <= hi**width + 4 * se_layer
    assert abs(f_layer - p**width) < 4 * se_layer + width * p ** (width - 1) * 4 * se


@pytest.mark.parametrize(
    "args",
    [
        (np.ones(4), 0.0, 0.1, 0.0, 0.1),  # X must be 2-D
        (np.full((2, 2), np.nan), 0.0, 0.1, 0.0, 0.1),
        (np.ones((2, 2)), np.nan, 0.1, 0.0, 0.1),
        (np.ones((2, 2)), 0.0, -0.1, 0.0, 0.1),
        (np.ones((2, 2)), 0.0, 0.1, 0.0, -1.0),
        (np.ones((2, 2)), 0.0, 0.1, np.inf, 0.1),
        (np.ones((2, 2)), True, 0.1, 0.0, 0.1),
        (np.ones((0, 2)), 0.0, 0.1, 0.0, 0.1),
    ],
)
def test_dead_unit_functions_bad_input(args):
    with pytest.raises(ValueError, match="X|weight_mean|weight_std|bias_mean|bias_std"):
        ini.dead_unit_bounds(*args)
    with pytest.raises(ValueError, match="X|weight_mean|weight_std|bias_mean|bias_std"):
        ini.dead_unit_monte_carlo(*args, draws=10)


def test_dead_unit_monte_carlo_bad_draws_and_seed():
    with pytest.raises(ValueError, match="draws"):
        ini.dead_unit_monte_carlo(np.ones((1, 2)), 0.0, 0.1, 0.0, 0.1, draws=0)
    with pytest.raises(ValueError, match="seed"):
        ini.dead_unit_monte_carlo(np.ones((1, 2)), 0.0, 0.1, 0.0, 0.1, seed=-1)


def test_edge_crossing_by_hand_and_bad_input():
    assert ini.edge_crossing([0.0, -0.1, -0.2, -0.3], [0.0, 0.25, 0.75, 1.0]) == pytest.approx(-0.15)
    assert ini.edge_crossing([0.0, -1.0], [0.6, 1.0]) == 0.0  # already past the level at the start
    assert ini.edge_crossing([0.0, -1.0, -2.0], [0.0, None, 1.0]) == pytest.approx(-1.0)  # gap skipped
    assert ini.edge_crossing([0.0, -1.0, -2.0], [0.0, 0.5, 1.0], level=0.9) == pytest.approx(-1.8)
    assert ini.edge_crossing([0.0], [0.1]) is None
    with pytest.raises(ValueError, match="values"):
        ini.edge_crossing([0.0, 1.0], [0.0])
    with pytest.raises(ValueError, match="means"):
        ini.edge_crossing([], [])
    with pytest.raises(ValueError, match="means"):
        ini.edge_crossing([0.0, np.nan], [0.0, 1.0])
    for level in (0.0, 1.0, np.nan):
        with pytest.raises(ValueError, match="level"):
            ini.edge_crossing([0.0, 1.0], [0.0, 1.0], level=level)


@needs_sklearn
def test_small_edge_sweep_is_consistent():
    from relufast.experiments.blind_spot import in_blind_spot

    means = [0.0, -0.07, -0.08, -1.0]
    r = ini.edge_sweep("weight_mean", means, width=8, seeds=range(6), steps=100, mc_draws=500)
    pts, nets = r.points, r.nets
    assert pts["mean"].tolist() == means and pts["nets"].tolist() == [6] * 4
    assert nets["mean"].shape == (24,)
    # the fractions are the per-net flags averaged
    for k in ("stuck", "dead_at_init", "dead_at_end", "first_layer_dead_at_init", "partly_dead_at_init"):
        np.testing.assert_allclose(pts[k], nets[k].reshape(4, 6).mean(axis=1))
    # dead_at_init is in_blind_spot of the very nets the sweep trained
    sizes = ini.sizes_for(2, 8)
    for i, m in enumerate(means):
        P0 = np.stack([ini.init_column(ini.edge_column("weight_mean", m), sizes, s) for s in range(6)])
        X, _ = datasets.digits()
        np.testing.assert_array_equal(in_blind_spot(P0, X, sizes), nets["dead_at_init"][6 * i : 6 * i + 6])
    # theory: the blind spot is absorbing, a dead first layer is a blind spot, a unit dead on every
    # image gets no gradient (so the dead first-layer units at the end include those at init)
    assert np.all(nets["dead_at_end"] >= nets["dead_at_init"])
    assert np.all(nets["stuck"] >= nets["dead_at_end"])
    assert np.all(nets["dead_at_init"] >= nets["first_layer_dead_at_init"])
    assert np.all(nets["dead_units_end"] >= nets["dead_units_init"])
    assert pts["revived_first_layer"].tolist() == [0, 0, 0, 0]
    assert not np.any(nets["partly_dead_at_init"] & nets["dead_at_init"])
    # the working end trains, the stuck end does not
    assert pts["stuck"][0] == 0.0 and pts["stuck"][-1] == 1.0 and pts["dead_at_init"][-1] == 1.0
    # the closed form: bounds around the Monte Carlo, layer = unit ** width
    assert np.all(pts["unit_dead_lower"] <= pts["unit_dead_upper"])
    np.testing.assert_allclose(pts["layer_dead_mc"], pts["unit_dead_mc"] ** 8)
    c = r.crossing()
    assert c is not None and -1.0 <= c <= 0.0 and r.crossings()["stuck"] == c
    s = r.to_summary()
    import json

    json.dumps(s, allow_nan=False)
    assert s["param"] == "weight_mean" and s["params"]["width"] == 8 and len(s["points"]["mean"]) == 4
    with pytest.raises(ValueError, match="key"):
        r.crossing("bogus")


@needs_sklearn
def test_edge_sweep_stops_when_progress_says_so():
    seen = []
    r = ini.edge_sweep(
        "bias_mean",
        [0.0, -1.0, -5.0],
        width=4,
        seeds=[0],
        steps=5,
        mc_draws=50,
        progress=lambda d, t: seen.append((d, t)) or d < 2,
    )
    assert seen == [(1, 3), (2, 3)] and r.points["mean"].tolist() == [0.0, -1.0]


@pytest.mark.parametrize(
    "kw",
    [
        {"param": "std"},
        {"means": []},
        {"means": [0.0, np.nan]},
        {"means": "0,-1"},
        {"means": [0.0, None]},
        {"width": 0},
        {"depth": 0},
        {"seeds": []},
        {"seeds": [-1]},
        {"steps": 0},
        {"mc_draws": 0},
        {"margin": -0.1},
        {"labels": "shuffled"},
        {"lr": -1.0},
        {"backend": "gpu"},
    ],
)
def test_edge_sweep_bad_input(kw):
    rng = np.random.default_rng(0)
    data = (rng.random((20, 3)), np.arange(20) % 2)
    args = {"param": "bias_mean", "means": [0.0], "width": 2, "seeds": [0], "steps": 1, "data": data, **kw}
    with pytest.raises(ValueError):
        ini.edge_sweep(**args)


def test_edge_summary_on_user_data_and_bad_input():
    rng = np.random.default_rng(0)
    data = (rng.random((30, 3)), np.arange(30) % 3)
    out = ini.edge_summary(
        ["bias_mean", "weight_mean"],
        [1, 2],
        width=3,
        seeds=[0, 1],
        steps=3,
        means={"bias_mean": [0.0, -5.0], "weight_mean": [0.0]},
        data=data,
        mc_draws=20,
    )
    assert [(s["param"], s["depth"]) for s in out["sweeps"]] == [
        ("bias_mean", 1),
        ("weight_mean", 1),
        ("bias_mean", 2),
        ("weight_mean", 2),
    ]
    assert out["sweeps"][0]["points"]["dead_at_init"] == [0.0, 1.0]
    with pytest.raises(ValueError, match="param"):
        ini.edge_summary(["std"], data=data)
    with pytest.raises(ValueError, match="params"):
        ini.edge_summary([], data=data)
    with pytest.raises(ValueError, match="means"):
        ini.edge_summary(["bias_mean"], means={"std": [0.0]}, data=data)
    with pytest.raises(ValueError, match="depths"):
        ini.edge_summary(["bias_mean"], [], data=data)


def test_edge_work_and_estimate_by_hand():
    P = _params_by_hand(2, 32) + _params_by_hand(5, 32)
    assert ini.edge_work(28, [2, 5], 32, 4, 300, 128) == P * 28 * 4 * 300 * 128
    assert ini.edge_estimate_seconds(28, [2, 5], 32, 4, 300, 128, "cpu", threads=2) == pytest.approx(
        P * 28 * 4 * 300 * 128 / 2e9
    )
    assert ini.edge_estimate_seconds(1, [2], 32, 1, 1, None, "numpy") == pytest.approx(
        20 * _params_by_hand(2, 32) * 1797 / 1e9
    )


def test_work_counts_other_data():
    # MNIST: 784 inputs; a batch larger than the data set counts the data set
    P = 784 * 16 + 16 + 16 * 16 + 16 + 16 * 10 + 10
    assert ini.work([16], [2], [0], 10, ["real"], 128, d_in=784, n_examples=1000) == P * 5 * 10 * 128
    assert ini.work([16], [2], [0], 10, ["real"], 2000, d_in=784, n_examples=1000) == P * 5 * 10 * 1000
    assert ini.work([16], [2], [0], 10, ["real"], None, d_in=784, n_examples=200) == P * 5 * 10 * 200


def test_edge_stats_and_bad_input():
    pts = {
        "mean": [0.0, -0.1, -0.2],
        "stuck": [0.0, 0.5, 1.0],
        "dead_at_init": [0.0, 0.125, 1.0],
        "partly_dead_at_init": [1.0, 0.5, 0.0],
        "revived": [0.25, 0.75, 0.0],
        "revived_units": [2.0, 1.0, 0.0],
        "revived_first_layer": [0, 0, 0],
    }
    st = ini.edge_stats({"points": pts, "crossings": {"stuck": -0.1}})
    assert st["stuck_alive_max"] == 0.375 and st["stuck_alive_at"] == -0.1
    assert st["partly_dead_max"] == 1.0 and st["revived_max"] == 0.75 and st["revived_units_max"] == 2.0
    assert st["crossings"] == {"stuck": -0.1}
    with pytest.raises(ValueError, match="sweep"):
        ini.edge_stats({"crossings": {}})


@pytest.mark.slow
@needs_sklearn
@pytest.mark.parametrize("param", list(ini.EDGE_SWEEPS))
def test_default_edge_sweep(param):
    """The shipped sweep at depth 2: the measured first layer follows the closed form, the edge lies
    inside the grid, and stuck nets are (nearly) those that start in the blind spot."""
    r = ini.edge_sweep(param, seeds=range(32))
    pts = r.points
    n = pts["nets"]
    p_layer = pts["layer_dead_mc"]
    tol = 4 * np.sqrt(np.maximum(p_layer * (1 - p_layer), 1 / n) / n) + 0.02
    assert np.all(pts["first_layer_dead_at_init"] >= pts["layer_dead_lower"] - tol)
    assert np.all(pts["first_layer_dead_at_init"] <= pts["layer_dead_upper"] + tol)
    assert np.all(np.abs(pts["first_layer_dead_at_init"] - p_layer) <= tol + 0.1)
    c = r.crossing()
    assert c is not None and ini.EDGE_MEANS[param][-1] < c < 0
    assert pts["stuck"][0] == 0.0 and pts["stuck"][-1] == 1.0
    assert np.all(pts["revived_first_layer"] == 0)


# --------------------------------------------------------------------------- a longer budget


def test_first_width_at_by_hand_and_bad_input():
    rows = {
        "steps": [10] * 6 + [20] * 3,
        "width": [8, 8, 16, 16, 32, 32, 8, 16, 32],
        "train_accuracy": [1.0, 0.9, 1.0, 1.0, 1.0, 1.0, 0.5, 1.0, 1.0],
    }
    assert ini.first_width_at(rows, 10) == 16  # one net of width 8 falls short
    assert ini.first_width_at(rows, 20) == 16
    assert ini.first_width_at(rows, 10, accuracy=0.9) == 8
    rows["train_accuracy"][-1] = 0.99
    assert ini.first_width_at(rows, 20) is None  # the widest falls short
    assert ini.first_width_at(rows, 30) is None
    with pytest.raises(ValueError, match="rows"):
        ini.first_width_at({"steps": [1]}, 1)


def test_budget_sweep_small_budgets_are_checkpoints_of_the_long_one():
    rng = np.random.default_rng(0)
    X = rng.random((40, 5))
    y = (X[:, 0] > 0.5).astype(int)
    seen = []
    out = ini.budget_sweep(
        [2, 6],
        [10, 30],
        columns=["he"],
        seeds=[0],
        labels="real",
        data=(X, y),
        batch_size=8,
        progress=lambda d, t: seen.append((d, t)),
    )
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]
    rows = out["rows"]
    assert rows["steps"] == [10, 10, 30, 30] and rows["width"] == [2, 6, 2, 6]
    assert len(out["seconds"]["wall_s"]) == 4 and out["params"]["budgets"] == [10, 30]
    assert set(out["first_width_at_100"]) == {"10", "30"}
    r = ini.run([6], [2], columns=["he"], seeds=[0], steps=30, data=(X, y), batch_size=8)
    assert rows["train_accuracy"][3] == r.rows["train_accuracy"][0]


@pytest.mark.parametrize("kw", [{"widths": []}, {"budgets": [0]}, {"columns": ["bogus"]}, {"depth": 0}])
def test_budget_sweep_bad_input(kw):
    rng = np.random.default_rng(0)
    data = (rng.random((10, 3)), np.arange(10) % 2)
    with pytest.raises(ValueError):
        ini.budget_sweep(**{"widths": [2], "budgets": [1], "data": data, **kw})


# --------------------------------------------------------------------------- shipped results


def test_shipped_edge_and_long_budget_references():
    from relufast.experiments import reference

    edge = reference.load("initialisation_edge.json")
    assert edge is not None and edge["meta"]["source"] == "reference"
    for s in edge["sweeps"]:
        assert s["param"] in ini.EDGE_SWEEPS and s["crossings"]["stuck"] is not None
        # crossings stored are those of the stored points (nothing typed in by hand)
        assert s["crossings"]["stuck"] == ini.edge_crossing(s["points"]["mean"], s["points"]["stuck"])
        assert all(v == 0 for v in s["points"]["revived_first_layer"])
    long = reference.load("initialisation_long.json")
    assert long is not None and long["params"]["labels"] == "permuted"
    for b, w in long["first_width_at_100"].items():
        assert w == ini.first_width_at(long["rows"], int(b))
    assert "machine" in long["meta"]
