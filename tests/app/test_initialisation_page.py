"""AppTest of the Initialisation page's "The edge", "A longer budget" and "MNIST from a local file"
sections (the generic render test is in test_pages.py)."""

from __future__ import annotations

import gzip
import struct

import numpy as np
import pytest

from .conftest import PAGES, chart_data, find_chart

pytest.importorskip("streamlit")
pytest.importorskip("altair")

EDGE_CHART = "The edge: fraction of nets"
LONG_CHART = "Longer budget, permuted labels"
MNIST_CHART = "Your MNIST subset"


def open_page(at):
    at.run()
    at.switch_page(PAGES["initialisation"][0]).run()
    assert_clean(at)
    return at


def assert_clean(at):
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _table(at, column: str):
    return next(df.value for df in at.dataframe if column in df.value.columns)


def idx_bytes(arr: np.ndarray) -> bytes:
    """An idx file: magic 0x00 0x00, type 0x08 (uint8), the number of dimensions, big-endian sizes."""
    head = bytes([0, 0, 0x08, arr.ndim]) + struct.pack(">" + "I" * arr.ndim, *arr.shape)
    return head + arr.astype(np.uint8).tobytes()


@pytest.fixture
def mnist_files(tmp_path):
    """200 random 28x28 uint8 images and labels 0..9 in the MNIST idx format (images gzipped)."""
    rng = np.random.default_rng(0)
    imgs = rng.integers(0, 256, size=(200, 28, 28), dtype=np.uint8)
    labs = (np.arange(200) % 10).astype(np.uint8)
    ipath = tmp_path / "train-images-idx3-ubyte.gz"
    with gzip.open(ipath, "wb") as fh:
        fh.write(idx_bytes(imgs))
    lpath = tmp_path / "train-labels-idx1-ubyte.gz"
    with gzip.open(lpath, "wb") as fh:
        fh.write(idx_bytes(labs))
    return ipath, lpath


def test_edge_and_long_budget_render_from_the_reference(app_test):
    from relufast.experiments import initialisation as ini
    from relufast.experiments import reference

    at = open_page(app_test)
    assert find_chart(at, EDGE_CHART) is not None
    assert find_chart(at, LONG_CHART) is not None
    headers = [h.value for h in at.header]
    assert {"The edge", "A longer budget", "MNIST from a local file"} <= set(headers)
    # the crossings table shows what edge_stats computes from the shipped file
    ref = reference.load("initialisation_edge.json")
    table = _table(at, "50 % stuck at")
    assert len(table) == len(ref["sweeps"])
    for (_, row), s in zip(table.iterrows(), ref["sweeps"]):
        es = ini.edge_stats(s)
        assert row["50 % stuck at"] == f"{es['crossings']['stuck']:.3g}"
        assert row["first layer dead, closed form (MC)"] == f"{es['crossings']['layer_dead_mc']:.3g}"
        assert row["hidden layers"] == s["depth"]
    # the longer budget: the width reaching 100 % per budget is the one first_width_at computes
    long = reference.load("initialisation_long.json")
    tables = [
        df.value for df in at.dataframe if list(df.value.columns) == ["quantity", "paper", "ours", "note"]
    ]
    pvo = tables[-1].set_index("quantity")["ours"]
    for b in long["params"]["budgets"]:
        w = ini.first_width_at(long["rows"], b)
        want = f"from width {w}" if w is not None else f"no width up to {max(long['params']['widths'])}"
        assert pvo[f"every net at 100 % training accuracy, {b:,} updates"] == want
    assert any("not the paper's budget" in m.value for m in at.markdown)


def test_edge_live_rerun_with_small_sizes(app_test):
    at = open_page(app_test)
    before = chart_data(find_chart(at, EDGE_CHART))
    at.multiselect(key="in_edge_params").set_value(["bias_mean"])
    at.select_slider(key="in_edge_seeds").set_value(2)
    at.select_slider(key="in_edge_steps").set_value(50)
    at.select_slider(key="in_edge_width").set_value(8)
    at.selectbox(key="in_edge_depth").set_value(1)
    at.button(key="in_edge_run").click().run()
    assert_clean(at)
    caps = [c.value for c in at.caption if "Live run" in c.value]
    assert any("14 means x 2 nets, 50 Adam updates" in c for c in caps), caps
    assert chart_data(find_chart(at, EDGE_CHART)) != before
    table = _table(at, "50 % stuck at")
    assert list(table["sweep"]) == ["bias mean"] and list(table["hidden layers"]) == [1]


def test_edge_needs_a_sweep(app_test):
    at = open_page(app_test)
    at.multiselect(key="in_edge_params").set_value([])
    at.button(key="in_edge_run").click().run()
    assert_clean(at)
    assert any("Pick at least one swept mean" in w.value for w in at.warning)


def _mnist_controls(at):
    at.select_slider(key="in_mnist_n").set_value(200)
    at.multiselect(key="in_mnist_widths").set_value([16])
    at.select_slider(key="in_mnist_steps").set_value(50)
    return at


def test_mnist_from_a_path(app_test, mnist_files):
    ipath, _ = mnist_files
    at = open_page(app_test)
    assert find_chart(at, MNIST_CHART) is None
    at.text_input(key="in_mnist_path").set_value(str(ipath))
    _mnist_controls(at).button(key="in_mnist_run").click().run()
    assert_clean(at)
    el = find_chart(at, MNIST_CHART)
    assert el is not None and "200 images, 784 pixels" in el.proto.spec
    assert any("Live run" in c.value and "200 images" in c.value for c in at.caption)
    assert any("Majority-class rate of this subset: 10.0%" in c.value for c in at.caption)
    # the result stays on screen through an unrelated rerun
    at.select_slider(key="in_mnist_steps").set_value(100).run()
    assert find_chart(at, MNIST_CHART) is not None


def test_mnist_from_uploaded_files(app_test, mnist_files):
    ipath, lpath = mnist_files
    at = open_page(app_test)
    at.file_uploader(key="in_mnist_upload").set_value(
        [
            (ipath.name, ipath.read_bytes(), "application/gzip"),
            (lpath.name, lpath.read_bytes(), "application/gzip"),
        ]
    )
    _mnist_controls(at).button(key="in_mnist_run").click().run()
    assert_clean(at)
    assert find_chart(at, MNIST_CHART) is not None


def test_mnist_bad_input_is_a_message(app_test, tmp_path, mnist_files):
    at = open_page(app_test)
    at.button(key="in_mnist_run").click().run()
    assert not at.exception
    assert any("Give the path" in w.value for w in at.warning)
    at.text_input(key="in_mnist_path").set_value(str(tmp_path / "nope-images-idx3-ubyte"))
    at.button(key="in_mnist_run").click().run()
    assert not at.exception
    assert any("Could not read MNIST" in e.value for e in at.error)
    ipath, _ = mnist_files
    at.text_input(key="in_mnist_path").set_value("")
    at.file_uploader(key="in_mnist_upload").set_value([(ipath.name, ipath.read_bytes(), "application/gzip")])
    at.button(key="in_mnist_run").click().run()
    assert not at.exception
    assert any("labels file" in e.value for e in at.error)
