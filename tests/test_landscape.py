import numpy as np
import pytest

from relufast import landscape, mlp


def quad(P):
    return np.sum(np.asarray(P) ** 2, axis=1)


def test_slice_1d_matches_pointwise():
    c, d = np.array([1.0, 2.0]), np.array([0.5, -1.0])
    ts = np.linspace(-2, 2, 9)
    s = landscape.slice_1d(quad, c, d, ts)
    assert s["t"].tolist() == ts.tolist()
    np.testing.assert_allclose(s["loss"], [np.sum((c + t * d) ** 2) for t in ts])


def test_slice_2d_one_batch_and_layout():
    calls = []

    def f(P):
        calls.append(P.shape)
        return quad(P)

    c = np.zeros(3)
    s = landscape.slice_2d(f, c, np.eye(3)[0], np.eye(3)[2], [0.0, 1.0, 2.0], [-1.0, 1.0])
    assert calls == [(6, 3)]  # all grid points in ONE batch
    assert s["loss_grid"].shape == (3, 2)
    np.testing.assert_allclose(s["loss"], s["t1"] ** 2 + s["t2"] ** 2)
    assert s["loss_grid"][2, 0] == 5.0  # t1 = 2, t2 = -1 (t1-major)
    # chunking gives the same numbers
    s2 = landscape.slice_2d(f, c, np.eye(3)[0], np.eye(3)[2], [0.0, 1.0, 2.0], [-1.0, 1.0], batch=4)
    assert calls[1:] == [(4, 3), (2, 3)]
    np.testing.assert_array_equal(s["loss"], s2["loss"])


def test_slice_with_mlp_loss():
    X, Y = np.array([-1.0, 1, 3, 4, 5]), np.array([3.0, -3, 0, 1, 2])
    red = np.array([1.0, -3, 1, 0])
    f = lambda P: mlp.loss(P, X, Y, [1, 1, 1], backend="numpy")  # noqa: E731
    # along the flat curve's tangent the loss stays 18 to first order and is >= 18 nearby
    s = landscape.slice_1d(f, red, [1.0, -3.0, -1.0, 0.0], np.linspace(-0.01, 0.01, 5))
    assert s["loss"][2] == 18.0
    assert np.all(s["loss"] >= 18.0 - 1e-12)


def test_random_directions_normalisations():
    c = np.arange(1.0, 11.0)
    D = landscape.random_directions(c, seed=3, n=3)
    assert D.shape == (3, 10)
    np.testing.assert_array_equal(D, landscape.random_directions(c, seed=3, n=3))
    assert not np.allclose(D, landscape.random_directions(c, seed=4, n=3))
    G = landscape.random_directions(c, seed=3, normalize="global")
    np.testing.assert_allclose(np.linalg.norm(G, axis=1), np.linalg.norm(c))
    O = landscape.random_directions(c, seed=3, n=2, orthogonal=True)
    assert abs(O[0] @ O[1]) < 1e-9


def test_filter_normalisation_matches_rows():
    sizes = [2, 3, 1]
    P = mlp.num_params(sizes)
    c = np.random.default_rng(0).normal(size=P)
    d = landscape.random_directions(c, seed=1, n=1, normalize="filter", sizes=sizes)[0]
    (W1c, b1c), (W2c, b2c) = mlp.unpack(c, sizes)
    (W1d, b1d), (W2d, b2d) = mlp.unpack(d, sizes)
    np.testing.assert_allclose(np.linalg.norm(W1d, axis=1), np.linalg.norm(W1c, axis=1))
    np.testing.assert_allclose(np.linalg.norm(W2d, axis=1), np.linalg.norm(W2c, axis=1))
    assert np.all(b1d == 0) and np.all(b2d == 0)


def test_plane_through_three_points():
    a, b, c = np.array([1.0, 0, 0]), np.array([0.0, 1, 0]), np.array([0.0, 0, 3])
    pl = landscape.plane_through(a, b, c)
    assert abs(pl["d1"] @ pl["d2"]) < 1e-12
    for (t1, t2), p in zip(pl["coords"], (a, b, c)):
        np.testing.assert_allclose(pl["center"] + t1 * pl["d1"] + t2 * pl["d2"], p, atol=1e-12)
    pl2 = landscape.plane_through(a, b, seed=1)
    assert abs(pl2["d1"] @ pl2["d2"]) < 1e-12
    assert np.isclose(np.linalg.norm(pl2["d2"]), np.linalg.norm(pl2["d1"]))


@pytest.mark.parametrize(
    "call",
    [
        lambda: landscape.slice_1d(quad, [0.0, 0.0], [1.0], [0.0]),
        lambda: landscape.slice_1d(quad, [0.0, 0.0], [1.0, 0.0], []),
        lambda: landscape.slice_1d(quad, [0.0, np.nan], [1.0, 0.0], [0.0]),
        lambda: landscape.slice_1d(lambda P: np.zeros(1), [0.0, 0.0], [1.0, 0.0], [0.0, 1.0]),
        lambda: landscape.slice_1d("not callable", [0.0], [1.0], [0.0]),
        lambda: landscape.slice_2d(quad, [0.0, 0.0], [1.0, 0.0], [0.0, 1.0, 2.0], [0.0], [0.0]),
        lambda: landscape.random_directions([1.0, 2.0], normalize="bogus"),
        lambda: landscape.random_directions([1.0, 2.0], normalize="filter"),
        lambda: landscape.random_directions([1.0, 2.0], n=3, orthogonal=True),
        lambda: landscape.plane_through([1.0, 0.0], [1.0, 0.0]),
        lambda: landscape.plane_through([0.0, 0.0], [1.0, 0.0], [2.0, 0.0]),
    ],
)
def test_bad_input(call):
    with pytest.raises(ValueError):
        call()


def test_slice_2d_refuses_a_grid_beyond_the_memory_budget():
    f = lambda P: P.sum(axis=1)  # noqa: E731
    with pytest.raises(MemoryError, match="slice_2d on a 1000000 x 1000000 grid"):
        landscape.slice_2d(f, np.zeros(4), np.ones(4), np.ones(4), np.zeros(10**6), np.zeros(10**6))
