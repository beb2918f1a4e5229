"""The CUDA backend.

On every machine (marker ``core``): the per-restart path that each CUDA thread runs
(``csrc/teacher/restart.hpp``) runs on the host through ``_core.teacher_*_per_restart`` and is held
to the C++ lane kernel; the cuda backend's registry glue runs over those host twins through a whole
Table 1 cell; a CUDA build without a device imports, reports zero devices and says so in its errors.

With a device (marker ``cuda``; skipped with the reason elsewhere, run with ``pytest -m cuda``): the
device kernels against the C++ kernels on the same inputs, endpoints to 1e-10 after the same steps,
statuses and iteration counts identical, and a whole Table 1 cell with identical labels.
"""

import numpy as np
import pytest

from relufast import _kernels, backend, optim, teacher
from relufast.backends import cuda as cuda_backend
from relufast.experiments import safran_shamir as ss

core = pytest.importorskip("relufast._core")

CELLS = [(6, 6), (10, 11), (20, 22)]

# GD chunks that stop where the protocol stops (F < 1e-6, 2 pi max |grad| <= 1e-9 at a spurious
# minimum, a cap, a fixed number of steps; a step of 40 diverges and is halved back into range).
# Runs pushed on to F ~ 1e-15 stop on rounding noise instead (the last ulp of the lane kernel's
# square-root and division estimates decides the step), so there only the status is compared.
PROTOCOL_CASES = (
    (0.1, dict(steps=30000, tol=1e-9, f_stop=1e-6)),
    (40.0, dict(steps=3000, tol=1e-9, f_stop=1e-6, max_iters=2000)),
    (0.8, dict(steps=30000, tol=1e-12, f_stop=1e-6, frobenius=True)),  # the COLT 2021 rule (step 5/k)
    (0.1, dict(steps=500, max_iters=0, tol=0.0)),  # never stops: keep it last
)


def _students(k, n, R, seed):
    return np.random.default_rng(seed).normal(size=(R, n, k)) / np.sqrt(k)


def _edge_students(k):
    """Students that take every branch: a dead neuron, two nearly parallel neurons (|cos| > 0.9:
    exact sums), an antiparallel pair, and a neuron along a teacher axis."""
    W = _students(k, k, 4, 99)
    W[0, 1] = 0.0
    W[1, 1] = W[1, 0] * 1.0000001
    W[2, 1] = -W[2, 0]
    W[3, 0] = np.eye(k)[0]
    return W


def _general_teacher(k, seed=5):
    V = np.random.default_rng(seed).normal(size=(k - 1, k))
    V[-1] = 0.0  # a zero teacher row contributes nothing
    return V


def _gd(fn, W0, V, step=0.1, **options):
    R = W0.shape[0]
    buf = [
        W0.copy(),
        W0,
        np.full(R, step),
        np.zeros(R, np.int64),
        np.zeros(R, np.int8),
        np.zeros(R),
        np.zeros(R),
    ]
    fn(*buf, V, core.GDOptions(**options))
    return dict(zip(("W", "W0", "step", "iters", "status", "F", "gmax"), buf, strict=True))


def _close(a, b, tol):
    """|a - b| <= tol (1 + |b|) everywhere."""
    a, b = np.asarray(a), np.asarray(b)
    return bool(np.all(np.abs(a - b) <= tol * (1.0 + np.abs(b))))


# --------------------------------------------------------------- the device path on the host


@pytest.mark.core
@pytest.mark.parametrize(("k", "n"), CELLS)
@pytest.mark.parametrize("general", [False, True])
def test_per_restart_evaluate_equals_lane_kernel(k, n, general):
    V = _general_teacher(k) if general else None
    W = (
        np.concatenate([_students(k, n, 21, k + n), _edge_students(k)[:, :n]])
        if n == k
        else _students(k, n, 21, k)
    )
    F, G, gm = core.teacher_evaluate(W, V)
    Fp, Gp, gmp = core.teacher_evaluate_per_restart(W, V)
    assert _close(Fp, F, 1e-12) and _close(Gp, G, 1e-12) and _close(gmp, gm, 1e-12)
    Fn, Gn, _ = core.teacher_evaluate_per_restart(W, V, want_grad=False)
    assert Gn is None and np.array_equal(Fn, Fp)


@pytest.mark.core
@pytest.mark.parametrize("general", [False, True])
def test_per_restart_gd_equals_lane_kernel(general):
    """The whole protocol: converged, small-loss, capped and diverged restarts (a step of 40 diverges
    and is halved back into range), same statuses, iterations and steps; endpoints to 1e-10."""
    k = 6
    V = _general_teacher(k) if general else None
    W0 = _students(k, k, 40, 1)
    for step, opts in PROTOCOL_CASES:
        a = _gd(core.teacher_gd, W0, V, step, **opts)
        b = _gd(core.teacher_gd_per_restart, W0, V, step, **opts)
        for key in ("iters", "status", "step"):
            assert np.array_equal(a[key], b[key]), key
        assert _close(b["W"], a["W"], 1e-10) and _close(b["F"], a["F"], 1e-10)
    assert set(np.unique(a["status"])) == {int(core.Status.RUNNING)}  # the last case never stops
    # on to the rounding floor: same statuses, both at F ~ 0
    a = _gd(core.teacher_gd, W0, V, 0.1, steps=30000, tol=1e-9)
    b = _gd(core.teacher_gd_per_restart, W0, V, 0.1, steps=30000, tol=1e-9)
    assert np.array_equal(a["status"], b["status"])
    if not general:
        assert np.abs(a["F"]).max() < 1e-12 and np.abs(b["F"]).max() < 1e-12


@pytest.mark.core
def test_per_restart_gd_takes_every_exit():
    k = 6
    W0 = _students(k, k, 40, 2)
    statuses = set()
    for step, opts in (
        (0.1, dict(steps=30000, f_stop=1e-6)),
        (0.1, dict(steps=30000, tol=1e-3)),
        (0.1, dict(steps=100, max_iters=50)),
        (1e6, dict(steps=100, min_step=1e3)),
    ):
        a = _gd(core.teacher_gd, W0, None, step, **opts)
        b = _gd(core.teacher_gd_per_restart, W0, None, step, **opts)
        assert np.array_equal(a["status"], b["status"]) and np.array_equal(a["iters"], b["iters"])
        assert _close(b["W"], a["W"], 1e-10)
        statuses |= set(np.unique(b["status"]).tolist())
    assert statuses >= {
        int(s)
        for s in (core.Status.CONVERGED, core.Status.SMALL_LOSS, core.Status.MAX_ITERS, core.Status.DIVERGED)
    }


@pytest.fixture
def host_twin_as_cuda(monkeypatch):
    """The cuda backend's registry glue over the host twins of the device path, registered as
    "cuda" in a copy of the registry (restored afterwards)."""
    _kernels.kernels()
    table = {key: dict(fns) for key, fns in _kernels._table.items()}
    monkeypatch.setattr(_kernels, "_table", table)
    fns = cuda_backend.teacher_kernels(core, core.teacher_evaluate_per_restart, core.teacher_gd_per_restart)
    for (objective, kernel), fn in fns.items():
        _kernels.register(objective, kernel, "cuda", fn)


@pytest.mark.core
def test_table_cell_through_the_cuda_glue_on_the_host(host_twin_as_cuda):
    """A whole Table 1 cell with backend="cuda" (GD through the device path's arithmetic, chunk after
    chunk; the Hessian stage falls back to the C++ core, which has those kernels) labels every run as
    the C++ backend does."""
    assert backend.registered("teacher", "gd_chunk")[0] == "cuda"
    assert "cuda" not in backend.registered("teacher", "hessian")
    a = ss.run(7, 7, restarts=200, backend="cpu", chunk=700)
    b = ss.run(7, 7, restarts=200, backend="cuda", chunk=700)
    assert b.backend == "cuda" and b.config["hessian_backend"] == "cpu"
    assert np.array_equal(a.label, b.label) and np.array_equal(a.status, b.status)
    assert np.array_equal(a.iterations, b.iterations)
    assert _close(b.W, a.W, 1e-10) and _close(b.F, a.F, 1e-10)
    assert (a.label == "spurious").sum() > 0  # the cell has something to label


# ----------------------------------------------------------------------- builds and devices


@pytest.mark.core
def test_cuda_bindings_follow_the_build():
    names = ("cuda_teacher_evaluate", "cuda_teacher_gd")
    assert all(hasattr(core, name) for name in names) == core.built_with_cuda
    if not core.built_with_cuda:
        assert core.cuda_device_count() == 0


@pytest.mark.core
@pytest.mark.skipif(
    not core.built_with_cuda or core.cuda_device_count() > 0,
    reason="for a CUDA build on a machine without a visible device",
)
def test_cuda_build_without_a_device():
    assert core.cuda_device_count() == 0
    assert not cuda_backend.usable()
    W = _students(3, 3, 2, 0)
    with pytest.raises(RuntimeError, match="no CUDA device is visible"):
        core.cuda_teacher_evaluate(W)
    with pytest.raises(RuntimeError, match="no CUDA device is visible"):
        _gd(core.cuda_teacher_gd, W, None)
    with pytest.raises(
        ValueError,
        match=r"backend='cuda' is not available .*no CUDA device is visible.*available: cpu, numpy",
    ):
        teacher.loss(W, backend="cuda")
    with pytest.raises(ValueError, match=r"no CUDA device is visible.*available: cpu, numpy"):
        optim.teacher_gd(W, backend="cuda")


# ------------------------------------------------------------------------ on a CUDA device


@pytest.mark.cuda
def test_cuda_registers_only_what_runs_on_the_device():
    assert backend.resolve("auto", "teacher", "gd_chunk") == "cuda"
    assert backend.resolve("auto", "teacher", "loss_grad") == "cuda"
    for objective, kernel in (("teacher", "hessian"), ("linalg", "min_eigenvalues"), ("mlp", "train_chunk")):
        assert "cuda" not in backend.registered(objective, kernel)
        with pytest.raises(ValueError, match="available: cpu, numpy"):
            backend.get(objective, kernel, "cuda")


@pytest.mark.cuda
@pytest.mark.parametrize(("k", "n"), CELLS)
@pytest.mark.parametrize("general", [False, True])
def test_cuda_evaluate_equals_cpu(k, n, general):
    V = _general_teacher(k) if general else None
    W = (
        np.concatenate([_students(k, n, 300, k + n), _edge_students(k)[:, :n]])
        if n == k
        else _students(k, n, 300, k)
    )
    F, G, gm = core.teacher_evaluate(W, V)
    Fc, Gc, gmc = core.cuda_teacher_evaluate(W, V)
    assert _close(Fc, F, 1e-12) and _close(Gc, G, 1e-12) and _close(gmc, gm, 1e-12)
    # the device runs the host twin's arithmetic: agreement to the last bits or nearly
    Fp, Gp, _ = core.teacher_evaluate_per_restart(W, V)
    assert _close(Fc, Fp, 1e-14) and _close(Gc, Gp, 1e-14)
    Fn, Gn, _ = core.cuda_teacher_evaluate(W, V, want_grad=False)
    assert Gn is None and np.array_equal(Fn, Fc)


@pytest.mark.cuda
@pytest.mark.parametrize("general", [False, True])
def test_cuda_gd_equals_cpu(general):
    k = 6
    V = _general_teacher(k) if general else None
    W0 = _students(k, k, 1000, 3)
    for step, opts in (*PROTOCOL_CASES, (1e6, dict(steps=100, min_step=1e3))):
        a = _gd(core.teacher_gd, W0, V, step, **opts)
        c = _gd(core.cuda_teacher_gd, W0, V, step, **opts)
        for key in ("iters", "status", "step"):
            assert np.array_equal(a[key], c[key]), key
        assert _close(c["W"], a["W"], 1e-10) and _close(c["F"], a["F"], 1e-10)
        assert _close(c["gmax"], a["gmax"], 1e-10)


@pytest.mark.cuda
def test_cuda_gd_chunks_and_finished_restarts():
    """Chunk after chunk through the public API: same result as one long chunk on the CPU, and a
    restart that finished keeps its state untouched by later chunks."""
    W0 = _students(8, 8, 500, 4)
    a = optim.teacher_gd(W0, backend="cpu", chunk=5000)
    c = optim.teacher_gd(W0, backend="cuda", chunk=333)
    assert np.array_equal(a.status, c.status) and np.array_equal(a.iterations, c.iterations)
    assert _close(c.W, a.W, 1e-10) and _close(c.F, a.F, 1e-10)


@pytest.mark.cuda
def test_cuda_table_cell_labels_identical():
    a = ss.run(8, 8, restarts=1000, backend="cpu")
    c = ss.run(8, 8, restarts=1000, backend="cuda")
    assert c.backend == "cuda" and c.config["hessian_backend"] == "cpu"
    assert np.array_equal(a.label, c.label) and np.array_equal(a.status, c.status)
    assert np.array_equal(a.iterations, c.iterations)
    assert _close(c.F, a.F, 1e-10)


@pytest.mark.cuda
def test_cuda_errors_are_python_exceptions():
    with pytest.raises(ValueError, match="W must have shape"):
        core.cuda_teacher_evaluate(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="W0 must match W"):
        W = _students(3, 3, 2, 0)
        buf = [
            W.copy(),
            W[:1],
            np.full(2, 0.1),
            np.zeros(2, np.int64),
            np.zeros(2, np.int8),
            np.zeros(2),
            np.zeros(2),
        ]
        core.cuda_teacher_gd(*buf)
    F, G, gm = core.cuda_teacher_evaluate(np.zeros((0, 3, 3)))
    assert F.shape == (0,) and G.shape == (0, 3, 3)
