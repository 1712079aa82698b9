"""Two gloo processes on CPU give the single-process loss and gradients on the concatenated batch."""

import socket

import pytest
import torch
import torch.multiprocessing as mp

from symile_min import clip_loss, symile_loss
from symile_min.distributed import _equivalence_problem, _equivalence_worker, gather_features

WORLD = 2


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def distributed_results(tmp_path_factory):
    out = tmp_path_factory.mktemp("ddp") / "rank0.pt"
    mp.spawn(_equivalence_worker, args=(WORLD, _free_port(), str(out)), nprocs=WORLD, join=True)
    return torch.load(out)


@pytest.mark.parametrize("objective", ["n", "n_squared", "clip"])
def test_two_gloo_ranks_match_one_process_on_the_concatenated_batch(objective, distributed_results):
    data, model_fn = _equivalence_problem(WORLD)
    model = model_fn()
    reps = model.encode(data)
    if objective == "clip":
        loss = clip_loss(reps, model.logit_scale)
    else:
        gen = torch.Generator().manual_seed(7)
        loss = symile_loss(reps, model.logit_scale, negatives=objective, generator=gen)
    loss.backward()
    got_loss, got_grads = distributed_results[objective]
    torch.testing.assert_close(got_loss, loss.detach(), rtol=0, atol=1e-5)
    for g_dist, p in zip(got_grads, model.parameters(), strict=True):
        torch.testing.assert_close(g_dist, p.grad, rtol=0, atol=1e-5)


def test_gather_features_is_identity_without_a_process_group():
    reps = [torch.ones(2, 3)]
    assert gather_features(reps)[0] is reps[0]
