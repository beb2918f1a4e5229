"""Fuzzing the public API (issue 11): whatever the input, a call either raises a clear ValueError or
TypeError that names the argument, or returns what the NumPy reference returns. It never crashes,
never raises another exception (IndexError, OverflowError, ZeroDivisionError, ...), and never warns
(the suite turns warnings into errors: a ComplexWarning or an overflow would be a silent wrong
result).

The examples are bounded (``max_examples``) and derandomised, so the file runs in seconds and the
same way everywhere; ``RELUFAST_FUZZ_EXAMPLES=2000`` runs a longer random hunt. Finite entries stay
in moderate ranges (|x| in [1e-3, 1e2] or 0): the edge numerics of the native kernels (subnormal and
huge weights) have their own tests.
"""

from __future__ import annotations

import math
import os

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis", reason="needs hypothesis (the test extra)")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

from relufast import backend, datasets, landscape, minima, mlp, stats, teacher, train  # noqa: E402
from relufast.experiments import five_points as fp  # noqa: E402
from relufast.experiments import safran_shamir as ss  # noqa: E402

EXAMPLES = int(os.environ.get("RELUFAST_FUZZ_EXAMPLES", "0"))  # > 0: a longer, random hunt
FUZZ = settings(
    max_examples=EXAMPLES or 40,
    deadline=None,
    derandomize=not EXAMPLES,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)
NATIVE = "cpu" if backend.has_core() else "numpy"


@pytest.fixture(scope="module", autouse=True)
def small_memory_budget():
    """Valid but huge sizes (2**31 inputs) must be refused by the budget, not tried here."""
    old = os.environ.get("RELUFAST_MEMORY_BUDGET")
    os.environ["RELUFAST_MEMORY_BUDGET"] = "256M"
    yield
    if old is None:
        del os.environ["RELUFAST_MEMORY_BUDGET"]
    else:
        os.environ["RELUFAST_MEMORY_BUDGET"] = old


# --------------------------------------------------------------------------- strategies

VALUE = st.one_of(st.just(0.0), st.floats(1e-3, 1e2), st.floats(-1e2, -1e-3))
SHAPES = hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=4)


def real_arrays(shape=SHAPES):
    return hnp.arrays(np.float64, shape, elements=VALUE)


def _poison(a: np.ndarray, bad: float, at: int) -> np.ndarray:
    a = a.astype(np.float64, copy=True)
    if a.size:
        a.flat[at % a.size] = bad
    return a


def arrays(shape=SHAPES):
    """Real arrays, and the same with NaN/inf, in other dtypes, as lists, strings or nonsense."""
    real = real_arrays(shape)
    return st.one_of(
        real,
        real,
        st.builds(_poison, real, st.sampled_from([math.nan, math.inf, -math.inf]), st.integers(0, 99)),
        real.map(lambda a: a.astype(np.complex128)),
        real.map(lambda a: a + 1j),
        real.map(lambda a: a.astype(np.int64)),
        real.map(lambda a: a.astype(np.float32)),
        real.map(lambda a: a != 0),
        real.map(lambda a: a.astype(str)),
        real.map(lambda a: a.tolist()),
        st.sampled_from([None, "W", 3, 2.5, [[1.0, 2.0], [3.0]], {"a": 1}]),
    )


def square_arrays(lead=(0, 1, 2), m=(1, 2, 3)):
    """Real (..., m, m) arrays (students, Hessians), often of matching shapes."""
    return st.builds(lambda r, n: (r, n, n), st.sampled_from(lead), st.sampled_from(m)).flatmap(
        lambda s: real_arrays(s[1:] if s[0] == 0 else s)
    )


INTS = st.one_of(
    st.integers(-2, 6),
    st.integers(-2, 6),
    st.sampled_from([2**31, 2**63 - 1, 2**63, 2**64, -(2**63)]),
    st.integers(0, 6).map(np.int64),
    st.integers(0, 6).map(np.uint8),
    st.sampled_from([True, False, 1.0, 1.5, math.nan, math.inf, "3", None, 2 + 0j]),
)
FLOATS = st.one_of(
    st.floats(-10, 10),
    st.sampled_from([0.0, 1e-300, 1e300, math.nan, math.inf, -math.inf, True, "0.1", None, 1j]),
    st.integers(-3, 3),
)


def clear(exc: BaseException, *names: str) -> None:
    """A ValueError/TypeError whose one-line message names one of the arguments."""
    assert isinstance(exc, (ValueError, TypeError)), repr(exc)
    msg = str(exc)
    assert msg and any(n in msg for n in names), f"{type(exc).__name__}: {msg!r} names none of {names}"


def outcome(call, *names: str):
    """('ok', result) or ('error', exception type), checking that an error is a clear one."""
    try:
        return "ok", call()
    except (ValueError, TypeError) as exc:
        clear(exc, *names, "backend")
        return "error", exc


def assert_same(a, b, rtol=1e-9, atol=1e-12):
    for x, y in zip(np.atleast_1d(np.asarray(a, dtype=object)), np.atleast_1d(np.asarray(b, dtype=object))):
        np.testing.assert_allclose(
            np.asarray(x, dtype=float), np.asarray(y, dtype=float), rtol=rtol, atol=atol
        )


def native_equals_reference(fn, *names, rtol=1e-9, atol=1e-12, **kw):
    """fn(backend=NATIVE) and fn(backend="numpy") agree: both the same result or both a clear error."""
    ref = outcome(lambda: fn(backend="numpy", **kw), *names)
    got = outcome(lambda: fn(backend=NATIVE, **kw), *names)
    if got[0] == "error" and "is not available" in str(got[1]):
        return ref  # a kernel the native backend does not have (a clear error too)
    assert got[0] == ref[0], (got, ref)
    if got[0] == "ok":
        if isinstance(got[1], tuple):
            for a, b in zip(got[1], ref[1]):
                assert_same(a, b, rtol, atol)
        else:
            assert_same(got[1], ref[1], rtol, atol)
    return got


# --------------------------------------------------------------------------- objectives


@FUZZ
@given(W=st.one_of(square_arrays(), arrays()), V=st.one_of(st.none(), square_arrays((0,)), arrays()))
def test_teacher_objective(W, V):
    for fn in (teacher.loss, teacher.grad, teacher.loss_and_grad):
        native_equals_reference(lambda backend, fn=fn: fn(W, V, backend=backend), "W", "V", atol=1e-10)
    native_equals_reference(lambda backend: teacher.hessian(W, V, backend=backend), "W", "V", atol=1e-9)


SIZES = st.one_of(
    st.lists(st.integers(1, 3), min_size=2, max_size=4),
    st.lists(st.integers(1, 3), min_size=2, max_size=4),
    st.lists(INTS, max_size=4),
    st.sampled_from([None, "1,1", 3]),
)


@FUZZ
@given(
    data=st.data(),
    sizes=SIZES,
    loss=st.sampled_from(["sse", "mse", "ce", "l1", None]),
    output_bias=st.sampled_from([True, False]),
    activation=st.sampled_from(["relu", "sigmoid", "relu", "sigmoid", "tanh"]),
)
def test_mlp_objective(data, sizes, loss, output_bias, activation):
    try:
        P = mlp.num_params(sizes, output_bias)
        din, dout = int(sizes[0]), int(sizes[-1])
    except (ValueError, TypeError) as exc:
        clear(exc, "sizes")
        return
    if P > 100:  # valid but huge sizes (2**63 - 1): their memory is not the point here
        return
    R, N = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 4))
    params = data.draw(st.one_of(real_arrays(st.sampled_from([(P,), (R, P)])), arrays()), "params")
    X = data.draw(st.one_of(real_arrays(st.just((N, din))), arrays()), "X")
    labels = st.lists(st.integers(0, dout - 1), min_size=N, max_size=N).map(np.array)
    Y = data.draw(st.one_of(real_arrays(st.just((N, dout))), labels, arrays()), "Y")
    names = ("params", "X", "Y", "sizes", "loss", "labels", "activation")
    kw = dict(loss=loss, output_bias=output_bias, activation=activation)
    for fn in (mlp.loss, mlp.grad):
        native_equals_reference(lambda backend, fn=fn: fn(params, X, Y, sizes, backend=backend, **kw), *names)
    native_equals_reference(
        lambda backend: mlp.predict(
            params, X, sizes, output_bias=output_bias, activation=activation, backend=backend
        ),
        *names,
    )


@FUZZ
@given(H=st.one_of(square_arrays((0, 1, 3), (1, 2, 5)), arrays()))
def test_min_eigenvalues(H):
    kind, got = outcome(lambda: minima.min_eigenvalues(H, backend=NATIVE), "H")
    if kind == "ok":
        ref = np.linalg.eigvalsh(np.asarray(H, dtype=float), UPLO="L")[..., 0]  # the lower triangle
        np.testing.assert_allclose(got, ref, rtol=1e-9, atol=1e-9 * max(1.0, float(np.abs(H).max())))


# --------------------------------------------------------------------------- statistics


def wilson_formula(s, n, z):
    p, z2 = s / n, z * z
    mid, half = (
        (p + z2 / (2 * n)) / (1 + z2 / n),
        z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n),
    )
    return (0.0 if s == 0 else max(0.0, mid - half)), (1.0 if s == n else min(1.0, mid + half))


@FUZZ
@given(s=INTS, n=INTS, z=st.one_of(st.floats(0.1, 5), FLOATS))
def test_wilson(s, n, z):
    kind, got = outcome(lambda: stats.wilson(s, n, z), "successes", "n", "z")
    if kind == "ok":
        np.testing.assert_allclose(got, wilson_formula(int(s), int(n), float(z)), rtol=1e-12, atol=1e-15)


@FUZZ
@given(s=INTS, runs=INTS, pct=st.one_of(st.floats(0, 100), FLOATS), paper_runs=st.one_of(st.just(1000), INTS))
def test_z_vs_paper(s, runs, pct, paper_runs):
    kind, z = outcome(
        lambda: ss.z_vs_paper(s, runs, pct, paper_runs), "spurious", "runs", "paper_pct", "paper_runs"
    )
    if kind == "ok" and not math.isnan(z):
        s, runs, paper_runs = int(s), int(runs), int(paper_runs)
        p1, p2 = s / runs, pct / 100
        pool = (s + p2 * paper_runs) / (runs + paper_runs)
        se = math.sqrt(pool * (1 - pool) * (1 / runs + 1 / paper_runs))
        assert z == pytest.approx(0.0 if se == 0 else (p1 - p2) / se, rel=1e-12, abs=1e-12)


# --------------------------------------------------------------------------- initialisation and experiments


@FUZZ
@given(sizes=SIZES, R=INTS, seed=INTS, weight_mean=FLOATS, bias_std=FLOATS)
def test_init_params(sizes, R, seed, weight_mean, bias_std):
    call = lambda R=R: train.init_params(sizes, R, seed=seed, weight_mean=weight_mean, bias_std=bias_std)  # noqa: E731
    kind, p = outcome(call, "sizes", "R", "seed", "weight_mean", "bias_std", "memory")
    if kind == "ok":
        assert p.shape == (R, mlp.num_params(sizes)) and np.all(np.isfinite(p))
        np.testing.assert_array_equal(call(R + 1)[:R], p)  # restart i does not depend on R


@FUZZ
@given(k=INTS, n=INTS, R=INTS, seed=INTS)
def test_initial_students(k, n, R, seed):
    call = lambda R=R: ss.initial_students(k, n, R, seed)  # noqa: E731
    kind, W = outcome(call, "k", "n", "restarts", "seed", "memory")
    if kind == "ok":
        assert W.shape == (R, n, k)
        np.testing.assert_array_equal(call(R + 2)[:R], W)


@FUZZ
@given(
    k=st.one_of(st.just(3), INTS),
    n=st.one_of(st.just(3), INTS),
    kw=st.dictionaries(
        st.sampled_from(["step", "tol", "pd_tol", "f_stop", "max_iters", "polish", "seed", "teacher"]),
        st.one_of(INTS, FLOATS, st.sampled_from(["no", "identity", "gaussian", "orthogonal"])),
        max_size=2,
    ),
)
def test_safran_shamir_run_arguments(k, n, kw):
    m = kw.get("max_iters", 50)
    if isinstance(m, (int, np.integer)) and not isinstance(m, bool) and m > 50:
        m = 50  # a quick run (a tiny step never converges): the arguments are the point, not the result
    kw = {**kw, "max_iters": m}
    kind, r = outcome(lambda: ss.run(k, n, 2, backend="numpy", **kw), "k", "n", "teacher", *kw)
    if kind == "ok":
        assert r.restarts == 2 and set(r.label) <= set(ss.LABELS)


@FUZZ
@given(center=arrays(), direction=st.one_of(st.none(), arrays()), ts=st.one_of(st.none(), arrays()))
def test_five_point_slice(center, direction, ts):
    kind, out = outcome(
        lambda: fp.slice_1d(center, direction, ts, backend=NATIVE), "center", "direction", "ts"
    )
    if kind == "ok":
        c = np.asarray(center, dtype=float)
        d = np.array([c[0], c[1], -c[2], 0.0]) if direction is None else np.asarray(direction, dtype=float)
        pts = c + np.asarray(out["t"])[:, None] * d
        np.testing.assert_allclose(
            out["loss"], mlp.loss(pts, fp.X, fp.Y, fp.SIZES, backend="numpy"), rtol=1e-12
        )


@FUZZ
@given(p0=arrays(), p1=arrays(), p2=st.one_of(st.none(), arrays()), seed=st.one_of(st.just(0), INTS))
def test_plane_through(p0, p1, p2, seed):
    kind, pl = outcome(
        lambda: landscape.plane_through(p0, p1, p2, seed=seed), "p0", "p1", "p2", "seed", "plane", "points"
    )
    if kind == "ok":
        np.testing.assert_allclose(pl["center"] + pl["d1"], np.asarray(p1, dtype=float), atol=1e-9)
        assert abs(pl["d1"] @ pl["d2"]) <= 1e-9 * max(1.0, pl["d1"] @ pl["d1"])


@FUZZ
@given(y=arrays(), k=st.one_of(st.none(), INTS))
def test_one_hot(y, k):
    kind, out = outcome(lambda: datasets.one_hot(y, k), "y", "num_classes", "labels", "memory")
    if kind == "ok":
        lab = np.asarray(y)
        assert (
            out.shape[0] == lab.size
            and np.array_equal(out.argmax(axis=1), lab)
            and np.all(out.sum(axis=1) == 1)
        )
