"""Batched smallest eigenvalues against LAPACK, and neuron block structure."""

import numpy as np
import pytest

from relufast import minima


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
    assert minima.neuron_blocks(W) == [1, 3]
    assert minima.neuron_blocks(np.eye(4)) == [4]
