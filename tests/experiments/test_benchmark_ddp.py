"""``symile-lab benchmark-ddp``: argument errors are one line; a tiny real run times both world sizes."""

import pandas as pd
import pytest

from experiments import benchmark_ddp, cli


def test_a_global_batch_that_does_not_split_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["benchmark-ddp", "--ranks", "2", "--global-batch", "3"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "--global-batch 3" in err and "Traceback" not in err


@pytest.mark.slow
def test_a_tiny_run_times_one_and_two_processes(tmp_path, capsys):
    argv = ["--ranks", "2", "--global-batch", "8", "--input-dim", "4", "--hidden-dim", "8", "--rep-dim", "4",
            "--steps", "2", "--repeat", "1", "--out", str(tmp_path)]
    assert benchmark_ddp.main(argv) == 0
    rows = pd.read_csv(tmp_path / "benchmark_ddp.csv")
    assert list(rows["world"]) == [1, 2]
    assert list(rows["batch_per_rank"]) == [8, 4]
    assert (rows["seconds_per_step"] > 0).all()
    assert "speed-up t(1) / t(2)" in capsys.readouterr().out
