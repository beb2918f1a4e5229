"""The teacher-student objective: C++ == NumPy, finite differences, Monte Carlo, edge cases."""

import numpy as np
import pytest

from relufast import backend, teacher

BACKENDS = ["cpu", "numpy"]
HERE = backend.available("teacher")  # the backends loaded in this run


def awkward_students(rng, R=6, n=6, d=6):
    """Random students plus the hard cases: dead, aligned, opposite, equal to a teacher row."""
    W = rng.normal(size=(R, n, d)) / np.sqrt(d)
    W[0, 1] = 0.0  # dead neuron
    W[1, 2] = 2.0 * W[1, 3]  # aligned pair (angle 0)
    W[2, 2] = -W[2, 3]  # opposite pair (angle pi)
    W[3, 0] = 0.0
    W[3, 0, 1] = 1.7  # parallel to teacher e_1
    W[4, 0] = 0.0
    W[4, 0, 2] = -0.3  # opposite to teacher e_2
    return W


@pytest.mark.core
@pytest.mark.parametrize("n", [4, 6, 8])
def test_cpu_matches_numpy(rng, n):
    W = awkward_students(rng, n=n)
    Fc, Gc = teacher.loss_and_grad(W, backend="cpu")
    Fn, Gn = teacher.loss_and_grad(W, backend="numpy")
    np.testing.assert_allclose(Fc, Fn, rtol=0, atol=1e-12)
    np.testing.assert_allclose(Gc, Gn, rtol=0, atol=1e-12)
    Hc, Hn = teacher.hessian(W, backend="cpu"), teacher.hessian(W, backend="numpy")
    np.testing.assert_allclose(Hc, Hn, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(Hc, Hc.transpose(0, 2, 1))


@pytest.mark.core
def test_general_teacher_cpu_matches_numpy(rng):
    W = awkward_students(rng, n=5, d=4)
    V = rng.normal(size=(3, 4))
    V[1] = 0.0  # a zero teacher row contributes nothing
    for f in (teacher.loss, teacher.grad, teacher.hessian):
        np.testing.assert_allclose(f(W, V, backend="cpu"), f(W, V, backend="numpy"), rtol=0, atol=1e-12)


@pytest.mark.core
def test_identity_default_equals_explicit_identity(rng):
    W = rng.normal(size=(3, 5, 4))
    for be in HERE:
        np.testing.assert_allclose(
            teacher.grad(W, backend=be), teacher.grad(W, np.eye(4), backend=be), atol=1e-14
        )


def fd_grad(f, W, eps=1e-6):
    g = np.zeros_like(W)
    for idx in np.ndindex(W.shape):
        E = np.zeros_like(W)
        E[idx] = eps
        g[idx] = (f(W + E) - f(W - E)) / (2 * eps)
    return g


@pytest.mark.parametrize("be", BACKENDS)
@pytest.mark.parametrize("shape,k", [((5, 5), 5), ((7, 5), 5), ((3, 4), None)])
def test_gradient_and_hessian_against_finite_differences(rng, be, shape, k):
    W = rng.normal(size=shape) / np.sqrt(shape[1])
    V = None if k else rng.normal(size=(2, shape[1]))
    G = teacher.grad(W, V, backend=be)
    np.testing.assert_allclose(G, fd_grad(lambda X: teacher.loss(X, V, backend=be), W), atol=1e-8)
    H = teacher.hessian(W, V, backend=be)
    cols = []
    for p in range(W.size):
        E = np.zeros(W.size)
        E[p] = 1e-6
        E = E.reshape(W.shape)
        cols.append((teacher.grad(W + E, V, backend=be) - teacher.grad(W - E, V, backend=be)).ravel() / 2e-6)
    np.testing.assert_allclose(H, np.array(cols).T, atol=1e-7)


def test_loss_against_monte_carlo(rng):
    W = rng.normal(size=(4, 3)) / np.sqrt(3)
    V = rng.normal(size=(2, 3))
    x = rng.normal(size=(400_000, 3))
    r = np.maximum(x @ W.T, 0).sum(1) - np.maximum(x @ V.T, 0).sum(1)
    mc, se = 0.5 * np.mean(r**2), 0.5 * np.std(r**2) / np.sqrt(x.shape[0])
    assert abs(teacher.loss(W, V) - mc) < 5 * se


@pytest.mark.parametrize("k", [2, 3, 6, 10])
def test_global_minimum_at_identity(k):
    from relufast.minima import min_eigenvalues

    W = np.eye(k)
    for be in HERE:
        assert abs(teacher.loss(W, backend=be)) < 1e-13
        assert np.abs(teacher.grad(W, backend=be)).max() < 1e-13
        lam = min_eigenvalues(teacher.hessian(W, backend=be), backend=be)
        assert lam == pytest.approx(0.25 - 1 / (2 * np.pi), abs=1e-12)


def test_stable_near_angle_zero_and_pi(rng):
    """The gradient is continuous through aligned and opposed pairs: no acos blow-up, no NaN."""
    w = rng.normal(size=6)
    w /= np.linalg.norm(w)
    u = rng.normal(size=6)
    u -= (u @ w) * w
    u /= np.linalg.norm(u)
    base = rng.normal(size=(4, 6)) * 0.4
    for sign in (1.0, -1.0):  # angle 0 and angle pi
        grads = []
        for eps in (0.0, 1e-12, 1e-9):
            W = base.copy()
            W[0] = w
            W[1] = sign * (np.cos(eps) * w + np.sin(eps) * u) * 0.7
            grads.append(teacher.grad(W))
            assert np.all(np.isfinite(grads[-1]))
            assert np.all(np.isfinite(teacher.hessian(W)))
        assert np.abs(grads[1] - grads[0]).max() < 1e-10
        assert np.abs(grads[2] - grads[0]).max() < 1e-8


def test_dead_neuron_has_zero_gradient_and_half_identity_hessian(rng):
    W = rng.normal(size=(4, 4))
    W[2] = 0.0
    for be in HERE:
        G = teacher.grad(W, backend=be)
        assert np.all(G[2] == 0.0)
        H = teacher.hessian(W, backend=be)
        np.testing.assert_array_equal(H[8:12, 8:12], 0.5 * np.eye(4))
        assert np.all(H[8:12, :8] == 0) and np.all(H[8:12, 12:] == 0)


def test_tiny_neuron_opposite_another_in_one_dimension():
    """d = 1: directions are +-1, and a pair is at angle 0 or pi exactly. The C++ unit vectors are
    w * (1/|w|), off by an ulp, and |u + v|^2 of two opposite ones used to leave sin t ~ 1e-16: the
    term |w_1| sin t / 2 pi (1e-17) then swamped the tiny neuron's gradient w_2 / 2 (its sign
    flipped in GD). The pair sums now take the unit vectors' lengths out."""
    W = np.array([[[0.6125947561513535], [-6.286961361327872e-45]]])
    V = np.array([[1.3]])
    got = {be: teacher.grad(W, backend=be) for be in HERE}
    got.update({f"{be}, V": teacher.grad(W, V, backend=be) for be in HERE})
    if "cpu" in HERE:
        core = backend.core()
        got["host"] = core.teacher_evaluate_per_restart(W)[1]
        got["host, V"] = core.teacher_evaluate_per_restart(W, V)[1]
    for name, G in got.items():
        assert G[0, 1, 0] == 0.5 * W[0, 1, 0], name  # exactly: every pair term vanishes
    # many neurons of both signs and every magnitude: C++ == NumPy entry by entry
    w = np.array([0.61, -6.3e-45, 2.0, -3e-200, -0.7, 1e-300, -1e-30, 4e-12])
    Gn = teacher.grad(w[:, None], V, backend="numpy")
    for be in HERE:
        np.testing.assert_allclose(teacher.grad(w[:, None], V, backend=be), Gn, rtol=1e-14, err_msg=be)


@pytest.mark.parametrize("be", BACKENDS)
def test_tiny_and_huge_students_are_measured_by_scaling(rng, be):
    """Below |w| ~ 1e-154 the squared norms underflowed (neurons treated as dead), above ~1e154 the
    loss was NaN. Norms are now taken after scaling by a power of two, so the gradient tends to its
    limits as W -> 0 and W -> infinity, and F overflows to inf, on both backends alike."""
    if be not in HERE:
        pytest.skip(f"backend {be} not loaded")
    W = awkward_students(rng)
    F0, G0 = teacher.loss_and_grad(1e-100 * W, backend=be)  # the W -> 0 limit, to rounding
    H0 = 1e-100 * teacher.hessian(1e-100 * W[:3], backend=be)
    for s in (1e-162, 1e-250, 1e-300):
        F, G = teacher.loss_and_grad(s * W, backend=be)
        np.testing.assert_allclose(F, F0, rtol=1e-14)
        np.testing.assert_allclose(G, G0, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(s * teacher.hessian(s * W[:3], backend=be), H0, rtol=1e-12, atol=1e-13)
    G1 = teacher.grad(1e100 * W, backend=be) / 1e100  # the W -> infinity limit (homogeneous part)
    for s in (1e155, 1e200, 1e300):
        F, G = teacher.loss_and_grad(s * W, backend=be)
        assert np.all(F == np.inf)
        np.testing.assert_allclose(G / s, G1, rtol=1e-12, atol=1e-14)
    if be == "cpu":  # and C++ == NumPy at every scale
        for s in (1e-300, 1e-162, 1e155, 1e300):
            for V in (None, rng.normal(size=(5, 6))):
                Fc, Gc = teacher.loss_and_grad(s * W, V, backend="cpu")
                Fn, Gn = teacher.loss_and_grad(s * W, V, backend="numpy")
                np.testing.assert_allclose(Fc, Fn, rtol=1e-13)
                np.testing.assert_allclose(Gc, Gn, rtol=1e-12, atol=1e-13 * np.abs(Gn).max())
                Hc, Hn = (teacher.hessian(s * W[:3], V, backend=b) for b in ("cpu", "numpy"))
                np.testing.assert_allclose(Hc, Hn, rtol=1e-12, atol=1e-13 * np.abs(Hn).max())


def test_single_and_batch_shapes(rng):
    W = rng.normal(size=(5, 6, 6))
    assert isinstance(teacher.loss(W[0]), float)
    assert teacher.grad(W[0]).shape == (6, 6)
    assert teacher.hessian(W[0]).shape == (36, 36)
    np.testing.assert_allclose(teacher.loss(W)[2], teacher.loss(W[2]), rtol=0, atol=0)


@pytest.mark.core
def test_results_identical_for_one_and_two_threads(rng):
    from relufast import optim

    W0 = rng.normal(size=(37, 7, 7)) / np.sqrt(7)
    core = backend.core()
    old = core.max_threads()
    try:
        out = []
        for threads in (1, 2):
            backend.set_num_threads(threads)
            r = optim.teacher_gd(W0, chunk=300, f_stop=0.0, max_iters=3000)
            out.append((r.W, r.F, r.iterations, teacher.grad(W0), teacher.hessian(W0[:5])))
    finally:
        backend.set_num_threads(old)
    for a, b in zip(*out):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    "bad,match",
    [
        (np.zeros((2, 3, 4, 5)), "W must be"),
        (np.zeros(5), "W must be"),
        (np.zeros((0, 3)), "must not be empty"),
        (np.array([[np.nan, 1.0]]), "NaN"),
        (np.array([[np.inf, 1.0]]), "NaN or infinity"),
        ([["a", "b"]], "W must be an array"),
    ],
)
def test_bad_students(bad, match):
    with pytest.raises(ValueError, match=match):
        teacher.loss(bad)


@pytest.mark.parametrize("be", HERE)
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_every_loss_grad_kernel_refuses_nonfinite_students(be, bad):
    # The kernels check W as they read it (the C++ core while packing lanes: by whole tiles of
    # lanes x lanes values, the columns past them one by one): a batch of 19 restarts at
    # (n, d) = (3, 5) (15 values: a tile of 8 and 7 more on AVX-512), a bad value at its first
    # and last entries and at entries in a tile and past it, one at a time.
    W = np.random.default_rng(5).normal(size=(19, 3, 5))
    F0, G0 = teacher.loss_and_grad(W, backend=be)
    for r, i, m in [(0, 0, 0), (18, 2, 4), (9, 1, 2), (18, 0, 0), (7, 2, 4)]:
        X = W.copy()
        X[r, i, m] = bad
        for call in (teacher.loss, teacher.grad, teacher.loss_and_grad):
            with pytest.raises(ValueError, match="^W contains NaN or infinity$"):
                call(X, backend=be)
        with pytest.raises(ValueError, match="^W contains NaN or infinity$"):  # a single student
            teacher.loss(X[r], backend=be)
    F, G = teacher.loss_and_grad(W, backend=be)  # the refused calls left no trace: same numbers
    assert np.array_equal(F, F0) and np.array_equal(G, G0)
    huge = W.copy()
    huge[3, 0, 0] = 1e300  # finite, if F overflows: no error
    assert teacher.loss(huge, backend=be)[3] == np.inf


def test_bad_teacher_and_backend():
    W = np.ones((2, 3))
    with pytest.raises(ValueError, match="V must have shape"):
        teacher.loss(W, np.ones((2, 4)))
    with pytest.raises(ValueError, match="V contains NaN"):
        teacher.grad(W, np.full((2, 3), np.nan))
    with pytest.raises(ValueError, match="backend must be one of"):
        teacher.loss(W, backend="gpu")
    # "cuda" registers nothing without a device (or without CUDA kernels): the error names the rest
    with pytest.raises(ValueError, match=r"backend='cuda' is not available .*available: .*numpy"):
        teacher.loss(W, backend="cuda")


@pytest.mark.parametrize("be", HERE)
def test_complex_arrays_are_refused_not_truncated(be):
    W = np.eye(3) + 0j
    for call in (teacher.loss, teacher.grad, teacher.hessian):
        with pytest.raises(TypeError, match="W must be an array of real numbers, got dtype complex128"):
            call(W, backend=be)
        with pytest.raises(ValueError, match="real numbers"):  # a TypeError and a ValueError
            call(np.eye(3), V=np.eye(3) * (1 + 1j), backend=be)
    with pytest.raises(TypeError, match="real numbers"):
        teacher.loss(np.array([["1", "2"], ["3", "4"]]), backend=be)  # strings are not numbers either
