"""The CUDA backend.

On every machine (marker ``core``): the per-restart path that each CUDA warp runs
(``csrc/teacher/restart.hpp``) runs on the host through ``_core.teacher_*_per_restart`` and is held
to the C++ lane kernel; the device's Lanczos (``csrc/core/lanczos_restart.hpp`` on
``csrc/teacher/hessian_restart.hpp``, whose Hessians the C++ kernels compute too) is held to the
dense eigensolver; the cuda backend's registry glue runs over those host twins through a whole
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
from relufast.objectives import teacher as teacher_objective

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
@pytest.mark.parametrize("team", [2, 32])
@pytest.mark.parametrize("general", [False, True])
def test_per_restart_gd_split_as_on_the_device(team, general):
    """Each restart split over a team of OpenMP threads as a warp splits it on the device (each
    member its own neurons, pairs computed by both owners in the lane kernel's order): the very same
    endpoints, bit for bit, statuses and iteration counts; only F, a sum over the team, may differ
    in its last bits."""
    k = 7
    V = _general_teacher(k) if general else None
    W0 = _students(k, k, 12, 5)
    a = core.teacher_gd_per_restart
    # 32 threads on a 2-core machine barrier slowly: the short case only (25 of them idle, as in a
    # warp on a small net)
    for step, opts in PROTOCOL_CASES if team < 32 else PROTOCOL_CASES[-1:]:
        one = _gd(a, W0, V, step, **opts)
        buf = [W0.copy(), W0, np.full(12, step), np.zeros(12, np.int64)]
        buf += [np.zeros(12, np.int8), np.zeros(12), np.zeros(12)]
        a(*buf, V, core.GDOptions(**opts), team=team)
        split = dict(zip(("W", "W0", "step", "iters", "status", "F", "gmax"), buf, strict=True))
        for key in ("W", "iters", "status", "step"):
            assert np.array_equal(split[key], one[key]), key
        # max_i |g_i| is exact; |G|_F (the COLT 2021 rule) is a sum over the team
        assert _close(split["gmax"], one["gmax"], 0.0 if not opts.get("frobenius") else 1e-14)
        assert _close(split["F"], one["F"], 1e-13)
    with pytest.raises(ValueError, match="team must be in 1..64"):
        a(*buf, V, core.GDOptions(), team=0)


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


def _dense_min(W, V=None):
    return np.linalg.eigvalsh(core.teacher_hessian(W, V))[:, 0]


def _check_eigenpairs(W, V, out, tol=1e-10):
    """The per-restart Lanczos result against the dense oracle: converged, value within 1e-9 of the
    dense smallest eigenvalue, a unit vector whose residual is the one reported."""
    value, vector, residual, products, converged = out
    assert converged.all() and (products > 0).all()
    spectrum = np.linalg.eigvalsh(core.teacher_hessian(W, V))
    # Weyl: some eigenvalue within the residual; a Ritz value never lies below the smallest one. In
    # the near-multiple clusters of symmetric minima it may be another member (~1e-9 up), so the
    # smallest is matched to 1e-8 there and to 1e-9 elsewhere.
    gap = np.abs(spectrum - value[:, None]).min(axis=1)
    assert (gap <= residual * (1 + 1e-9) + 1e-14).all()
    assert (value >= spectrum[:, 0] - 1e-12).all()
    assert np.abs(value - spectrum[:, 0]).max() < 1e-8
    assert np.allclose(np.linalg.norm(vector, axis=1), 1.0, atol=1e-14)
    HY = core.teacher_hessian_vector(W, vector.reshape(W.shape), V).reshape(vector.shape)
    recomputed = np.linalg.norm(HY - value[:, None] * vector, axis=1)
    assert np.allclose(recomputed, residual, rtol=1e-6, atol=1e-14)
    scale = np.maximum(1.0, np.abs(np.linalg.eigvalsh(core.teacher_hessian(W, V))).max(axis=1))
    assert (residual <= tol * scale * (1 + 1e-12)).all()


@pytest.mark.core
@pytest.mark.parametrize(("k", "n"), CELLS)
@pytest.mark.parametrize("general", [False, True])
def test_per_restart_lanczos_equals_dense(k, n, general):
    """The Lanczos each CUDA warp runs (core/lanczos_restart.hpp on teacher/hessian_restart.hpp),
    on the host: random students, and at k = n the edge students (a dead neuron, a parallel and an
    antiparallel pair, a neuron on a teacher axis)."""
    V = _general_teacher(k) if general else None
    W = _students(k, n, 6, k + n)
    if n == k:
        W = np.concatenate([W, _edge_students(k)])
    _check_eigenpairs(W, V, core.teacher_smallest_eigenpairs_per_restart(W, V))


@pytest.mark.core
@pytest.mark.parametrize("team", [2, 5, 32])
def test_per_restart_lanczos_split_as_on_the_device(team):
    """Each restart split over a team of OpenMP threads as a warp splits it on the device (neurons
    of the products, coordinates of the vectors, team sums, the leader's tridiagonal solve): the
    same answers as one thread, so the partitioning and its synchronisation are right."""
    k, n = 10, 11
    W = _students(k, n, 3, 12)
    one = core.teacher_smallest_eigenpairs_per_restart(W)
    split = core.teacher_smallest_eigenpairs_per_restart(W, team=team)
    _check_eigenpairs(W, None, split)
    assert np.abs(split[0] - one[0]).max() < 1e-12
    assert np.abs(np.abs(np.einsum("rn,rn->r", split[1], one[1])) - 1).max() < 1e-8


@pytest.mark.core
def test_per_restart_lanczos_at_spurious_minima():
    """Spurious minima of a real cell have lambda_min ~ 1e-3 to 1e-5 next to eigenvalues ~ 1: the
    sign decides the label, and the value matches the dense one to 1e-9."""
    res = ss.run(10, 10, restarts=100, seed=1)
    W = res.W[res.label == "spurious"]
    assert len(W) > 0
    _check_eigenpairs(W, None, core.teacher_smallest_eigenpairs_per_restart(W))
    assert (_dense_min(W) > 0).all()


@pytest.mark.core
def test_per_restart_lanczos_is_deterministic_and_honest():
    W = _students(8, 8, 5, 3)
    a = core.teacher_smallest_eigenpairs_per_restart(W, seed=4)
    b = core.teacher_smallest_eigenpairs_per_restart(W, seed=4)
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    c = core.teacher_smallest_eigenpairs_per_restart(W, seed=5)  # another start, the same answer
    assert np.abs(c[0] - a[0]).max() < 1e-9
    # no room to converge: reported as such, with the residual it has
    value, vector, residual, products, converged = core.teacher_smallest_eigenpairs_per_restart(
        W, basis=3, max_restarts=0
    )
    assert not converged.any() and (products == 4).all() and (residual > 1e-6).all()
    HY = core.teacher_hessian_vector(W, vector.reshape(W.shape)).reshape(vector.shape)
    assert np.allclose(np.linalg.norm(HY - value[:, None] * vector, axis=1), residual)
    assert (value >= _dense_min(W) - 1e-12).all()  # a Ritz value never undershoots


@pytest.mark.core
@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(tol=0.0), "tol must be"),
        (dict(tol=float("nan")), "tol must be"),
        (dict(basis=0), "basis must be"),
        (dict(max_restarts=-1), "max_restarts must be"),
        (dict(team=0), "team must be"),
    ],
)
def test_per_restart_lanczos_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        core.teacher_smallest_eigenpairs_per_restart(_students(3, 3, 2, 0), **kwargs)
    with pytest.raises(ValueError, match="W must have shape"):
        core.teacher_smallest_eigenpairs_per_restart(np.zeros((3, 3)))


@pytest.fixture
def host_twin_as_cuda(monkeypatch):
    """The cuda backend's registry glue over the host twins of the device path, registered as
    "cuda" in a copy of the registry (restored afterwards). The C++ Hessian kernels run the very
    per-restart functions the device does (teacher/hessian_restart.hpp), so they stand in for theirs."""
    _kernels.kernels()
    table = {key: dict(fns) for key, fns in _kernels._table.items()}
    monkeypatch.setattr(_kernels, "_table", table)
    fns = cuda_backend.teacher_kernels(core, core.teacher_evaluate_per_restart, core.teacher_gd_per_restart)
    for (objective, kernel), fn in fns.items():
        _kernels.register(objective, kernel, "cuda", fn)
    _kernels.register("teacher", "hessian", "cuda", core.teacher_hessian)
    _kernels.register("teacher", "hvp", "cuda", core.teacher_hessian_vector)
    eig = cuda_backend.smallest_eigenpairs(core.teacher_smallest_eigenpairs_per_restart)
    _kernels.register("teacher", "smallest_eigenpairs", "cuda", eig)


@pytest.mark.core
def test_table_cell_through_the_cuda_glue_on_the_host(host_twin_as_cuda):
    """A whole Table 1 cell with backend="cuda" (GD through the device path's arithmetic, chunk after
    chunk; Newton polish on its Hessians; lambda_min by its Lanczos, never a dense eigensolver)
    labels every run as the C++ backend does."""
    assert backend.registered("teacher", "gd_chunk")[0] == "cuda"
    assert backend.registered("teacher", "smallest_eigenpairs") == ("cuda",)
    a = ss.run(7, 7, restarts=200, backend="cpu", chunk=700)
    b = ss.run(7, 7, restarts=200, backend="cuda", chunk=700)
    assert b.backend == "cuda" and b.config["hessian_backend"] == "cuda"
    assert np.array_equal(a.label, b.label) and np.array_equal(a.status, b.status)
    assert np.array_equal(a.iterations, b.iterations)
    assert _close(b.W, a.W, 1e-10) and _close(b.F, a.F, 1e-10)
    assert np.isfinite(a.lambda_min).sum() > 0  # lambda_min of the candidates only, NaN elsewhere
    np.testing.assert_allclose(b.lambda_min, a.lambda_min, rtol=0, atol=1e-8)
    assert (a.label == "spurious").sum() > 0  # the cell has something to label


@pytest.mark.core
def test_min_eigenvalues_takes_the_backends_eigensolver(host_twin_as_cuda, monkeypatch):
    """With a smallest_eigenpairs kernel, min_eigenvalues uses it at every size ("auto" and
    "lanczos"), "dense" still forms H; an unconverged run is a RuntimeError, not a value."""
    W = _students(6, 6, 4, 8)
    lam = teacher_objective.min_eigenvalues(W, method="dense", backend="cpu")
    calls = []
    eig = _kernels.get("teacher", "smallest_eigenpairs", "cuda")
    _kernels.register("teacher", "smallest_eigenpairs", "cuda", lambda *a: calls.append(1) or eig(*a))
    for method in ("auto", "lanczos"):
        assert np.abs(teacher_objective.min_eigenvalues(W, method=method, backend="cuda") - lam).max() < 1e-9
    assert len(calls) == 2
    assert np.abs(teacher_objective.min_eigenvalues(W, method="dense", backend="cuda") - lam).max() < 1e-13
    assert len(calls) == 2
    with pytest.raises(RuntimeError, match="Lanczos did not reach tol=1e-30"):
        teacher_objective.min_eigenvalues(W, method="lanczos", backend="cuda", tol=1e-30)


# ----------------------------------------------------------------------- builds and devices


@pytest.mark.core
def test_cuda_bindings_follow_the_build():
    names = (
        "cuda_teacher_evaluate",
        "cuda_teacher_gd",
        "cuda_teacher_hessian",
        "cuda_teacher_hessian_vector",
        "cuda_teacher_smallest_eigenpairs",
    )
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
    for fn, args in (
        (core.cuda_teacher_hessian, (W,)),
        (core.cuda_teacher_hessian_vector, (W, W)),
        (core.cuda_teacher_smallest_eigenpairs, (W,)),
    ):
        with pytest.raises(RuntimeError, match="no CUDA device is visible"):
            fn(*args)
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
    for kernel in ("gd_chunk", "loss_grad", "hessian", "hvp", "smallest_eigenpairs"):
        assert backend.resolve("auto", "teacher", kernel) == "cuda"
    for objective, kernel in (("linalg", "min_eigenvalues"), ("mlp", "hessian"), ("mlp", "loss_grad")):
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
@pytest.mark.parametrize(("k", "n"), CELLS)
@pytest.mark.parametrize("general", [False, True])
def test_cuda_hessians_equal_cpu(k, n, general):
    V = _general_teacher(k) if general else None
    W = _students(k, n, 50, k + n)
    if n == k:
        W = np.concatenate([W, _edge_students(k)])
    X = _students(k, n, len(W), 7)
    assert _close(core.cuda_teacher_hessian(W, V), core.teacher_hessian(W, V), 1e-13)
    assert _close(core.cuda_teacher_hessian_vector(W, X, V), core.teacher_hessian_vector(W, X, V), 1e-13)
    out = core.cuda_teacher_smallest_eigenpairs(W, V)
    _check_eigenpairs(W, V, out)
    host = core.teacher_smallest_eigenpairs_per_restart(W, V)
    assert np.abs(out[0] - host[0]).max() < 1e-12  # the same arithmetic (FMA contraction aside)


@pytest.mark.cuda
def test_cuda_min_eigenvalues_on_the_device():
    W = _students(20, 20, 100, 9)
    lam = teacher_objective.min_eigenvalues(W, method="dense", backend="cpu")
    assert np.abs(teacher_objective.min_eigenvalues(W, backend="cuda") - lam).max() < 1e-8


@pytest.mark.cuda
def test_cuda_table_cell_labels_identical():
    a = ss.run(8, 8, restarts=1000, backend="cpu")
    c = ss.run(8, 8, restarts=1000, backend="cuda")
    assert c.backend == "cuda" and c.config["hessian_backend"] == "cuda"
    assert np.array_equal(a.label, c.label) and np.array_equal(a.status, c.status)
    assert np.array_equal(a.iterations, c.iterations)
    assert _close(c.F, a.F, 1e-10)
    np.testing.assert_allclose(c.lambda_min, a.lambda_min, rtol=0, atol=1e-8)


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
