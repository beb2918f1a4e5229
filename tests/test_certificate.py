"""The strict-local-minimum certificate: the Hessian Lipschitz bound holds, and certificates work."""

import numpy as np
import pytest

from relufast import optim
from relufast.experiments import safran_shamir as ss
from relufast.objectives import teacher
from relufast.objectives.teacher import certificate


def _ratio(W, V, D, h):
    H0 = teacher.hessian(W, V, backend="numpy")
    H1 = teacher.hessian(W + h * D, V, backend="numpy")
    return np.linalg.norm(H1 - H0, 2) / (h * np.linalg.norm(D))


def _points(rng):
    yield rng.normal(size=(4, 4)) / 2, None
    yield rng.normal(size=(5, 3)), rng.normal(size=(3, 3))
    W = rng.normal(size=(4, 4))
    W[1] = 0.7 * W[0] + 1e-6 * rng.normal(size=4)  # nearly aligned pair
    yield W, None
    W = rng.normal(size=(4, 4))
    W[2] = -1.3 * W[3] + 1e-6 * rng.normal(size=4)  # nearly opposed pair
    yield W, None
    W = 0.05 * rng.normal(size=(3, 3))  # small neurons: the 1/|w|^2 terms dominate
    yield W, None


def test_hessian_lipschitz_bound_holds():
    rng = np.random.default_rng(0)
    worst = 0.0
    for W, V in _points(rng):
        for h in (1e-3, 1e-5):
            L = certificate.hessian_lipschitz(W, V, radius=h)
            for _ in range(20):
                D = rng.normal(size=W.shape)
                D /= np.linalg.norm(D)
                ratio = _ratio(W, V, D, h)
                assert ratio <= L, (ratio, L)
                worst = max(worst, ratio / L)
    assert worst > 1e-3  # the bound is not vacuous: within three orders of the measured slopes


def test_the_global_minimum_is_certified():
    c = certificate.certify_minimum(np.eye(4))
    assert c.certified[0] and c.radius[0] < 1e-11
    assert c.lambda_min[0] == pytest.approx(0.25 - 1 / (2 * np.pi), abs=1e-9)


def test_a_saddle_or_a_far_point_is_not_certified():
    rng = np.random.default_rng(1)
    far = np.eye(4) + 0.1 * rng.normal(size=(4, 4))  # gradient far from 0: no small ball works
    assert not certificate.certify_minimum(far).certified[0]
    dup = np.array([[1.0, 0.0], [1.0, 0.0]])  # indefinite Hessian
    assert not certificate.certify_minimum(dup).certified[0]


def test_a_polished_spurious_minimum_is_certified():
    r = ss.run(8, 8, 60, seed=0, polish=True)
    spur = np.flatnonzero(r.label == "spurious")
    assert spur.size > 0
    c = certificate.certify_minimum(r.W[spur])
    assert np.all(c.certified) and np.all(c.radius < 1e-8)
    F = teacher.loss(r.W[spur], backend="numpy")
    assert np.all(c.F_low <= F) and np.all(F - c.F_low < 1e-15)


def test_capped_runs_certified_get_the_uncapped_label_and_the_rest_are_counted():
    """A tight cap stops slow runs early; those proven to end at a strict minimum keep their label."""
    uncapped = ss.run(10, 10, 200, seed=1)
    capped = ss.run(10, 10, 200, seed=1, max_iters=5000)
    nc = capped.label == "not converged"
    cert = capped.certified
    assert cert.sum() >= 10 and not np.any(cert & nc)
    np.testing.assert_array_equal(capped.label[~nc], uncapped.label[~nc])  # identical where labelled
    assert np.all(uncapped.label[cert] == "spurious")
    s = capped.summary()
    assert s["certified"] == cert.sum() and s["not_converged"] == nc.sum()  # never silently dropped
    off = ss.run(10, 10, 200, seed=1, max_iters=5000, certify=False)
    assert off.summary()["not_converged"] == nc.sum() + cert.sum()


@pytest.mark.core  # 25 s on the C++ core, 214 s on NumPy, whose resumed GD test_optim checks
def test_slow_runs_handed_to_newton_keep_their_label_and_the_rest_are_gd_bit_for_bit(monkeypatch):
    """certify_after: runs GD has not finished after that many steps are certified once their
    gradient reaches certify_tol; every other run, and every one the certificate does not prove,
    is GD's own run to the end."""
    gd_only = ss.run(10, 10, 200, seed=1, certify_after=0)
    handed = ss.run(10, 10, 200, seed=1, certify_after=3000)
    cert = handed.certified
    assert cert.sum() >= 10 and np.all(gd_only.iterations[cert] > 3000)
    np.testing.assert_array_equal(handed.label, gd_only.label)
    for name in ("W", "F", "grad_norm", "iterations", "step", "status", "lambda_min"):
        np.testing.assert_array_equal(
            getattr(handed, name)[~cert], getattr(gd_only, name)[~cert], err_msg=name
        )
    # the certified: the same minimum (polished past GD's tolerance) in fewer steps
    assert np.all(handed.iterations[cert] < gd_only.iterations[cert])
    assert np.all(handed.grad_norm[cert] < gd_only.grad_norm[cert])
    np.testing.assert_allclose(handed.F[cert], gd_only.F[cert], rtol=0, atol=1e-12)
    np.testing.assert_allclose(handed.lambda_min[cert], gd_only.lambda_min[cert], rtol=0, atol=1e-8)
    assert handed.summary()["certified"] == cert.sum()
    sharded = ss.run(10, 10, 200, seed=1, certify_after=3000, shard_size=64)
    np.testing.assert_array_equal(sharded.W, handed.W)

    # where the certificate fails, the run goes on under GD: to the very end GD would have taken
    real = ss.certify_minimum

    def every_other_fails(W, *args, **kw):
        c = real(W, *args, **kw)
        c.certified[::2] = c.basin[::2] = False
        return c

    monkeypatch.setattr(ss, "certify_minimum", every_other_fails)
    half = ss.run(10, 10, 200, seed=1, certify_after=3000)
    assert 0 < half.certified.sum() < cert.sum()
    back = cert & ~half.certified
    for name in ("W", "F", "iterations", "status", "lambda_min"):
        np.testing.assert_array_equal(
            getattr(half, name)[~half.certified], getattr(gd_only, name)[~half.certified]
        )
    assert np.all(half.iterations[back] == gd_only.iterations[back])
    np.testing.assert_array_equal(half.label, gd_only.label)


@pytest.mark.core  # 1.4 s on the C++ core (AVX-512 Xeon)
def test_a_run_refused_at_certify_tol_is_tried_again_at_the_retry_steps(monkeypatch):
    """A run whose first certificate fails goes on under GD and is tried again each time it
    reaches 2, 4, 8, ... x certify_after steps: certified there, it keeps GD's label; every run
    never certified is GD's own run bit for bit."""
    assert ss._retries(ss.cell_spec(6, 6)) == (40_000, 80_000, 160_000, 320_000, 640_000)
    assert ss._retries(ss.cell_spec(6, 6, certify_after=600_000)) == ()
    gd_only = ss.run(10, 10, 200, seed=1, certify_after=0)
    real = ss.certify_minimum
    calls = []

    def first_call_fails(W, *args, **kw):  # the first certificate (one shard): GD's points at 1e-5
        c = real(W, *args, **kw)
        if not calls:
            c.certified[:] = c.basin[:] = False
        calls.append(len(c.certified))
        return c

    monkeypatch.setattr(ss, "certify_minimum", first_call_fails)
    late = ss.run(10, 10, 200, seed=1, certify_after=1500)
    cert = late.certified
    assert len(calls) >= 2 and cert.sum() >= 5
    # certified at a retry: GD stopped there at exactly 3000, 6000, ... steps
    assert set(late.iterations[cert]) <= {3000 * 2**j for j in range(9)}
    assert np.all(gd_only.iterations[cert] > late.iterations[cert])
    np.testing.assert_array_equal(late.label, gd_only.label)
    np.testing.assert_allclose(late.F[cert], gd_only.F[cert], rtol=0, atol=1e-12)
    for name in ("W", "F", "grad_norm", "iterations", "step", "status", "lambda_min"):
        np.testing.assert_array_equal(getattr(late, name)[~cert], getattr(gd_only, name)[~cert], err_msg=name)


def test_basin_needs_the_start_inside_the_contraction_ball():
    W = np.eye(3)
    near = W + 1e-7
    c = certificate.certify_minimum(W, start=near[None], step=0.1)
    assert c.certified[0] and c.basin[0]
    assert certificate.certify_minimum(W, start=W[None], step=0.1).basin[0]  # GD already there
    far = W + 0.2
    assert not certificate.certify_minimum(W, start=far[None], step=0.1).basin[0]
    assert not certificate.certify_minimum(W, start=near[None], step=100.0).basin[0]  # GD would blow up
    top = np.linalg.eigvalsh(teacher.hessian(W))[-1]
    assert not certificate.certify_minimum(W, start=near[None], step=2.01 / top).basin[0]  # T expands


def test_gd_from_a_basin_start_ends_at_the_certified_minimum():
    """The contraction argument, checked by running GD on: every run it admits converges there."""
    W0 = ss.initial_students(10, 10, 120, seed=1)
    gd = optim.teacher_gd(W0, max_iters=4000)
    open_ = np.flatnonzero((gd.status == optim.Status.MAX_ITERS) & (gd.F >= ss.SPURIOUS_F))
    S = gd.W[open_]
    W, _ = optim.newton_polish(S)
    c = certificate.certify_minimum(W, start=S, step=gd.step[open_])
    basin = np.flatnonzero(c.basin)
    assert basin.size >= 10 and np.all(c.certified[basin])
    assert np.all(gd.step[open_] == 0.1)
    on = optim.teacher_gd(S[basin])  # the uncapped protocol, resumed
    assert np.all(on.status == optim.Status.CONVERGED)
    moved = np.linalg.norm((on.W - W[basin]).reshape(basin.size, -1), axis=1)
    assert np.all(moved <= c.radius[basin] + 1e-8)  # F: float sums of O(n^2) terms, ~4e-14 off
    assert np.all(on.F >= c.F_low[basin] - 1e-12) and np.all(c.F_low[basin] >= ss.SPURIOUS_F)


def test_bad_input_is_a_clear_error():
    with pytest.raises(TypeError, match="W must be an array of real numbers"):
        certificate.certify_minimum(np.eye(3) + 0j)
    with pytest.raises(ValueError, match="V must have shape"):
        certificate.certify_minimum(np.eye(3), np.eye(2))
    with pytest.raises(ValueError, match="lambda_min must be a number or have shape"):
        certificate.certify_minimum(np.stack([np.eye(3)] * 2), lambda_min=[0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="start must have the shape of W"):
        certificate.certify_minimum(np.eye(3), start=np.eye(2), step=0.1)
    with pytest.raises(ValueError, match="radius must be >= 0"):
        certificate.hessian_lipschitz(np.eye(2), radius=-1.0)
