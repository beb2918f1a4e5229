"""Safran & Shamir's experiment: the protocol, the k = n = 6 minimum, and Table 1 rates."""

import numpy as np
import pytest

from relufast import minima, optim, teacher
from relufast.experiments import safran_shamir as ss


def b4_point(k=6):
    """papers.md B4: the k = n = 6 spurious minimum, to the 6 digits the paper prints."""
    a, b, c, d, e = -0.601512, 0.308011, 0.224516, 0.986704, -0.050413
    W = np.full((k, k), e)
    W[0] = c
    W[0, 0] = a
    W[1:, 0] = b
    W[np.arange(1, k), np.arange(1, k)] = d
    return W


@pytest.mark.parametrize("be", ["cpu", "numpy"])
def test_b4_minimum_polished_to_six_digits(be):
    W, gnorm = optim.newton_polish(b4_point(), backend=be)
    assert gnorm < 1e-12
    assert teacher.loss(W, backend=be) == pytest.approx(0.02508058, abs=5e-9)
    lam = minima.min_eigenvalues(teacher.hessian(W, backend=be), backend=be)
    assert lam == pytest.approx(0.004700, abs=5e-7)
    assert minima.neuron_blocks(W) == [1, 5]


def test_families_are_invariant_under_permutations(rng):
    W, _ = optim.newton_polish(b4_point())
    perms = [W]
    for _ in range(3):
        p = rng.permutation(6)  # coordinates, with the teacher rows (identity teacher symmetry)
        perms.append(W[rng.permutation(6)][:, p][p][:, :])
    Ws = np.array([X[:, :] for X in perms])
    F = teacher.loss(Ws)
    np.testing.assert_allclose(F, F[0], atol=1e-14)  # the loss has the symmetry...
    fams = minima.families(Ws, F, np.full(4, 0.0047))
    assert len(fams) == 1 and fams[0].count == 4 and fams[0].blocks == [1, 5]  # ...and so do families
    other = np.eye(6) * 0.9
    fams = minima.families(np.concatenate([Ws, other[None]]), np.append(F, 0.01), np.zeros(5))
    assert [f.count for f in fams] == [4, 1]


def test_initial_students_do_not_depend_on_batch_size():
    big = ss.initial_students(7, 8, 3000, seed=3)
    small = ss.initial_students(7, 8, 10, seed=3)
    np.testing.assert_array_equal(big[:10], small)
    assert big.shape == (3000, 8, 7)
    assert abs(big.var() - 1 / 7) < 0.01
    assert not np.array_equal(ss.initial_students(7, 8, 10, seed=4), small)


def test_run_is_reproducible_and_backend_independent():
    r1 = ss.run(6, 6, restarts=40, seed=1)
    r2 = ss.run(6, 6, restarts=40, seed=1)
    np.testing.assert_array_equal(r1.W, r2.W)
    rn = ss.run(6, 6, restarts=6, seed=1, backend="numpy")
    np.testing.assert_allclose(rn.W, r1.W[:6], atol=1e-9)
    np.testing.assert_array_equal(rn.label, r1.label[:6])
    np.testing.assert_array_equal(rn.iterations, r1.iterations[:6])


def test_result_arrays_and_labels():
    r = ss.run(7, 7, restarts=200, seed=0)
    R = 200
    for name in ("F", "grad_norm", "iterations", "step", "lambda_min", "label"):
        assert getattr(r, name).shape == (R,), name
    assert r.W.shape == (R, 7, 7)
    assert set(r.label) <= set(ss.LABELS)
    conv = r.status == optim.Status.CONVERGED
    assert np.all(2 * np.pi * r.grad_norm[conv] <= 1e-9)
    spur = r.label == "spurious"
    assert spur.sum() > 0
    assert np.all(r.F[spur] >= 1e-3) and np.all(r.lambda_min[spur] > 0)
    assert np.all(r.F[r.label == "global"] < 1e-3)
    assert sum(f.count for f in r.families) == spur.sum()
    row = r.summary()
    assert row["runs"] == R and row["spurious"] == spur.sum()
    assert row["ci_lo"] <= row["pct_spurious"] <= row["ci_hi"]
    assert row["paper_pct"] == 5.5
    assert list(row) == ss.TABLE_COLUMNS


def test_iteration_cap_is_reported_not_silent():
    r = ss.run(6, 6, restarts=20, seed=0, max_iters=50)
    assert np.all(r.label == "not converged")
    assert r.summary()["not_converged"] == 20
    assert np.all(r.iterations == 50)


def test_divergence_guard_halves_the_step():
    W0 = ss.initial_students(5, 5, 8, seed=0)
    r = optim.teacher_gd(W0, step=50.0, max_iters=100_000)
    assert np.all(r.step < 50.0)
    halvings = np.log2(50.0 / r.step)
    assert np.all(halvings == np.round(halvings)), r.step  # 50 / 2^m: halved, never otherwise changed
    # tamed, every run then reaches the early stop F < f_stop (1e-6), none is capped or diverged
    assert np.all(r.status == optim.Status.SMALL_LOSS), r.status
    assert np.all(r.F < 1e-6), r.F


def test_polish_tightens_spurious_endpoints():
    r = ss.run(7, 7, restarts=100, seed=0, polish=True)
    spur = r.label == "spurious"
    assert spur.any() and np.all(r.grad_norm[spur] < 1e-12)


@pytest.mark.parametrize("k,restarts", [(7, 1000), (8, 1000)])
def test_spurious_rate_agrees_with_paper(k, restarts):
    """Statistical reproduction: our rate and the paper's (1000 runs) agree in a two-proportion
    test at the 5% level, and the averages over spurious endpoints match the paper's."""
    row = ss.run(k, k, restarts=restarts, seed=0).summary()
    assert abs(row["z_vs_paper"]) < 1.96, row
    assert row["avg_lambda_min"] == pytest.approx(row["paper_lambda_min"], abs=2e-3)
    assert row["avg_F"] == pytest.approx(row["paper_F"], abs=2e-3)
    assert row["not_converged"] == 0


@pytest.mark.slow
@pytest.mark.parametrize("k,e", [(10, 0), (10, 1), (12, 0), (12, 2)])
def test_spurious_rate_agrees_with_paper_slow(k, e):
    row = ss.run(k, k + e, restarts=1000, seed=0).summary()
    assert abs(row["z_vs_paper"]) < 1.96, row


def test_z_vs_paper():
    assert ss.z_vs_paper(126, 1000, 12.6) == 0.0
    assert ss.z_vs_paper(300, 1000, 12.6) > 8
    assert ss.z_vs_paper(0, 1000, 0.0) == 0.0
    assert np.isnan(ss.z_vs_paper(3, 100, float("nan")))


def test_table_rows_and_progress():
    seen = []
    rows = ss.table([6], extra=(0, 2), restarts=30, progress=lambda d, t: seen.append((d, t)))
    assert [(r["k"], r["n"]) for r in rows] == [(6, 6), (6, 8)]
    assert seen[-1] == (60, 60) and all(t == 60 for _, t in seen)
    assert ss.paper_value(6, 8)["pct"] == 0 and ss.paper_value(20, 22) is not None
    assert ss.paper_value(20, 21) is None


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(k=0, n=3), "k must be"),
        (dict(k=3, n=-1), "n must be"),
        (dict(k=3, n=3, restarts=0), "restarts must be"),
        (dict(k=3, n=3, step=0.0), "step must be"),
        (dict(k=3, n=3, step=-1.0), "step must be"),
        (dict(k=3, n=3, step=float("nan")), "step must be"),
        (dict(k=3, n=3, backend="tpu"), "backend must be"),
        (dict(k=3, n=3, hessian_for="some"), "hessian_for"),
        (dict(k=3.5, n=3), "k must be"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ss.run(**kwargs)
