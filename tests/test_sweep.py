"""hessbook.sweep on a real LocalCluster of two worker processes (one per module, shared).

The jobs are tiny (tests/_sweep_jobs.py: each leaves a file when it starts, so the tests count
computations); one real train() job on synthetic data proves that a TrainConfig pickles.
"""

from __future__ import annotations

import contextlib
import functools
import io
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import _sweep_jobs as sj
import pytest

from hessbook import cluster as hcluster
from hessbook.store import ResultStore
from hessbook.sweep import Job, SweepSetupError, sweep

REPO = Path(__file__).resolve().parents[1]
STARTUP_OUTPUT: list[str] = []


@pytest.fixture(scope="module")
def local():
    """The embedded cluster (cluster="local"), sized to 2 workers x 1 thread for these tests."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(hcluster.WORKERS_ENV, "2")
        mp.setenv(hcluster.THREADS_ENV, "1")
        mp.setenv("HESSBOOK_PROGRESS", "text")
        mp.delenv(hcluster.ANNOUNCE_ENV, raising=False)
        hcluster.shutdown()  # a cluster an earlier test left would be reused without its banner
        with contextlib.redirect_stdout(io.StringIO()) as printed:
            active = hcluster.backend(hcluster.resolve("local"))
        STARTUP_OUTPUT.append(printed.getvalue())
        # import the library on the workers now, so the first test does not time the imports
        active.client.run(lambda: __import__("hessbook.sweep") and None)
        yield active
        hcluster.shutdown()


@pytest.fixture
def store(tmp_path) -> ResultStore:
    return ResultStore(tmp_path / "results")


def _xs(results) -> list[int]:
    return [int(r.record.metrics["x"]) for r in results]


def test_grid_computes_and_stores_every_job(local, store, tmp_path, capsys):
    log = tmp_path / "log"
    results = sweep(sj.jobs([*range(6), 2], log, "a"), store, cluster="local")
    assert [r.ok for r in results] == [True] * 7
    assert _xs(results) == [*range(6), 2], "results come back in the order of the jobs"
    results = results[:6]
    assert [int(r.record.metrics["square"]) for r in results] == [x * x for x in range(6)]
    assert list(results[4].record.arrays["range"]) == [0, 1, 2, 3]
    assert not any(r.cached for r in results)
    workers = set(local.client.scheduler_info()["workers"])
    assert {r.worker for r in results} <= workers
    assert {int(r.record.metrics["pid"]) for r in results}.isdisjoint({os.getpid()}), "ran on the workers"
    assert all(store.contains(sj.KIND, {"x": x}) for x in range(6))
    assert sj.starts(log) == {x: 1 for x in range(6)}, "a job listed twice runs once"
    captured = capsys.readouterr()
    assert "7/7" in captured.err and "done 7 running 0 failed 0" in captured.err, captured.err
    assert "dashboard" not in captured.out, "the dashboard is printed once per cluster, when it starts"
    assert STARTUP_OUTPUT[0].count("Dask dashboard: http://") == 1, STARTUP_OUTPUT
    assert "Dask dashboard: http://127.0.0.1:" in STARTUP_OUTPUT[0], "the dashboard listens on loopback by default"
    assert "2 worker(s) x 1 thread(s)" in STARTUP_OUTPUT[0]


def test_second_call_sends_nothing(local, store, tmp_path, monkeypatch):
    log = tmp_path / "log"
    sweep(sj.jobs(range(4), log, "a"), store, cluster="local", progress=False)
    import distributed

    submitted = []
    original = distributed.Client.submit
    monkeypatch.setattr(distributed.Client, "submit",
                        lambda self, *a, **k: submitted.append(k.get("key")) or original(self, *a, **k))
    again = sweep(sj.jobs(range(4), log, "b"), store, cluster="local", progress=False)
    assert submitted == [] and sj.starts(log, "b") == {}
    assert all(r.ok and r.cached and r.worker is None for r in again)
    assert _xs(again) == list(range(4))
    # all stored: not even a cluster is needed (nothing listens on this address)
    offline = sweep(sj.jobs(range(4), log, "c"), store, cluster="tcp://127.0.0.1:9", progress=False)
    assert all(r.cached for r in offline) and sj.starts(log, "c") == {}
    # one new job among stored ones: only that one is sent
    mixed = sweep(sj.jobs(range(5), log, "d"), store, cluster="local", progress=False)
    assert len(submitted) == 1 and sj.starts(log, "d") == {4: 1}
    assert [r.cached for r in mixed] == [True] * 4 + [False]


def test_a_failing_job_is_recorded_and_the_rest_finish(local, store, tmp_path, capsys):
    log = tmp_path / "log"
    results = sweep(sj.jobs(range(5), log, "a", fail=(2,)), store, cluster="local")
    bad = results[2]
    assert not bad.ok and bad.record is None and not bad.cached
    assert bad.error == "ValueError: job 2 refuses"
    assert "raise ValueError" in bad.traceback and bad.worker in set(local.client.scheduler_info()["workers"])
    assert [r.ok for r in results] == [True, True, False, True, True]
    assert not store.contains(sj.KIND, {"x": 2}), "nothing is stored for a failure"
    assert "failed 1" in capsys.readouterr().err
    # the next sweep tries the failed job again, and only it
    fixed = sweep(sj.jobs(range(5), log, "b"), store, cluster="local", progress=False)
    assert all(r.ok for r in fixed) and sj.starts(log, "b") == {2: 1}


def test_a_killed_sweep_reruns_only_the_missing_jobs(local, store, tmp_path):
    log, n = tmp_path / "log", 10
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "lib"), str(REPO / "tests")]),
           "HESSBOOK_PROGRESS": "off"}
    address = local.client.scheduler.address
    proc = subprocess.Popen([sys.executable, str(REPO / "tests" / "_sweep_jobs.py"), str(store.root), str(log),
                             "a", address, str(n), "0.4"], env=env, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while len(store.entries(sj.KIND)) < 3 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    output = proc.communicate()[0].decode()
    assert proc.returncode == -signal.SIGKILL, output
    done_before = {x for x in range(n) if store.contains(sj.KIND, {"x": x})}
    assert 3 <= len(done_before) < n, f"killed midway: {sorted(done_before)} done"
    results = sweep(sj.jobs(range(n), log, "b"), store, cluster="local", progress=False)
    assert all(r.ok for r in results) and _xs(results) == list(range(n))
    rerun = sj.starts(log, "b")
    assert not set(rerun) & done_before, "nothing stored before the rerun is computed again"
    assert all(results[x].cached for x in done_before)
    total = sj.starts(log)
    assert total == {x: 1 for x in range(n)}, f"every job computed once in all: {total}"


def test_concurrent_sweeps_sharing_jobs_compute_each_once(local, store, tmp_path):
    """Two sweeps on one scheduler (shared tasks) and one in-process (the store's lock)."""
    log = tmp_path / "log"
    plans = [(range(0, 6), "a", "local"), (range(3, 9), "b", "local"), (range(5, 10), "c", "serial")]
    out: dict[str, list] = {}

    def run(xs, tag, where):
        out[tag] = sweep(sj.jobs(xs, log, tag, delay=0.3), store, cluster=where, progress=False)

    threads = [threading.Thread(target=run, args=plan) for plan in plans]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert set(out) == {"a", "b", "c"}
    for xs, tag, _ in plans:
        assert [r.ok for r in out[tag]] == [True] * len(xs) and _xs(out[tag]) == list(xs)
    assert sj.starts(log) == {x: 1 for x in range(10)}, "no job computed twice"
    entries = list((store.root / sj.KIND).iterdir())
    assert len(store.entries(sj.KIND)) == 10
    assert not [p for p in entries if ".corrupt" in p.name], "one valid copy of each"


def test_an_unwritable_store_gives_a_clear_error(local, tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the store's parent directory should be")
    store = ResultStore(blocker / "results")
    with pytest.raises(SweepSetupError) as info:
        sweep(sj.jobs(range(2), tmp_path / "log"), store, cluster="local", progress=False)
    message = str(info.value)
    assert str(store.root) in message and "cannot write" in message
    for address in local.client.scheduler_info()["workers"]:
        assert f"worker {address}" in message
    with pytest.raises(SweepSetupError, match="in-process .*cannot write"):
        sweep(sj.jobs(range(2), tmp_path / "log"), store, cluster="serial", progress=False)


def test_a_real_training_config_pickles_and_trains_on_a_worker(local, store):
    from hessbook.train import DataSpec, TrainConfig

    data = DataSpec("gaussian_clusters", options={"k": 3, "d": 8, "n": 96, "cov_scale": 1.0, "seed": 0})
    configs = [TrainConfig(model="s_mlp", model_kwargs={"d": 8, "k": 3}, data=data, batch_size=32,
                           lr=0.05, max_epochs=2, seed=seed, epoch_metrics=("train_loss",)) for seed in (0, 1)]
    jobs = [Job("sweep-train-test", {"train": c}, functools.partial(sj.train_summary, c, str(store.root)))
            for c in configs]
    results = sweep(jobs, store, cluster="local", progress=False)
    assert all(r.ok for r in results), [r.error for r in results]
    assert [r.record.metrics["epochs"] for r in results] == [2, 2]
    assert all(store.contains("train", c) for c in configs), "the nested train() entries are stored too"
    assert results[0].record.metrics["final_loss"] != results[1].record.metrics["final_loss"]


def test_serial_setting_same_semantics(store, tmp_path):
    log = tmp_path / "log"
    results = sweep(sj.jobs(range(3), log, "a", fail=(1,)), store, cluster="serial", progress=False)
    assert [r.ok for r in results] == [True, False, True] and results[1].error == "ValueError: job 1 refuses"
    assert results[0].worker.startswith("in-process")
    again = sweep(sj.jobs(range(3), log, "b"), store, cluster="serial", progress=False)
    assert [r.cached for r in again] == [True, False, True] and sj.starts(log, "b") == {1: 1}


def test_a_bad_job_key_fails_that_job_only(local, store, tmp_path):
    bad = Job(sj.KIND, {"x": object()}, functools.partial(sj.square, 0, str(tmp_path)), label="bad key")
    results = sweep([bad, *sj.jobs([1], tmp_path / "log")], store, cluster="local", progress=False)
    assert not results[0].ok and "StoreError" in results[0].error and results[1].ok


def test_a_job_that_kills_its_worker_is_recorded(local, store, tmp_path):
    """What the out-of-memory killer does: the worker process dies; that job fails, not the others."""
    log = tmp_path / "log"
    jobs = [Job(sj.KIND, {"die": True}, functools.partial(sj.die, str(log)), label="dies"),
            *sj.jobs(range(3), log, "a")]
    results = sweep(jobs, store, cluster="local", progress=False)
    assert results[0].ok is False and results[0].error.startswith("KilledWorker"), results[0].error
    # the jobs queued behind it on that worker are sent again and succeed; the culprit is tried
    # once, or twice if its worker died before the news that it had started got out
    assert 1 <= len(list(log.glob("die.*"))) <= 2
    assert all(r.ok for r in results[1:]), [r.error for r in results[1:]]
    assert sj.starts(log) == {0: 1, 1: 1, 2: 1}
    local.client.wait_for_workers(2, timeout=60)  # both workers again for any test after this one


# ----------------------------------------------------------------------------- choosing the cluster


def test_cluster_setting_parameter_then_environment_then_auto(monkeypatch):
    monkeypatch.delenv(hcluster.CLUSTER_ENV, raising=False)
    assert hcluster.cluster_setting() == "auto"
    monkeypatch.setenv(hcluster.CLUSTER_ENV, "serial")
    assert hcluster.cluster_setting() == "serial"
    assert hcluster.cluster_setting("tcp://10.0.0.1:8786") == "tcp://10.0.0.1:8786"
    assert hcluster.resolve("tcp://10.0.0.1:8786") == hcluster.ClusterChoice("address", "tcp://10.0.0.1:8786",
                                                                              "tcp://10.0.0.1:8786")


def test_an_unknown_cluster_setting_names_what_is_accepted(monkeypatch, store):
    monkeypatch.setenv(hcluster.CLUSTER_ENV, "slurmm")
    with pytest.raises(SweepSetupError, match=r"'slurmm'.*accepted: 'local'.*'serial'.*tcp://.*slurm"):
        sweep([], store)
    with pytest.raises(SweepSetupError, match="no YAML file at"):
        hcluster.resolve("/nowhere/cluster.yaml")


def test_worker_counts_from_the_environment(monkeypatch):
    monkeypatch.setenv(hcluster.WORKERS_ENV, "3")
    monkeypatch.setenv(hcluster.THREADS_ENV, "2")
    monkeypatch.setattr(hcluster, "_cpu_count", lambda: 12)
    monkeypatch.setattr(hcluster, "_visible_gpus", lambda: ())
    assert hcluster.local_size() == hcluster.LocalSize(workers=3, threads=2, torch_threads=2)
    monkeypatch.delenv(hcluster.WORKERS_ENV)
    monkeypatch.delenv(hcluster.THREADS_ENV)
    assert hcluster.local_size() == hcluster.LocalSize(workers=4, threads=1, torch_threads=3)
    monkeypatch.setattr(hcluster, "_cpu_count", lambda: 2)
    assert hcluster.local_size() == hcluster.LocalSize(workers=2, threads=1, torch_threads=1)
    monkeypatch.setattr(hcluster, "_cpu_count", lambda: 12)
    monkeypatch.setattr(hcluster, "_visible_gpus", lambda: ("0", "1"))
    assert hcluster.local_size() == hcluster.LocalSize(workers=2, threads=1, torch_threads=6, gpus=("0", "1"))
    monkeypatch.setenv(hcluster.WORKERS_ENV, "two")
    with pytest.raises(SweepSetupError, match="HESSBOOK_WORKERS='two': accepted a positive integer"):
        hcluster.local_size()


def test_gpu_workers_are_pinned_one_device_each():
    size = hcluster.LocalSize(workers=3, threads=1, torch_threads=4, gpus=("2", "5"))
    specs = hcluster.gpu_workers(size)
    assert [s["env"]["CUDA_VISIBLE_DEVICES"] for s in specs.values()] == ["2", "5", "2"]
    assert all(s["nthreads"] == 1 and s["env"]["OMP_NUM_THREADS"] == "4" for s in specs.values())


@pytest.mark.filterwarnings("ignore:Port 8787 is already in use")
def test_slurm_job_script_from_the_example_yaml(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))  # no user override in ~/.config/hessbook
    monkeypatch.setenv(hcluster.CLUSTER_ENV, "slurm")
    choice = hcluster.resolve(hcluster.cluster_setting())
    assert choice.kind == "jobqueue" and Path(choice.target) == REPO / "params" / "cluster" / "slurm.yaml"
    spec = hcluster.load_jobqueue_spec(choice.target)
    options = spec.options
    cluster = hcluster.jobqueue_cluster(spec, scale=False)
    try:
        script = cluster.job_script()
    finally:
        cluster.close()
    assert script.startswith("#!/usr/bin/env bash")
    assert f"#SBATCH -p {options['queue']}" in script
    assert f"#SBATCH -A {options['account']}" in script
    assert f"#SBATCH -t {options['walltime']}" in script
    assert f"#SBATCH --cpus-per-task={options['job_cpu']}" in script
    for directive in options["job_extra_directives"]:
        assert f"#SBATCH {directive}" in script
    for line in options["job_script_prologue"]:
        assert line in script
    assert f"--nthreads {options['cores'] // options['processes']}" in script
    assert spec.task_threads() == options["job_cpu"] // options["cores"]
    # a user's copy in ~/.config/hessbook wins over the shipped example
    user = tmp_path / ".config" / "hessbook"
    user.mkdir(parents=True)
    (user / "slurm.yaml").write_text("type: slurm\njobs: 2\noptions: {cores: 1, memory: 1GB}\n")
    assert hcluster.resolve("slurm").target == str(user / "slurm.yaml")


@pytest.mark.parametrize("path", sorted((REPO / "params" / "cluster").glob("*.yaml")), ids=lambda p: p.stem)
def test_every_shipped_cluster_yaml_loads(path):
    spec = hcluster.load_jobqueue_spec(path)
    assert spec.type in hcluster.JOBQUEUE_TYPES and spec.options


def test_a_bad_cluster_yaml_names_the_key(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("type: slurm\nworkers: 3\n")
    with pytest.raises(SweepSetupError, match=r"unknown key\(s\) workers; accepted: type, jobs"):
        hcluster.load_jobqueue_spec(path)
    path.write_text("type: kubernetes\n")
    with pytest.raises(SweepSetupError, match="type 'kubernetes'; accepted: slurm, pbs"):
        hcluster.load_jobqueue_spec(path)


def test_jobs_see_the_clients_hessbook_environment_now(local, store, tmp_path, monkeypatch):
    """Workers started earlier get the client's current HESSBOOK_* values with each job."""
    monkeypatch.setenv("HESSBOOK_DATA", str(tmp_path / "data-now"))
    jobs = [Job("sweep-env", {"x": x, "t": str(tmp_path)}, functools.partial(sj.data_root_seen, x)) for x in range(2)]
    results = sweep(jobs, store, cluster="local")
    assert [r.record.metrics["data"] for r in results] == [str(tmp_path / "data-now")] * 2


def test_the_readme_sweep_snippet_runs_as_written(tmp_path, monkeypatch, capsys):
    """README's "Sweeps" example, run as a script would run it (serial setting: no cluster)."""
    import re

    readme = (REPO / "README.md").read_text()
    section = readme[readme.index("## Sweeps: laptop, GPU box, SLURM"):readme.index("## How a chapter is built")]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    monkeypatch.setenv(hcluster.CLUSTER_ENV, "serial")
    monkeypatch.setenv("HESSBOOK_RESULTS", str(tmp_path / "results"))
    monkeypatch.setenv("HESSBOOK_PROGRESS", "text")
    exec(compile(code, "README.md", "exec"), {"__name__": "__main__"})
    assert capsys.readouterr().out.strip().splitlines()[-1] == (
        "[{'loss': 0.008100000000000001, 'lr': 0.01}, {'loss': 0.0, 'lr': 0.1}, {'loss': 0.81, 'lr': 1.0}]")
    assert len(ResultStore(tmp_path / "results").entries("my-kind")) == 3
