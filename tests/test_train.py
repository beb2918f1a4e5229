"""relufast.train: initialisation, data order, C++ == NumPy trainers, determinism, bad input."""

import numpy as np
import pytest

from relufast import backend, mlp
from relufast import train as T

X5 = np.array([-1.0, 1.0, 3.0, 4.0, 5.0])
Y5 = np.array([3.0, -3.0, 0.0, 1.0, 2.0])
S5 = [1, 1, 1]

HAS_CPU = backend.has_core() and hasattr(backend.core(), "mlp_train")
needs_cpu = pytest.mark.skipif(not HAS_CPU, reason="C++ MLP kernels not built")


@pytest.fixture
def threads():
    """Set the OpenMP thread count inside a test; restore it afterwards."""
    core = backend.core()
    before = core.max_threads()
    yield core.set_num_threads
    core.set_num_threads(before)


def ce_problem(rng, sizes=(3, 6, 3), N=23):
    X = rng.normal(size=(N, sizes[0]))
    lab = rng.integers(0, sizes[-1], N)
    return X, lab, list(sizes)


# --------------------------------------------------------------------------- init


def test_init_reproducible_and_independent_of_R():
    a = T.init_params([2, 5, 1], 3, seed=7, bias_std=1.0)
    b = T.init_params([2, 5, 1], 2500, seed=7, bias_std=1.0)
    np.testing.assert_array_equal(a, b[:3])
    c = T.init_params([2, 5, 1], 1030, seed=7, bias_std=1.0)
    np.testing.assert_array_equal(c, b[:1030])  # across the 1024-restart block boundary
    assert not np.array_equal(b[:1024], b[1024:2048])
    assert not np.array_equal(a, T.init_params([2, 5, 1], 3, seed=8, bias_std=1.0))


def test_init_distributions():
    sizes = [4, 50, 3]
    R = 400
    p = T.init_params(
        sizes,
        R,
        seed=1,
        weight_mean=[-5.0, 0.0],
        weight_std=[None, 0.5],
        bias_mean=[-2.0, 1.0],
        bias_std=[0.0, 2.0],
        scheme="he",
    )
    (W1, b1), (W2, b2) = mlp.unpack(p, sizes)
    assert abs(W1.mean() + 5.0) < 0.02 and abs(W1.std() - np.sqrt(2 / 4)) < 0.01
    assert abs(W2.mean()) < 0.02 and abs(W2.std() - 0.5) < 0.01
    np.testing.assert_array_equal(b1, -2.0)  # bias_std 0: exactly the mean
    assert abs(b2.mean() - 1.0) < 0.1 and abs(b2.std() - 2.0) < 0.1
    px = T.init_params(sizes, R, seed=1, scheme="xavier")
    assert abs(mlp.unpack(px, sizes)[0][0].std() - np.sqrt(2 / 54)) < 0.005
    pn = T.init_params(sizes, R, seed=1)
    assert abs(mlp.unpack(pn, sizes)[1][0].std() - 1.0) < 0.05
    p3 = T.init_params([1, 1, 1], 10, output_bias=False)
    assert p3.shape == (10, 3)


def test_init_bad_input():
    with pytest.raises(ValueError, match="scheme"):
        T.init_params([1, 1, 1], 3, scheme="glorot")
    with pytest.raises(ValueError, match="R"):
        T.init_params([1, 1, 1], 0)
    with pytest.raises(ValueError, match="weight_mean"):
        T.init_params([1, 1, 1], 3, weight_mean=[0.0, 1.0, 2.0])
    with pytest.raises(ValueError, match="bias_std"):
        T.init_params([1, 1, 1], 3, bias_std=-1.0)
    with pytest.raises(ValueError, match="seed"):
        T.init_params([1, 1, 1], 3, seed=-1)
    with pytest.raises(ValueError, match="sizes"):
        T.init_params([1], 3)


# --------------------------------------------------------------------------- data order


def test_permutations_are_permutations():
    P = T.epoch_permutations(5, np.arange(50), 3, 17)
    np.testing.assert_array_equal(np.sort(P, axis=1), np.tile(np.arange(17), (50, 1)))
    assert len({tuple(r) for r in P}) == 50
    assert not np.array_equal(P, T.epoch_permutations(5, np.arange(50), 4, 17))


@needs_cpu
def test_permutations_match_cpu():
    core = backend.core()
    for seed, r, e, N in [(0, 0, 0, 5), (3, 5, 2, 10), (2**63 + 11, 123456, 99, 1797), (1, 7, 0, 1)]:
        np.testing.assert_array_equal(
            core.mlp_permutation(seed, r, e, N), T.epoch_permutations(seed, [r], e, N)[0]
        )


# --------------------------------------------------------------------------- trainers


@needs_cpu
@pytest.mark.parametrize("optimizer,batch", [("gd", None), ("adam", None), ("sgd", 2), ("adam", 3)])
def test_five_point_cpu_matches_numpy(optimizer, batch):
    p0 = T.init_params(S5, 37, seed=2, bias_std=1.0)
    kw = dict(optimizer=optimizer, lr=0.002, steps=300, batch_size=batch, seed=4)
    rc = T.train(p0, X5, Y5, S5, backend="cpu", chunk=64, **kw)
    rn = T.train(p0, X5, Y5, S5, backend="numpy", chunk=1000, **kw)
    np.testing.assert_allclose(rc.params, rn.params, rtol=0, atol=1e-9)
    np.testing.assert_allclose(rc.loss, rn.loss, rtol=1e-9)
    assert rc.history.shape == (6, 37) and rn.history.shape == (2, 37)
    np.testing.assert_array_equal(rc.history_steps, [0, 64, 128, 192, 256, 300])
    np.testing.assert_array_equal(rc.loss, rc.history[-1])
    assert rc.backend == "cpu" and rn.backend == "numpy" and rc.steps == 300
    np.testing.assert_array_equal(p0, T.init_params(S5, 37, seed=2, bias_std=1.0))  # input untouched


@needs_cpu
@pytest.mark.parametrize(
    "sizes,loss,optimizer,ob",
    [
        ([1, 2, 1], "sse", "gd", True),
        ([1, 3, 1], "mse", "adam", False),
        ([1, 5, 1], "mse", "gd", False),
        ([1, 8, 1], "sse", "adam", True),
        ([1, 9, 1], "sse", "gd", True),  # 9: beyond the tiny kernels
    ],
)
def test_scalar_nets_cpu_matches_numpy(rng, sizes, loss, optimizer, ob):
    X = rng.uniform(-2, 2, 9)
    Y = np.sin(2 * X)
    p0 = T.init_params(sizes, 19, seed=6, bias_std=1.0, scheme="he", output_bias=ob)
    kw = dict(optimizer=optimizer, lr=0.002, steps=300, loss=loss, output_bias=ob)
    rc = T.train(p0, X, Y, sizes, backend="cpu", chunk=128, **kw)
    rn = T.train(p0, X, Y, sizes, backend="numpy", **kw)
    np.testing.assert_allclose(rc.params, rn.params, rtol=0, atol=1e-9)
    assert np.all(rc.loss <= rc.history[0])


@needs_cpu
@pytest.mark.parametrize(
    "loss,optimizer,batch,ob",
    [
        ("ce", "adam", None, True),
        ("ce", "sgd", 5, False),
        ("mse", "adam", 4, True),
        ("sse", "gd", None, False),
    ],
)
def test_deep_cpu_matches_numpy(rng, loss, optimizer, batch, ob):
    sizes = [3, 6, 5, 3]
    _deep_cpu_matches_numpy(rng, sizes, loss, optimizer, batch, ob, "relu")


@needs_cpu
@pytest.mark.parametrize(
    "sizes,loss,optimizer,batch",
    [
        ([2, 4, 1], "mse", "gd", None),  # the XOR / jellyfish nets
        ([2, 7, 1], "mse", "adam", None),
        ([1, 3, 1], "sse", "gd", None),  # the [1, h, 1] shape the ReLU tiny kernels take
        ([3, 6, 5, 3], "ce", "adam", 5),
        ([3, 6, 5, 3], "mse", "sgd", 4),
    ],
)
def test_sigmoid_cpu_matches_numpy(rng, sizes, loss, optimizer, batch):
    _deep_cpu_matches_numpy(rng, sizes, loss, optimizer, batch, True, "sigmoid")


def _deep_cpu_matches_numpy(rng, sizes, loss, optimizer, batch, ob, act):
    X = rng.normal(size=(23, sizes[0]))
    Y = rng.integers(0, sizes[-1], 23) if loss == "ce" else rng.normal(size=(23, sizes[-1]))
    p0 = T.init_params(sizes, 11, seed=3, scheme="he", bias_std=0.1, output_bias=ob)
    kw = dict(
        optimizer=optimizer,
        lr=0.01 if loss != "sse" else 0.002,
        steps=200,
        batch_size=batch,
        loss=loss,
        output_bias=ob,
        activation=act,
    )
    rc = T.train(p0, X, Y, sizes, backend="cpu", chunk=50, **kw)
    rn = T.train(p0, X, Y, sizes, backend="numpy", chunk=200, **kw)
    np.testing.assert_allclose(rc.params, rn.params, rtol=0, atol=1e-9)
    assert np.all(rc.loss < rc.history[0])


@needs_cpu
@pytest.mark.parametrize(
    "sizes,optimizer,batch",
    [
        (S5, "gd", None),
        (S5, "adam", None),
        ([1, 8, 1], "gd", None),
        ([1, 8, 1], "adam", 2),
        ([3, 6, 3], "adam", None),
        ([3, 6, 3], "sgd", 4),
    ],
)
def test_deterministic_threads_R_and_chunks(threads, rng, sizes, optimizer, batch):
    if sizes[0] == 1:
        X, Y, loss = X5, Y5, "sse"
    else:
        X, Y, sizes = ce_problem(rng, sizes)
        loss = "ce"
    p0 = T.init_params(sizes, 61, seed=5, bias_std=0.5)
    kw = dict(optimizer=optimizer, lr=0.003, steps=150, batch_size=batch, loss=loss, backend="cpu", seed=9)
    threads(1)
    r1 = T.train(p0, X, Y, sizes, chunk=150, **kw)
    threads(2)
    r2 = T.train(p0, X, Y, sizes, chunk=150, **kw)
    np.testing.assert_array_equal(r1.params, r2.params)
    r3 = T.train(p0, X, Y, sizes, chunk=13, **kw)  # chunking does not change anything
    np.testing.assert_array_equal(r1.params, r3.params)
    r4 = T.train(p0[:9], X, Y, sizes, chunk=150, **kw)  # a restart does not depend on R or its lane
    np.testing.assert_array_equal(r1.params[:9], r4.params)
    r5 = T.train(p0[-1], X, Y, sizes, chunk=150, **kw) if batch is None else None
    if r5 is not None:
        np.testing.assert_array_equal(r1.params[-1:], r5.params)


def test_sgd_full_batch_is_gd():
    p0 = T.init_params(S5, 5, seed=0, bias_std=1.0)
    a = T.train(p0, X5, Y5, S5, optimizer="gd", lr=0.003, steps=50)
    b = T.train(p0, X5, Y5, S5, optimizer="sgd", lr=0.003, steps=50, batch_size=5)
    np.testing.assert_array_equal(a.params, b.params)


@pytest.mark.parametrize("be", ["numpy"] + (["cpu"] if HAS_CPU else []))
def test_adam_first_step_has_size_lr(be):
    p0 = np.array([0.7, 0.3, -1.2, 0.4])
    g = mlp.grad(p0, X5, Y5, S5)
    r = T.train(p0, X5, Y5, S5, optimizer="adam", lr=1e-3, steps=1, backend=be)
    np.testing.assert_allclose(r.params[0] - p0, -1e-3 * np.sign(g), rtol=1e-6)
    np.testing.assert_allclose(r.m[0], 0.1 * g, rtol=1e-14)


@pytest.mark.parametrize("be", ["numpy"] + (["cpu"] if HAS_CPU else []))
def test_five_point_gd_finds_the_known_minima(be):
    # starts near blue (global, 14) and near the dead-unit plateau (best constant, 21.2)
    p0 = np.array([[-6.5, -3.5, 1.2, 0.2], [0.3, -5.0, 1.0, 0.0]])
    r = T.train(p0, X5, Y5, S5, optimizer="gd", lr=0.005, steps=4000, chunk=1000, backend=be)
    np.testing.assert_allclose(r.loss, [14.0, 21.2], atol=1e-6)
    assert np.all(np.diff(r.history, axis=0) <= 1e-12)  # monotone at this step


def test_progress_and_cancel():
    calls = []
    r = T.train(
        RED_INIT(), X5, Y5, S5, lr=0.001, steps=25, chunk=10, progress=lambda d, t: calls.append((d, t))
    )
    assert calls == [(10, 25), (20, 25), (25, 25)] and r.steps == 25
    r = T.train(RED_INIT(), X5, Y5, S5, lr=0.001, steps=25, chunk=10, progress=lambda d, t: d < 20)
    assert r.steps == 20 and r.history.shape == (3, 1)
    r = T.train(RED_INIT(), X5, Y5, S5, lr=0.001, steps=0)
    assert r.steps == 0 and r.history.shape == (1, 1)


def RED_INIT():
    return np.array([1.1, -2.9, 0.9, 0.1])


def test_diverging_restart_is_not_a_warning():
    p0 = np.array([[3.0, 1.0, 3.0, 0.0], [1.1, -2.9, 0.9, 0.1]])
    for be in ["numpy"] + (["cpu"] if HAS_CPU else []):
        r = T.train(p0, X5, Y5, S5, lr=0.5, steps=300, backend=be)
        assert not np.isfinite(r.loss[0])


def test_train_bad_input():
    p0 = RED_INIT()
    kw = dict(lr=0.01, steps=10)
    with pytest.raises(ValueError, match="lr"):
        T.train(p0, X5, Y5, S5, lr=0.0, steps=10)
    with pytest.raises(ValueError, match="lr"):
        T.train(p0, X5, Y5, S5, lr=-1.0, steps=10)
    with pytest.raises(ValueError, match="steps"):
        T.train(p0, X5, Y5, S5, lr=0.01, steps=-1)
    with pytest.raises(ValueError, match="batch_size"):
        T.train(p0, X5, Y5, S5, optimizer="sgd", batch_size=0, **kw)
    with pytest.raises(ValueError, match="batch_size"):
        T.train(p0, X5, Y5, S5, optimizer="adam", batch_size=6, **kw)
    with pytest.raises(ValueError, match="batch_size"):
        T.train(p0, X5, Y5, S5, optimizer="gd", batch_size=2, **kw)
    with pytest.raises(ValueError, match="optimizer"):
        T.train(p0, X5, Y5, S5, optimizer="rmsprop", **kw)
    with pytest.raises(ValueError, match="chunk"):
        T.train(p0, X5, Y5, S5, chunk=0, **kw)
    with pytest.raises(ValueError, match="betas"):
        T.train(p0, X5, Y5, S5, optimizer="adam", betas=(0.9, 1.0), **kw)
    with pytest.raises(ValueError, match="eps"):
        T.train(p0, X5, Y5, S5, optimizer="adam", eps=0.0, **kw)
    with pytest.raises(ValueError, match="params"):
        T.train(p0[:3], X5, Y5, S5, **kw)
    with pytest.raises(ValueError, match="Y"):
        T.train(p0, X5, Y5[:3], S5, **kw)
    with pytest.raises(ValueError, match="backend"):
        T.train(p0, X5, Y5, S5, backend="tpu", **kw)
    with pytest.raises(ValueError, match="seed"):
        T.train(p0, X5, Y5, S5, seed=1.5, **kw)


def test_init_params_for_one_big_net_draws_one_restart():
    import tracemalloc

    tracemalloc.start()
    try:
        p = T.init_params([784, 256, 256, 10], 1)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert p.shape == (1, 269_322)
    assert peak < 5 * p.nbytes, peak  # was 1024 restarts drawn: 2.1 GB for a 2 MB result
    np.testing.assert_array_equal(p, T.init_params([784, 256, 256, 10], 2)[:1])


def test_block_draws_in_small_pieces_equal_whole_blocks(monkeypatch):
    from relufast import _seeding

    whole = _seeding.block_normals(7, 2500, (3,), scale=0.5)
    monkeypatch.setattr(_seeding, "_PIECE_BYTES", 8 * 3 * 5)  # 5 rows a draw
    np.testing.assert_array_equal(_seeding.block_normals(7, 2500, (3,), scale=0.5), whole)
    np.testing.assert_array_equal(_seeding.block_normals(7, 9, (3,), scale=0.5, start=1020), whole[1020:1029])


def test_float_seeds_are_a_type_error():
    with pytest.raises(TypeError, match="seed"):
        T.init_params([1, 1, 1], 3, seed=1.5)
    np.testing.assert_array_equal(
        T.init_params([1, 1, 1], 3, seed=np.uint32(5)), T.init_params([1, 1, 1], 3, seed=5)
    )


def test_init_params_refuses_a_huge_net_before_allocating(monkeypatch):
    monkeypatch.setenv("RELUFAST_MEMORY_BUDGET", "64M")
    with pytest.raises(MemoryError, match="init_params with R=1 restarts of P=4294967296 parameters"):
        T.init_params([1, 2**31], 1)
