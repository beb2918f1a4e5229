"""Safran & Shamir's experiment: the protocol, the k = n = 6 minimum, and Table 1 rates."""

import numpy as np
import pytest

from relufast import minima, optim, teacher
from relufast.experiments import safran_shamir as ss


def b4_point(k=6):
    """papers.md B4: the k = n = 6 spurious minimum, to the 6 digits the paper prints."""
    a, b, c, d, e = -0.601512, 0.308011, 0.224516, 0.986704, -0.050413
    W = np.full((k, k), e)
    W[0] = c
    W[0, 0] = a
    W[1:, 0] = b
    W[np.arange(1, k), np.arange(1, k)] = d
    return W


@pytest.mark.parametrize("be", ["cpu", "numpy"])
def test_b4_minimum_polished_to_six_digits(be):
    W, gnorm = optim.newton_polish(b4_point(), backend=be)
    assert gnorm < 1e-12
    assert teacher.loss(W, backend=be) == pytest.approx(0.02508058, abs=5e-9)
    lam = minima.min_eigenvalues(teacher.hessian(W, backend=be), backend=be)
    assert lam == pytest.approx(0.004700, abs=5e-7)
    assert minima.neuron_blocks(W) == [1, 5]


def test_families_are_invariant_under_permutations(rng):
    W, _ = optim.newton_polish(b4_point())
    perms = [W]
    for _ in range(3):
        p = rng.permutation(6)  # coordinates, with the teacher rows (identity teacher symmetry)
        perms.append(W[rng.permutation(6)][:, p][p][:, :])
    Ws = np.array([X[:, :] for X in perms])
    F = teacher.loss(Ws)
    np.testing.assert_allclose(F, F[0], atol=1e-14)  # the loss has the symmetry...
    fams = minima.families(Ws, F, np.full(4, 0.0047))
    assert len(fams) == 1 and fams[0].count == 4 and fams[0].blocks == [1, 5]  # ...and so do families
    other = np.eye(6) * 0.9
    fams = minima.families(np.concatenate([Ws, other[None]]), np.append(F, 0.01), np.zeros(5))
    assert [f.count for f in fams] == [4, 1]


def test_initial_students_do_not_depend_on_batch_size():
    big = ss.initial_students(7, 8, 3000, seed=3)
    small = ss.initial_students(7, 8, 10, seed=3)
    np.testing.assert_array_equal(big[:10], small)
    assert big.shape == (3000, 8, 7)
    assert abs(big.var() - 1 / 7) < 0.01
    assert not np.array_equal(ss.initial_students(7, 8, 10, seed=4), small)


def test_run_is_reproducible_and_backend_independent():
    r1 = ss.run(6, 6, restarts=40, seed=1)
    r2 = ss.run(6, 6, restarts=40, seed=1)
    np.testing.assert_array_equal(r1.W, r2.W)
    rn = ss.run(6, 6, restarts=6, seed=1, backend="numpy")
    np.testing.assert_allclose(rn.W, r1.W[:6], atol=1e-9)
    np.testing.assert_array_equal(rn.label, r1.label[:6])
    np.testing.assert_array_equal(rn.iterations, r1.iterations[:6])


def test_result_arrays_and_labels():
    r = ss.run(7, 7, restarts=200, seed=0)
    R = 200
    for name in ("F", "grad_norm", "iterations", "step", "lambda_min", "label"):
        assert getattr(r, name).shape == (R,), name
    assert r.W.shape == (R, 7, 7)
    assert set(r.label) <= set(ss.LABELS)
    conv = r.status == optim.Status.CONVERGED
    assert np.all(2 * np.pi * r.grad_norm[conv] <= 1e-9)
    spur = r.label == "spurious"
    assert spur.sum() > 0
    assert np.all(r.F[spur] >= 1e-3) and np.all(r.lambda_min[spur] > 0)
    assert np.all(r.F[r.label == "global"] < 1e-3)
    assert sum(f.count for f in r.families) == spur.sum()
    row = r.summary()
    assert row["runs"] == R and row["spurious"] == spur.sum()
    assert row["ci_lo"] <= row["pct_spurious"] <= row["ci_hi"]
    assert row["paper_pct"] == 5.5
    assert list(row) == ss.TABLE_COLUMNS


def test_iteration_cap_is_reported_not_silent():
    r = ss.run(6, 6, restarts=20, seed=0, max_iters=50)
    assert np.all(r.label == "not converged")
    assert r.summary()["not_converged"] == 20
    assert np.all(r.iterations == 50)


def test_divergence_guard_halves_the_step():
    W0 = ss.initial_students(5, 5, 8, seed=0)
    r = optim.teacher_gd(W0, step=50.0, max_iters=100_000)
    assert np.all(r.step < 50.0)
    halvings = np.log2(50.0 / r.step)
    assert np.all(halvings == np.round(halvings)), r.step  # 50 / 2^m: halved, never otherwise changed
    # tamed, every run then reaches the early stop F < f_stop (1e-6), none is capped or diverged
    assert np.all(r.status == optim.Status.SMALL_LOSS), r.status
    assert np.all(r.F < 1e-6), r.F


def test_polish_tightens_spurious_endpoints():
    r = ss.run(7, 7, restarts=100, seed=0, polish=True)
    spur = r.label == "spurious"
    assert spur.any() and np.all(r.grad_norm[spur] < 1e-12)


@pytest.mark.parametrize("k,restarts", [(7, 1000), (8, 1000)])
def test_spurious_rate_agrees_with_paper(k, restarts):
    """Statistical reproduction: our rate and the paper's (1000 runs) agree in a two-proportion
    test at the 5% level, and the averages over spurious endpoints match the paper's."""
    row = ss.run(k, k, restarts=restarts, seed=0).summary()
    assert abs(row["z_vs_paper"]) < 1.96, row
    assert row["avg_lambda_min"] == pytest.approx(row["paper_lambda_min"], abs=2e-3)
    assert row["avg_F"] == pytest.approx(row["paper_F"], abs=2e-3)
    assert row["not_converged"] == 0


@pytest.mark.slow
@pytest.mark.parametrize("k,e", [(10, 0), (10, 1), (12, 0), (12, 2)])
def test_spurious_rate_agrees_with_paper_slow(k, e):
    row = ss.run(k, k + e, restarts=1000, seed=0).summary()
    assert abs(row["z_vs_paper"]) < 1.96, row


def test_z_vs_paper():
    assert ss.z_vs_paper(126, 1000, 12.6) == 0.0
    assert ss.z_vs_paper(300, 1000, 12.6) > 8
    assert ss.z_vs_paper(0, 1000, 0.0) == 0.0
    assert np.isnan(ss.z_vs_paper(3, 100, float("nan")))


def test_table_rows_and_progress():
    seen = []
    rows = ss.table([6], extra=(0, 2), restarts=30, progress=lambda d, t: seen.append((d, t)))
    assert [(r["k"], r["n"]) for r in rows] == [(6, 6), (6, 8)]
    assert seen[-1] == (60, 60) and all(t == 60 for _, t in seen)
    assert ss.paper_value(6, 8)["pct"] == 0 and ss.paper_value(20, 22) is not None
    assert ss.paper_value(20, 21) is None


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(k=0, n=3), "k must be"),
        (dict(k=3, n=-1), "n must be"),
        (dict(k=3, n=3, restarts=0), "restarts must be"),
        (dict(k=3, n=3, step=0.0), "step must be"),
        (dict(k=3, n=3, step=-1.0), "step must be"),
        (dict(k=3, n=3, step=float("nan")), "step must be"),
        (dict(k=3, n=3, backend="tpu"), "backend must be"),
        (dict(k=3, n=3, hessian_for="some"), "hessian_for"),
        (dict(k=3.5, n=3), "k must be"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ss.run(**kwargs)


# --------------------------------------------------------------------------- summaries, verdicts, estimates


def test_agrees_with_paper_and_paper_within_ci():
    assert ss.agrees_with_paper(0.0) is True
    assert ss.agrees_with_paper(1.95) is True and ss.agrees_with_paper(-1.97) is False
    assert ss.agrees_with_paper(2.5, level=3.0) is True
    assert ss.agrees_with_paper(float("nan")) is None
    # 126 of 1000 vs the paper's 12.6 %: z = 0, agrees; 300 of 1000: |z| > 8, does not
    assert ss.agrees_with_paper(ss.z_vs_paper(126, 1000, 12.6)) is True
    assert ss.agrees_with_paper(ss.z_vs_paper(300, 1000, 12.6)) is False
    assert ss.paper_within_ci(12.6, 10.0, 15.0) is True
    assert ss.paper_within_ci(10.0, 10.0, 15.0) is True  # the ends belong to the interval
    assert ss.paper_within_ci(10.0, 10.0 + 1e-10, 15.0) is True  # within the 1e-9 slack
    assert ss.paper_within_ci(9.99, 10.0, 15.0) is False
    assert ss.paper_within_ci(15.01, 10.0, 15.0) is False
    assert ss.paper_within_ci(float("nan"), 0.0, 1.0) is None
    assert ss.paper_within_ci(None, 0.0, 1.0) is None


def test_estimate_seconds_cost_model(monkeypatch):
    from relufast import backend as _backend

    # by hand: 4.94 ms per restart at k = n = 10 on one thread, x (k/10)^3.48; n = k+1: 4.38 ms
    # x (k/10)^4.35; n = k+2 and k+3: 2.85 ms x (k/10)^3.26
    monkeypatch.setattr(_backend, "has_core", lambda: True)
    assert ss.estimate_seconds([10], [0], 1000, "cpu", threads=1) == pytest.approx(4.94)
    assert ss.estimate_seconds([10], [0], 1000, "auto", threads=2) == pytest.approx(2.47)
    assert ss.estimate_seconds([20], [1], 10, "cpu") == pytest.approx(0.00438 * 2**4.35 * 10)
    assert ss.estimate_seconds([5, 10], [2, 3], 100, "cpu") == pytest.approx(
        100 * 0.00285 * 2 * (0.5**3.26 + 1.0)
    )
    assert ss.estimate_seconds([10], [0], 1000, "cpu", threads=0) == pytest.approx(4.94)  # >= 1 thread
    # NumPy: one thread, 62.8 x one C++ thread, whatever the thread count
    assert ss.estimate_seconds([10], [0], 1000, "numpy", threads=8) == pytest.approx(4.94 * 62.8)
    assert ss.estimate_seconds([], [0], 1000, "cpu") == 0.0
    # without the C++ core every backend runs NumPy
    monkeypatch.setattr(_backend, "has_core", lambda: False)
    assert ss.estimate_seconds([10], [0], 1000, "auto", threads=2) == pytest.approx(4.94 * 62.8)


def test_arrange_student_is_a_symmetry():
    from relufast import teacher

    W = ss.initial_students(5, 6, 1, seed=3)[0]  # (6, 5): one unmatched neuron
    A = ss.arrange_student(W)
    assert A.shape == W.shape
    # same multiset of rows (up to a column permutation): the arrangement only permutes
    assert sorted(np.sort(A, axis=1).round(12).tolist()) == sorted(np.sort(W, axis=1).round(12).tolist())
    assert teacher.loss(A, backend="numpy") == pytest.approx(teacher.loss(W, backend="numpy"), rel=1e-12)
    # the matched pairs sit on the diagonal, increasing; each is the largest |w| of its row and column
    d = np.diag(A[:5, :5])
    assert np.all(np.diff(d) >= 0)
    W2 = np.array([[0.0, 3.0, 0.1], [2.0, 0.0, 0.0], [0.1, 0.2, -1.0]])
    np.testing.assert_array_equal(
        ss.arrange_student(W2), [[-1.0, 0.1, 0.2], [0.0, 2.0, 0.0], [0.1, 0.0, 3.0]]
    )


def test_result_to_summary_is_consistent_and_json():
    import json

    r = ss.run(8, 8, restarts=60, seed=0)
    c = r.to_summary(top_families=1)
    json.dumps(c, allow_nan=False)  # plain JSON, NaN as null
    assert (c["k"], c["n"]) == (8, 8) and c["backend"] == r.backend
    assert c["counts"] == {lab: int(np.sum(r.label == lab)) for lab in ss.LABELS}
    assert sum(c["counts"].values()) == 60
    # every endpoint is in its label's log10 F histogram (out-of-range ones in the end bins)
    for lab, counts in c["hist_logF"].items():
        assert len(counts) == len(ss.LOGF_EDGES) - 1 and sum(counts) == c["counts"][lab]
    spur = r.label == "spurious"
    assert spur.sum() > 0, "k = 8 has about 13 % spurious endpoints"
    lam = c["hist_lambda"]["spurious"]
    assert len(lam) == len(ss.LAMBDA_EDGES) - 1 and sum(lam) == int(spur.sum())
    # the bin of each spurious lambda_min, by hand
    idx = np.clip(np.searchsorted(ss.LAMBDA_EDGES, r.lambda_min[spur], side="right") - 1, 0, len(lam) - 1)
    assert np.bincount(idx, minlength=len(lam)).tolist() == lam
    s = r.summary()
    assert c["summary"]["pct_spurious"] == s["pct_spurious"] == 100.0 * spur.sum() / 60
    assert "families" not in c["summary"]
    assert c["n_families"] == len(r.families) and len(c["families"]) == min(1, len(r.families))
    assert c["families"][0]["count"] + c["other_family_members"] == int(spur.sum())
    np.testing.assert_allclose(
        c["representative"], np.round(ss.arrange_student(r.families[0].representative), 3)
    )


def test_table_summary_cells_progress_and_runner():
    seen, calls = [], []

    def runner(k, n, restarts, seed, backend, progress):
        calls.append((k, n, restarts, seed, backend))
        return ss.run(k, n, restarts, seed, backend=backend, progress=progress)

    out = ss.table_summary(
        [4, 5],
        (0, 2),
        10,
        1,
        backend="numpy",
        runner=runner,
        progress=lambda d, t: seen.append((d, t)),
        on_cell=lambda cell, res: seen.append(("cell", cell["k"], res.n)),
    )
    assert calls == [
        (4, 4, 10, 1, "numpy"),
        (4, 6, 10, 1, "numpy"),
        (5, 5, 10, 1, "numpy"),
        (5, 7, 10, 1, "numpy"),
    ]
    assert [(c["k"], c["n"]) for c in out["cells"]] == [(4, 4), (4, 6), (5, 5), (5, 7)]
    assert out["params"] == {"ks": [4, 5], "extra": [0, 2], "restarts": 10, "seed": 1}
    assert out["logF_edges"] == ss.LOGF_EDGES.tolist() and len(out["lambda_edges"]) == 71
    assert ("cell", 5, 7) in seen and seen[-2] == (40, 40)
    assert all(t == 40 for x in seen if x[0] != "cell" for t in x[1:2])
    assert out["cells"][0] == ss.run(4, 4, 10, 1, backend="numpy").to_summary() | {
        "wall_s": out["cells"][0]["wall_s"],
        "summary": out["cells"][0]["summary"],
    }


# --- protocols, teachers, shards (issue 9) ------------------------------------------------------


def test_protocols_by_name_and_overrides():
    p = ss.get_protocol("colt2021")
    assert p.step_for(10) == 0.5 and p.tol == 1e-12 and p.norm == "frobenius" and p.restarts == 500
    spec = ss.cell_spec(10, 10, protocol="colt2021", step=0.3, tol=1e-10)
    assert (spec.step, spec.tol, spec.norm) == (0.3, 1e-10, "frobenius")
    spec = ss.cell_spec(10, 11)
    assert (spec.step, spec.tol, spec.norm, spec.f_stop) == (0.1, 1e-9, "max", ss.SPURIOUS_F)
    assert (spec.certify_after, spec.certify_tol) == (20_000, 1e-5)
    assert (
        ss.cell_spec(10, 10, protocol="colt2021").certify_after,
        ss.cell_spec(10, 10, certify_after=0).certify_after,
    ) == (0, 0)
    with pytest.raises(ValueError, match="certify_after must be"):
        ss.cell_spec(10, 10, certify_after=-1)
    with pytest.raises(ValueError, match="certify_tol must be"):
        ss.cell_spec(10, 10, certify_tol=float("nan"))
    with pytest.raises(ValueError, match="protocol must be one of"):
        ss.run(6, 6, 4, protocol="neurips2019")
    with pytest.raises(ValueError, match="norm must be one of"):
        ss.run(6, 6, 4, norm="l1")


def test_colt2021_run_stops_on_the_frobenius_norm():
    r = ss.run(8, 8, 40, seed=1, protocol="colt2021")
    conv = r.status == optim.Status.CONVERGED
    assert conv.sum() >= 2 and r.config["protocol"] == "colt2021" and np.all(r.F[conv] > 1e-3)
    G = teacher.grad(r.W[conv], backend="numpy")
    assert np.all(np.sqrt(np.einsum("rnd,rnd->r", G, G)) <= 1e-12 * (1 + 1e-3))
    assert np.all(r.step[conv] == 5 / 8)


def test_shards_concatenate_to_the_single_run_bit_for_bit():
    spec = ss.cell_spec(6, 7, seed=5)
    whole = ss.run_shard(spec, 0, 40)
    parts = [ss.run_shard(spec, a, b - a) for a, b in ((0, 13), (13, 29), (29, 40))]
    for key in ss.SHARD_FIELDS:
        np.testing.assert_array_equal(np.concatenate([p[key] for p in parts]), whole[key], err_msg=key)
    r = ss.classify(spec, whole)
    assert r.restarts == 40 and set(r.label) <= set(ss.LABELS)


@pytest.mark.parametrize("name", ["orthogonal", "gaussian"])
def test_general_teachers(name):
    V = ss.make_teacher(name, 4, 6, seed=2)
    assert V.shape == (4, 6)
    np.testing.assert_array_equal(V, ss.make_teacher(name, 4, 6, seed=2))
    assert not np.array_equal(V, ss.make_teacher(name, 4, 6, seed=3))
    r = ss.run(4, 5, 20, teacher=name, d=6, teacher_seed=2)
    assert r.W.shape == (20, 5, 6) and r.families == []
    assert "identity teacher only" in r.config["families"]
    assert np.isnan(r.summary()["paper_pct"])  # the paper's numbers are for the identity teacher
    # the loss the run reports is the loss against that teacher
    np.testing.assert_allclose(r.F, teacher.loss(r.W, V, backend="numpy"), atol=1e-12)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(teacher="random"), "teacher must be one of"),
        (dict(teacher=np.ones((3, 4))), "k = 4 rows"),
        (dict(teacher=np.ones((4, 3))), "d >= k"),
        (dict(teacher=np.full((4, 4), np.nan)), "teacher contains NaN"),
        (dict(d=3), "d must be >= k"),
    ],
)
def test_bad_teachers(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ss.run(4, 4, 4, **kwargs)


def test_no_hessian_leaves_candidates_unlabelled():
    r = ss.run(8, 8, 60, seed=0, hessian=False)
    s = r.summary()
    assert s["spurious"] == 0 and s["candidates"] == int(np.sum(r.F >= ss.SPURIOUS_F)) > 0
    assert np.all(np.isnan(r.lambda_min))
    full = ss.run(8, 8, 60, seed=0)
    assert s["candidates"] == full.summary()["spurious"] + full.summary()["saddles"]


def test_colt2021_paper_values():
    assert ss.paper_value(30, 30, "colt2021")["pct"] == 99.6
    assert ss.paper_value(8, 8, "colt2021") is None
    r = ss.run(6, 6, 5, protocol="colt2021")
    assert np.isnan(r.summary()["paper_pct"])  # the 2021 paper states no value at k = 6


# --- sharded sweeps: executors and stores (issue 9) -------------------------------------------

FIELDS = ("W", "F", "grad_norm", "iterations", "step", "status", "lambda_min", "label")


def _same(a, b):
    for f in FIELDS:
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f), err_msg=f)


def test_sharded_run_equals_one_process_bit_for_bit():
    a = ss.run(7, 8, 120, seed=3)
    _same(a, ss.run(7, 8, 120, seed=3, shard_size=25))


def test_sharded_run_on_a_dask_local_cluster_equals_one_process():
    distributed = pytest.importorskip("dask.distributed", reason="needs dask.distributed (relufast[cluster])")
    a = ss.run(7, 7, 96, seed=4)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        b = ss.run(7, 7, 96, seed=4, executor=client.get_executor(), shard_size=24)
    _same(a, b)


def test_table_store_resumes_and_refuses_other_settings(tmp_path):
    pytest.importorskip("pyarrow", reason="needs pyarrow (relufast[store])")
    rows = ss.table([6], extra=(0, 1), restarts=60, seed=2)
    stored = ss.table([6], extra=(0, 1), restarts=60, seed=2, store=tmp_path, shard_size=20)
    assert [r["spurious"] for r in stored] == [r["spurious"] for r in rows]
    files = sorted((tmp_path / "shards").glob("*.parquet"))
    assert len(files) == 6
    files[2].unlink()
    again = ss.table([6], extra=(0, 1), restarts=60, seed=2, store=tmp_path, shard_size=20)
    assert [r["pct_spurious"] for r in again] == [r["pct_spurious"] for r in rows]
    assert len(list((tmp_path / "shards").glob("*.parquet"))) == 6
    with pytest.raises(ValueError, match="tol"):
        ss.table([6], extra=(0,), restarts=60, seed=2, store=tmp_path, shard_size=20, tol=1e-8)
    with pytest.raises(ValueError, match="executor"):
        ss.run(6, 6, 10, executor="not an executor")


# --------------------------------------------------------------------------- bad input (issue 11)


def test_small_requests_stay_small_in_memory():
    import tracemalloc

    tracemalloc.start()
    try:
        W = ss.initial_students(300, 300, 1)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert W.shape == (1, 300, 300)
    assert peak < 10 * W.nbytes, peak  # was 1024 restarts' worth (0.7 GB drawn, 1.4 GB peak)
    # and the same numbers as when the whole block is drawn
    np.testing.assert_array_equal(W[0], ss.initial_students(300, 300, 2)[0])


def test_a_run_too_large_for_memory_is_refused_at_once():
    import time

    t0 = time.perf_counter()
    with pytest.raises(MemoryError, match="would need about .* TB of memory, more than the budget"):
        ss.run(6, 6, 10**12)
    assert time.perf_counter() - t0 < 1.0
    with pytest.raises(ValueError, match="RELUFAST_MEMORY_BUDGET"):  # a MemoryError and a ValueError
        ss.sweep([(6, 6)], 10**12)
    assert ss.estimate_bytes(6, 6, 1000) == 1000 * (32 * 36 + 512) + 3 * (64 << 20)


def test_memory_budget_follows_the_environment(monkeypatch):
    monkeypatch.setenv("RELUFAST_MEMORY_BUDGET", "1M")
    with pytest.raises(MemoryError, match="budget of 1.05 MB"):
        ss.run(6, 6, 10_000)
    monkeypatch.setenv("RELUFAST_MEMORY_BUDGET", "lots")
    with pytest.raises(ValueError, match="RELUFAST_MEMORY_BUDGET must be"):
        ss.run(6, 6, 10)


@pytest.mark.parametrize("pd_tol", [float("nan"), float("inf"), -1.0, "0"])
def test_pd_tol_must_be_finite_and_non_negative(pd_tol):
    with pytest.raises(ValueError, match="pd_tol"):
        ss.run(3, 3, 2, pd_tol=pd_tol)
    with pytest.raises(ValueError, match="pd_tol"):
        ss.sweep([(3, 3)], 2, pd_tol=pd_tol)


@pytest.mark.parametrize("name", ["polish", "hessian", "certify"])
def test_switches_must_be_bools(name):
    with pytest.raises(TypeError, match=f"{name} must be True or False, got 'no'"):
        ss.run(3, 3, 2, **{name: "no"})


def test_float_seeds_are_refused_numpy_integers_accepted():
    with pytest.raises(TypeError, match="seed"):
        ss.initial_students(3, 3, 2, seed=1.5)
    with pytest.raises(TypeError, match="seed"):
        ss.run(3, 3, 2, seed=1.0)
    with pytest.raises(TypeError, match="teacher_seed"):
        ss.make_teacher("gaussian", 3, seed=2.5)
    np.testing.assert_array_equal(
        ss.initial_students(3, 3, 2, seed=np.int64(4)), ss.initial_students(3, 3, 2, seed=4)
    )


@pytest.mark.parametrize(
    "args,name",
    [
        ((0, 0, 12.6), "runs"),
        ((5, 3, 12.6), "spurious"),
        ((1, 10, 120.0), "paper_pct"),
        ((1, 10, 5.0, 0), "paper_runs"),
    ],
)
def test_z_vs_paper_bad_input_names_the_argument(args, name):
    with pytest.raises(ValueError, match=name):
        ss.z_vs_paper(*args)


def test_the_verdict_helpers_refuse_what_is_not_a_statistic():
    with pytest.raises(ValueError, match="level"):
        ss.agrees_with_paper(1.0, level=-1.0)  # was False
    with pytest.raises(TypeError, match="z must be a real number"):
        ss.agrees_with_paper(1j)  # was True
    with pytest.raises(ValueError, match="ci_lo"):
        ss.paper_within_ci(5.0, float("nan"), 0.1)  # was False
    with pytest.raises(ValueError, match="ci_lo must be <= ci_hi"):
        ss.paper_within_ci(5.0, 0.5, 0.1)
    assert ss.paper_within_ci(None, 1.0, 2.0) is None


def test_estimates_sweep_and_teacher_seed_check_their_arguments():
    with pytest.raises(ValueError, match="restarts"):
        ss.estimate_seconds([6], [0], True, "cpu")  # a bool was one restart
    with pytest.raises(ValueError, match="n must be"):
        ss.estimate_bytes(None, 6, 10)
    with pytest.raises(ValueError, match=r"\(k, n\) pairs"):
        ss.sweep([(2, 2, 2)], 2)
    with pytest.raises(TypeError, match="ks must be an iterable"):
        ss.table(None)
    with pytest.raises(ValueError, match="teacher_seed"):  # unused by the identity teacher, still checked
        ss.cell_spec(2, 2, teacher_seed=-1)
    with pytest.raises(TypeError, match="progress must be a callable"):
        ss.run(2, 2, 2, max_iters=50, progress=3)
