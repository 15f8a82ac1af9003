"""Cluster setup without a cluster: batch commands, worker timeout, job scripts, dashboard address.

Nothing here needs SLURM: a fake PATH without ``sbatch``, and a fake ``sbatch`` that accepts the
job but never starts a worker, stand in for the login node.
"""

from __future__ import annotations

import functools
import os
import shutil
import time
from pathlib import Path

import _sweep_jobs as sj
import pytest

from hessbook import cluster as hcluster
from hessbook.store import ResultStore
from hessbook.sweep import Job, SweepSetupError, sweep

REPO = Path(__file__).resolve().parents[1]
SLURM_YAML = REPO / "params" / "cluster" / "slurm.yaml"


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """HOME in a temporary folder (no ~/.config/hessbook override, side effects visible)."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv(hcluster.DASHBOARD_ENV, "127.0.0.1:0")  # any free port: tests run side by side
    return home


def _jobs(tmp_path: Path, n: int = 3) -> list[Job]:
    return [Job(sj.KIND, {"x": x, "t": str(tmp_path)}, functools.partial(sj.square, x, str(tmp_path / "log")))
            for x in range(n)]


def _fake_bin(tmp_path: Path, **scripts: str) -> Path:
    """A folder of executable shell scripts, ``name=body``."""
    folder = tmp_path / "bin"
    folder.mkdir()
    for name, body in scripts.items():
        path = folder / name
        path.write_text("#!/bin/sh\n" + body + "\n")
        path.chmod(0o755)
    return folder


def test_slurm_without_sbatch_names_the_command_and_the_setting(home, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(_fake_bin(tmp_path)))  # nothing of SLURM on PATH
    monkeypatch.setenv(hcluster.CLUSTER_ENV, "slurm")
    start = time.monotonic()
    with pytest.raises(SweepSetupError, match=r"HESSBOOK_CLUSTER=slurm .*slurm\.yaml.* sbatch and scancel, "
                                              r"but 'sbatch' and 'scancel' are not on the PATH.*login node"):
        sweep(_jobs(tmp_path), ResultStore(tmp_path / "results"), progress=False)
    assert time.monotonic() - start < 60
    assert not hcluster._BACKENDS, "no cluster was started"


@pytest.mark.parametrize("kind, commands", [("slurm", ("sbatch", "scancel")), ("pbs", ("qsub", "qdel")),
                                            ("sge", ("qsub", "qdel")), ("lsf", ("bsub", "bkill"))])
def test_batch_commands_per_scheduler(kind, commands, tmp_path):
    spec = hcluster.JobqueueSpec(type=kind, options={"cores": 1, "memory": "1GB"}, path=tmp_path / "c.yaml")
    assert hcluster.batch_commands(spec) == commands


def test_a_batch_job_that_never_starts_a_worker_times_out(home, tmp_path, monkeypatch):
    calls = tmp_path / "calls"
    fake = _fake_bin(tmp_path, sbatch=f'echo "sbatch $*" >> {calls}; echo "Submitted batch job 4242"',
                     scancel=f'echo "scancel $*" >> {calls}')
    monkeypatch.setenv("PATH", f"{fake}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv(hcluster.WORKER_TIMEOUT_ENV, "2")
    config = tmp_path / "never.yaml"
    config.write_text(f"type: slurm\njobs: 1\noptions: {{cores: 1, processes: 1, memory: 1GB, "
                      f"log_directory: {tmp_path / 'logs'}}}\n")
    start = time.monotonic()
    try:
        with pytest.raises(SweepSetupError, match=r"no Dask worker for 2 s while 3 job\(s\) waited .*SLURMCluster.*"
                                                  r"batch jobs may still be queued.*sbatch.*"
                                                  r"HESSBOOK_WORKER_TIMEOUT=<seconds>"):
            sweep(_jobs(tmp_path), ResultStore(tmp_path / "results"), cluster=str(config), progress=False)
        assert time.monotonic() - start < 120
        assert "sbatch" in calls.read_text(), "the job was submitted"
    finally:
        hcluster.shutdown()
    assert not (tmp_path / "log").exists(), "no job ran"


@pytest.mark.parametrize("value", ["ten", "-1", "nan"])
def test_a_bad_worker_timeout_names_the_value(monkeypatch, value):
    monkeypatch.setenv(hcluster.WORKER_TIMEOUT_ENV, value)
    with pytest.raises(SweepSetupError, match=rf"HESSBOOK_WORKER_TIMEOUT='{value}': accepted a number of seconds"):
        hcluster.worker_timeout()


def test_worker_timeout_default_and_forever(monkeypatch):
    monkeypatch.delenv(hcluster.WORKER_TIMEOUT_ENV, raising=False)
    assert hcluster.worker_timeout() == 600
    monkeypatch.setenv(hcluster.WORKER_TIMEOUT_ENV, "0")
    assert hcluster.worker_timeout() is None
    monkeypatch.setenv(hcluster.WORKER_TIMEOUT_ENV, "2.5")
    assert hcluster.worker_timeout() == 2.5


def _job_script(monkeypatch) -> str:
    monkeypatch.setenv(hcluster.CLUSTER_ENV, "slurm")
    choice = hcluster.resolve(hcluster.cluster_setting())
    assert Path(choice.target) == SLURM_YAML
    cluster = hcluster.jobqueue_cluster(hcluster.load_jobqueue_spec(choice.target), scale=False)
    try:
        return cluster.job_script()
    finally:
        cluster.close()


def test_the_job_script_leaves_tmpdir_to_the_compute_node(home, monkeypatch):
    monkeypatch.setenv("TMPDIR", "/login-node-tmp")
    script = _job_script(monkeypatch)
    assert "--local-directory $TMPDIR" in script
    assert "/login-node-tmp" not in script
    # the log directory is a batch directive, which SLURM does not expand: expanded here
    assert f"#SBATCH -e {home}/hessbook-logs/" in script


def test_building_the_job_script_creates_no_log_directory(home, monkeypatch):
    script = _job_script(monkeypatch)
    assert f"{home}/hessbook-logs" in script
    assert not (home / "hessbook-logs").exists()
    assert list(home.iterdir()) == []


def test_the_dashboard_listens_on_loopback_by_default(monkeypatch):
    monkeypatch.delenv(hcluster.DASHBOARD_ENV, raising=False)
    monkeypatch.setattr(hcluster, "_port_free", lambda address: True)
    assert hcluster.dashboard_address() == "127.0.0.1:8787"
    seen = {}

    class FakeLocalCluster:
        def __init__(self, **kwargs):
            seen.update(kwargs)

    import distributed

    monkeypatch.setattr(distributed, "LocalCluster", FakeLocalCluster)
    hcluster.local_cluster(hcluster.LocalSize(workers=1, threads=1, torch_threads=1))
    assert seen["dashboard_address"] == "127.0.0.1:8787"
    monkeypatch.setenv(hcluster.DASHBOARD_ENV, "0.0.0.0:8787")
    hcluster.local_cluster(hcluster.LocalSize(workers=1, threads=1, torch_threads=1))
    assert seen["dashboard_address"] == "0.0.0.0:8787"


def test_the_jobqueue_dashboard_listens_on_loopback(home, monkeypatch):
    monkeypatch.delenv(hcluster.DASHBOARD_ENV)
    monkeypatch.setattr(hcluster, "_port_free", lambda address: True)
    seen = {}

    import dask_jobqueue

    class FakeSLURMCluster:
        job_cls = dask_jobqueue.SLURMCluster.job_cls

        def __init__(self, **kwargs):
            seen.update(kwargs)

    monkeypatch.setattr(dask_jobqueue, "SLURMCluster", FakeSLURMCluster)
    spec = hcluster.load_jobqueue_spec(SLURM_YAML)
    hcluster.jobqueue_cluster(spec, scale=False)
    assert seen["scheduler_options"] == {"dashboard_address": "127.0.0.1:8787"}
    opened = hcluster.JobqueueSpec("slurm", {**spec.options, "scheduler_options": {"dashboard_address": ":8787"}},
                                   spec.path)
    hcluster.jobqueue_cluster(opened, scale=False)
    assert seen["scheduler_options"] == {"dashboard_address": ":8787"}, "a deliberate choice is kept"


@pytest.mark.parametrize("value", ["8787", "localhost", "127.0.0.1:99999", "a b:1"])
def test_a_bad_dashboard_address_names_the_value(monkeypatch, value):
    monkeypatch.setenv(hcluster.DASHBOARD_ENV, value)
    with pytest.raises(SweepSetupError, match=rf"HESSBOOK_DASHBOARD='{value}': accepted host:port"):
        hcluster.dashboard_address()


def test_shutil_which_sees_the_fake_path(tmp_path, monkeypatch):
    """The check uses the PATH of this process, as dask-jobqueue's subprocesses do."""
    monkeypatch.setenv("PATH", str(_fake_bin(tmp_path, sbatch="exit 0")))
    assert shutil.which("sbatch") == str(tmp_path / "bin" / "sbatch")


def test_the_printed_dashboard_link_is_the_loopback_one(monkeypatch):
    """Dask names the scheduler's host in the link; a loopback dashboard answers at 127.0.0.1 only."""

    class Client:
        dashboard_link = "http://192.0.2.2:8787/status"

    made = hcluster.Backend(hcluster.ClusterChoice("jobqueue", "slurm"), Client(), object(), 1, "test")
    monkeypatch.delenv(hcluster.DASHBOARD_ENV, raising=False)
    assert hcluster._dashboard(made).startswith("http://127.0.0.1:8787/status (this machine only")
    monkeypatch.setenv(hcluster.DASHBOARD_ENV, "0.0.0.0:8787")
    assert hcluster._dashboard(made) == "http://192.0.2.2:8787/status"


def test_a_taken_default_port_falls_back_to_a_free_loopback_port(monkeypatch):
    """Dask would fall back too, but with a UserWarning that lands in the chapter's page."""
    import socket

    monkeypatch.delenv(hcluster.DASHBOARD_ENV, raising=False)
    with socket.socket() as holder:
        try:
            holder.bind(("127.0.0.1", 8787))
        except OSError:
            pass  # already taken by someone else: the same situation
        assert hcluster.dashboard_address() == "127.0.0.1:0"


# ----------------------------------------------------------------------------- the default (issue 28)


def _machine(monkeypatch, cpus: int, gpus: tuple[str, ...] = ()) -> None:
    """Pretend this machine has ``cpus`` cores and ``gpus``; no setting in the environment."""
    for name in (hcluster.CLUSTER_ENV, hcluster.WORKERS_ENV, hcluster.THREADS_ENV):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(hcluster, "_cpu_count", lambda: cpus)
    monkeypatch.setattr(hcluster, "_visible_gpus", lambda: gpus)
    monkeypatch.setattr(hcluster, "_busy_cores", lambda: 0.0)  # an idle machine


@pytest.mark.parametrize("cpus", [1, 2, 3])
def test_the_default_runs_in_process_on_small_machines(monkeypatch, cpus):
    _machine(monkeypatch, cpus)
    choice = hcluster.placed(hcluster.resolve(hcluster.cluster_setting()), jobs=24)
    assert (choice.kind, choice.setting, choice.size, choice.torch_threads) == ("serial", "auto", None, cpus)
    assert "in this process" in hcluster.describe_setting()


@pytest.mark.parametrize("cpus, workers, threads", [(4, 2, 2), (8, 2, 4), (16, 4, 4), (32, 8, 4), (64, 8, 8)])
def test_the_default_starts_a_cluster_where_cores_allow(monkeypatch, cpus, workers, threads):
    _machine(monkeypatch, cpus)
    choice = hcluster.placed(hcluster.resolve(hcluster.cluster_setting()), jobs=24)
    assert choice.kind == "local" and choice.setting == "auto"
    assert choice.size == hcluster.LocalSize(workers=workers, threads=1, torch_threads=threads)
    assert f"{workers} workers x {threads} torch thread(s)" in hcluster.describe_setting()


def test_one_job_runs_in_process_even_on_a_big_machine(monkeypatch):
    _machine(monkeypatch, 16)
    choice = hcluster.placed(hcluster.resolve("auto"), jobs=1)
    assert (choice.kind, choice.torch_threads) == ("serial", 16)


def test_the_default_puts_one_worker_on_each_gpu(monkeypatch):
    _machine(monkeypatch, 16, ("0", "3"))
    choice = hcluster.placed(hcluster.resolve("auto"), jobs=8)
    assert choice.kind == "local"
    assert choice.size == hcluster.LocalSize(workers=2, threads=1, torch_threads=8, gpus=("0", "3"))


def test_worker_counts_in_the_environment_still_size_a_cluster(monkeypatch):
    """HESSBOOK_WORKERS without HESSBOOK_CLUSTER meant a local cluster of that size: it still does."""
    _machine(monkeypatch, 2)
    monkeypatch.setenv(hcluster.WORKERS_ENV, "2")
    choice = hcluster.placed(hcluster.resolve("auto"), jobs=5)
    assert choice.kind == "local" and choice.size == hcluster.LocalSize(workers=2, threads=1, torch_threads=1)


@pytest.mark.parametrize("setting, kind", [("local", "local"), ("serial", "serial"),
                                           ("tcp://10.0.0.1:8786", "address"), ("slurm", "jobqueue")])
def test_an_explicit_setting_wins_over_the_default(home, monkeypatch, setting, kind):
    _machine(monkeypatch, 2)
    monkeypatch.setenv(hcluster.CLUSTER_ENV, setting)
    choice = hcluster.placed(hcluster.resolve(hcluster.cluster_setting()), jobs=24)
    assert choice.kind == kind and choice.setting == setting
    assert choice.size is None and choice.torch_threads is None, "sized as before, when the cluster starts"
    if setting == "local":  # the embedded cluster of the explicit setting: one worker per core, as before
        assert hcluster.local_size() == hcluster.LocalSize(workers=2, threads=1, torch_threads=1)


def test_explicit_serial_leaves_torch_threads_alone(tmp_path, monkeypatch):
    """Only the default sets torch's threads in-process (to every core); 'serial' runs as before."""
    import torch

    _machine(monkeypatch, 2)
    seen = []
    monkeypatch.setattr("hessbook.sweep._set_torch_threads", seen.append)
    store = ResultStore(tmp_path / "results")
    sweep(_jobs(tmp_path, 2), store, cluster="serial", progress=False)
    assert seen == []
    sweep([Job(sj.KIND, {"x": 9, "t": "d"}, functools.partial(sj.square, 9, str(tmp_path / "log"))),
           Job(sj.KIND, {"x": 8, "t": "d"}, functools.partial(sj.square, 8, str(tmp_path / "log")))],
          store, progress=False)
    assert seen == [2, 2] and torch.get_num_threads() >= 1
    assert not hcluster._BACKENDS, "the default started no cluster on 2 cores"


@pytest.mark.parametrize("setting", ["locl", "auto-ish", "Serial"])
def test_a_bad_setting_still_raises_naming_auto_too(monkeypatch, setting):
    monkeypatch.setenv(hcluster.CLUSTER_ENV, setting)
    with pytest.raises(SweepSetupError, match=rf"cluster setting '{setting}' .*accepted: 'local'.*'serial'.*'auto'"):
        hcluster.placed(hcluster.resolve(hcluster.cluster_setting()))


def test_the_rule_refuses_a_machine_without_cores():
    with pytest.raises(ValueError, match="cpus = 0: accepted a positive number"):
        hcluster.auto_placement(0)


def test_the_serial_default_is_announced_once_and_left_off_the_chapter_line(monkeypatch, capsys):
    from hessbook.build import terminal_note

    _machine(monkeypatch, 2)
    monkeypatch.delenv(hcluster.ANNOUNCE_ENV, raising=False)
    monkeypatch.setattr(hcluster, "_ANNOUNCED_SERIAL", set())
    choice = hcluster.placed(hcluster.resolve("auto"), jobs=3)
    hcluster.announce_serial(choice)
    hcluster.announce_serial(choice)
    out = capsys.readouterr().out
    assert out.count("auto placement: 2 core(s): in this process, torch on 2 thread(s)") == 1, out
    assert terminal_note(out.strip()[len(hcluster.ANNOUNCE_PREFIX):]) == ""


@pytest.mark.parametrize("cpus, busy, kind, threads", [(2, 0.3, "serial", 2), (2, 0.8, "serial", 1),
                                                       (2, 6.5, "serial", 1), (16, 8.0, "local", 2)])
def test_torch_gets_only_the_cores_other_processes_leave(monkeypatch, cpus, busy, kind, threads):
    """On a shared machine a descheduled torch thread stalls the others (2 cores, load 7: 1 thread
    7-10x faster than 2): the default gives torch the free cores only."""
    _machine(monkeypatch, cpus)
    monkeypatch.setattr(hcluster, "_busy_cores", lambda: busy)
    choice = hcluster.placed(hcluster.resolve("auto"), jobs=24)
    assert choice.kind == kind and choice.torch_threads == threads
    if threads < cpus:
        assert "busy elsewhere" in choice.reason


def test_busy_cores_counts_other_processes_only(monkeypatch):
    """Over the window the machine was busy 2.0 core-seconds, this process 1.5 of them: 0.5 elsewhere."""
    jiffies = iter([(100.0, 400.0), (102.0, 404.0)])
    clock = iter([10.0, 11.5])
    ticks = iter([0.0, 1.0])

    class FakeTime:
        process_time = staticmethod(lambda: next(clock))
        monotonic = staticmethod(lambda: next(ticks))
        sleep = staticmethod(lambda seconds: None)

    monkeypatch.setattr(hcluster, "_cpu_jiffies", lambda: next(jiffies))
    monkeypatch.setattr(hcluster, "time", FakeTime)
    assert hcluster._busy_cores(1.0) == pytest.approx(0.5)


def test_busy_cores_on_this_machine_is_a_number_of_cores():
    assert 0.0 <= hcluster._busy_cores(0.2) <= hcluster._cpu_count() + 0.5


def test_the_rule_refuses_a_negative_load():
    with pytest.raises(ValueError, match=r"busy = -1: accepted the cores' worth"):
        hcluster.auto_placement(2, busy=-1)
