"""The kernel registry: lookup, "auto", clear errors, and a backend that is one module."""

import sys
import types

import numpy as np
import pytest

from relufast import _kernels, backend, teacher


def test_every_objective_has_a_numpy_reference_for_every_kernel():
    # the reference backend registers every kernel any backend registers
    kernels = set(_kernels.kernels())
    assert {
        ("teacher", "loss_grad"),
        ("teacher", "gd_chunk"),
        ("mlp", "train_chunk"),
        ("linalg", "min_eigenvalues"),
    } <= kernels
    for objective, kernel in kernels:
        assert "numpy" in _kernels.registered(objective, kernel), (objective, kernel)


def test_auto_picks_the_fastest_registered_backend():
    have = backend.available("teacher")
    assert have[-1] == "numpy"
    assert backend.resolve("auto", "teacher", "loss_grad") == have[0]
    assert backend.resolve("auto") == backend.available()[0]
    if backend.has_core():
        assert backend.resolve("auto", "teacher", "gd_chunk") == "cpu"
        assert backend.get("teacher", "hessian", "cpu") is not backend.get("teacher", "hessian", "numpy")


@pytest.mark.parametrize("name", ["gpu", "", None, 3, "CPU"])
def test_unknown_backend_names_the_choices(name):
    with pytest.raises(ValueError, match=r"backend must be one of \('auto', 'cuda', 'cpu', 'numpy'\)"):
        backend.get("teacher", "loss_grad", name)


def test_unavailable_backend_says_why_and_what_is_available():
    # no CUDA kernel is registered on this machine (no device, or no CUDA kernels yet)
    with pytest.raises(
        ValueError, match=r"'cuda' is not available for teacher.hessian here \(.+\); available: "
    ):
        backend.get("teacher", "hessian", "cuda")
    with pytest.raises(ValueError, match="not available for mlp.predict"):
        backend.get("mlp", "predict", "cpu")  # the forward pass has only a NumPy kernel


def test_a_new_backend_is_one_module_that_registers(monkeypatch):
    """Registering under a backend name makes every public function use it, through get()."""
    calls = []

    def fake_loss_grad(W, V, want_grad):
        calls.append(W.shape)
        return np.full(W.shape[0], 7.0), (np.zeros_like(W) if want_grad else None)

    _kernels.kernels()  # load the real backends first
    table = {k: dict(v) for k, v in _kernels._table.items()}
    monkeypatch.setattr(_kernels, "_table", table)
    module = types.ModuleType("relufast.backends.fake")
    exec(
        "from relufast._kernels import register\nregister('teacher', 'loss_grad', 'cuda', LG)",
        {"LG": fake_loss_grad, "__name__": module.__name__},
    )
    monkeypatch.setitem(sys.modules, module.__name__, module)
    assert backend.resolve("auto", "teacher", "loss_grad") == "cuda"
    assert teacher.loss(np.eye(3)) == 7.0  # "auto" now runs the new backend
    assert teacher.loss(np.eye(3), backend="numpy") == pytest.approx(0.0, abs=1e-15)
    assert calls == [(1, 3, 3)]
    with pytest.raises(ValueError, match="must be one of"):
        _kernels.register("teacher", "loss_grad", "tpu", fake_loss_grad)


def test_info_lists_backends():
    info = backend.info()
    assert info["backends"] == list(backend.available())
    assert info["default_backend"] == backend.available()[0]
    assert info["core"] == backend.has_core()
    if backend.has_core():  # one SIMD register per block on AVX2 and AVX-512, 4 lanes elsewhere
        assert info["simd_lanes"] in (4, 8)


def test_set_num_threads_takes_numpy_integers_and_refuses_bools_and_huge_counts():
    import os

    assert backend.check_num_threads(np.int64(2)) == 2
    assert backend.check_num_threads(np.uint8(1)) == 1
    assert backend.max_num_threads() == 4 * (os.cpu_count() or 1)
    for bad, err in ((True, TypeError), (2.0, TypeError), ("2", TypeError), (0, ValueError)):
        with pytest.raises(err, match="n must be an integer"):
            backend.set_num_threads(bad)
    with pytest.raises(ValueError, match="at most"):
        backend.set_num_threads(backend.max_num_threads() + 1)
    with pytest.raises(ValueError, match="at most"):
        backend.set_num_threads(100_000)
    if backend.has_core():
        n0 = backend.core().max_threads()
        try:
            backend.set_num_threads(np.int64(1))
            assert backend.core().max_threads() == 1
        finally:
            backend.set_num_threads(n0)


@pytest.mark.parametrize("objective, kernel", [("teacher", None), (None, "loss_grad"), ("teacher", "nope")])
def test_an_unknown_kernel_is_named_not_a_key_error(objective, kernel):
    with pytest.raises(ValueError, match="no kernel registered for objective="):
        _kernels.get(objective, kernel, "cpu")
