"""Data parallelism: two gloo ranks launched by a real torchrun train like one process on the joint batch.

The torchrun tests share one launch (``ddp_worker.py`` runs every case and saves what each rank saw); a
launch starts three python processes that import torch, several seconds on a 2-core machine, so they
are marked slow (``--runslow``). The single-process tests below them (local losses against the global
ones, the batch plan, the errors) run in the default suite.
"""

import importlib.util
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

from symile_min import TrainConfig, TrainResult, clip_loss, symile_loss, train
from symile_min._ddp import shard
from symile_min._local import clip_rows_loss, symile_rows_loss
from symile_min.distributed import gather_features, process_rank

WORKER = Path(__file__).with_name("ddp_worker.py")
ROOT = Path(__file__).resolve().parents[2]
OBJECTIVES = ("n", "n_squared", "clip")
TOL = dict(rtol=0, atol=1e-5)


def _worker_module():
    spec = importlib.util.spec_from_file_location("ddp_worker", WORKER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


W = _worker_module()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def ranks(tmp_path_factory):
    """What each of the two ranks saved (``[rank0, rank1]``), from one torchrun launch."""
    out = tmp_path_factory.mktemp("ddp")
    command = [
        sys.executable, "-m", "torch.distributed.run", "--nnodes=1", "--nproc-per-node=2",
        "--master-addr=127.0.0.1", f"--master-port={_free_port()}", str(WORKER), str(out),
    ]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=600, check=False, env=env, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr[-6000:]
    saved = [torch.load(out / f"rank{r}.pt", weights_only=False) for r in range(2)]
    for r in saved:
        r["out"] = out
    return saved


def _close_states(a: dict, b: dict) -> None:
    assert list(a) == list(b)
    for k in a:
        torch.testing.assert_close(a[k], b[k], **TOL, msg=k)


def _same_run(got: dict, want: dict) -> None:
    """History (losses, logit scale, best flags), the kept and last weights and every epoch's gradients."""
    np.testing.assert_allclose(got["history"], want["history"], rtol=0, atol=1e-5)
    assert got["best_epoch"] == want["best_epoch"]
    _close_states(got["kept"], want["kept"])
    _close_states(got["last"], want["last"])
    assert len(got["grads"]) == len(want["grads"]) == W.EPOCHS
    for g_got, g_want in zip(got["grads"], want["grads"], strict=True):
        for a, b in zip(g_got, g_want, strict=True):
            torch.testing.assert_close(a, b, **TOL)


def _identical_ranks(ranks, key) -> None:
    a, b = ranks[0]["trainer"][key], ranks[1]["trainer"][key]
    for part in ("kept", "last"):
        for k in a[part]:
            assert torch.equal(a[part][k], b[part][k]), (key, part, k)
    np.testing.assert_array_equal(a["history"], b["history"])


# -- gather_features under two ranks ---------------------------------------------------------------------
@pytest.mark.slow
def test_worker_ran_on_two_ranks(ranks):
    assert [r["world_size"] for r in ranks] == [2, 2]


@pytest.mark.slow
@pytest.mark.parametrize("objective", [*OBJECTIVES, "uneven"])
def test_two_gloo_ranks_match_one_process_on_the_concatenated_batch(objective, ranks):
    dist_loss, dist_grads = ranks[0]["distributed"][objective]
    loss, grads = ranks[0]["single"][objective]
    torch.testing.assert_close(dist_loss, loss, **TOL)
    assert len(dist_grads) == len(grads)
    for g_dist, g in zip(dist_grads, grads, strict=True):
        torch.testing.assert_close(g_dist, g, **TOL)


@pytest.mark.slow
def test_ranks_of_different_widths_get_an_error_naming_them_not_a_gloo_abort(ranks):
    for r in ranks:
        want = "rank 0: M = 1 modalities of (3, 4) float64; rank 1: M = 1 modalities of (3, 5)"
        assert want in r["gather_error"]


# -- train() under two ranks ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def single_runs():
    """The one-process references: batch 2B = 8 on the same data and float64 model."""
    return {obj: W.record(W.fit_arrays(obj, False, batch_size=2 * W.BATCH)) for obj in OBJECTIVES}


@pytest.mark.slow
@pytest.mark.parametrize("local_loss", [False, True], ids=["global_loss", "local_loss"])
@pytest.mark.parametrize("objective", OBJECTIVES)
def test_two_ranks_of_batch_b_train_like_one_process_of_batch_2b(objective, local_loss, ranks, single_runs):
    # 19 rows: two even global batches of 8 (4 + 4) and an uneven last one of 3 (2 + 1), 3 epochs
    for r in ranks:
        _same_run(r["trainer"][("arrays", objective, local_loss)], single_runs[objective])
    _identical_ranks(ranks, ("arrays", objective, local_loss))


@pytest.mark.slow
def test_a_map_style_dataset_is_sharded_like_the_arrays(ranks, single_runs):
    for r in ranks:
        _same_run(r["trainer"]["dataset"], single_runs["n"])


@pytest.mark.slow
def test_each_rank_encodes_only_its_block_of_every_global_batch(ranks):
    # per epoch: training blocks of the global batches 8, 8, 3 (rank 0: 4, 4, 2; rank 1: 4, 4, 1), then
    # validation blocks of 8, 2 (4, 1 each)
    assert ranks[0]["trainer"]["rows_seen"] == [4, 4, 2, 4, 1] * W.EPOCHS
    assert ranks[1]["trainer"]["rows_seen"] == [4, 4, 1, 4, 1] * W.EPOCHS


@pytest.mark.slow
def test_only_rank_0_writes_files(ranks):
    assert ranks[0]["trainer"]["wrote"] == {"logs": True, "checkpoint": True}
    assert ranks[1]["trainer"]["wrote"] == {"logs": False, "checkpoint": False}
    assert not (ranks[1]["out"] / "logs_rank1").exists()


@pytest.mark.slow
def test_a_run_killed_under_two_ranks_resumes_to_the_uninterrupted_weights(ranks, single_runs):
    for r in ranks:
        resumed, full = r["trainer"]["resumed"], r["trainer"][("arrays", "n", False)]
        np.testing.assert_array_equal(resumed["history"], full["history"])
        for part in ("kept", "last"):
            for k in full[part]:
                assert torch.equal(resumed[part][k], full[part][k]), (part, k)
    saved = TrainResult.load(ranks[0]["out"] / "resume.pt", model=W.double_model())
    history = saved.history.to_numpy(dtype=np.float64)
    np.testing.assert_allclose(history, single_runs["n"]["history"], rtol=0, atol=1e-5)


def _reordered_loader(parts, batch_sizes):
    """One process's loader over the rows in the order the ranks' blocks are gathered."""
    tensors = [torch.cat([p[m] for p in parts]) for m in range(3)]
    ends = np.cumsum(batch_sizes)
    batches = [list(range(e - b, e)) for b, e in zip(batch_sizes, ends, strict=True)]
    return DataLoader(TensorDataset(*tensors), batch_sampler=batches)


def _distributed_sampler_order(n, batch):
    """Row order of the gathered batches of two ranks with DistributedSampler(shuffle=False), batch B."""
    shards = [list(range(r, n, 2)) for r in range(2)]
    order, sizes = [], []
    for s in range(0, len(shards[0]), batch):
        block = [shard_[s : s + batch] for shard_ in shards]
        order += block[0] + block[1]
        sizes.append(len(block[0]) + len(block[1]))
    return order, sizes


@pytest.mark.slow
@pytest.mark.parametrize("local_loss", [False, True], ids=["global_loss", "local_loss"])
def test_dataloaders_with_a_distributed_sampler_train_like_one_process(local_loss, ranks):
    def loader(n):
        rows = W.loader_rows(n).tensors
        order, sizes = _distributed_sampler_order(n, W.BATCH)
        return _reordered_loader([[x[order] for x in rows]], sizes)

    want = W.record(W.fit_loaders(loader(18), loader(10)))
    for r in ranks:
        _same_run(r["trainer"][("loader", local_loss)], want)


@pytest.mark.slow
def test_iterable_loaders_of_uneven_last_batches_are_padded_and_gathered(ranks):
    r0, r1 = W.loader_rows(10).tensors, W.loader_rows(9).tensors
    b = W.BATCH
    parts = [[x[s : s + b] for x in rows] for s in range(0, 10, b) for rows in (r0, r1)]
    train_loader = _reordered_loader(parts, [8, 8, 3])
    v = W.loader_rows(6).tensors
    val_loader = _reordered_loader([[x[s : s + b] for x in v] for s in (0, 0, 4, 4)], [8, 4])
    want = W.record(lambda cb: train(
        train_loader, val_loader, W.config("clip", False), model=W.double_model(), callbacks=cb
    ))
    for r in ranks:
        _same_run(r["trainer"]["uneven_loader"], want)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("key", "match"),
    [
        ("error_rows", "differ in train rows (rank 0: 19, rank 1: 18)"),
        ("error_seed", "differ in config field seed (rank 0: 0, rank 1: 1)"),
        ("error_sampler", "train_data is a DataLoader without a DistributedSampler"),
        ("error_batches", "train_data: rank(s) [1] ran out of batches after 2 step(s) while rank(s) [0]"),
    ],
)
def test_ranks_that_disagree_get_the_same_error_naming_them(key, match, ranks):
    for r in ranks:
        assert r["trainer"][key] is not None and match in r["trainer"][key], r["trainer"][key]


@pytest.mark.slow
def test_train_initialises_its_own_group_under_torchrun_and_keeps_it(ranks, single_runs):
    for r in ranks:
        assert r["own_group"]["kept_group"]
        _same_run(r["own_group"]["arrays"], single_runs["clip"])


@pytest.mark.slow
def test_symile_lab_train_runs_unchanged_under_torchrun(ranks, tmp_path):
    from experiments.cli import main as cli

    out = ranks[0]["out"]
    assert [r["own_group"]["cli_rc"] for r in ranks] == [0, 0]
    written = {p.name for p in (out / "cli").iterdir()}
    assert written >= {"checkpoint.pt", "config.json", "history.csv", "loss.png"}
    data = out / "data"
    assert cli([
        "train", "--data", str(data / "train.npz"), "--val", str(data / "val.npz"), "--out", str(tmp_path),
        "--epochs", "2", "--batch-size", str(2 * W.BATCH), "--lr", "0.01", "--device", "cpu", "--no-progress",
    ]) == 0
    two, one = TrainResult.load(out / "cli"), TrainResult.load(tmp_path)
    for k, v in one.model.state_dict().items():
        torch.testing.assert_close(two.model.state_dict()[k], v, rtol=0, atol=1e-5)  # float32 here
    np.testing.assert_allclose(two.history.val_loss, one.history.val_loss, rtol=0, atol=1e-5)


# -- one process: the local losses, the batch plan, the helpers ------------------------------------------
def _reps(n=7, m=3, d=4, seed=0):
    g = torch.Generator().manual_seed(seed)
    reps = [F.normalize(torch.randn(n, d, generator=g, dtype=torch.float64), dim=1) for _ in range(m)]
    return [r.requires_grad_() for r in reps]


@pytest.mark.parametrize("objective", OBJECTIVES)
@pytest.mark.parametrize("m", [2, 3, 4])
def test_local_rows_losses_are_the_rows_of_the_global_per_sample_losses_forward_and_backward(objective, m):
    reps = _reps(m=m)
    scale = torch.tensor(1.7, dtype=torch.float64, requires_grad=True)

    def full():
        if objective == "clip":
            return clip_loss(reps, scale, reduction="none")
        gen = torch.Generator().manual_seed(5)
        return symile_loss(reps, scale, negatives=objective, generator=gen, reduction="none")

    def rows(start, n):
        if objective == "clip":
            return clip_rows_loss(reps, scale, start, n)
        gen = torch.Generator().manual_seed(5)  # the same permutations as the global loss
        return symile_rows_loss(reps, scale, start, n, negatives=objective, generator=gen)

    want = full()
    blocks = [rows(start, n) for start, n in [(0, 4), (4, 2), (6, 1)]]  # an uneven split of N = 7
    torch.testing.assert_close(torch.cat(blocks), want, rtol=0, atol=1e-12)
    grads_full = torch.autograd.grad(want.sum(), [*reps, scale])
    grads_rows = torch.autograd.grad(sum(b.sum() for b in blocks), [*reps, scale])
    for a, b in zip(grads_rows, grads_full, strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-12)


def test_local_rows_outside_the_batch_are_a_value_error():
    with pytest.raises(ValueError, match="rows start=5, n=3 must lie inside the N = 7 gathered rows"):
        clip_rows_loss(_reps(), 1.0, 5, 3)


@pytest.mark.parametrize(
    ("b", "world", "sizes"), [(8, 2, [4, 4]), (3, 2, [2, 1]), (7, 3, [3, 2, 2]), (2, 2, [1, 1])]
)
def test_the_batch_plan_cuts_a_global_batch_into_blocks_differing_by_at_most_a_row(b, world, sizes):
    got = [shard(b, world, r) for r in range(world)]
    assert all(s == sizes for s, _ in got)
    assert [offset for _, offset in got] == [sum(sizes[:r]) for r in range(world)]


def test_gather_features_is_identity_without_a_process_group():
    reps = [torch.ones(2, 3)]
    assert gather_features(reps)[0] is reps[0]
    assert process_rank() == int(os.environ.get("RANK", "0"))


def test_gather_features_rejects_non_matrices():
    with pytest.raises(ValueError, match="N_local, d"):
        gather_features([torch.ones(3)])


def test_local_loss_is_a_bool_and_is_ignored_in_one_process():
    with pytest.raises(ValueError, match="local_loss must be True or False, got 1"):
        TrainConfig(local_loss=1)
    data = W.train_data(12, 0)
    a = train(data, data, TrainConfig(epochs=2, batch_size=4, local_loss=True))
    b = train(data, data, TrainConfig(epochs=2, batch_size=4))
    for k, v in a.model.state_dict().items():
        assert torch.equal(v, b.model.state_dict()[k])
