import concurrent.futures as cf
import functools
import multiprocessing
import time

import numpy as np
import pytest

from relufast.sweep import Shard, map_shards, plan_shards

SEED = 777
CELLS = [(3, 3), (4, 5), (5, 7)]
R = 10


def toy(shard, seed=SEED):
    """Restart i's values drawn from a generator keyed by (seed, cell, i) alone."""
    k, n = shard.cell
    W = np.empty((shard.count, n, k))
    F = np.empty(shard.count)
    it = np.empty(shard.count, dtype=np.int64)
    for j, i in enumerate(range(shard.start, shard.stop)):
        rng = np.random.default_rng(np.random.SeedSequence([seed, k, n, i]))
        W[j] = rng.standard_normal((n, k))
        F[j] = rng.random()
        it[j] = rng.integers(10**6)
    label = np.array(["spurious" if f < 0.3 else "global" for f in F])
    return {"W": W, "F": F, "label": label, "iterations": it, "converged": it % 2 == 0}


def reference(cells=CELLS, restarts=R):
    return {c: toy(Shard(c, 0, 0, restarts)) for c in cells}


def same(out, ref):
    assert list(out) == list(ref)
    for c in ref:
        assert list(out[c]) == list(ref[c])
        for k in ref[c]:
            a, b = out[c][k], ref[c][k]
            assert a.dtype == b.dtype and a.shape == b.shape, (c, k)
            assert a.tobytes() == b.tobytes(), (c, k)  # bit for bit


def fails_on_index_3(shard):
    if shard.index == 3:
        raise RuntimeError("boom on shard 3")
    return toy(shard)


def slow_toy(shard):
    time.sleep(0.05)
    return toy(shard)


def threads(shard):
    from relufast import backend

    return {"threads": np.full(shard.count, backend.core().max_threads())}


def teacher_shard(shard, seed=SEED):
    """A real relufast kernel: teacher GD from restarts [start, stop) of the block-seeded draws."""
    from relufast._seeding import block_normals
    from relufast.optim import teacher_gd

    k, n = shard.cell
    W0 = block_normals([seed, k, n], shard.stop, (n, k), scale=k**-0.5)[shard.start :]
    r = teacher_gd(W0, max_iters=400, chunk=100, backend="cpu")
    return {"W": r.W, "F": r.F, "iterations": r.iterations, "status": r.status}


class Counting:
    def __init__(self, fn=toy):
        self.fn, self.calls = fn, []

    def __call__(self, shard):
        self.calls.append(shard)
        return self.fn(shard)


# -- plan_shards ------------------------------------------------------------------------------------
def test_plan_shards():
    shards = plan_shards([(3, 3), (4, 5)], restarts=10, shard_size=4)
    assert [(s.cell, s.index, s.start, s.count) for s in shards] == [
        ((3, 3), 0, 0, 4), ((3, 3), 1, 4, 4), ((3, 3), 2, 8, 2),
        ((4, 5), 0, 0, 4), ((4, 5), 1, 4, 4), ((4, 5), 2, 8, 2),
    ]  # fmt: skip
    assert shards[2].stop == 10
    per_cell = plan_shards([(1,), 7], {(1,): 3, (7,): 0}, 5)
    assert per_cell == [Shard((1,), 0, 0, 3)]
    assert len(plan_shards([(2, 2)], 1000, 1000)) == 1
    with pytest.raises(ValueError, match="shard_size"):
        plan_shards(CELLS, 10, 0)
    with pytest.raises(ValueError, match="distinct"):
        plan_shards([(3, 3), (3, 3)], 10, 2)
    with pytest.raises(ValueError, match="restarts has no entry"):
        plan_shards([(3, 3)], {(4, 4): 3}, 2)
    with pytest.raises(ValueError, match="restarts must be"):
        plan_shards([(3, 3)], -1, 2)
    with pytest.raises(ValueError, match="cells must be tuples of ints"):
        plan_shards([(3, 3.5)], 1, 2)
    with pytest.raises(ValueError, match="count must be"):
        Shard((3, 3), 0, 0, 0)
    with pytest.raises(ValueError, match="cell must be"):
        Shard([3, 3], 0, 0, 1)


# -- equality with a single-process run ---------------------------------------------------------------
@pytest.mark.parametrize("shard_size", [1, 3, 4, 10, 25])
def test_sharded_equals_unsharded_in_process(shard_size):
    done = []
    out = map_shards(toy, plan_shards(CELLS, R, shard_size), progress=lambda d, t: done.append((d, t)))
    same(out, reference())
    total = len(CELLS) * -(-R // shard_size)
    assert done == [(i, total) for i in range(total + 1)]


def test_shards_in_any_order():
    shards = plan_shards(CELLS, R, 3)
    out = map_shards(toy, shards[::-1])
    same(out, dict(reversed(list(reference().items()))))


def test_thread_pool():
    with cf.ThreadPoolExecutor(3) as ex:
        same(
            map_shards(slow_toy, plan_shards(CELLS, R, 3), executor=ex, threads_per_worker=None), reference()
        )


@pytest.fixture(scope="module")
def spawn_pool():
    with cf.ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as ex:
        yield ex


def test_spawn_process_pool(spawn_pool):
    same(map_shards(toy, plan_shards(CELLS, R, 3), executor=spawn_pool), reference())
    seeded = functools.partial(toy, seed=5)
    out = map_shards(seeded, plan_shards(CELLS, R, 4), executor=spawn_pool)
    assert out[(4, 5)]["W"].tobytes() == toy(Shard((4, 5), 0, 0, R), seed=5)["W"].tobytes()


@pytest.mark.core
def test_threads_capped_in_workers(spawn_pool):
    out = map_shards(threads, plan_shards(CELLS, 4, 2), executor=spawn_pool, threads_per_worker=3)
    assert all(set(v["threads"].tolist()) == {3} for v in out.values())


@pytest.mark.core
def test_real_kernel_sharded_in_spawn_workers_equals_one_process(spawn_pool):
    cells = [(4, 4), (5, 6)]
    one = {c: teacher_shard(Shard(c, 0, 0, 9)) for c in cells}  # this process, its thread count
    same(map_shards(teacher_shard, plan_shards(cells, 9, 4), executor=spawn_pool), one)


@pytest.fixture(scope="module")
def dask_executor():
    distributed = pytest.importorskip(
        "distributed", reason="dask.distributed is not installed (cluster extra)"
    )
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client.get_executor()


def test_dask_local_cluster(dask_executor, tmp_path):
    pytest.importorskip("pyarrow", reason="relufast.store needs pyarrow")
    from relufast.store import Store

    store = Store(tmp_path, {"seed": SEED})
    same(map_shards(toy, plan_shards(CELLS, R, 3), executor=dask_executor, store=store), reference())
    assert len(store.finished()) == len(CELLS) * 4
    same(store.load_all(), reference())


@pytest.mark.core
def test_dask_threads_capped(dask_executor):
    out = map_shards(threads, plan_shards(CELLS, 2, 1), executor=dask_executor, threads_per_worker=3)
    assert all(set(v["threads"].tolist()) == {3} for v in out.values())


# -- bad input -----------------------------------------------------------------------------------------
def test_bad_arguments():
    shards = plan_shards(CELLS, R, 3)
    with pytest.raises(ValueError, match="executor must be None or a concurrent.futures.Executor, got 4"):
        map_shards(toy, shards, executor=4)

    class FakeClient:
        def get_executor(self):
            pass

    with pytest.raises(ValueError, match="client.get_executor"):
        map_shards(toy, shards, executor=FakeClient())
    with cf.ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as ex:
        with pytest.raises(ValueError, match="fork-based"):
            map_shards(toy, shards, executor=ex)
    with pytest.raises(ValueError, match="fn must be callable"):
        map_shards(3, shards)
    with pytest.raises(ValueError, match="store must be"):
        map_shards(toy, shards, store="/tmp/x")
    with pytest.raises(ValueError, match="progress must be"):
        map_shards(toy, shards, progress=1)
    with pytest.raises(ValueError, match="threads_per_worker"):
        map_shards(toy, shards, threads_per_worker=0)
    with pytest.raises(ValueError, match="shards must be"):
        map_shards(toy, [(3, 3)])
    with pytest.raises(ValueError, match="shards overlap"):
        map_shards(toy, [Shard((3, 3), 0, 0, 4), Shard((3, 3), 1, 3, 4)])
    with pytest.raises(ValueError, match=r"fn's result\['F'\] must have one entry per restart"):
        map_shards(lambda s: {"F": np.zeros(s.count + 1)}, shards)
    with pytest.raises(ValueError, match="returned the arrays"):
        map_shards(lambda s: {"F" if s.index else "G": np.zeros(s.count)}, shards)


# -- resuming from a store -------------------------------------------------------------------------------
@pytest.fixture
def store(tmp_path):
    pytest.importorskip("pyarrow", reason="relufast.store needs pyarrow")
    from relufast.store import Store

    return Store(tmp_path / "sweep", {"seed": SEED, "shard_size": 3}, cell_names=("k", "n"))


def test_resume_recomputes_only_the_missing_shard(store):
    shards = plan_shards(CELLS, R, 3)
    same(map_shards(toy, shards, store=store), reference())
    assert store.finished() == sorted(shards, key=lambda s: (s.cell, s.start))
    again = Counting()
    same(map_shards(again, shards, store=store), reference())
    assert again.calls == []
    store.file(shards[5]).unlink()
    again = Counting()
    done = []
    same(map_shards(again, shards, store=store, progress=lambda d, t: done.append(d)), reference())
    assert again.calls == [shards[5]]
    assert done == [len(shards) - 1, len(shards)]


def test_interrupt_keeps_finished_shards(store):
    shards = plan_shards([(4, 5)], 20, 3)
    with pytest.raises(RuntimeError, match="boom on shard 3") as info:
        map_shards(fails_on_index_3, shards, store=store)
    assert any(
        "Shard(cell=(4, 5), index=3" in n
        for n in getattr(info.value, "__notes__", ["Shard(cell=(4, 5), index=3"])
    )
    assert store.finished() == shards[:3]
    rest = Counting()
    same(map_shards(rest, shards, store=store), reference([(4, 5)], 20))
    assert rest.calls == shards[3:]


def test_interrupt_in_a_process_pool_then_resume(store, spawn_pool):
    shards = plan_shards(CELLS, R, 2)
    with pytest.raises(RuntimeError, match="boom on shard 3"):
        map_shards(fails_on_index_3, shards, executor=spawn_pool, store=store)
    kept = store.finished()
    assert kept and not any(s.index == 3 for s in kept)
    rest = Counting()
    same(map_shards(rest, shards, store=store), reference())
    assert sorted(rest.calls, key=lambda s: (s.cell, s.start)) == sorted(
        set(shards) - set(kept), key=lambda s: (s.cell, s.start)
    )


def test_another_split_is_refused(store):
    map_shards(toy, plan_shards(CELLS, 9, 3), store=store)
    with pytest.raises(ValueError, match="another shard size"):
        map_shards(toy, plan_shards(CELLS, 9, 4), store=store)
    # more restarts with the same split: the stored shards are reused, the new ones computed
    more = Counting()
    same(map_shards(more, plan_shards(CELLS, 15, 3), store=store), reference(restarts=15))
    assert {(s.start, s.count) for s in more.calls} == {(9, 3), (12, 3)}
    # fewer restarts: the stored shards beyond them are left alone
    same(map_shards(toy, plan_shards(CELLS, 6, 3), store=store), reference(restarts=6))
    # but a stored short last shard overlaps a longer planned one
    map_shards(toy, plan_shards([(9, 9)], 4, 3), store=store)
    with pytest.raises(ValueError, match="another number of restarts"):
        map_shards(toy, plan_shards([(9, 9)], 6, 3), store=store)


def test_leftover_temp_file_is_ignored(store):
    shards = plan_shards(CELLS, R, 3)
    map_shards(toy, shards, store=store)
    victim = store.file(shards[1])
    (victim.parent / ".tmp-crash.parquet").write_bytes(victim.read_bytes()[:100])
    victim.unlink()
    again = Counting()
    same(map_shards(again, shards, store=store), reference())
    assert again.calls == [shards[1]]


def test_corrupt_shard_stops_before_any_work(store):
    shards = plan_shards(CELLS, R, 3)
    map_shards(toy, shards, store=store)
    store.file(shards[7]).write_bytes(b"PAR1 half a shard")
    store.file(shards[2]).unlink()
    again = Counting()
    with pytest.raises(ValueError, match="truncated or corrupt"):
        map_shards(again, shards, store=store)
    assert again.calls == []
