"""The optimiser package: the chunk loop, the rules, Newton polishing, teacher GD's shapes."""

import signal
import subprocess
import sys
import time
from dataclasses import dataclass

import numpy as np
import pytest

from relufast import backend, mlp, optim, teacher, train
from relufast.optim import Batch, Status, loop, rules, run_chunks


@dataclass
class Counter(Batch):
    x: np.ndarray
    status: np.ndarray
    extra: None = None  # a None field is carried along untouched


def counting_state(R=5):
    return Counter(x=np.zeros(R), status=np.zeros(R, dtype=np.int8))


def test_chunk_loop_compacts_finished_restarts_and_reports_progress():
    s = counting_state()
    seen, calls = [], []

    def advance(part, n, t0):
        seen.append(part.x.shape[0])
        part.x += n
        part.status[part.x >= 3 * np.arange(1, part.x.size + 1)] = Status.CONVERGED

    res = run_chunks(s, advance, chunk=1, status=s.status, progress=lambda d, t: calls.append((d, t)))
    # row i finishes once x >= 3 (i + 1) among the running rows; finished rows leave the batch
    assert res.cancelled is False and np.all(s.status == Status.CONVERGED)
    assert seen[0] == 5 and seen[-1] < 5 and sorted(seen, reverse=True) == seen
    assert calls[-1] == (5, 5) and all(t == 5 for _, t in calls)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


def test_chunk_loop_steps_history_and_cancel():
    s = counting_state(2)
    done = []
    res = run_chunks(s, lambda p, n, t0: p.x.__iadd__(n), chunk=10, steps=25, after_chunk=done.append)
    assert res.steps == 25 and done == [10, 20, 25] and np.all(s.x == 25)
    res = run_chunks(
        counting_state(2), lambda p, n, t0: None, chunk=10, steps=25, progress=lambda d, t: d < 20
    )
    assert res.steps == 20 and res.cancelled
    with pytest.raises(ValueError, match="needs steps or a status"):
        run_chunks(counting_state(), lambda p, n, t0: None, chunk=1)


def test_native_calls_are_paced_to_the_call_time(monkeypatch):
    # Ctrl-C is seen only between native calls: each lasts about CALL_SECONDS, rows split when one
    # step of all of them would take longer (a fake kernel of 0.5 ms per row and step here).
    monkeypatch.setattr(loop, "CALL_SECONDS", 0.02)
    s, calls = counting_state(200), []

    def advance(part, n, t0):
        t = time.perf_counter()
        time.sleep(5e-4 * part.x.size * n)
        part.x += n
        calls.append((part.x.size, n, time.perf_counter() - t))

    run_chunks(s, advance, chunk=50, status=s.status, progress=lambda d, t: len(calls) < 100)
    assert np.all(s.x == s.x[0]) and s.x[0] % 50 == 0  # every row ran whole chunks
    assert calls[0][:2] == (64, 1) and max(r for r, _, _ in calls) < 200  # one step of all: 0.1 s
    assert np.median([dt for _, _, dt in calls[4:]]) < 0.05
    calls.clear()
    res = run_chunks(counting_state(2), advance, chunk=1000, steps=1000)  # then many steps a call
    assert res.steps == 1000 and all(r == 2 for r, _, _ in calls) and sum(n for _, n, _ in calls) == 1000
    assert 3 < max(n for _, n, _ in calls) <= 32 and max(dt for _, _, dt in calls) < 0.1


@pytest.mark.parametrize("be", ["numpy", "cpu"])
def test_results_do_not_depend_on_the_pacing(monkeypatch, be):
    if be not in backend.available("teacher"):
        pytest.skip(f"backend {be} not loaded")
    W0 = np.random.default_rng(2).normal(size=(21, 5, 5)) / np.sqrt(5)
    kw = dict(step=0.2, tol=1e-7, max_iters=400, backend=be)
    X, Y = np.random.default_rng(3).normal(size=(7, 2)), np.random.default_rng(4).normal(size=(7, 1))
    runs = []
    for seconds in (10.0, 1e-9):  # one call a chunk, or one step of 8 restarts a call
        monkeypatch.setattr(loop, "CALL_SECONDS", seconds)
        r = optim.teacher_gd(W0, chunk=300, **kw)
        out = [r.W, r.F, r.grad_norm, r.iterations, r.step, r.status]
        if be in backend.available("mlp"):
            p = train.init_params([2, 4, 1], 19, seed=0)
            for opt, bs in (("adam", None), ("sgd", 3)):
                t = train.train(
                    p, X, Y, [2, 4, 1], optimizer=opt, lr=0.01, steps=60, batch_size=bs, chunk=25, backend=be
                )
                out += [t.params, t.history]
        runs.append(out)
    for a, b in zip(*runs):
        np.testing.assert_array_equal(a, b)


def test_ctrl_c_lands_within_a_second():
    # The child takes Ctrl-C as an interactive Python does, whatever it inherits: a parent started
    # in the background by a shell without job control passes SIGINT on ignored.
    code = """
import signal
signal.signal(signal.SIGINT, signal.default_int_handler)
import numpy as np
from relufast import optim
W0 = np.random.default_rng(0).normal(size=(3000, 20, 20)) / np.sqrt(20)
print("start", flush=True)
optim.teacher_gd(W0, tol=1e-300, f_stop=0.0)
"""
    cmd = [sys.executable, "-c", code]
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as p:
        assert p.stdout.readline().strip() == "start"
        time.sleep(1.5)  # well into the first 2000-step chunk (tens of seconds at least)
        t = time.perf_counter()
        p.send_signal(signal.SIGINT)
        try:
            _, err = p.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            p.kill()  # else leaving the with block would wait for it forever
            pytest.fail("Ctrl-C did not stop teacher_gd within 60 s")
        latency = time.perf_counter() - t
    # the signal lands at the end of the running native call (~0.2 s, CALL_SECONDS); the bound leaves
    # room for the interpreter's exit on a loaded CI machine (the wait was 19 s before the pacing)
    assert "KeyboardInterrupt" in err and latency < 2.0, latency


def test_teacher_stop_rule_precedence():
    tol, div = 1e-9, 1e4
    g = np.array([1e5, 1e-12, 1e-12, 1.0, 1.0, 1.0, np.nan]) / (2 * np.pi)
    F = np.array([1.0, 1e-8, 1.0, 1e-8, 1.0, 1.0, 1.0])
    it = np.array([0, 0, 0, 0, 10, 3, 0])
    d = rules.teacher_stop(F, g, it, tol=tol, diverge=div, f_stop=1e-6, max_iters=10)
    assert d.bad.tolist() == [1, 0, 0, 0, 0, 0, 1]
    assert d.converged.tolist() == [0, 1, 1, 0, 0, 0, 0]  # converged wins over a small loss
    assert d.small_loss.tolist() == [0, 0, 0, 1, 0, 0, 0]
    assert d.capped.tolist() == [0, 0, 0, 0, 1, 0, 0]
    assert d.move.tolist() == [0, 0, 0, 0, 0, 1, 0]


def test_adam_rule_first_step_moves_by_lr_times_sign():
    p, m, v = np.zeros(3), np.zeros(3), np.zeros(3)
    rules.adam_update(p, m, v, np.array([2.0, -0.5, 0.0]), 1, 0.1, 0.9, 0.999, 1e-12)
    np.testing.assert_allclose(p, [-0.1, 0.1, 0.0], rtol=1e-9)


def test_newton_step_leaves_only_the_singular_row_unsolved():
    H = np.stack([np.eye(2) * 2, np.zeros((2, 2)), np.diag([1.0, 4.0])])
    g = np.array([[2.0, 4.0], [1.0, 1.0], [1.0, 4.0]])
    dx, ok = rules.newton_step(H, g)
    assert ok.tolist() == [True, False, True]
    np.testing.assert_allclose(dx, [[1, 2], [0, 0], [1, 1]])


@pytest.mark.parametrize("be", ["numpy", "cpu"])
def test_newton_polish_goes_on_past_a_singular_hessian(be):
    # a point with every neuron dead has Hessian I/2 (regular); a point with two identical rows
    # of a rank-deficient spot is singular. Build a singular case from a duplicated neuron:
    good = np.eye(3) + 1e-4  # near the global minimum: polishes to 1e-13
    dup = np.array([[1.0, 0.0], [1.0, 0.0]])  # two equal neurons: H singular along w1 - w2
    H = teacher.hessian(dup, backend=be)
    assert abs(np.linalg.det(H)) < 1e-12
    W = np.stack([good[:2, :2], dup])
    out, gn = optim.newton_polish(W, backend=be)
    assert gn[0] <= 1e-13  # the regular point is polished although its neighbour is singular


def test_newton_cg_step_is_the_dense_solve_and_stops_at_negative_curvature():
    rng = np.random.default_rng(3)
    A = rng.normal(size=(3, 6, 6))
    H = A @ A.transpose(0, 2, 1) + 0.5 * np.eye(6)  # positive definite
    H[2] -= 3.0 * np.eye(6) + 100.0 * np.outer(np.ones(6), np.ones(6)) / 6  # indefinite
    g = rng.normal(size=(3, 6))

    def matvec(X, rows):
        return np.einsum("rij,rj->ri", H[rows], X)

    dx, ok = rules.newton_cg_step(matvec, g, rtol=1e-13, maxiter=50)
    assert ok.tolist() == [True, True, False] and not dx[2].any()
    dense, _ = rules.newton_step(H[:2], g[:2])
    np.testing.assert_allclose(dx[:2], dense, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("be", ["numpy", "cpu"])
def test_newton_polish_by_cg_matches_dense(be):
    from relufast.experiments import safran_shamir as ss

    gd = optim.teacher_gd(ss.initial_students(8, 8, 60, seed=0), tol=1e-5, backend=be)
    near = gd.W[gd.F >= 1e-3]  # near spurious minima (positive-definite Hessians)
    assert near.shape[0] >= 3
    Wd, gd_ = optim.newton_polish(near, method="dense", backend=be)
    Wc, gc = optim.newton_polish(near, method="cg", backend=be)
    assert np.all(gc <= 1e-13) and np.all(gd_ <= 1e-13)
    np.testing.assert_allclose(Wc, Wd, atol=1e-12)


def test_newton_polish_auto_takes_cg_above_dense_max(monkeypatch):
    from relufast.objectives.teacher import DENSE_MAX

    k = 25  # n d = 625 > DENSE_MAX
    assert k * k > DENSE_MAX
    calls = []
    cg = rules.newton_cg_step
    monkeypatch.setattr(rules, "newton_cg_step", lambda *a, **kw: calls.append(1) or cg(*a, **kw))
    from relufast.objectives import teacher as objective

    monkeypatch.setattr(objective, "hessian", lambda *a, **kw: pytest.fail("auto formed a dense Hessian"))
    W = np.eye(k) + 1e-3 * np.random.default_rng(0).normal(size=(k, k))  # near the global minimum
    _, g = optim.newton_polish(W)
    assert g <= 1e-13 and calls
    with pytest.raises(ValueError, match="method must be 'auto', 'dense' or 'cg'"):
        optim.newton_polish(W, method="lu")


def test_teacher_gd_shapes_follow_w0():
    r = optim.teacher_gd(np.eye(3) + 0.05, backend="numpy")
    assert r.W.shape == (3, 3) and np.ndim(r.F) == 0 and r.status == Status.SMALL_LOSS
    rb = optim.teacher_gd((np.eye(3) + 0.05)[None], backend="numpy")
    assert rb.W.shape == (1, 3, 3)
    np.testing.assert_array_equal(rb.W[0], r.W)


def test_teacher_gd_cancel_keeps_the_unfinished_running():
    W0 = np.random.default_rng(0).normal(size=(4, 5, 5)) / np.sqrt(5)
    r = optim.teacher_gd(W0, backend="numpy", chunk=5, progress=lambda d, t: False)
    assert np.all(r.status == Status.RUNNING) and np.all(r.iterations == 5)


@pytest.mark.parametrize("be", ["numpy", "cpu"])
def test_teacher_gd_resumed_ends_where_one_call_ends(be):
    """A resumed run is the run uninterrupted, bit for bit: stopped by a looser tol, by the cap, or
    cancelled, on every backend; finished runs keep their endpoints."""
    from relufast.experiments import safran_shamir as ss

    W0 = ss.initial_students(5, 6, 16, seed=3)
    opt = dict(tol=1e-8, max_iters=3000, backend=be)
    one = optim.teacher_gd(W0, **opt)
    loose = optim.teacher_gd(W0, tol=1e-2, max_iters=1000, backend=be)
    cancelled = optim.teacher_gd(W0, backend=be, chunk=7, progress=lambda d, t: False)
    assert {Status.CONVERGED, Status.MAX_ITERS} <= set(loose.status.tolist())
    for first in (loose, cancelled):
        on = optim.teacher_gd(W0, **opt, resume=first)
        for name in ("W", "F", "grad_norm", "iterations", "step", "status"):
            np.testing.assert_array_equal(getattr(on, name), getattr(one, name), err_msg=name)
    done = optim.teacher_gd(W0, **opt, resume=one)  # nothing resumable is left unfinished
    np.testing.assert_array_equal(done.iterations, one.iterations)
    single = optim.teacher_gd(W0[0], **opt, resume=optim.teacher_gd(W0[0], tol=1e-2, backend=be))
    np.testing.assert_array_equal(single.W, one.W[0])
    with pytest.raises(TypeError, match="resume must be a GDResult"):
        optim.teacher_gd(W0, resume=one.W)
    with pytest.raises(ValueError, match=r"resume.W has shape \(16, 6, 5\), expected \(3, 6, 5\)"):
        optim.teacher_gd(W0[:3], resume=one)


@pytest.mark.core
def test_status_is_the_bound_enum():
    core = backend.core()
    assert {m.name: int(m) for m in Status} == {n: int(v) for n, v in core.Status.__members__.items()}


def test_predict_runs_on_the_backend_asked_for():
    net = [1, 1, 1]
    np.testing.assert_array_equal(mlp.predict([1.0, -3, 1, 0], [4.0], net, backend="numpy"), [[1.0]])
    with pytest.raises(ValueError, match="not available for mlp.predict"):
        mlp.predict([1.0, -3, 1, 0], [4.0], net, backend="cpu")
    with pytest.raises(ValueError, match="not available for mlp.kinks"):
        mlp.kinks([1.0, -3, 1, 0], [4.0], net, backend="cpu")


@pytest.mark.core
def test_hessian_with_kinks_on_the_cpu():
    X, Y = [-1.0, 1, 3, 4, 5], [3.0, -3, 0, 1, 2]
    H, K = mlp.hessian([1.0, -3, 1, 0], X, Y, [1, 1, 1], backend="cpu", return_kinks=True)
    assert K.tolist() == [False, False, True, False, False]
    np.testing.assert_allclose(H, mlp.hessian([1.0, -3, 1, 0], X, Y, [1, 1, 1], backend="numpy"), atol=1e-12)


@pytest.mark.parametrize("be", ["numpy", "cpu"])
def test_frobenius_stopping_rule(be):
    """norm="frobenius" stops on |grad F|_F <= tol (COLT 2021), which is stricter than max_i |g_i|."""
    W0 = np.random.default_rng(3).normal(size=(6, 4, 4)) / 2.0
    r = optim.teacher_gd(W0, backend=be, norm="frobenius", tol=1e-8, f_stop=0.0, step=0.5, chunk=300)
    G = teacher.grad(r.W, backend="numpy")
    fro = np.sqrt(np.einsum("rnd,rnd->r", G, G))
    done = r.status == Status.CONVERGED
    assert done.any()
    # the kernel's norm is the one of its gradient (same formula, other summation order)
    np.testing.assert_allclose(r.grad_norm[done], fro[done], rtol=0, atol=1e-15)
    assert np.all(fro[done] <= 1e-8)
    rm = optim.teacher_gd(W0, backend=be, tol=2 * np.pi * 1e-8, f_stop=0.0, step=0.5, chunk=300)
    assert np.all(r.iterations[done] >= rm.iterations[done])  # |G|_F >= max_i |g_i|: never earlier
    with pytest.raises(ValueError, match="norm must be one of"):
        optim.teacher_gd(W0, norm="l2")


@pytest.mark.core
def test_frobenius_rule_cpu_equals_numpy():
    W0 = np.random.default_rng(4).normal(size=(9, 5, 5)) / np.sqrt(5)
    a = optim.teacher_gd(W0, backend="cpu", norm="frobenius", tol=1e-9, max_iters=400, chunk=100)
    b = optim.teacher_gd(W0, backend="numpy", norm="frobenius", tol=1e-9, max_iters=400, chunk=100)
    np.testing.assert_array_equal(a.status, b.status)
    np.testing.assert_array_equal(a.iterations, b.iterations)
    np.testing.assert_allclose(a.W, b.W, atol=1e-12)
    np.testing.assert_allclose(a.grad_norm, b.grad_norm, rtol=1e-9, atol=1e-15)


def test_f_stop_zero_disables_the_early_stop_even_below_zero():
    # rounding puts F slightly below 0 next to the global minimum: that is not "F < f_stop"
    d = rules.teacher_stop(
        np.array([-4e-16]), np.array([1.0]), np.array([0]), tol=1e-9, diverge=1e4, f_stop=0.0, max_iters=0
    )
    assert d.move.tolist() == [True]
    r = optim.teacher_gd(np.eye(3) + 0.05, backend="numpy", f_stop=0.0, tol=1e-8)
    assert r.status == Status.CONVERGED  # not SMALL_LOSS, though F rounds to <= 0 on the way


def test_ints_beyond_int64_are_a_clear_value_error():
    W0 = np.eye(3) + 0.1
    for knob in ("chunk", "max_iters"):
        with pytest.raises(ValueError, match=f"{knob} must be at most 9223372036854775807"):
            optim.teacher_gd(W0, **{knob: 2**63})
    from relufast import train

    with pytest.raises(ValueError, match="steps must be at most"):
        train.train(np.zeros(4), [1.0], [1.0], [1, 1, 1], lr=0.1, steps=2**63)
    with pytest.raises(ValueError, match="epoch must be"):
        optim.epoch_permutations(0, [0], 2**64, 3)
    with pytest.raises(ValueError, match="rows must be non-negative integers"):
        optim.epoch_permutations(0, [0.5], 0, 3)


@pytest.mark.parametrize("max_steps", [-1, 2**63, 2.5, None])
def test_newton_polish_checks_max_steps(max_steps):
    with pytest.raises(ValueError, match="max_steps"):  # -1 and 2**63 ran silently before
        optim.newton_polish(np.eye(2) + 0.1, max_steps=max_steps)


def test_a_progress_that_is_not_callable_is_refused_before_any_work():
    with pytest.raises(TypeError, match="progress must be a callable"):
        optim.teacher_gd(np.eye(2) + 0.3, max_iters=50, progress=1)
