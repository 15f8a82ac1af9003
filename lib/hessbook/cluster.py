"""Where sweeps run: choosing, creating and reusing the Dask cluster of :mod:`hessbook.sweep`.

One setting chooses it: the ``cluster`` argument of :func:`hessbook.sweep.sweep`, else the
environment variable ``HESSBOOK_CLUSTER``, else ``local``. Accepted values:

``local``
    An embedded :class:`distributed.LocalCluster` sized to this machine, created on first use
    and reused by every later sweep of the process (closed at exit, or by :func:`shutdown`).
    With GPUs: one worker process per GPU, each pinned to its device (dask-cuda's
    ``LocalCUDACluster`` when installed, else one Nanny per GPU with its own
    ``CUDA_VISIBLE_DEVICES``). Without: ``HESSBOOK_WORKERS`` processes (default: one per
    core, at most 4) of ``HESSBOOK_WORKER_THREADS`` threads (default 1), the cores divided
    between them for torch (``torch.set_num_threads`` in every task). Keep one thread per
    worker for training: ``hessbook.train`` seeds torch's global generator, so two trainings
    at once in one process are not reproducible.
``serial``
    No cluster: the jobs run one after another in this process (tiny runs, debugging).
``tcp://host:port`` (any ``scheme://address``)
    An existing scheduler, e.g. ``dask scheduler`` and ``dask worker tcp://host:8786`` started
    by hand. Torch threads are the workers' own (``OMP_NUM_THREADS`` where they start).
``NAME`` or ``PATH.yaml``
    A dask-jobqueue cluster (SLURM, PBS, ...) described by a small YAML file:
    ``~/.config/hessbook/NAME.yaml`` (looked up first) or ``params/cluster/NAME.yaml`` of the
    checkout (shipped: ``slurm``), or the file at ``PATH``. See :func:`load_jobqueue_spec`.

Every worker must see the result store at the same path (a shared file system), and the
datasets (``HESSBOOK_DATA``); :mod:`hessbook.sweep` checks the store once per worker.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from hessbook.paths import project_root

CLUSTER_ENV = "HESSBOOK_CLUSTER"
WORKERS_ENV = "HESSBOOK_WORKERS"
THREADS_ENV = "HESSBOOK_WORKER_THREADS"
DEFAULT = "local"
STARTED_TOPIC = "hessbook-sweep-started"
"""Event topic a task logs its Dask key under when it starts (the progress bar's 'running')."""

MAX_DEFAULT_WORKERS = 4
"""Without GPUs the embedded cluster has one worker per core up to this many (single-threaded
torch jobs side by side beat one job on all cores: bench/sweep.py); beyond, torch threads grow."""
LOCAL_ALLOWED_FAILURES = 0
"""Embedded clusters fail a job whose worker died (out of memory, a crash) at once instead of
retrying it 3 times: running out of memory is rarely transient. The next sweep retries it."""
LOCAL_CONFIG = {
    "distributed.scheduler.allowed-failures": LOCAL_ALLOWED_FAILURES,
    # Send a worker only as many tasks as it has threads: jobs are long, so prefetching gains
    # nothing, and a worker that dies then fails only the jobs it was running.
    "distributed.scheduler.worker-saturation": 1.0,
}

JOBQUEUE_TYPES = {
    "slurm": "SLURMCluster", "pbs": "PBSCluster", "sge": "SGECluster", "lsf": "LSFCluster",
    "oar": "OARCluster", "htcondor": "HTCondorCluster", "moab": "MoabCluster",
}
JOBQUEUE_KEYS = ("type", "jobs", "adapt", "torch_threads", "options")
_ADDRESS = re.compile(r"^[a-z][a-z0-9+.\-]*://\S+$")
_NAME = re.compile(r"^[A-Za-z0-9_\-]+$")


class SweepSetupError(RuntimeError):
    """A sweep cannot start: bad cluster setting, unreachable scheduler, store not writable."""


# ----------------------------------------------------------------------------- the setting


@dataclass(frozen=True)
class ClusterChoice:
    """A resolved setting: ``kind`` is ``serial``, ``local``, ``address`` or ``jobqueue``;
    ``target`` the scheduler address or the YAML path."""

    kind: str
    setting: str
    target: str = ""


def cluster_setting(cluster: str | None = None) -> str:
    """The setting in force: ``cluster`` if given, else ``$HESSBOOK_CLUSTER``, else ``local``."""
    if cluster:
        return cluster
    return os.environ.get(CLUSTER_ENV) or DEFAULT


def config_dirs() -> list[Path]:
    """Where cluster YAML names are looked up, in order: the user's, then the checkout's."""
    dirs = [Path.home() / ".config" / "hessbook"]
    root = project_root()
    if root is not None:
        dirs.append(root / "params" / "cluster")
    return dirs


def _available_names() -> list[str]:
    return sorted({p.stem for d in config_dirs() if d.is_dir() for p in d.glob("*.yaml")})


def resolve(setting: str) -> ClusterChoice:
    """Parse a setting (see the module docstring); raise :class:`SweepSetupError` if unknown."""
    if setting in ("local", "serial"):
        return ClusterChoice(setting, setting)
    if _ADDRESS.match(setting):
        return ClusterChoice("address", setting, setting)
    path = Path(setting).expanduser()
    if setting.endswith((".yaml", ".yml")) or os.sep in setting:
        if not path.is_file():
            raise SweepSetupError(f"cluster setting {setting!r}: no YAML file at {path}")
        return ClusterChoice("jobqueue", setting, str(path.resolve()))
    if _NAME.match(setting):
        for directory in config_dirs():
            candidate = directory / f"{setting}.yaml"
            if candidate.is_file():
                return ClusterChoice("jobqueue", setting, str(candidate))
    names = ", ".join(_available_names()) or "none found"
    raise SweepSetupError(
        f"cluster setting {setting!r} (argument cluster= or ${CLUSTER_ENV}) is not known; accepted: "
        "'local' (embedded LocalCluster), 'serial' (in this process), a scheduler address such as "
        f"'tcp://host:8786', the name of a cluster YAML in {' or '.join(map(str, config_dirs()))} "
        f"(available: {names}), or a path to such a YAML file"
    )


# ----------------------------------------------------------------------------- local sizing


@dataclass(frozen=True)
class LocalSize:
    """The embedded cluster: worker processes, threads each, torch threads per task, GPUs."""

    workers: int
    threads: int
    torch_threads: int
    gpus: tuple[str, ...] = ()


def _positive_env(name: str) -> int | None:
    value = os.environ.get(name)
    if not value:
        return None
    if not value.isdigit() or int(value) < 1:
        raise SweepSetupError(f"{name}={value!r}: accepted a positive integer")
    return int(value)


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _visible_gpus() -> tuple[str, ...]:
    import torch

    count = torch.cuda.device_count() if torch.cuda.is_available() else 0
    if count == 0:
        return ()
    visible = [v.strip() for v in os.environ.get("CUDA_VISIBLE_DEVICES", "").split(",") if v.strip()]
    return tuple(visible[:count]) if visible else tuple(str(i) for i in range(count))


def local_size() -> LocalSize:
    """Size the embedded cluster from the machine and ``HESSBOOK_WORKERS`` / ``_WORKER_THREADS``.

    Torch threads per task are the cores divided by the tasks that run at once, so the
    processes do not oversubscribe the cores (Dask itself sets ``OMP_NUM_THREADS=1``).
    """
    cpus = _cpu_count()
    gpus = _visible_gpus()
    threads = _positive_env(THREADS_ENV) or 1
    workers = _positive_env(WORKERS_ENV) or (len(gpus) if gpus else max(1, min(MAX_DEFAULT_WORKERS, cpus)))
    return LocalSize(workers=workers, threads=threads,
                     torch_threads=max(1, cpus // (workers * threads)), gpus=gpus)


def _thread_env(n: int) -> dict[str, str]:
    return {"OMP_NUM_THREADS": str(n), "MKL_NUM_THREADS": str(n), "OPENBLAS_NUM_THREADS": str(n)}


def local_cluster(size: LocalSize, dashboard_address: str = ":8787"):
    """Start the embedded cluster ``size`` describes (GPU workers pinned to one device each)."""
    import dask
    from distributed import LocalCluster, Nanny, Scheduler, SpecCluster

    with dask.config.set(LOCAL_CONFIG):
        if not size.gpus:
            return LocalCluster(n_workers=size.workers, threads_per_worker=size.threads, processes=True,
                                dashboard_address=dashboard_address, env=_thread_env(size.torch_threads))
        try:
            from dask_cuda import LocalCUDACluster  # optional, GPU machines only
        except ImportError:
            LocalCUDACluster = None
        if LocalCUDACluster is not None and size.workers == len(size.gpus):
            return LocalCUDACluster(CUDA_VISIBLE_DEVICES=",".join(size.gpus), threads_per_worker=size.threads,
                                    dashboard_address=dashboard_address)
        workers = {name: {"cls": Nanny, "options": options} for name, options in gpu_workers(size).items()}
        scheduler = {"cls": Scheduler, "options": {"dashboard_address": dashboard_address}}
        return SpecCluster(workers=workers, scheduler=scheduler, name="hessbook-gpu")


def gpu_workers(size: LocalSize) -> dict[str, dict[str, Any]]:
    """Nanny options of the GPU workers: each sees one GPU (round robin if there are more
    workers than GPUs) through its own ``CUDA_VISIBLE_DEVICES``, set before CUDA starts."""
    return {
        f"gpu-{i}": {"nthreads": size.threads,
                     "env": {"CUDA_VISIBLE_DEVICES": size.gpus[i % len(size.gpus)], **_thread_env(size.torch_threads)}}
        for i in range(size.workers)
    }


# ----------------------------------------------------------------------------- jobqueue


@dataclass(frozen=True)
class JobqueueSpec:
    """A cluster YAML: the dask-jobqueue class (``type``), its keyword arguments (``options``),
    how many batch jobs to submit (``jobs``) or the bounds to adapt between (``adapt``), and the
    torch threads per task (default: the job's CPUs divided by its concurrent tasks)."""

    type: str
    options: Mapping[str, Any]
    path: Path
    jobs: int | None = None
    adapt: Mapping[str, int] | None = None
    torch_threads: int | None = None

    @property
    def class_name(self) -> str:
        return JOBQUEUE_TYPES[self.type]

    def task_threads(self) -> int:
        cores = int(self.options.get("cores", 1))
        cpus = int(self.options.get("job_cpu") or cores)
        return self.torch_threads or max(1, cpus // max(1, cores))


def load_jobqueue_spec(path: str | os.PathLike) -> JobqueueSpec:
    """Read and check a cluster YAML (keys: type, jobs or adapt, torch_threads, options)."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise SweepSetupError(f"cluster YAML {path}: cannot read it ({exc})") from exc
    if not isinstance(raw, Mapping):
        raise SweepSetupError(f"cluster YAML {path}: expected a mapping with keys {', '.join(JOBQUEUE_KEYS)}")
    unknown = sorted(set(raw) - set(JOBQUEUE_KEYS))
    if unknown:
        raise SweepSetupError(f"cluster YAML {path}: unknown key(s) {', '.join(unknown)}; "
                              f"accepted: {', '.join(JOBQUEUE_KEYS)}")
    kind = raw.get("type")
    if kind not in JOBQUEUE_TYPES:
        raise SweepSetupError(f"cluster YAML {path}: type {kind!r}; accepted: {', '.join(JOBQUEUE_TYPES)}")
    options = raw.get("options") or {}
    if not isinstance(options, Mapping):
        raise SweepSetupError(f"cluster YAML {path}: options must be a mapping of "
                              f"dask_jobqueue.{JOBQUEUE_TYPES[kind]} arguments, got {options!r}")
    jobs, adapt = raw.get("jobs"), raw.get("adapt")
    if jobs is not None and (not isinstance(jobs, int) or jobs < 0):
        raise SweepSetupError(f"cluster YAML {path}: jobs = {jobs!r}; accepted a number >= 0")
    if adapt is not None and (not isinstance(adapt, Mapping)
                              or not set(adapt) <= {"minimum_jobs", "maximum_jobs"}):
        raise SweepSetupError(f"cluster YAML {path}: adapt = {adapt!r}; accepted a mapping with "
                              "minimum_jobs and/or maximum_jobs")
    threads = raw.get("torch_threads")
    if threads is not None and (not isinstance(threads, int) or threads < 1):
        raise SweepSetupError(f"cluster YAML {path}: torch_threads = {threads!r}; accepted a positive integer")
    return JobqueueSpec(type=kind, options=dict(options), path=path, jobs=jobs,
                        adapt=dict(adapt) if adapt else None, torch_threads=threads)


def jobqueue_cluster(spec: JobqueueSpec, *, scale: bool = True):
    """The dask-jobqueue cluster of ``spec``; with ``scale``, its batch jobs are submitted.

    ``scale=False`` only builds it (``job_script()`` shows what would be submitted).
    """
    try:
        import dask_jobqueue
    except ImportError as exc:
        raise SweepSetupError(f"cluster YAML {spec.path} needs dask-jobqueue: pip install dask-jobqueue") from exc
    options = dict(spec.options)
    for name in ("local_directory", "log_directory"):
        if isinstance(options.get(name), str):
            options[name] = os.path.expandvars(os.path.expanduser(options[name]))
    try:
        cluster = getattr(dask_jobqueue, spec.class_name)(**options)
    except TypeError as exc:
        raise SweepSetupError(f"cluster YAML {spec.path}: options rejected by "
                              f"dask_jobqueue.{spec.class_name}: {exc}") from exc
    if scale:
        if spec.adapt:
            cluster.adapt(**spec.adapt)
        else:
            cluster.scale(jobs=1 if spec.jobs is None else spec.jobs)
    return cluster


# ----------------------------------------------------------------------------- backends


@dataclass
class Backend:
    """A live Dask client for one setting, with what sweeps need to know about it."""

    choice: ClusterChoice
    client: Any
    cluster: Any | None
    """The cluster this process started (closed by :func:`shutdown`); None for an address."""
    torch_threads: int | None
    description: str
    started: set[str] = field(default_factory=set)
    """Dask keys whose task has started (from worker events), for the progress bar."""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def on_started(self, event: tuple[float, Any]) -> None:
        with self.lock:
            self.started.add(str(event[1]))

    def running(self, keys: set[str]) -> int:
        with self.lock:
            return len(self.started & keys)

    def forget(self, keys: set[str]) -> None:
        with self.lock:
            self.started -= keys


_BACKENDS: dict[str, Backend] = {}
_LOCK = threading.Lock()


def backend(choice: ClusterChoice) -> Backend:
    """The process-wide backend of ``choice``, created (and its dashboard printed) on first use."""
    if choice.kind == "serial":
        raise ValueError("the serial setting runs in-process and has no Dask backend")
    with _LOCK:
        found = _BACKENDS.get(choice.setting)
        if found is not None and found.client.status == "running":
            return found
        made = _create(choice)
        made.client.subscribe_topic(STARTED_TOPIC, made.on_started)
        _BACKENDS[choice.setting] = made
        print(f"[hessbook.sweep] {made.description}; Dask dashboard: {_dashboard(made.client)}", flush=True)
        return made


def _create(choice: ClusterChoice) -> Backend:
    from distributed import Client

    if choice.kind == "local":
        size = local_size()
        cluster = local_cluster(size)
        what = (f"embedded cluster: {size.workers} worker(s) x {size.threads} thread(s)"
                + (f" on GPU(s) {', '.join(size.gpus)}" if size.gpus else "")
                + f", {size.torch_threads} torch thread(s) per task")
        return Backend(choice, Client(cluster), cluster, size.torch_threads, what)
    if choice.kind == "address":
        try:
            client = Client(choice.target, timeout="20s")
        except (OSError, TimeoutError) as exc:
            raise SweepSetupError(
                f"cannot reach the Dask scheduler at {choice.target} ({exc}); start one with "
                f"`dask scheduler` and workers with `dask worker {choice.target}`, or set "
                f"{CLUSTER_ENV}=local") from exc
        workers = len(client.scheduler_info().get("workers", {}))
        return Backend(choice, client, None, None,
                       f"scheduler {choice.target} with {workers} worker(s)"
                       + ("" if workers else " (jobs wait until workers join)"))
    spec = load_jobqueue_spec(choice.target)
    cluster = jobqueue_cluster(spec)
    how = f"adapting {dict(spec.adapt)}" if spec.adapt else f"{spec.jobs if spec.jobs is not None else 1} job(s)"
    return Backend(choice, Client(cluster), cluster, spec.task_threads(),
                   f"dask-jobqueue {spec.class_name} from {spec.path}, {how}")


def _dashboard(client) -> str:
    try:
        return str(client.dashboard_link)
    except Exception:  # noqa: BLE001 - no dashboard service (bokeh missing)
        return "not available (install bokeh)"


def shutdown() -> None:
    """Close every client and every cluster this process started (also run at exit)."""
    with _LOCK:
        for made in _BACKENDS.values():
            with contextlib.suppress(Exception):
                made.client.close()
            if made.cluster is not None:
                with contextlib.suppress(Exception):
                    made.cluster.close()
        _BACKENDS.clear()


atexit.register(shutdown)
