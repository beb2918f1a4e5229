"""The CUDA tiny-net trainer ([1, h, 1] ReLU nets, h <= 8, sse/mse, full batch, GD and Adam).

On every machine (marker ``core``): the per-restart arithmetic each CUDA thread runs
(``csrc/mlp/tiny_restart.hpp``) runs on the host through ``_core.mlp_tiny_train_per_restart`` and
is held to the C++ lane kernel (``_core.mlp_train``) and to the NumPy reference trainer; bad input
is a ValueError; the registry's ``accepts``/``case`` picks the backend per net, shown with the
CUDA backend's own glue and ``tiny_case_reason`` over the host twin.

With a device (marker ``cuda``; skipped with the reason elsewhere): the device kernel against the
C++ kernel on the five-point data, 1e-10.
"""

import re

import numpy as np
import pytest

from relufast import _kernels, backend
from relufast.backends import cuda as cuda_backend
from relufast.backends._native import mlp_train_kernel
from relufast.experiments import five_points as fp
from relufast.objectives.mlp import Problem
from relufast.optim import TrainOptions
from relufast.train import TrainState, train

core = pytest.importorskip("relufast._core")

# Endpoint tolerances, relative to the largest parameter, after 150 steps. Both paths run the same
# formulas in the same order with the same fmas (tiny_restart.hpp writes out the multiply-adds the
# lane kernel's compiler contracts), and measured here (AVX-512) they agree bit for bit, GD and
# Adam. The tolerances leave room for what can still differ elsewhere: Adam's square root and
# division are AVX-512 estimates (~1 ulp, not always correctly rounded) in the lane kernel and
# exact in the per-restart path, and another compiler may contract differently. Far below any real
# difference (a wrong gradient term moves an endpoint by ~1e-3).
GD_TOL = 1e-14
ADAM_TOL = 1e-12


def _rel(a, b):
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


def _data(N=7, seed=3):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(N, 1)), rng.normal(size=(N, 1))


def _run(fn, p0, X, Y, net, loss, optimizer, chunks, t0, lr=0.01, labels=None):
    """Train p0 in chunks of the given sizes (Adam's step counter from t0); returns (p, m, v)."""
    p, m, v = p0.copy(), np.zeros_like(p0), np.zeros_like(p0)
    t = t0
    for n in chunks:
        fn(p, m, v, X, Y, labels, net, loss, core.TrainOptions(optimizer=optimizer, lr=lr, steps=n, t0=t))
        t += n
    return p, m, v


@pytest.mark.core
@pytest.mark.parametrize("h", range(1, 9))
@pytest.mark.parametrize("output_bias", [True, False])
@pytest.mark.parametrize("loss", [0, 1])  # sse, mse
@pytest.mark.parametrize("optimizer", [0, 1])  # gd, adam
def test_host_twin_matches_the_lane_kernel(h, output_bias, loss, optimizer):
    X, Y = _data()
    net = core.Net([1, h, 1], output_bias)
    R = 21  # not a multiple of the lanes: a partial block in the lane kernel
    p0 = 0.7 * np.random.default_rng(h).normal(size=(R, net.n_params))
    tol = ADAM_TOL if optimizer else GD_TOL
    for chunks, t0 in [((150,), 0), ((1, 149), 0), ((64, 86), 7)]:
        want = _run(core.mlp_train, p0, X, Y, net, loss, optimizer, (150,), t0)
        got = _run(core.mlp_tiny_train_per_restart, p0, X, Y, net, loss, optimizer, chunks, t0)
        assert _rel(want[0], p0) > 1e-3  # it trained
        assert _rel(got[0], want[0]) < tol, (chunks, t0)
        if optimizer:
            assert _rel(got[1], want[1]) < tol and _rel(got[2], want[2]) < tol
    # Adam's step counter matters: t0 = 7 is not t0 = 0
    if optimizer:
        a = _run(core.mlp_tiny_train_per_restart, p0, X, Y, net, loss, optimizer, (150,), 0)[0]
        b = _run(core.mlp_tiny_train_per_restart, p0, X, Y, net, loss, optimizer, (150,), 7)[0]
        assert _rel(a, b) > 1e-6


@pytest.mark.core
@pytest.mark.parametrize("sizes", [(1, 1, 1), (1, 3, 1), (1, 8, 1)])
@pytest.mark.parametrize("loss", ["sse", "mse"])
@pytest.mark.parametrize("optimizer", ["gd", "adam"])
def test_host_twin_matches_the_numpy_reference(sizes, loss, optimizer):
    """Through the CUDA backend's registry glue (mlp_train_kernel) over the host twin."""
    X, Y = _data(N=9, seed=4)
    prob = Problem.of(X, Y, sizes, loss, True, "relu")
    p0 = 0.7 * np.random.default_rng(1).normal(size=(13, prob.net.P))
    opt = TrainOptions(optimizer=optimizer, lr=0.01, steps=120, t0=3)
    twin = mlp_train_kernel(core, core.mlp_tiny_train_per_restart)
    ref = backend.get("mlp", "train_chunk", "numpy")
    out = []
    for fn in (twin, ref):
        adam = optimizer == "adam"
        s = TrainState(p0.copy(), np.zeros_like(p0) if adam else None, np.zeros_like(p0) if adam else None)
        fn(prob, s, opt)
        out.append(s.p)
    assert _rel(out[1], p0) > 1e-3
    assert _rel(out[0], out[1]) < 1e-12  # measured 6e-16 at worst


@pytest.mark.core
@pytest.mark.parametrize(
    "sizes, loss, batch, activation, what",
    [
        ([2, 3, 1], 0, 0, 0, r"\[1, h, 1\] net"),
        ([1, 3, 2], 0, 0, 0, r"\[1, h, 1\] net"),
        ([1, 2, 2, 1], 0, 0, 0, r"\[1, h, 1\] net"),
        ([1, 9, 1], 0, 0, 0, "h <= 8"),
        ([1, 3, 1], 2, 0, 0, "sse or mse"),
        ([1, 3, 1], 0, 3, 0, "full-batch"),
        ([1, 3, 1], 1, 0, 1, "ReLU"),
    ],
)
def test_host_twin_refuses_what_is_not_tiny(sizes, loss, batch, activation, what):
    net = core.Net(sizes, True, activation)
    N = 7
    X = np.linspace(-1, 1, N * sizes[0]).reshape(N, sizes[0])
    Y = np.zeros((N, sizes[-1]))
    labels = np.zeros(N, dtype=np.int64)
    p = np.zeros((2, net.n_params))
    before = p.copy()
    opt = core.TrainOptions(optimizer=0, lr=0.1, steps=5, batch=batch)
    with pytest.raises(ValueError, match="tiny-net trainer needs .*" + what):
        core.mlp_tiny_train_per_restart(p, None, None, X, Y, labels, net, loss, opt)
    np.testing.assert_array_equal(p, before)


@pytest.mark.core
def test_host_twin_checks_arguments_like_mlp_train():
    X, Y = _data()
    net = core.Net([1, 2, 1])
    opt = core.TrainOptions(optimizer=1, lr=0.1, steps=5)
    with pytest.raises(ValueError, match="adam needs the moment arrays"):
        core.mlp_tiny_train_per_restart(np.zeros((2, net.n_params)), None, None, X, Y, None, net, 0, opt)
    with pytest.raises(ValueError, match="params must have shape"):
        core.mlp_tiny_train_per_restart(np.zeros((2, 3)), None, None, X, Y, None, net, 0, opt)


# ------------------------------------------------------------------ registry: accepts and case


def _case(sizes, loss="sse", activation="relu", batch=0, N=5):
    X = np.linspace(-1.0, 1.0, N * sizes[0]).reshape(N, sizes[0])
    if loss == "ce":
        Y = np.zeros(N, dtype=np.int64)
    else:
        Y = np.zeros((N, sizes[-1]))
    return Problem.of(X, Y, sizes, loss, True, activation), TrainOptions(batch=batch)


@pytest.mark.parametrize(
    "case, reason",
    [
        (((1, 4, 1),), None),
        (((1, 8, 1), "mse"), None),
        (((1, 1, 1), "sse", "relu", 5), None),  # a batch of N points is the full batch
        (((2, 4, 1),), r"\[1, h, 1\] nets only, not \[2, 4, 1\]"),
        (((1, 4, 3),), r"\[1, h, 1\] nets only"),
        (((1, 2, 2, 1),), r"\[1, h, 1\] nets only"),
        (((1, 9, 1),), "h <= 8, not 9"),
        (((1, 4, 1), "sse", "sigmoid"), "ReLU nets only, not sigmoid"),
        (((1, 4, 2), "ce"), r"\[1, h, 1\]"),
        (((1, 4, 1), "sse", "relu", 2), "full batch only, not batches of 2"),
    ],
)
def test_tiny_case_reason(case, reason):
    why = cuda_backend.tiny_case_reason(_case(*case))
    if reason is None:
        assert why is None
    else:
        assert why is not None
        assert re.search(reason, why), why


@pytest.fixture
def fake_table(monkeypatch):
    """A copy of the registry's table for the test to register into (the real one is restored)."""
    _kernels.kernels()  # load the real backends first
    table = {k: dict(v) for k, v in _kernels._table.items()}
    monkeypatch.setattr(_kernels, "_table", table)
    return table


def test_auto_skips_a_backend_that_rejects_the_case(fake_table):
    calls = []

    def small_only(case):
        return None if case == "small" else f"too big: {case}"

    def fake(*args):
        calls.append(args)

    _kernels.register("toy", "run", "cuda", fake, accepts=small_only)
    _kernels.register("toy", "run", "numpy", lambda *a: None)
    assert backend.resolve("auto", "toy", "run") == "cuda"  # no case: unchanged
    assert backend.resolve("auto", "toy", "run", case="small") == "cuda"
    assert backend.resolve("auto", "toy", "run", case="big") == "numpy"
    assert backend.get("toy", "run", case="small") is fake
    assert backend.get("toy", "run", "numpy", case="big") is not fake
    with pytest.raises(
        ValueError,
        match=r"backend='cuda' cannot run toy.run for this case: too big: big; backends that can: numpy",
    ):
        backend.get("toy", "run", "cuda", case="big")
    # a rejecting accepts everywhere: "auto" says so too
    _kernels.register("toy", "run", "numpy", lambda *a: None, accepts=lambda c: "never")
    with pytest.raises(
        ValueError, match="cannot run toy.run for this case: too big: big; backends that can: none"
    ):
        backend.resolve("auto", "toy", "run", case="big")
    with pytest.raises(TypeError, match="accepts must be callable"):
        _kernels.register("toy", "run", "numpy", fake, accepts="yes")
    assert calls == []


@pytest.mark.core
def test_train_runs_the_cuda_glue_where_it_accepts_the_net(fake_table):
    """The CUDA backend's registration (its glue and tiny_case_reason) over the host twin: "auto"
    trains [1, h, 1] nets there and every other net on the C++ core."""
    calls = []
    twin = mlp_train_kernel(core, core.mlp_tiny_train_per_restart)

    def counted(prob, s, opt):
        calls.append(tuple(prob.net.sizes))
        twin(prob, s, opt)

    _kernels.register("mlp", "train_chunk", "cuda", counted, accepts=cuda_backend.tiny_case_reason)
    X, Y = fp.X.reshape(-1, 1), fp.Y.reshape(-1, 1)
    p0 = np.random.default_rng(0).normal(size=(6, 4))
    r = train(p0, X, Y, [1, 1, 1], lr=0.01, steps=100, chunk=40)
    assert r.backend == "cuda" and set(calls) == {(1, 1, 1)}  # the pacer may split chunks
    n_calls = len(calls)
    want = train(p0, X, Y, [1, 1, 1], lr=0.01, steps=100, chunk=40, backend="cpu")
    assert _rel(r.params, want.params) < GD_TOL
    np.testing.assert_allclose(r.history, want.history, rtol=1e-12)
    p9 = np.random.default_rng(0).normal(size=(3, 28))
    assert train(p9, X, Y, [1, 9, 1], lr=0.01, steps=10).backend == "cpu"
    assert train(p0, X, Y, [1, 1, 1], lr=0.01, steps=10, optimizer="sgd", batch_size=2).backend == "cpu"
    assert len(calls) == n_calls  # neither of those ran on "cuda"
    with pytest.raises(
        ValueError,
        match=r"backend='cuda' cannot run mlp.train_chunk .*h <= 8, not 9; backends that can: cpu, numpy",
    ):
        train(p9, X, Y, [1, 9, 1], lr=0.01, steps=10, backend="cuda")


def test_train_without_a_cuda_trainer_says_what_is_available():
    if "cuda" in backend.registered("mlp", "train_chunk"):
        pytest.skip("a CUDA trainer is registered here")
    X, Y = fp.X.reshape(-1, 1), fp.Y.reshape(-1, 1)
    with pytest.raises(ValueError, match=r"'cuda' is not available for mlp.train_chunk here \(.+\)"):
        train(np.zeros(4), X, Y, [1, 1, 1], lr=0.01, steps=1, backend="cuda")


# ------------------------------------------------------------------------------- on a device


@pytest.mark.cuda
@pytest.mark.parametrize("sizes", [(1, 1, 1), (1, 4, 1)])
@pytest.mark.parametrize("optimizer", [0, 1])
def test_device_matches_the_lane_kernel_on_five_points(sizes, optimizer):
    """The device against its host twin (the same arithmetic, the same fmas) and the C++ lane kernel,
    1e-10 (on the host the twin and the lane kernel agree bit for bit on these 500 steps). The five
    points sit on kinks (x = 3 meets z = 0), where one rounding apart picks the other branch, so
    a difference in contraction or in a square root would show here.
    """
    X, Y = fp.X.reshape(-1, 1), fp.Y.reshape(-1, 1)
    net = core.Net(list(sizes))
    R = 1000 + 3  # several blocks and a partial one
    p0 = np.random.default_rng(2).normal(size=(R, net.n_params))
    with np.errstate(over="ignore", invalid="ignore"):  # a few GD restarts diverge at lr 0.01
        want = _run(core.mlp_train, p0, X, Y, net, 0, optimizer, (500,), 0)
        twin = _run(core.mlp_tiny_train_per_restart, p0, X, Y, net, 0, optimizer, (500,), 0)
        got = _run(core.cuda_mlp_tiny_train, p0, X, Y, net, 0, optimizer, (200, 300), 0)
    finite = np.isfinite(want[0]).all(axis=1)
    assert finite.sum() > R // 2
    np.testing.assert_array_equal(np.isfinite(got[0]).all(axis=1), finite)
    for k in (0, 1, 2) if optimizer else (0,):
        assert _rel(got[k][finite], twin[k][finite]) < 1e-10
        assert _rel(got[k][finite], want[k][finite]) < 1e-10


@pytest.mark.cuda
def test_device_refuses_what_is_not_tiny_and_registers_the_trainer():
    X, Y = fp.X.reshape(-1, 1), fp.Y.reshape(-1, 1)
    net = core.Net([1, 9, 1])
    with pytest.raises(ValueError, match="h <= 8"):
        core.cuda_mlp_tiny_train(
            np.zeros((2, net.n_params)), None, None, X, Y, None, net, 0, core.TrainOptions()
        )
    assert backend.resolve("auto", "mlp", "train_chunk", case=_case((1, 4, 1))) == "cuda"
    assert backend.resolve("auto", "mlp", "train_chunk", case=_case((1, 9, 1))) == "cpu"
    r = train(np.zeros(4) + 0.5, X, Y, [1, 1, 1], lr=0.01, steps=10)
    assert r.backend == "cuda"
