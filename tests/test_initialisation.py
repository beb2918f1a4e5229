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
