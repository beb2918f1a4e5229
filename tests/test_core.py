"""The raw bindings of relufast._core: option classes, enums, argument errors, the process-wide
thread count, and one chunk of each native trainer against relufast's NumPy reference."""

import os
import re
import subprocess
import sys
import textwrap
import threading

import numpy as np
import pytest

core = pytest.importorskip("relufast._core")

from relufast import mlp, teacher  # noqa: E402

pytestmark = pytest.mark.core  # skipped with the reason when the core is hidden (RELUFAST_NO_CORE=1)


@pytest.fixture
def restore_threads():
    n0 = core.max_threads()
    yield n0
    core.set_num_threads(n0)


def _gd_buffers(W0, step=0.05):
    R = W0.shape[0]
    return [
        W0.copy(),
        W0,
        np.full(R, step),
        np.zeros(R, np.int64),
        np.zeros(R, np.int8),
        np.full(R, np.nan),
        np.full(R, np.nan),
    ]


# ------------------------------------------------------------------------------ module facts


def test_module_attributes():
    assert isinstance(core.__version__, str) and core.__version__
    assert isinstance(core.has_openmp, bool)
    assert isinstance(core.built_with_cuda, bool)
    assert core.cuda_device_count() >= 0
    if not core.built_with_cuda:
        assert core.cuda_device_count() == 0


# ------------------------------------------------------------------------------ option classes


def test_gd_options_defaults_keywords_repr_readwrite():
    o = core.GDOptions()
    assert (o.steps, o.max_iters, o.tol, o.diverge, o.f_stop, o.min_step) == (1000, 0, 1e-9, 1e4, 0.0, 1e-12)
    assert repr(o) == (
        "GDOptions(steps=1000, max_iters=0, tol=1e-09, diverge=10000.0, f_stop=0.0, min_step=1e-12, "
        "frobenius=False)"
    )
    assert core.GDOptions(frobenius=True).frobenius is True
    o = core.GDOptions(steps=7, tol=0.5, min_step=1e-3)
    assert (o.steps, o.max_iters, o.tol, o.min_step) == (7, 0, 0.5, 1e-3)
    o.max_iters = 42
    o.f_stop = 0.25
    assert o.max_iters == 42 and o.f_stop == 0.25
    assert "max_iters=42" in repr(o) and "f_stop=0.25" in repr(o)
    with pytest.raises(TypeError):
        core.GDOptions(7)  # keywords only
    with pytest.raises(TypeError):
        core.GDOptions(stepz=7)


def test_train_options_defaults_keywords_repr_readwrite():
    o = core.TrainOptions()
    assert o.optimizer == core.Optimizer.GD
    assert (o.lr, o.steps, o.t0, o.batch, o.seed, o.beta1, o.beta2, o.eps) == (
        0.01,
        0,
        0,
        0,
        0,
        0.9,
        0.999,
        1e-8,
    )
    o = core.TrainOptions(optimizer=1, lr=0.5, steps=3, t0=2, batch=4, seed=2**63 + 5)
    assert o.optimizer == core.Optimizer.ADAM and int(o.optimizer) == 1
    assert (o.lr, o.steps, o.t0, o.batch, o.seed) == (0.5, 3, 2, 4, 2**63 + 5)
    o.optimizer = core.Optimizer.GD
    o.eps = 1e-6
    assert o.optimizer == core.Optimizer.GD and o.eps == 1e-6
    r = repr(o)
    assert r.startswith("TrainOptions(optimizer=") and "GD" in r and "eps=1e-06" in r and "batch=4" in r
    with pytest.raises(ValueError, match="optimizer"):
        core.TrainOptions(optimizer=5)
    with pytest.raises(TypeError):
        core.TrainOptions(0)


def test_net():
    net = core.Net([2, 4, 3])
    assert net.sizes == [2, 4, 3] and net.output_bias and net.layers == 2
    assert net.n_params == mlp.num_params((2, 4, 3), True) == 2 * 4 + 4 + 4 * 3 + 3
    assert core.Net([2, 4, 3], False).n_params == mlp.num_params((2, 4, 3), False)
    assert repr(core.Net([1, 8, 1], False)) == "Net(sizes=[1, 8, 1], output_bias=False, activation=0)"
    assert core.Net([2, 3, 1], activation=1).activation == 1 and net.activation == 0
    with pytest.raises(ValueError, match="activation code"):
        core.Net([2, 3, 1], activation=2)
    with pytest.raises(ValueError, match="at least 2"):
        core.Net([3])
    with pytest.raises(ValueError, match=">= 1"):
        core.Net([3, 0, 1])


def test_enums():
    assert [
        int(core.Status.RUNNING),
        int(core.Status.CONVERGED),
        int(core.Status.SMALL_LOSS),
        int(core.Status.MAX_ITERS),
        int(core.Status.DIVERGED),
    ] == [0, 1, 2, 3, 4]
    assert sorted(core.Status.__members__) == ["CONVERGED", "DIVERGED", "MAX_ITERS", "RUNNING", "SMALL_LOSS"]
    assert (int(core.Optimizer.GD), int(core.Optimizer.ADAM)) == (0, 1)


# ------------------------------------------------------------------------------ argument errors


def test_teacher_shape_errors():
    W = np.zeros((3, 2, 4))
    with pytest.raises(ValueError, match=r"W must have shape \(R, n, d\)"):
        core.teacher_evaluate(np.zeros((3, 4)))
    with pytest.raises(ValueError, match=r"V must have shape \(k, d\)"):
        core.teacher_evaluate(W, np.zeros((2, 3)))
    bufs = _gd_buffers(np.ones((3, 4, 4)))
    bad = list(bufs)
    bad[2] = np.zeros(2)
    with pytest.raises(ValueError, match="length R"):
        core.teacher_gd(*bad)
    with pytest.raises(ValueError, match="W0 must match W"):
        core.teacher_gd(bufs[0], np.ones((3, 4, 3)), *bufs[2:])
    with pytest.raises(ValueError, match="min_step"):
        core.teacher_gd(*bufs, None, core.GDOptions(min_step=0.0))
    bad = list(bufs)
    bad[3] = np.zeros(3, np.int32)  # in/out buffers are not converted
    with pytest.raises(TypeError):
        core.teacher_gd(*bad)
    with pytest.raises(TypeError):
        core.teacher_gd(*bufs, None, 100)  # options must be a GDOptions


def test_mlp_argument_errors():
    net = core.Net([2, 3, 1])
    p = np.zeros((4, net.n_params))
    X, Y = np.zeros((5, 2)), np.zeros((5, 1))
    opts = core.TrainOptions(steps=1)
    with pytest.raises(ValueError, match=r"params must have shape \(R, P\)"):
        core.mlp_train(np.zeros((4, 3)), None, None, X, Y, None, net, 0, opts)
    with pytest.raises(ValueError, match=r"X must have shape \(N, d_in\)"):
        core.mlp_train(p, None, None, np.zeros((5, 3)), Y, None, net, 0, opts)
    with pytest.raises(ValueError, match="Y is required"):
        core.mlp_train(p, None, None, X, None, None, net, 0, opts)
    with pytest.raises(ValueError, match="labels are required"):
        core.mlp_train(p, None, None, X, None, None, net, 2, opts)
    with pytest.raises(ValueError, match="loss code"):
        core.mlp_train(p, None, None, X, Y, None, net, 3, opts)
    with pytest.raises(ValueError, match="adam needs the moment arrays"):
        core.mlp_train(p, None, None, X, Y, None, net, 0, core.TrainOptions(optimizer=1, steps=1))
    with pytest.raises(ValueError, match="must be >= 0"):
        core.mlp_train(p, None, None, X, Y, None, net, 0, core.TrainOptions(steps=-1))
    with pytest.raises(TypeError):
        core.mlp_train(p, None, None, X, Y, None, [2, 3, 1], 0, opts)  # a Net, not sizes
    with pytest.raises(TypeError):
        core.mlp_train(p.astype(np.float32), None, None, X, Y, None, net, 0, opts)
    with pytest.raises(ValueError, match="labels must lie"):
        core.mlp_eval(np.zeros((1, 2 * 2 + 2)), X, None, np.full(5, 2), [2, 2], 2, True)
    with pytest.raises(ValueError, match=r"A must have shape \(R, m, m\)"):
        core.min_eigenvalues(np.zeros((2, 3, 4)))


# ------------------------------------------------------------------------------ threads


def test_thread_count_is_process_wide(restore_threads):
    core.set_num_threads(1)
    assert core.max_threads() == 1
    seen = []
    t = threading.Thread(target=lambda: seen.append(core.max_threads()))
    t.start()
    t.join()
    assert seen == [1]
    # and set from another thread, read here
    t = threading.Thread(target=lambda: core.set_num_threads(3))
    t.start()
    t.join()
    assert core.max_threads() == 3


def test_set_num_threads_is_bounded(restore_threads):
    limit = core.thread_limit()
    assert limit >= 4 and limit % 4 == 0  # 4 x the hardware threads
    for n in (0, -2, limit + 1, 100_000):
        with pytest.raises(ValueError, match=f"between 1 and {limit}"):
            core.set_num_threads(n)
    assert core.max_threads() == restore_threads
    core.set_num_threads(limit)
    assert core.max_threads() == limit
    assert teacher.loss(np.ones((3, 2, 2)), backend="cpu").shape == (3,)


def _python(code, env=None):
    """Run code (after _PRELUDE) in a fresh interpreter: a crash there must not take the tests down."""
    env = {**os.environ, **(env or {})}
    source = _PRELUDE + textwrap.dedent(code)
    return subprocess.run(
        [sys.executable, "-c", source], capture_output=True, text=True, env=env, timeout=120
    )


# Address-space limits (RLIMIT_AS) do not mix with AddressSanitizer's shadow memory.
no_sanitizer = pytest.mark.skipif(bool(os.environ.get("RELUFAST_SANITIZE")), reason="RLIMIT_AS under ASan")

_PRELUDE = """
import resource
import numpy as np
import relufast
from relufast import _core, minima, mlp, teacher

def limit_memory(extra):  # the address space in use plus extra bytes
    used = int(open("/proc/self/statm").read().split()[0]) * resource.getpagesize()
    resource.setrlimit(resource.RLIMIT_AS, (used + extra, resource.RLIM_INFINITY))

def attempt(f, extra=None):  # f() with at most extra more bytes of address space
    if extra is not None:
        limit_memory(extra)
    try:
        f()
        print("ok")
    except (MemoryError, RuntimeError) as e:
        print(type(e).__name__, e)
    resource.setrlimit(resource.RLIMIT_AS, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
"""


def test_thread_count_from_the_environment_is_bounded():
    r = _python(
        "from relufast import _core, teacher; import numpy as np; "
        "teacher.loss(np.ones((64, 3, 3))); print(_core.max_threads() == _core.thread_limit())",
        env={"OMP_NUM_THREADS": "100000"},
    )
    assert (r.returncode, r.stdout.strip()) == (0, "True"), r.stderr


@no_sanitizer
def test_threads_that_cannot_start_are_an_error_not_an_exit():
    r = _python("""
        teacher.loss(np.ones((3, 3, 3)))
        n0 = _core.max_threads()
        limit_memory(4 << 20)  # no room for the stacks of thread_limit() - 1 threads
        attempt(lambda: relufast.set_num_threads(_core.thread_limit()))
        print(_core.max_threads() == n0, teacher.loss(np.ones((16, 3, 3))).shape)
    """)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].startswith("RuntimeError cannot start") and lines[1] == "True (16,)", r.stdout
    # a default count (OMP_NUM_THREADS) that cannot start is lowered to one that can
    r = _python(
        """
        limit_memory(4 << 20)
        print(teacher.loss(np.ones((64, 3, 3))).shape, 1 <= _core.max_threads() < _core.thread_limit())
    """,
        env={"OMP_NUM_THREADS": "100000"},
    )
    assert (r.returncode, r.stdout.strip()) == (0, "(64,) True"), r.stderr


@no_sanitizer
def test_out_of_memory_in_a_kernel_is_a_memory_error():
    r = _python("""
        relufast.set_num_threads(2)
        MB = 1 << 20
        # refused up front: more scratch than the process may have
        attempt(lambda: teacher.loss(np.ones((1, 5000, 1)), backend="cpu"), 450 * MB)
        attempt(lambda: _core.teacher_evaluate_per_restart(np.ones((1, 20000, 1))), 450 * MB)
        p = np.zeros((1, 3 * 10**7 + 1))
        attempt(lambda: mlp.loss(p, np.ones((5, 1)), np.ones((5, 1)), [1, 10**7, 1], backend="cpu"), 450 * MB)
        # fits for one thread, not for two: the second allocation fails inside the parallel region
        n = round(1250 * (8 / _core.lanes) ** 0.5)  # the scratch grows with n^2 x lanes
        attempt(lambda: teacher.loss(np.ones((9, n, 1)), backend="cpu"), 450 * MB)  # 2 x 300 MB
        H = np.stack([np.eye(4500)] * 2)
        attempt(lambda: minima.min_eigenvalues(H, backend="cpu"), 250 * MB)  # 2 x 162 MB
        print(teacher.loss(np.ones((9, 20, 1)), backend="cpu").shape)  # and the process goes on
    """)
    assert r.returncode == 0, r.stderr
    *errors, last = r.stdout.splitlines()
    assert last == "(9,)" and len(errors) == 5, r.stdout
    for line in errors:
        assert re.match(
            r"MemoryError .*kernel needs [\d.]+ GB of scratch \(\d threads? x [\d.]+ GB\)", line
        ), line


def test_results_do_not_depend_on_threads(restore_threads):
    rng = np.random.default_rng(3)
    W0 = rng.normal(size=(37, 5, 5)) / np.sqrt(5)
    net = core.Net([1, 3, 1])
    p0 = rng.normal(size=(29, net.n_params))
    X, Y = rng.normal(size=(6, 1)), rng.normal(size=(6, 1))
    out = []
    for n in (1, 2):
        core.set_num_threads(n)
        bufs = _gd_buffers(W0)
        core.teacher_gd(*bufs, None, core.GDOptions(steps=60, tol=0.0))
        p, m, v = p0.copy(), np.zeros_like(p0), np.zeros_like(p0)
        core.mlp_train(p, m, v, X, Y, None, net, 1, core.TrainOptions(optimizer=1, lr=0.01, steps=40))
        H = core.teacher_hessian(W0[:9])
        out.append([bufs[0], bufs[5], bufs[6], p, m, v, H, core.min_eigenvalues(H)])
    for a, b in zip(*out):
        np.testing.assert_array_equal(a, b)


# ------------------------------------------------------------------------------ what the docs say


def test_teacher_evaluate_matches_numpy():
    rng = np.random.default_rng(0)
    W = rng.normal(size=(11, 4, 4))
    F, G, gmax = core.teacher_evaluate(W)
    Fn, Gn = teacher.loss_and_grad(W, backend="numpy")
    np.testing.assert_allclose(F, Fn, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(G, Gn, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(gmax, np.linalg.norm(Gn, axis=2).max(axis=1), rtol=1e-10)
    F2, G2, _ = core.teacher_evaluate(W, want_grad=False)
    assert G2 is None
    np.testing.assert_array_equal(F2, F)


@pytest.mark.parametrize("n, d", [(1, 1), (1, 3), (2, 4), (3, 3), (1, 8), (3, 5), (4, 4), (2, 9), (5, 5)])
def test_teacher_evaluate_moves_every_restart_through_its_lane(n, d):
    # restarts go into blocks of lanes by in-register tile transposes (csrc/core/blocks.hpp): n d
    # below, at and past a multiple of the lane width, R filling part of a block, one, several
    rng = np.random.default_rng(n * 10 + d)
    V = rng.normal(size=(min(n, d), d))
    for R in (1, core.lanes - 1, core.lanes, 2 * core.lanes + 3):
        W = rng.normal(size=(R, n, d))
        F, G, gmax = core.teacher_evaluate(W, V)
        Fn, Gn = teacher.loss_and_grad(W, V, backend="numpy")
        np.testing.assert_allclose(F, Fn, rtol=1e-12, atol=1e-13)
        np.testing.assert_allclose(G, Gn, rtol=1e-10, atol=1e-12)
        for r in range(R):  # a restart's numbers are its own lane's, alone or in a batch
            F1, G1, g1 = core.teacher_evaluate(W[r : r + 1], V)
            assert F1[0] == F[r] and g1[0] == gmax[r] and np.array_equal(G1[0], G[r])


@pytest.mark.parametrize("n, d", [(1, 1), (2, 4), (3, 5), (4, 4), (2, 9)])
def test_teacher_evaluate_finds_every_nonfinite_entry(n, d):
    # the lanes check W while packing it (tiles and the columns past them) and skip no lane; the
    # per-restart path has the binding check it first
    rng = np.random.default_rng(n * 10 + d)
    R = 2 * core.lanes + 3
    W = rng.normal(size=(R, n, d))
    for fn in (core.teacher_evaluate, core.teacher_evaluate_per_restart):
        for idx in np.ndindex(W.shape):
            X = W.copy()
            X[idx] = (np.nan, np.inf, -np.inf)[sum(idx) % 3]
            with pytest.raises(ValueError, match="^W contains NaN or infinity$"):
                fn(X, None, False)
        assert np.all(np.isfinite(fn(W, None, True)[1]))


@pytest.mark.parametrize("k, d", [(6, 6), (9, 7), (4, 10), (1, 3)])
def test_general_teacher_rows_in_lanes_match_numpy(k, d):
    # the general teacher's phases (csrc/teacher/loss_lanes.hpp): sums four rows at a time and one
    # by one, coupling four coordinates at a time and one by one, k above d, a zero row (which adds
    # nothing), rows parallel and opposite to another, students along and against a row
    rng = np.random.default_rng(100 * k + d)
    V = rng.normal(size=(k, d))
    V[k // 2] = 0.0
    if k > 2:
        V[1], V[2] = 3.0 * V[0], -0.5 * V[0]
    R = 2 * core.lanes + 3
    W = rng.normal(size=(R, 5, d))
    W[0, 0], W[1, 1], W[2, 0] = V[0], -V[0], 0.0
    F, G, gmax = core.teacher_evaluate(W, V)
    Fn, Gn = teacher.loss_and_grad(W, V, backend="numpy")
    np.testing.assert_allclose(F, Fn, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(G, Gn, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(gmax, np.linalg.norm(Gn, axis=2).max(axis=1), rtol=1e-10)
    for r in range(R):  # a restart's numbers are its own lane's, alone or in a batch
        F1, G1, g1 = core.teacher_evaluate(W[r : r + 1], V)
        assert F1[0] == F[r] and g1[0] == gmax[r] and np.array_equal(G1[0], G[r])


def test_teacher_gd_chunk_is_gradient_descent():
    rng = np.random.default_rng(1)
    V = rng.normal(size=(3, 4))
    W0 = rng.normal(size=(9, 3, 4)) / 2
    eta, k = 0.05, 25
    bufs = _gd_buffers(W0, eta)
    core.teacher_gd(*bufs, V, core.GDOptions(steps=k, tol=0.0))
    W, _, step, iters, status, F, gmax = bufs
    Wn = W0.copy()
    for _ in range(k):
        Fn, Gn = teacher.loss_and_grad(Wn, V, backend="numpy")
        gn = np.linalg.norm(Gn, axis=2).max(axis=1)
        Wn = Wn - eta * Gn
    np.testing.assert_allclose(W, Wn, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(F, Fn, rtol=1e-10)  # the last evaluated point: before the last step
    np.testing.assert_allclose(gmax, gn, rtol=1e-9)
    np.testing.assert_array_equal(iters, k)
    np.testing.assert_array_equal(status, int(core.Status.RUNNING))
    np.testing.assert_array_equal(step, eta)
    # a second chunk continues from where the first stopped, and a stopped restart does not move
    status[0] = int(core.Status.CONVERGED)
    W_stopped = W[0].copy()
    core.teacher_gd(*bufs, V, core.GDOptions(steps=5, tol=0.0))
    np.testing.assert_array_equal(W[0], W_stopped)
    np.testing.assert_array_equal(iters, [k] + [k + 5] * 8)


def test_teacher_gd_stopping_rules():
    rng = np.random.default_rng(2)
    W0 = rng.normal(size=(4, 3, 3)) / 2
    # cap: MAX_ITERS once iters reaches max_iters
    b = _gd_buffers(W0)
    core.teacher_gd(*b, None, core.GDOptions(steps=100, max_iters=10, tol=0.0))
    np.testing.assert_array_equal(b[4], int(core.Status.MAX_ITERS))
    np.testing.assert_array_equal(b[3], 10)
    # small loss: F < f_stop stops at once
    b = _gd_buffers(W0)
    core.teacher_gd(*b, None, core.GDOptions(steps=10, f_stop=1e9, tol=0.0))
    np.testing.assert_array_equal(b[4], int(core.Status.SMALL_LOSS))
    np.testing.assert_array_equal(b[3], 0)
    # converged: a huge tolerance
    b = _gd_buffers(W0)
    core.teacher_gd(*b, None, core.GDOptions(steps=10, tol=1e9))
    np.testing.assert_array_equal(b[4], int(core.Status.CONVERGED))
    # diverged: every gradient is "too big", the step halves from 0.05 until below min_step
    b = _gd_buffers(W0)
    core.teacher_gd(*b, None, core.GDOptions(steps=100, diverge=1e-12, tol=0.0, min_step=1e-3))
    np.testing.assert_array_equal(b[4], int(core.Status.DIVERGED))
    np.testing.assert_array_equal(b[0], W0)  # back at W0
    np.testing.assert_array_equal(b[2], 0.05 / 64)  # 0.05 -> ... -> 7.8e-4 < 1e-3
    np.testing.assert_array_equal(b[3], 0)


def test_teacher_gd_restart_is_its_own_lane_alone(restore_threads):
    """Lanes are refilled as restarts stop: a restart's result must equal its run alone, whatever
    ran beside it, in which order, on how many threads, and in how many chunks."""
    rng = np.random.default_rng(4)
    R = 45  # more than the lanes of two threads, not a multiple of them
    W0 = rng.normal(size=(R, 4, 4)) / 2
    W0[::7] *= 60.0  # these diverge: reset to W0 and the step halved, until DIVERGED
    step = np.where(np.arange(R) % 3 == 0, 0.5, 0.05)
    opt = dict(tol=1e-6, diverge=50.0, max_iters=700)

    def gd(W0, step, status, chunks, steps):
        b = _gd_buffers(W0)
        b[2][:], b[4][:] = step, status
        for _ in range(chunks):
            core.teacher_gd(*b, None, core.GDOptions(steps=steps, **opt))
        return [b[0], b[2], b[3], b[4], b[5], b[6]]

    status0 = np.zeros(R, np.int8)
    status0[5] = status0[30] = int(core.Status.CONVERGED)  # not RUNNING: must not move at all
    alone = [gd(W0[r : r + 1], step[r : r + 1], status0[r : r + 1], 1, 900) for r in range(R)]
    alone = [np.concatenate(x) for x in zip(*alone)]
    stopped = np.flatnonzero(alone[3] != int(core.Status.RUNNING))
    assert len(np.unique(alone[2])) > 10 and len(stopped) == R  # a mix of stopping times
    names = ("CONVERGED", "MAX_ITERS", "DIVERGED")
    assert set(alone[3].tolist()) == {int(getattr(core.Status, s)) for s in names}
    perm = rng.permutation(R)
    for threads, chunks, steps in [(1, 1, 900), (2, 1, 900), (2, 9, 100), (1, 4, 237)]:
        core.set_num_threads(threads)
        got = gd(W0[perm], step[perm], status0[perm], chunks, steps)
        for a, b in zip(alone, got):
            np.testing.assert_array_equal(a[perm], b)
    np.testing.assert_array_equal(alone[0][[5, 30]], W0[[5, 30]])


@pytest.mark.parametrize("n, d, teacher", [(7, 5, "gaussian"), (5, 5, "identity"), (3, 1, "gaussian")])
@pytest.mark.parametrize("frobenius", [False, True])
def test_teacher_gd_refilled_lane_runs_its_own_steps(restore_threads, n, d, teacher, frobenius):
    """One call runs `steps` evaluations of each restart, also of those a lane takes over from a
    restart that stopped: mid-run states (iterations included) equal each restart's call alone, on
    shapes off the kernel's tiles (n = 7, 5, 3; d = 5, 1), a general teacher and the Frobenius norm."""
    rng = np.random.default_rng(11)
    R = 29
    W0 = rng.normal(size=(R, n, d)) / 2
    V = rng.normal(size=(4, d)) if teacher == "gaussian" else None
    step = np.where(np.arange(R) % 3 == 0, 0.5, 0.05)
    # Restarts that come in with iterations behind them stop at the cap after 1 to 59 more steps.
    iters0 = np.where(np.arange(R) % 2 == 0, 1000 - (7 * np.arange(R)) % 59 - 1, 0)
    opt = core.GDOptions(steps=60, tol=1e-12, max_iters=1000, frobenius=frobenius)

    def gd(rows, threads):
        core.set_num_threads(threads)
        b = _gd_buffers(W0[rows])
        b[2][:], b[3][:] = step[rows], iters0[rows]
        core.teacher_gd(*b, V, opt)
        return [b[0], b[2], b[3], b[4], b[5], b[6]]

    alone = [np.concatenate(x) for x in zip(*[gd([r], 1) for r in range(R)])]
    running = alone[3] == int(core.Status.RUNNING)
    assert 0 < running.sum() < R  # some stop inside the call (their lanes are refilled), some not
    np.testing.assert_array_equal(alone[2], np.where(running, 60, 1000))
    perm = rng.permutation(R)
    for threads in (1, 2):
        for a, b in zip(alone, gd(perm, threads)):
            np.testing.assert_array_equal(a[perm], b)


@pytest.mark.parametrize("sizes", [[1, 3, 1], [2, 4, 3]])  # the tiny-net path and the generic one
@pytest.mark.parametrize("optimizer", ["gd", "adam"])
def test_mlp_train_chunk_matches_the_documented_update(sizes, optimizer):
    rng = np.random.default_rng(4)
    net = core.Net(sizes, True)
    R, N = 5, 7
    p0 = rng.normal(size=(R, net.n_params)) / 2
    X, Y = rng.normal(size=(N, sizes[0])), rng.normal(size=(N, sizes[-1]))
    lr, k, b1, b2, eps = 0.01, 12, 0.9, 0.999, 1e-8
    p = p0.copy()
    m, v = (np.zeros_like(p0), np.zeros_like(p0)) if optimizer == "adam" else (None, None)
    opts = core.TrainOptions(
        optimizer=int(optimizer == "adam"), lr=lr, steps=k, t0=0, beta1=b1, beta2=b2, eps=eps
    )
    core.mlp_train(p, m, v, X, Y, None, net, 1, opts)
    pn, mn, vn = p0.copy(), np.zeros_like(p0), np.zeros_like(p0)
    for t in range(1, k + 1):
        _, G = mlp.loss_and_grad(pn, X, Y, sizes, loss="mse", backend="numpy")
        if optimizer == "gd":
            pn = pn - lr * G
        else:
            mn = b1 * mn + (1 - b1) * G
            vn = b2 * vn + (1 - b2) * G * G
            pn = pn - (lr / (1 - b1**t)) * (mn / (np.sqrt(vn) * (1 / np.sqrt(1 - b2**t)) + eps))
    np.testing.assert_allclose(p, pn, rtol=1e-9, atol=1e-12)
    if optimizer == "adam":
        np.testing.assert_allclose(m, mn, rtol=1e-9, atol=1e-14)
        np.testing.assert_allclose(v, vn, rtol=1e-9, atol=1e-16)
    assert not np.array_equal(p, p0)


def test_mlp_train_chunks_compose():
    """Two chunks (t0 carries Adam's bias correction and the mini-batch schedule) equal one."""
    rng = np.random.default_rng(5)
    net = core.Net([3, 5, 2])
    p0 = rng.normal(size=(6, net.n_params)) / 2
    X, lab = rng.normal(size=(11, 3)), rng.integers(0, 2, 11)
    one = [p0.copy(), np.zeros_like(p0), np.zeros_like(p0)]
    core.mlp_train(*one, X, None, lab, net, 2, core.TrainOptions(optimizer=1, steps=10, batch=4, seed=9))
    two = [p0.copy(), np.zeros_like(p0), np.zeros_like(p0)]
    core.mlp_train(*two, X, None, lab, net, 2, core.TrainOptions(optimizer=1, steps=4, batch=4, seed=9))
    core.mlp_train(*two, X, None, lab, net, 2, core.TrainOptions(optimizer=1, steps=6, t0=4, batch=4, seed=9))
    for a, b in zip(one, two):
        np.testing.assert_array_equal(a, b)


def test_mlp_permutation_is_a_permutation():
    perm = core.mlp_permutation(7, 3, 2, 50)
    assert perm.dtype == np.int64
    np.testing.assert_array_equal(np.sort(perm), np.arange(50))
    np.testing.assert_array_equal(perm, core.mlp_permutation(7, 3, 2, 50))
    assert not np.array_equal(perm, core.mlp_permutation(7, 4, 2, 50))
