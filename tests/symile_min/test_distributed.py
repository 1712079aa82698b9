"""Two gloo ranks launched by torchrun give the one-process loss and gradients on the joint batch."""

import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from symile_min.distributed import gather_features

WORKER = Path(__file__).with_name("ddp_worker.py")
OBJECTIVES = ("n", "n_squared", "clip")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def ddp_results(tmp_path_factory):
    out = tmp_path_factory.mktemp("ddp") / "results.pt"
    command = [
        sys.executable, "-m", "torch.distributed.run", "--nnodes=1", "--nproc-per-node=2",
        "--master-addr=127.0.0.1", f"--master-port={_free_port()}", str(WORKER), str(out),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-4000:]
    return torch.load(out)


def test_worker_ran_on_two_ranks(ddp_results):
    assert ddp_results["world_size"] == 2


@pytest.mark.parametrize("objective", OBJECTIVES)
def test_two_gloo_ranks_match_one_process_on_the_concatenated_batch(objective, ddp_results):
    dist_loss, dist_grads = ddp_results["distributed"][objective]
    loss, grads = ddp_results["single"][objective]
    torch.testing.assert_close(dist_loss, loss, rtol=0, atol=1e-5)
    assert len(dist_grads) == len(grads)
    for g_dist, g in zip(dist_grads, grads, strict=True):
        torch.testing.assert_close(g_dist, g, rtol=0, atol=1e-5)


def test_gather_features_is_identity_without_a_process_group():
    reps = [torch.ones(2, 3)]
    assert gather_features(reps)[0] is reps[0]


def test_gather_features_rejects_non_matrices():
    with pytest.raises(ValueError, match="N_local, d"):
        gather_features([torch.ones(3)])
