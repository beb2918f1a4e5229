"""Batched smallest eigenvalues against LAPACK, and neuron block structure."""

import numpy as np
import pytest

from relufast import minima


@pytest.mark.core
@pytest.mark.parametrize("m", [1, 2, 3, 17, 60])
def test_min_eigenvalues_match_eigvalsh(rng, m):
    A = rng.normal(size=(9, m, m))
    A = A + A.transpose(0, 2, 1)
    A[0] = np.diag(np.arange(m, 0, -1.0))  # already tridiagonal (zero reflectors)
    A[1] = np.eye(m)  # repeated eigenvalue
    ref = np.linalg.eigvalsh(A)[:, 0]
    got = minima.min_eigenvalues(A, backend="cpu")
    np.testing.assert_allclose(got, ref, rtol=0, atol=1e-12 * max(1, np.abs(A).max() * m))
    np.testing.assert_allclose(minima.min_eigenvalues(A, backend="numpy"), ref)


def test_min_eigenvalue_single_and_errors(rng):
    A = rng.normal(size=(5, 5))
    A = A @ A.T
    assert isinstance(minima.min_eigenvalues(A), float)
    with pytest.raises(ValueError, match="square"):
        minima.min_eigenvalues(np.zeros((2, 3, 4)))
    with pytest.raises(ValueError, match="NaN"):
        minima.min_eigenvalues(np.full((3, 3), np.nan))


def test_neuron_blocks():
    W = np.array([[1.0, 2, 3], [3, 1, 2], [0, 0, 5], [2, 3, 1]])
    assert minima.neuron_blocks(W) == [3, 1]  # ascending matched value: 3 (three alike), then 5
    assert minima.neuron_blocks(np.eye(4)) == [4]


def test_blocks_tell_m_k_minus_m_from_k_minus_m_m():
    """[m, k-m] and [k-m, m] are different minima: the m-group matched below or above the other."""
    from relufast.objectives.teacher.symmetry import block_structure

    low2 = np.diag([0.5, 0.5, 0.9]) + 0.01  # two neurons matched at 0.51, one at 0.91
    high2 = np.diag([0.9, 0.9, 0.5]) + 0.01  # two at 0.91, one at 0.51
    assert block_structure(low2) == ([2, 1], [0.51, 0.91])
    assert block_structure(high2) == ([1, 2], [0.51, 0.91])
    fam = minima.families(np.stack([low2, high2]), np.array([0.02, 0.03]), np.zeros(2))
    assert sorted(f.describe() for f in fam) == ["[1, 2]x1 F=0.03", "[2, 1]x1 F=0.02"]


# --- the C++ path against LAPACK on hard spectra, real teacher Hessians, thread counts ---------


def _with_spectrum(rng, ev):
    """Q diag(ev) Q^T for a random orthogonal Q (symmetrised exactly)."""
    m = len(ev)
    Q, _ = np.linalg.qr(rng.normal(size=(m, m)))
    A = (Q * np.asarray(ev, float)) @ Q.T
    return 0.5 * (A + A.T)


def _check(H, tol=1e-12):
    H = np.asarray(H, float)
    ev = np.linalg.eigvalsh(H)
    got = minima.min_eigenvalues(H, backend="cpu")
    scale = np.maximum(np.abs(ev).max(axis=-1), np.finfo(float).tiny)
    err = np.abs(got - ev[..., 0]) / scale
    assert err.max() <= tol, f"max relative error {err.max():.2e}"
    return got


@pytest.mark.core
@pytest.mark.parametrize("m", [1, 2, 3, 4, 7, 8, 9, 15, 16, 17, 31, 33, 64, 131])
def test_hard_spectra(rng, m):
    """Clusters, multiplicities, indefinite, near-singular and tiny lambda_min, at many sizes
    (sizes around multiples of the SIMD width exercise the chunk tails)."""
    mats = []
    u = rng.uniform(0.5, 10, m)
    mats.append(_with_spectrum(rng, u))  # well-conditioned PD
    mats.append(_with_spectrum(rng, np.r_[1e-3, u[1:]]))  # lambda_min ~ 1e-3, lambda_max ~ 10
    mats.append(_with_spectrum(rng, np.r_[1e-9, u[1:]]))  # near singular
    mats.append(_with_spectrum(rng, np.r_[0.0, u[1:]]))  # singular
    c = np.full(m, 0.02)
    c[m // 2 :] = u[m // 2 :]
    mats.append(_with_spectrum(rng, c))  # lambda_min with multiplicity ~m/2
    mats.append(
        _with_spectrum(rng, 0.02 * (1 + 1e-9 * np.arange(m)) + (np.arange(m) >= m // 3) * u)
    )  # tight cluster
    mats.append(_with_spectrum(rng, np.r_[-3.0, -3.0, u][:m]))  # indefinite, repeated lambda_min
    mats.append(_with_spectrum(rng, -u))  # negative definite
    mats.append(np.full((m, m), 1.0))  # rank one: 0 with multiplicity m - 1 (if m > 1)
    mats.append(np.zeros((m, m)))
    mats.append(np.diag(rng.normal(size=m)))  # zero reflectors throughout
    mats.append(1e-200 * _with_spectrum(rng, u))  # scale invariance (tiny)
    mats.append(1e150 * _with_spectrum(rng, np.r_[-1.0, u[1:]]))  # (huge)
    _check(np.array(mats))


@pytest.mark.core
def test_only_lower_triangle_is_read(rng):
    A = rng.normal(size=(4, 30, 30))
    S = np.tril(A) + np.tril(A, -1).transpose(0, 2, 1)
    junk = np.tril(A) + np.triu(rng.normal(size=(4, 30, 30)), 1)
    np.testing.assert_array_equal(
        minima.min_eigenvalues(junk, backend="cpu"), minima.min_eigenvalues(S, backend="cpu")
    )


@pytest.mark.core
def test_teacher_hessians_random_points(rng):
    from relufast import teacher

    for k, R in ((4, 6), (10, 6), (20, 2)):
        W = rng.normal(size=(R, k, k)) / np.sqrt(k)
        _check(teacher.hessian(W, backend="cpu"))


@pytest.mark.core
def test_teacher_hessians_at_spurious_minima():
    """Endpoints of GD: PD, lambda_min ~ 0.02 with multiplicity (symmetric minima), clusters."""
    from relufast import teacher
    from relufast.experiments import safran_shamir

    res = safran_shamir.run(8, 8, restarts=200)
    W = res.W[res.label != "not converged"]
    H = teacher.hessian(W, backend="cpu")
    lam = _check(H)
    spur = (res.label == "spurious")[res.label != "not converged"]
    assert spur.any() and (lam[spur] > 0).all()


@pytest.mark.core
def test_thread_count_determinism(rng):
    from relufast import backend

    A = rng.normal(size=(13, 70, 70))
    A = A + A.transpose(0, 2, 1)
    info = backend.info()
    n0 = info.get("threads", 1)
    try:
        backend.set_num_threads(1)
        one = minima.min_eigenvalues(A, backend="cpu")
        backend.set_num_threads(2)
        two = minima.min_eigenvalues(A, backend="cpu")
        backend.set_num_threads(3)
        three = minima.min_eigenvalues(A, backend="cpu")
    finally:
        backend.set_num_threads(n0)
    np.testing.assert_array_equal(one, two)
    np.testing.assert_array_equal(one, three)
    # each matrix alone gives the same bits as in the batch
    np.testing.assert_array_equal(np.array([minima.min_eigenvalues(a, backend="cpu") for a in A]), one)


def test_families_and_blocks_refuse_complex_or_mismatched_input():
    W = np.stack([np.eye(3), np.eye(3)])
    with pytest.raises(TypeError, match="W must be an array of real numbers"):
        minima.families(W + 0j, [0.1, 0.1], [0.01, 0.01])
    with pytest.raises(ValueError, match="F and lambda_min must have shape"):
        minima.families(W, [0.1], [0.01, 0.01])
    with pytest.raises(TypeError, match="lambda_min"):
        minima.families(W, [0.1, 0.1], ["a", "b"])
    with pytest.raises(ValueError, match="tol"):
        minima.block_structure(np.eye(3), tol=float("nan"))
    with pytest.raises(ValueError, match="W must be 2-D"):
        minima.canonical_form(W)
    assert len(minima.families(W, [0.1, 0.1], [0.01, float("nan")])) == 1  # lambda_min may be NaN


def test_families_refuse_a_nan_loss():
    W = np.stack([np.eye(3) + 0.1] * 2)
    with pytest.raises(ValueError, match="F must hold finite losses"):  # NaN made a family of its own
        minima.families(W, [np.nan, 0.1], [0.2, 0.2])
