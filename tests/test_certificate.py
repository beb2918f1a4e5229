"""The strict-local-minimum certificate: the Hessian Lipschitz bound holds, and certificates work."""

import numpy as np
import pytest

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
