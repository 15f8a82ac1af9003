"""The job pipeline (hessbook.kit.jobs, issue 25): a job's fields are its store key, and
run_jobs returns a table that knows what came back and, for what did not, why."""

from __future__ import annotations

import pickle

import pytest
import torch

from _kit_jobs import InlineJob, SquareJob, VersionedJob, computed
from hessbook.kit import jobs as J
from hessbook.kit.swept import SweepFailed
from hessbook.store import ResultStore, result_key

CPU = torch.device("cpu")


@pytest.fixture
def ctx(tmp_path, monkeypatch) -> J.Context:
    monkeypatch.setenv("HESSBOOK_CLUSTER", "serial")
    return J.Context(CPU, ResultStore(tmp_path / "store"))


def test_the_key_is_the_fields_and_the_version_joins_it(tmp_path):
    job = SquareJob(3, "log")
    assert result_key(job.KIND, job.store_key()) == result_key(job.KIND, {"x": 3, "log": "log", "fail": False,
                                                                          "dataset": ""})
    assert result_key(job.KIND, SquareJob(4, "log").store_key()) != result_key(job.KIND, job.store_key())
    versioned = VersionedJob(3, "log")
    assert versioned.store_key() == {"x": 3, "log": "log", "fail": False, "dataset": "", "columns": 3}
    assert versioned.planned().key == versioned.store_key() and versioned.planned().label == "square 3"
    assert pickle.loads(pickle.dumps(job)) == job


def test_computed_once_then_loaded_in_order(ctx, tmp_path):
    log = str(tmp_path / "log")
    jobs = [SquareJob(x, log) for x in (3, 1, 2)]
    table = J.run_jobs(jobs, ctx)
    assert [r.status for r in table] == ["ok"] * 3 and [r.result.square for r in table] == [9, 1, 4]
    assert all(r.result.device == "cpu" for r in table)
    again = J.run_jobs(jobs, ctx)
    assert [r.result for r in again] == [r.result for r in table]
    assert [computed(log, x) for x in (1, 2, 3)] == [1, 1, 1]


def test_missing_data_and_not_selected_rows_say_why_and_compute_nothing(ctx, tmp_path, monkeypatch):
    empty = tmp_path / "no-data"
    empty.mkdir()
    monkeypatch.setenv("HESSBOOK_DATA", str(empty))
    J._data_missing.cache_clear()
    log = str(tmp_path / "log")
    left_out = SquareJob(7, log)
    table = J.run_jobs([SquareJob(1, log), SquareJob(2, log, dataset="mnist"),
                        J.not_selected(left_out, "x = 7 is above max_x = 5 at this scale")], ctx)
    assert [r.status for r in table] == [J.OK, J.NO_DATA, J.NOT_SELECTED]
    assert table.results == (table.rows[0].result,) and len(table.missing) == 2
    assert "mnist" in table.rows[1].why and str(empty) in table.rows[1].why
    assert computed(log, 2) == 0 and computed(log, 7) == 0
    why = table.why_missing()
    assert why.startswith("square 2: no data (") and "square 7: not selected (x = 7 is above max_x" in why
    assert table.result(x=1).square == 1 and table.result(x=2) is None and len(table.where(log=log)) == 3
    J._data_missing.cache_clear()


def test_a_failed_job_raises_after_the_others_are_stored_or_is_a_row(ctx, tmp_path):
    log = str(tmp_path / "log")
    jobs = [SquareJob(1, log), SquareJob(2, log, fail=True)]
    with pytest.raises(SweepFailed, match="job 2 refuses"):
        J.run_jobs(jobs, ctx)
    assert ctx.store.contains(jobs[0].KIND, jobs[0].store_key())
    table = J.run_jobs(jobs, ctx, keep_failed=True)
    assert [r.status for r in table] == [J.OK, J.FAILED] and "job 2 refuses" in table.rows[1].why
    assert computed(log, 1) == 1  # loaded, not recomputed


def test_inline_jobs_compute_here_on_the_context_device(ctx, tmp_path):
    import hessbook.device as hdevice

    log = str(tmp_path / "log")
    table = J.run_jobs([InlineJob(5, log)], ctx)
    assert table.rows[0].result == table.rows[0].result.__class__(5, 25, "cpu")
    assert hdevice.device_label().startswith("cpu")
    with pytest.raises(ValueError, match="job 6 refuses"):
        J.run_jobs([InlineJob(6, log, fail=True)], ctx)
    assert J.run_jobs([InlineJob(6, log, fail=True)], ctx, keep_failed=True).rows[0].status == J.FAILED


def test_context_parses_the_device_once(tmp_path):
    assert J.context("cpu", ResultStore(tmp_path)).device == CPU
    with pytest.raises(ValueError, match="accepted"):
        J.context("gpu0", ResultStore(tmp_path))


def test_a_job_reads_the_data_of_its_training_configurations():
    from hessbook.chapters.y3 import compute as y3

    from hessbook.data import DataSpec
    from hessbook.train import TrainConfig

    config = TrainConfig(model="m1", data=DataSpec("fashion_mnist", n=10), batch_size=2, lr=0.1, max_epochs=1)
    assert y3.Y3Run(config).datasets() == ("fashion_mnist",)
    assert SquareJob(1, "log").datasets() == () and SquareJob(1, "log", dataset="mnist").datasets() == ("mnist",)
