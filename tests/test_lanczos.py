"""Matrix-free smallest eigenvalues: the Lanczos solver, the teacher's Hessian-vector products
(NumPy per-pair reference, C++ kernel, BLAS-3 operator) and lambda_min without the dense Hessian,
each held to the dense path."""

import numpy as np
import pytest

from relufast import lanczos
from relufast.objectives import teacher
from relufast.objectives.teacher import reference
from relufast.objectives.teacher.operator import HessianOperator

RNG = np.random.default_rng(20261202)


def _sym(N, eigs, rng):
    Q, _ = np.linalg.qr(rng.normal(size=(N, N)))
    return (Q * eigs) @ Q.T


def _dense_matvec(A):
    return lambda X, rows: np.einsum("rab,rb->ra", A[rows], X)


@pytest.mark.parametrize(
    "eigs",
    [
        np.linspace(-1.0, 3.0, 60),
        np.r_[np.full(5, 0.01), np.linspace(0.5, 1.0, 40), np.full(15, 40.0)],  # degenerate + outliers
        np.r_[1e-4, 2e-4, np.linspace(0.5, 50.0, 58)],  # a tiny gap at the bottom
    ],
)
def test_smallest_eigenpairs_matches_eigvalsh(eigs):
    A = np.array([_sym(eigs.size, eigs, RNG) for _ in range(3)])
    res = lanczos.smallest_eigenpairs(_dense_matvec(A), 3, eigs.size, tol=1e-12)
    np.testing.assert_allclose(res.value, np.linalg.eigvalsh(A)[:, 0], atol=1e-10, rtol=0)
    # the residual is the real one, recomputed
    AY = np.einsum("rab,rb->ra", A, res.vector)
    np.testing.assert_allclose(res.residual, np.linalg.norm(AY - res.value[:, None] * res.vector, axis=1))
    assert res.residual.max() <= 1e-12 * np.abs(eigs).max()


def test_smallest_eigenpairs_restarts_and_small_dimension():
    eigs = np.r_[0.0, 0.2, np.linspace(1.0, 100.0, 198)]
    A = _sym(200, eigs, RNG)[None]
    res = lanczos.smallest_eigenpairs(_dense_matvec(A), 1, 200, basis=20, tol=1e-11)  # restarts
    assert abs(res.value[0]) < 1e-9 and res.iterations[0] > 20 and res.converged[0]
    few = lanczos.smallest_eigenpairs(_dense_matvec(A), 1, 200, basis=5, max_restarts=1)
    assert not few.converged[0] and few.residual[0] > 1e-10 * 100  # says so, with its residual
    tiny = np.array([[[2.0, 1.0], [1.0, 2.0]]])
    assert lanczos.smallest_eigenpairs(_dense_matvec(tiny), 1, 2).value[0] == pytest.approx(1.0, abs=1e-14)


def test_smallest_eigenpairs_is_deterministic():
    A = np.array([_sym(40, np.linspace(-2, 2, 40), RNG)])
    a = lanczos.smallest_eigenpairs(_dense_matvec(A), 1, 40, seed=3)
    b = lanczos.smallest_eigenpairs(_dense_matvec(A), 1, 40, seed=3)
    assert a.value.tobytes() == b.value.tobytes() and a.vector.tobytes() == b.vector.tobytes()


@pytest.mark.parametrize("bad", [{"R": 0}, {"N": -1}, {"basis": 0}, {"tol": 0.0}, {"tol": float("nan")}])
def test_smallest_eigenpairs_rejects_bad_sizes(bad):
    kw = {"R": 1, "N": 3} | bad
    with pytest.raises(ValueError, match=next(iter(bad))):
        lanczos.smallest_eigenpairs(lambda X, rows: X, kw.pop("R"), kw.pop("N"), **kw)


def _students(R, n, d, rng, awkward=True):
    """Random students, with (awkward) a dead neuron and aligned, opposed and near-aligned pairs."""
    W = rng.normal(size=(R, n, d))
    if awkward and n >= 4:
        W[0, 1] = 0.0
        W[0, 2] = -0.5 * W[0, 0]
        W[1 % R, 3] = W[1 % R, 0] * (1 + 1e-9) + 1e-10
    return W


CASES = [(3, 4, 4, None), (2, 5, 6, 3), (2, 6, 6, 6), (1, 3, 2, 2)]


@pytest.mark.parametrize("R,n,d,k", CASES)
def test_reference_hvp_is_the_dense_hessian_times_x(R, n, d, k):
    W = _students(R, n, d, RNG)
    V = None if k is None else RNG.normal(size=(k, d))
    X = RNG.normal(size=W.shape)
    H = reference.hessian(W, V)
    want = np.einsum("rab,rb->ra", H, X.reshape(R, -1)).reshape(W.shape)
    np.testing.assert_allclose(reference.hvp(W, X, V), want, atol=1e-14, rtol=0)
    np.testing.assert_allclose(HessianOperator(W, V)(X), want, atol=1e-13, rtol=0)
    np.testing.assert_allclose(HessianOperator(W, V)(X[1:], slice(1, None)), want[1:], atol=1e-13, rtol=0)


@pytest.mark.core
@pytest.mark.parametrize("R,n,d,k", CASES)
def test_cpp_hvp_matches_reference(R, n, d, k):
    W = _students(R, n, d, RNG)
    V = None if k is None else RNG.normal(size=(k, d))
    X = RNG.normal(size=W.shape)
    got = teacher.hessian_vector(W, X, V, backend="cpu")
    np.testing.assert_allclose(got, reference.hvp(W, X, V), atol=1e-14, rtol=0)


def test_hvp_against_finite_differences_of_the_gradient():
    W = _students(2, 5, 5, RNG, awkward=False)
    X = RNG.normal(size=W.shape)
    h = 1e-5
    fd = (teacher.grad(W + h * X, backend="numpy") - teacher.grad(W - h * X, backend="numpy")) / (2 * h)
    np.testing.assert_allclose(teacher.hessian_vector(W, X, backend="numpy"), fd, atol=1e-8, rtol=0)


def test_hessian_vector_checks_shapes():
    with pytest.raises(ValueError, match="X must have the shape of W"):
        teacher.hessian_vector(np.ones((2, 3, 3)), np.ones((2, 3, 2)))
    with pytest.raises(ValueError, match="X"):
        teacher.hessian_vector(np.ones((3, 3)), np.full((3, 3), np.nan))


@pytest.mark.parametrize("k,V", [(24, None), (18, "gauss")])
def test_lanczos_lambda_min_matches_dense(k, V):
    Vr = None if V is None else RNG.normal(size=(k, k + 2)) / np.sqrt(k)
    d = k if Vr is None else k + 2
    base = np.eye(k, d)
    W = base + 0.3 * RNG.normal(size=(3, k, d)) / np.sqrt(k)
    dense = teacher.min_eigenvalues(W, Vr, method="dense")
    lanc = teacher.min_eigenvalues(W, Vr, method="lanczos")
    np.testing.assert_allclose(lanc, dense, atol=1e-9, rtol=0)
    assert teacher.min_eigenvalues(W[0], Vr, method="lanczos") == pytest.approx(dense[0], abs=1e-9)


def test_lanczos_lambda_min_at_a_spurious_minimum():
    """The k = n = 6 spurious minimum (positive definite, lambda_min ~ 0.0047): a tiny bottom."""
    from relufast.experiments import safran_shamir as ss

    res = ss.run(6, 6, 200, seed=0)
    spur = np.flatnonzero(res.label == "spurious")
    assert spur.size, "no spurious endpoint at k = n = 6 with 200 restarts"
    W = res.W[spur[:3]]
    np.testing.assert_allclose(
        teacher.min_eigenvalues(W, method="lanczos"), teacher.min_eigenvalues(W, method="dense"), atol=1e-11
    )


def test_min_eigenvalues_rejects_unknown_method():
    with pytest.raises(ValueError, match="method"):
        teacher.min_eigenvalues(np.eye(3), method="lobpcg")


def _diag(X, rows):
    return X * np.arange(1.0, 7.0)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"max_restarts": -1}, "max_restarts"),  # ran no pass and returned NaN values
        ({"seed": 2**64}, "seed"),
        ({"basis": 2**63}, "basis"),
        ({"R": True}, "R must be"),
        ({"tol": None}, "tol"),
        ({"R": 10**12}, "memory"),  # numpy's 43.7 TiB MemoryError before
    ],
)
def test_smallest_eigenpairs_checks_its_arguments(kwargs, match):
    args = {"R": 1, "N": 6} | kwargs
    with pytest.raises(ValueError, match=match):
        lanczos.smallest_eigenpairs(_diag, args.pop("R"), args.pop("N"), **args)


@pytest.mark.parametrize(
    "matvec, match",
    [
        (lambda X, rows: X * np.nan, "NaN or infinity"),  # returned value NaN, silently
        (lambda X, rows: X * 1j, "real numbers"),  # the imaginary part was cast away
        (lambda X, rows: X[:, :2], "input's shape"),
        (lambda X, rows: None, "input's shape"),
        (3, "callable"),
    ],
)
def test_smallest_eigenpairs_refuses_a_bad_operator(matvec, match):
    with pytest.raises((ValueError, TypeError), match=match):
        lanczos.smallest_eigenpairs(matvec, 1, 6)
