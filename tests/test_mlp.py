"""relufast.mlp: layout, five-point values, finite differences, kinks, C++ == NumPy, bad input.

The derivative and C++ == NumPy tests run for both hidden activations (ReLU and sigmoid).
"""

import numpy as np
import pytest

from relufast import backend, mlp

X5 = np.array([-1.0, 1.0, 3.0, 4.0, 5.0])
Y5 = np.array([3.0, -3.0, 0.0, 1.0, 2.0])
RED = np.array([1.0, -3.0, 1.0, 0.0])
BLUE = np.array([-7.0, -4.0, 1.0, 0.0])

HAS_CPU = backend.has_core() and hasattr(backend.core(), "mlp_eval")
BACKENDS = ["numpy"] + (["cpu"] if HAS_CPU else [])
needs_cpu = pytest.mark.skipif(not HAS_CPU, reason="C++ MLP kernels not built")

CASES = [  # sizes, loss, output_bias
    ([1, 1, 1], "sse", True),
    ([1, 8, 1], "sse", True),
    ([1, 3, 1], "mse", False),
    ([3, 4, 5, 2], "sse", True),
    ([3, 4, 5, 2], "mse", False),
    ([4, 6, 3], "ce", True),
    ([2, 5, 4, 3], "ce", False),
    ([2, 3], "sse", True),
]


def make_problem(rng, sizes, loss, output_bias, R=3, N=7):
    P = mlp.num_params(sizes, output_bias)
    p = rng.normal(size=(R, P))
    X = rng.normal(size=(N, sizes[0]))
    Y = rng.integers(0, sizes[-1], N) if loss == "ce" else rng.normal(size=(N, sizes[-1]))
    return p, X, Y


# --------------------------------------------------------------------------- layout


def test_num_params():
    assert mlp.num_params([1, 1, 1]) == 4
    assert mlp.num_params([1, 1, 1], output_bias=False) == 3
    assert mlp.num_params([1, 8, 1]) == 25
    assert mlp.num_params([64, 64, 10]) == 64 * 64 + 64 + 640 + 10
    assert mlp.num_params([3, 2]) == 8


def test_unpack_five_point_order():
    (W1, b1), (W2, b2) = mlp.unpack(RED, [1, 1, 1])
    assert (W1[0, 0], b1[0], W2[0, 0], b2[0]) == (1.0, -3.0, 1.0, 0.0)
    (_, _), (_, c) = mlp.unpack(RED[:3], [1, 1, 1], output_bias=False)
    assert c is None


def test_unpack_row_major_views_and_pack_roundtrip(rng):
    sizes = [3, 4, 2]
    for ob in (True, False):
        P = mlp.num_params(sizes, ob)
        p = rng.normal(size=(5, P))
        layers = mlp.unpack(p, sizes, ob)
        W1 = layers[0][0]
        assert W1.shape == (5, 4, 3)
        np.testing.assert_array_equal(W1[2, 1], p[2, 3:6])  # row 1 of W1: weights into unit 1
        assert np.shares_memory(W1, p)
        np.testing.assert_array_equal(mlp.pack(layers, ob), p)
        np.testing.assert_array_equal(mlp.pack(mlp.unpack(p[0], sizes, ob), ob), p[0])


def test_pack_errors():
    W, b = np.ones((2, 3)), np.ones(2)
    with pytest.raises(ValueError, match="bias"):
        mlp.pack([(W, b), (np.ones((1, 2)), None)], output_bias=True)
    with pytest.raises(ValueError, match="output_bias=False"):
        mlp.pack([(W, b), (np.ones((1, 2)), np.ones(1))], output_bias=False)
    with pytest.raises(ValueError, match="inputs"):
        mlp.pack([(W, b), (np.ones((1, 3)), np.ones(1))])
    with pytest.raises(TypeError, match="layers must be a sequence of"):
        mlp.pack(None)
    with pytest.raises(ValueError, match=r"layers\[0\] weight contains NaN"):
        mlp.pack([(np.full((2, 3), np.nan), b), (np.ones((1, 2)), np.ones(1))])
    with pytest.raises(ValueError, match=r"layers\[1\] bias contains NaN or infinity"):
        mlp.pack([(W, b), (np.ones((1, 2)), np.array([np.inf]))])


# --------------------------------------------------------------------------- five points


@pytest.mark.parametrize("be", BACKENDS)
def test_five_point_values(be):
    assert mlp.loss(RED, X5, Y5, [1, 1, 1], backend=be) == 18.0
    assert mlp.loss(BLUE, X5, Y5, [1, 1, 1], backend=be) == 14.0
    np.testing.assert_array_equal(mlp.grad(RED, X5, Y5, [1, 1, 1], backend=be), 0.0)
    np.testing.assert_array_equal(mlp.grad(BLUE, X5, Y5, [1, 1, 1], backend=be), 0.0)
    L = mlp.loss(np.stack([RED, BLUE]), X5, Y5, [1, 1, 1], backend=be)
    np.testing.assert_array_equal(L, [18.0, 14.0])
    # red is not strict: L = 18 along (1/a, -3/a, a, 0)
    for a in (0.5, 2.0, 4.0):
        assert mlp.loss([1 / a, -3 / a, a, 0], X5, Y5, [1, 1, 1], backend=be) == pytest.approx(18.0)
    # reference values: dead unit -> best constant 21.2
    assert mlp.loss([0, -1, 1, 0.6], X5, Y5, [1, 1, 1], backend=be) == pytest.approx(21.2)


def test_five_point_kinks():
    K = mlp.kinks(RED, X5, [1, 1, 1])
    np.testing.assert_array_equal(K, [False, False, True, False, False])
    assert not mlp.kinks(BLUE, X5, [1, 1, 1]).any()
    KK = mlp.kinks(np.stack([RED, BLUE]), X5, [1, 1, 1])
    assert KK.shape == (2, 5) and KK[0, 2] and not KK[1].any()
    H, K = mlp.hessian(RED, X5, Y5, [1, 1, 1], return_kinks=True)
    assert H.shape == (4, 4) and K[2] and K.sum() == 1
    assert mlp.hessian(RED, X5, Y5, [1, 1, 1]).shape == (4, 4)


@pytest.mark.parametrize("be", BACKENDS)
def test_five_point_hessian_blue(be):
    # Blue: only x = -1 active, residual 0 there; the Hessian is 2 J^T J over the active point plus
    # the dead points' output-bias terms: closed form.
    H = mlp.hessian(BLUE, X5, Y5, [1, 1, 1], backend=be)
    # f = v relu(w x + b) + c; at x=-1: a = 3, df/d(w,b,v,c) = (v x, v, a, 1) = (-1, 1, 3, 1)
    j = np.array([-1.0, 1.0, 3.0, 1.0])
    expect = 2 * np.outer(j, j)
    expect[3, 3] += 2 * 4  # the 4 dead points contribute d^2/dc^2 = 2 each
    np.testing.assert_allclose(H, expect, atol=1e-12)


def test_predict_shapes():
    F = mlp.predict(RED, X5, [1, 1, 1])
    np.testing.assert_array_equal(F[:, 0], [0, 0, 0, 1, 2])
    assert mlp.predict(np.stack([RED, BLUE]), X5, [1, 1, 1]).shape == (2, 5, 1)


# --------------------------------------------------------------------------- derivatives


@pytest.mark.parametrize("act", mlp.ACTIVATIONS)
@pytest.mark.parametrize("sizes,loss,ob", CASES)
def test_grad_and_hessian_finite_differences(rng, sizes, loss, ob, act):
    p, X, Y = make_problem(rng, sizes, loss, ob, R=2)
    assert not mlp.kinks(p, X, sizes, output_bias=ob, activation=act).any()
    kw = dict(loss=loss, output_bias=ob, activation=act, backend="numpy")
    G = mlp.grad(p, X, Y, sizes, **kw)
    H = mlp.hessian(p, X, Y, sizes, **kw)
    P = p.shape[1]
    e = 1e-6
    for r in range(2):
        fd_g = np.empty(P)
        fd_h = np.empty((P, P))
        for i in range(P):
            dp = np.zeros(P)
            dp[i] = e
            fd_g[i] = (mlp.loss(p[r] + dp, X, Y, sizes, **kw) - mlp.loss(p[r] - dp, X, Y, sizes, **kw)) / (
                2 * e
            )
            fd_h[i] = (mlp.grad(p[r] + dp, X, Y, sizes, **kw) - mlp.grad(p[r] - dp, X, Y, sizes, **kw)) / (
                2 * e
            )
        scale = 1 + np.abs(H[r]).max()
        np.testing.assert_allclose(G[r], fd_g, atol=1e-6 * scale)
        np.testing.assert_allclose(H[r], fd_h, atol=1e-6 * scale)
    np.testing.assert_array_equal(H, np.swapaxes(H, 1, 2))


@pytest.mark.parametrize("act", mlp.ACTIVATIONS)
def test_hvp_matches_hessian(rng, act):
    sizes, loss, ob = [3, 4, 5, 3], "ce", True
    p, X, Y = make_problem(rng, sizes, loss, ob, R=2)
    kw = dict(loss=loss, activation=act)
    H = mlp.hessian(p, X, Y, sizes, backend="numpy", **kw)
    V = rng.normal(size=(2, 3, p.shape[1]))
    HV = mlp.hvp(p, V, X, Y, sizes, **kw)
    np.testing.assert_allclose(HV, np.einsum("rpq,rkq->rkp", H, V), atol=1e-12)
    np.testing.assert_allclose(mlp.hvp(p[0], V[0, 0], X, Y, sizes, **kw), H[0] @ V[0, 0], atol=1e-12)


def test_sigmoid_values_and_smoothness():
    # f(x) = v s(w x + b) + c with s the logistic sigmoid; s(0) = 1/2, s(+-40) = 1 / 0 to 1e-17
    p = np.array([2.0, -1.0, 3.0, 0.5])
    x = np.array([-20.0, 0.5, 20.5])
    want = 3.0 / (1.0 + np.exp(-(2.0 * x - 1.0))) + 0.5
    np.testing.assert_allclose(mlp.predict(p, x, [1, 1, 1], activation="sigmoid")[:, 0], want, rtol=1e-15)
    # no kinks, even where a pre-activation is exactly 0 (x = 0.5), and a Hessian that is exact there
    H, K = mlp.hessian(p, x, [0, 1, 2], [1, 1, 1], activation="sigmoid", return_kinks=True)
    assert not K.any() and np.isfinite(H).all()
    # saturated units (pre-activations of +-800: exp overflows in NumPy) give finite, equal results
    q = np.array([[400.0, 0.0, 1.0, 0.0], [-400.0, 0.0, 1.0, 0.0]])
    for be in BACKENDS:
        L, G = mlp.loss_and_grad(q, [2.0, -2.0], [1.0, 0.0], [1, 1, 1], activation="sigmoid", backend=be)
        np.testing.assert_allclose(L, [0.0, 2.0], atol=1e-300)  # a perfect fit, then both wrong
        # s' = 0 to within the smallest doubles (the C++ exp stops at e^709): no gradient to w, b
        assert np.isfinite(G).all() and np.all(np.abs(G[:, :2]) < 1e-300)


def test_activation_is_checked():
    for bad in ("tanh", "", None, 1):
        with pytest.raises(ValueError, match="activation must be one of"):
            mlp.loss(RED, X5, Y5, [1, 1, 1], activation=bad)
    with pytest.raises(ValueError, match="activation"):
        mlp.Net.of([1, 1, 1], activation="Sigmoid")


def test_single_and_batch_agree(rng):
    sizes = [2, 3, 1]
    p, X, Y = make_problem(rng, sizes, "sse", True)
    L = mlp.loss(p, X, Y, sizes, backend="numpy")
    assert isinstance(mlp.loss(p[1], X, Y, sizes, backend="numpy"), float)
    assert mlp.loss(p[1], X, Y, sizes, backend="numpy") == L[1]
    np.testing.assert_array_equal(
        mlp.grad(p[1], X, Y, sizes, backend="numpy"), mlp.grad(p, X, Y, sizes, backend="numpy")[1]
    )


def test_mse_and_ce_definitions(rng):
    sizes = [2, 3, 3]
    p, X, Y = make_problem(rng, sizes, "sse", True, R=1, N=6)
    F = mlp.predict(p[0], X, sizes)
    assert mlp.loss(p[0], X, Y, sizes, loss="sse") == pytest.approx(np.sum((F - Y) ** 2))
    assert mlp.loss(p[0], X, Y, sizes, loss="mse") == pytest.approx(np.sum((F - Y) ** 2) / 6)
    lab = np.array([0, 2, 1, 1, 0, 2])
    ce = np.mean(np.log(np.exp(F).sum(1)) - F[np.arange(6), lab])
    assert mlp.loss(p[0], X, lab, sizes, loss="ce") == pytest.approx(ce)


def test_ce_is_stable_for_huge_logits():
    sizes = [1, 2]
    p = np.array([1000.0, -1000.0, 0.0, 0.0])
    L = mlp.loss(p, [1.0], [0], sizes, loss="ce", backend="numpy")
    assert L == 0.0
    assert mlp.loss(p, [1.0], [1], sizes, loss="ce", backend="numpy") == 2000.0


# --------------------------------------------------------------------------- C++ == NumPy


@needs_cpu
@pytest.mark.parametrize("act", mlp.ACTIVATIONS)
@pytest.mark.parametrize("sizes,loss,ob", CASES)
def test_cpu_matches_numpy(rng, sizes, loss, ob, act):
    p, X, Y = make_problem(rng, sizes, loss, ob, R=11, N=9)  # R not a multiple of the lane width
    kw = dict(loss=loss, output_bias=ob, activation=act)
    Ln, Gn = mlp.loss_and_grad(p, X, Y, sizes, backend="numpy", **kw)
    Lc, Gc = mlp.loss_and_grad(p, X, Y, sizes, backend="cpu", **kw)
    np.testing.assert_allclose(Lc, Ln, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(Gc, Gn, rtol=1e-12, atol=1e-12 * (1 + np.abs(Gn).max()))
    np.testing.assert_array_equal(mlp.loss(p, X, Y, sizes, backend="cpu", **kw), Lc)
    Hn = mlp.hessian(p, X, Y, sizes, backend="numpy", **kw)
    Hc = mlp.hessian(p, X, Y, sizes, backend="cpu", **kw)
    np.testing.assert_allclose(Hc, Hn, rtol=1e-12, atol=1e-12 * (1 + np.abs(Hn).max()))
    np.testing.assert_array_equal(Hc, np.swapaxes(Hc, 1, 2))
    # a restart's result does not depend on its batch or lane
    np.testing.assert_array_equal(mlp.grad(p[5], X, Y, sizes, backend="cpu", **kw), Gc[5])
    np.testing.assert_array_equal(mlp.grad(p[3:], X, Y, sizes, backend="cpu", **kw), Gc[3:])


@needs_cpu
def test_cpu_kink_convention_matches_numpy():
    # several restarts sitting on kinks: relu'(0) = 0 on both backends
    p = np.stack([RED, BLUE, [1.0, -1.0, 2.0, 0.5], [0.0, 0.0, 1.0, 1.0]])
    for be in ("numpy", "cpu"):
        G = mlp.grad(p, X5, Y5, [1, 1, 1], backend=be)
        H = mlp.hessian(p, X5, Y5, [1, 1, 1], backend=be)
        if be == "numpy":
            G0, H0 = G, H
    np.testing.assert_allclose(G, G0, atol=1e-12)
    np.testing.assert_allclose(H, H0, atol=1e-12)
    np.testing.assert_array_equal(G[3, :3], 0.0)  # unit on a kink at every point: no gradient


@needs_cpu
@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NumPy's overflow and inf - inf
def test_cpu_ce_matches_numpy_up_to_overflowing_logits():
    # The softmax's exp (exp_lane, csrc/core/math.hpp) once cast a NaN (inf - inf) to int64 and
    # shifted a negative value left: undefined behaviour (UBSan). A linear net (no ReLU to absorb a
    # NaN) from ordinary to huge logits, then sums that overflow to +-inf: the same numbers and the
    # same NaN on both backends.
    rng = np.random.default_rng(1)
    p, X, lab = rng.normal(size=(11, 16)), 3 * rng.normal(size=(6, 3)), rng.integers(0, 4, size=6)
    for scale in [1.0, 1e2, 1e3, 1e150, 1e300, 5e307]:
        Ln, Gn = mlp.loss_and_grad(scale * p, X, lab, [3, 4], loss="ce", backend="numpy")
        Lc, Gc = mlp.loss_and_grad(scale * p, X, lab, [3, 4], loss="ce", backend="cpu")
        np.testing.assert_allclose(Lc, Ln, rtol=1e-13)
        np.testing.assert_allclose(Gc, Gn, rtol=1e-13, atol=1e-300)
    assert np.isnan(Ln).all() and np.isnan(Gn).any()  # the last scale overflows
    p2 = 1e200 * rng.normal(size=(3, mlp.num_params([2, 3, 3])))  # the case: logits 1e400
    L = mlp.loss(p2, X[:, :2], lab % 3, [2, 3, 3], loss="ce", backend="cpu")
    np.testing.assert_array_equal(L, mlp.loss(p2, X[:, :2], lab % 3, [2, 3, 3], loss="ce", backend="numpy"))


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("be", BACKENDS)
def test_bad_input(be):
    s = [1, 1, 1]
    with pytest.raises(ValueError, match="params"):
        mlp.loss([1, 2, 3], X5, Y5, s, backend=be)
    with pytest.raises(ValueError, match="params"):
        mlp.loss(np.ones((2, 5)), X5, Y5, s, backend=be)
    with pytest.raises(ValueError, match="params"):
        mlp.loss([1, np.nan, 1, 0], X5, Y5, s, backend=be)
    with pytest.raises(ValueError, match="X"):
        mlp.loss(RED, [1.0, np.inf], [1.0, 2.0], s, backend=be)
    with pytest.raises(ValueError, match="X"):
        mlp.loss(RED, [], [], s, backend=be)
    with pytest.raises(ValueError, match="X"):
        mlp.loss(RED, np.ones((5, 2)), Y5, s, backend=be)
    with pytest.raises(ValueError, match="Y"):
        mlp.loss(RED, X5, Y5[:4], s, backend=be)
    with pytest.raises(ValueError, match="Y"):
        mlp.loss(RED, X5, np.ones((5, 2)), s, backend=be)
    with pytest.raises(ValueError, match="sizes"):
        mlp.loss(RED, X5, Y5, [1], backend=be)
    with pytest.raises(ValueError, match="sizes"):
        mlp.loss(RED, X5, Y5, [1, 0, 1], backend=be)
    with pytest.raises(ValueError, match="sizes"):
        mlp.loss(RED, X5, Y5, "111", backend=be)
    with pytest.raises(ValueError, match="loss"):
        mlp.loss(RED, X5, Y5, s, loss="hinge", backend=be)
    with pytest.raises(ValueError, match="backend"):
        mlp.loss(RED, X5, Y5, s, backend="gpu")
    with pytest.raises(ValueError, match="Y"):  # labels out of range / not integers
        mlp.loss(np.zeros(mlp.num_params([1, 3])), X5, [0, 1, 2, 3, 0], [1, 3], loss="ce", backend=be)
    with pytest.raises(ValueError, match="Y"):
        mlp.loss(np.zeros(mlp.num_params([1, 3])), X5, [0, 1, 0.5, 1, 0], [1, 3], loss="ce", backend=be)
    with pytest.raises(ValueError, match="ce"):
        mlp.loss(RED, X5, [0, 0, 0, 0, 0], s, loss="ce", backend=be)
    with pytest.raises(ValueError, match="params"):
        mlp.hessian(RED[:3], X5, Y5, s, backend=be)
    with pytest.raises(ValueError, match="X"):
        mlp.kinks(RED, np.ones((5, 3)), s)


def test_sizes_and_switches_are_checked():
    with pytest.raises(ValueError, match="sizes must contain integers in"):
        mlp.num_params([1, 2**64, 1])
    with pytest.raises(TypeError, match="sizes must contain integers"):
        mlp.num_params([1, 2.0, 1])
    with pytest.raises(TypeError, match="output_bias must be True or False"):
        mlp.loss(RED, X5, Y5, [1, 1, 1], output_bias="no")
    with pytest.raises(TypeError, match=r"layers\[0\] weight must be an array of real numbers"):
        mlp.pack([(np.ones((1, 1)) * 1j, np.zeros(1)), (np.ones((1, 1)), np.zeros(1))])
    with pytest.raises(TypeError, match="params must be an array of real numbers"):
        mlp.loss(RED + 0j, X5, Y5, [1, 1, 1])
