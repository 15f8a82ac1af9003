"""Where sweeps run: choosing, creating and reusing the Dask cluster of :mod:`hessbook.sweep`.

One setting chooses it: the ``cluster`` argument of :func:`hessbook.sweep.sweep`, else the
environment variable ``HESSBOOK_CLUSTER``, else ``auto``. Accepted values:

``auto`` (the default)
    Chosen from the machine and the sweep by :func:`auto_placement`: in this process on a
    machine of at most :data:`SERIAL_MAX_CORES` cores or for a single job; else an embedded
    cluster of ``cores // CORES_PER_WORKER`` workers (clipped to :data:`AUTO_WORKERS`); with
    GPUs, one worker per GPU. Torch gets the cores other processes leave free
    (:data:`BUSY_WINDOW_S`), in-process all of them, on a cluster a share per worker. ``HESSBOOK_WORKERS`` or ``HESSBOOK_WORKER_THREADS`` set: the ``local`` cluster
    they size. :func:`describe_setting` says in one line what it chose.
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

The Dask dashboard of a cluster this process starts listens on ``127.0.0.1:8787`` (this machine
only; another free port if taken); ``HESSBOOK_DASHBOARD=0.0.0.0:8787`` (any ``host:port``)
opens it deliberately. A sweep that has had no worker for ``HESSBOOK_WORKER_TIMEOUT`` seconds
(default 600; 0 waits forever) stops with :class:`SweepSetupError`: batch jobs that never start,
a scheduler without workers.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import re
import shlex
import shutil
import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import yaml

from hessbook.paths import project_root

CLUSTER_ENV = "HESSBOOK_CLUSTER"
WORKERS_ENV = "HESSBOOK_WORKERS"
THREADS_ENV = "HESSBOOK_WORKER_THREADS"
DASHBOARD_ENV = "HESSBOOK_DASHBOARD"
DEFAULT_DASHBOARD = "127.0.0.1:8787"
"""Loopback only: the dashboard shows task names and can profile workers; open it deliberately."""
WORKER_TIMEOUT_ENV = "HESSBOOK_WORKER_TIMEOUT"
DEFAULT_WORKER_TIMEOUT_S = 600.0
"""Generous for batch queues; a sweep waits this long without any worker before it gives up."""
DEFAULT = "auto"
"""The setting when neither ``cluster=`` nor ``$HESSBOOK_CLUSTER`` gives one: :func:`auto_placement`."""
STARTED_TOPIC = "hessbook-sweep-started"
"""Event topic a task logs its Dask key under when it starts (the progress bar's 'running')."""

MAX_DEFAULT_WORKERS = 4
"""Without GPUs the explicit ``local`` cluster has one worker per core up to this many; beyond,
torch threads grow. (The default, ``auto``, sizes its cluster by :func:`auto_placement`.)"""
SERIAL_MAX_CORES = 3
"""``auto`` runs the jobs in this process, torch on every core, on machines of at most this many
cores. Measured on a 2-core VM (issue 28): Y1 at cpu scale took 426 s in-process (torch on 2
threads) against 758.5 s on a LocalCluster of 2 workers x 1 thread (1.8x slower); the
bench/sweep.py grid 17.2 s against 22.4 s. Two vCPUs do not give two single-threaded workers
two cores' throughput, and the cluster adds its start-up (about 5 s) and a copy of the data per
worker. On 3 cores the smallest cluster (:data:`AUTO_WORKERS`: 2 workers) would again leave a
worker one thread, the regime measured slower, so 3 cores run in-process too."""
CORES_PER_WORKER = 4
"""``auto`` on more than :data:`SERIAL_MAX_CORES` cores: one worker per this many cores, each
task with ``cores // workers`` torch threads. Torch's intra-op threads speed a small network's
step up less and less beyond about 4 (a LeNet-sized convolution at batch 128 is ~22 ms on one
core, too little work to split finely), while independent jobs side by side scale with the
cores; 4 keeps each job's own parallelism and runs the grid's jobs in parallel."""
BUSY_WINDOW_S = 0.25
"""``auto`` gives torch only the cores other processes leave free, sampled from ``/proc/stat``
for this many seconds when a sweep starts. Measured on the same 2-core VM shared with other
busy processes (load average 6-7): 24 K-like jobs (M1-K, batch 16/64, 64 images, 1 epoch)
took 2.1-2.4 s in-process on 1 torch thread against 7.8-15.1 s on 2; 4 Y1-like jobs (M1, batch
64/256, 1,000 images, 1 epoch) 2.2-3.4 s against 21.7-24.4 s: a thread that the OS has
descheduled stalls every parallel region of the other. Idle, 2 threads win (17.2 s vs 26.9 s)."""
AUTO_WORKERS = (2, 8)
"""Bounds on the workers ``auto`` starts without GPUs: at least 2 (a cluster of one worker is
serial with start-up costs), at most 8 (beyond, the workers' memory, one copy of the datasets
each, grows faster than the grids' parallelism: K's grid runs a few dozen jobs per sweep)."""
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
_HOST_PORT = re.compile(r"^(?:[A-Za-z0-9.\-]*|\[[0-9A-Fa-f:]+\]):(\d{1,5})$")


class SweepSetupError(RuntimeError):
    """A sweep cannot start: bad cluster setting, unreachable scheduler, store not writable."""


# ----------------------------------------------------------------------------- the setting


@dataclass(frozen=True)
class ClusterChoice:
    """A resolved setting: ``kind`` is ``auto``, ``serial``, ``local``, ``address`` or
    ``jobqueue``; ``target`` the scheduler address or the YAML path. :func:`placed` turns an
    ``auto`` choice into a ``serial`` or ``local`` one (``setting`` stays ``auto``) with the
    embedded cluster's ``size`` or the in-process ``torch_threads``, and the ``reason``."""

    kind: str
    setting: str
    target: str = ""
    size: LocalSize | None = None
    torch_threads: int | None = None
    reason: str = ""


def cluster_setting(cluster: str | None = None) -> str:
    """The setting in force: ``cluster`` if given, else ``$HESSBOOK_CLUSTER``, else ``auto``."""
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
    if setting in ("auto", "local", "serial"):
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
        "'local' (embedded LocalCluster), 'serial' (in this process), 'auto' (the default: one of "
        "those two, chosen from the machine), a scheduler address such as "
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


def dashboard_address() -> str:
    """Where the dashboard of a cluster this process starts listens: ``$HESSBOOK_DASHBOARD``,
    else ``127.0.0.1:8787`` (loopback only), or any free loopback port when 8787 is taken (Dask
    would pick one too, but with a warning that lands in the chapter's page)."""
    given = os.environ.get(DASHBOARD_ENV)
    value = given or DEFAULT_DASHBOARD
    if not given and not _port_free(DEFAULT_DASHBOARD):
        value = "127.0.0.1:0"
    match = _HOST_PORT.match(value)
    if not match or int(match.group(1)) > 65535:
        raise SweepSetupError(
            f"{DASHBOARD_ENV}={value!r}: accepted host:port, e.g. 127.0.0.1:8787 (the default: this "
            "machine only), 127.0.0.1:0 (any free port) or 0.0.0.0:8787 (every interface, deliberately)")
    return value


def _port_free(address: str) -> bool:
    host, port = address.rsplit(":", 1)
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        try:
            sock.bind((host, int(port)))
        except OSError:
            return False
    return True


def worker_timeout() -> float | None:
    """Seconds a sweep waits while no worker is connected (``$HESSBOOK_WORKER_TIMEOUT``, default
    600); None (the value 0) waits forever."""
    value = os.environ.get(WORKER_TIMEOUT_ENV)
    if not value:
        return DEFAULT_WORKER_TIMEOUT_S
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not seconds >= 0 or seconds == float("inf"):
        raise SweepSetupError(f"{WORKER_TIMEOUT_ENV}={value!r}: accepted a number of seconds >= 0 "
                              f"(0: wait forever; default {DEFAULT_WORKER_TIMEOUT_S:g})")
    return seconds or None


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


@dataclass(frozen=True)
class AutoPlacement:
    """Where ``auto`` runs a sweep: in this process (``size`` None) with ``torch_threads``
    threads, or on the embedded cluster ``size``; ``reason`` says why, for the terminal."""

    size: LocalSize | None
    torch_threads: int
    reason: str

    @property
    def serial(self) -> bool:
        return self.size is None


def auto_placement(cpus: int, gpus: tuple[str, ...] = (), jobs: int | None = None,
                   busy: float = 0.0) -> AutoPlacement:
    """The default placement of a sweep of ``jobs`` jobs (None: not known yet) on a machine of
    ``cpus`` cores and the visible ``gpus``, ``busy`` cores' worth of CPU being used by other
    processes right now: the rule the measured figures of :data:`SERIAL_MAX_CORES` (2 cores:
    in-process 426 s vs LocalCluster 2x1 758.5 s on Y1, 17.2 s vs 22.4 s on bench/sweep.py),
    :data:`CORES_PER_WORKER` and :data:`BUSY_WINDOW_S` justify.

    - one job: in this process (a cluster would only add its start-up);
    - GPUs: one worker per GPU, as the ``local`` setting (each pinned to its device);
    - at most :data:`SERIAL_MAX_CORES` cores: in this process;
    - more: ``cpus // CORES_PER_WORKER`` workers clipped to :data:`AUTO_WORKERS`, one task each
      (4 cores: 2 workers x 2 torch threads; 16 cores: 4 x 4; 64: 8 x 8).

    Torch threads: the free cores (``cpus - busy``, rounded, at least 1), in-process all of
    them, on a cluster divided between the workers.
    """
    if cpus < 1:
        raise ValueError(f"cpus = {cpus!r}: accepted a positive number of cores")
    if not busy >= 0:
        raise ValueError(f"busy = {busy!r}: accepted the cores' worth of CPU in use elsewhere, >= 0")
    free = max(1, min(cpus, round(cpus - busy)))
    load = f" ({busy:.1f} busy elsewhere)" if free < cpus else ""
    if jobs is not None and jobs <= 1:
        return AutoPlacement(None, free, f"one job: in this process, torch on {free} thread(s){load}")
    if gpus:
        size = LocalSize(workers=len(gpus), threads=1, torch_threads=max(1, free // len(gpus)), gpus=gpus)
        return AutoPlacement(size, size.torch_threads, f"{len(gpus)} GPU(s): one worker per GPU")
    if cpus <= SERIAL_MAX_CORES:
        return AutoPlacement(None, free, f"{cpus} core(s): in this process, torch on {free} thread(s){load}")
    low, high = AUTO_WORKERS
    workers = max(low, min(high, cpus // CORES_PER_WORKER))
    size = LocalSize(workers=workers, threads=1, torch_threads=max(1, free // workers))
    return AutoPlacement(size, size.torch_threads,
                         f"{cpus} cores: {workers} workers x {size.torch_threads} torch thread(s){load}")


def _cpu_jiffies() -> tuple[float, float] | None:
    """(busy, total) seconds of every core since boot, from ``/proc/stat``; None elsewhere."""
    try:
        with open("/proc/stat") as fh:
            fields = [float(v) for v in fh.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0.0)  # idle + iowait
    return (sum(fields[:8]) - idle) / tick, sum(fields[:8]) / tick


def _busy_cores(window: float = BUSY_WINDOW_S) -> float:
    """Cores' worth of CPU that other processes use now: the machine's busy time over ``window``
    seconds less this process's own. 0 where it cannot be measured (not Linux)."""
    before, own = _cpu_jiffies(), time.process_time()
    if before is None:
        return 0.0
    start = time.monotonic()
    time.sleep(window)
    after, elapsed = _cpu_jiffies(), time.monotonic() - start
    if after is None or elapsed <= 0:
        return 0.0
    others = (after[0] - before[0]) - (time.process_time() - own)
    return max(0.0, others / elapsed)


def placed(choice: ClusterChoice, jobs: int | None = None) -> ClusterChoice:
    """``choice`` with ``auto`` decided for a sweep of ``jobs`` jobs on this machine (any other
    kind is returned as it is). ``HESSBOOK_WORKERS`` / ``HESSBOOK_WORKER_THREADS`` set without a
    cluster setting size a cluster as they do for ``local``."""
    if choice.kind != "auto":
        return choice
    if (jobs is None or jobs > 1) and (_positive_env(WORKERS_ENV) or _positive_env(THREADS_ENV)):
        size = local_size()
        return ClusterChoice("local", choice.setting, size=size, torch_threads=size.torch_threads,
                             reason=f"{WORKERS_ENV}/{THREADS_ENV} set: {size.workers} worker(s) x "
                                    f"{size.threads} thread(s), {size.torch_threads} torch thread(s) per task")
    where = auto_placement(_cpu_count(), _visible_gpus(), jobs, _busy_cores())
    return ClusterChoice("serial" if where.serial else "local", choice.setting, size=where.size,
                         torch_threads=where.torch_threads, reason=where.reason)


def describe_setting(cluster: str | None = None, jobs: int | None = None,
                     choice: ClusterChoice | None = None) -> str:
    """One line for the terminal: the setting in force and what it runs on, e.g.
    ``HESSBOOK_CLUSTER unset (auto): 2 core(s): in this process, torch on 2 thread(s)``
    (``choice``: that setting already :func:`placed`)."""
    setting = cluster_setting(cluster)
    source = (f"cluster={cluster!r}" if cluster else f"{CLUSTER_ENV}={setting}" if os.environ.get(CLUSTER_ENV)
              else f"{CLUSTER_ENV} unset ({DEFAULT})")
    choice = choice or placed(resolve(setting), jobs)
    if choice.setting == "auto":
        return f"{source}: {choice.reason}"
    if choice.kind == "local":
        size = local_size()
        return (f"{source}: embedded cluster, {size.workers} worker(s) x {size.threads} thread(s), "
                f"{size.torch_threads} torch thread(s) per task" + (f", GPU(s) {', '.join(size.gpus)}" if size.gpus else ""))
    if choice.kind == "serial":
        return f"{source}: in this process, torch's own thread count"
    return f"{source}: {choice.kind} {choice.target}"


def _thread_env(n: int) -> dict[str, str]:
    return {"OMP_NUM_THREADS": str(n), "MKL_NUM_THREADS": str(n), "OPENBLAS_NUM_THREADS": str(n)}


def local_cluster(size: LocalSize, dashboard: str | None = None):
    """Start the embedded cluster ``size`` describes (GPU workers pinned to one device each),
    its dashboard at ``dashboard`` (default :func:`dashboard_address`, loopback only)."""
    import dask
    from distributed import LocalCluster, Nanny, Scheduler, SpecCluster

    address = dashboard or dashboard_address()
    with dask.config.set(LOCAL_CONFIG):
        if not size.gpus:
            return LocalCluster(n_workers=size.workers, threads_per_worker=size.threads, processes=True,
                                dashboard_address=address, env=_thread_env(size.torch_threads))
        try:
            from dask_cuda import LocalCUDACluster  # optional, GPU machines only
        except ImportError:
            LocalCUDACluster = None
        if LocalCUDACluster is not None and size.workers == len(size.gpus):
            return LocalCUDACluster(CUDA_VISIBLE_DEVICES=",".join(size.gpus), threads_per_worker=size.threads,
                                    dashboard_address=address)
        workers = {name: {"cls": Nanny, "options": options} for name, options in gpu_workers(size).items()}
        scheduler = {"cls": Scheduler, "options": {"dashboard_address": address}}
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


def batch_commands(spec: JobqueueSpec) -> tuple[str, ...]:
    """The batch system's commands dask-jobqueue runs for ``spec`` (submit, cancel): e.g.
    ``sbatch`` and ``scancel`` for SLURM, ``qsub`` and ``qdel`` for PBS and SGE."""
    import dask_jobqueue

    job_cls = getattr(dask_jobqueue, spec.class_name).job_cls
    return tuple(shlex.split(command)[0] for command in (job_cls.submit_command, job_cls.cancel_command)
                 if command)


def check_batch_commands(spec: JobqueueSpec, setting: str | None = None) -> None:
    """Raise :class:`SweepSetupError` naming the missing command unless every batch command of
    ``spec`` is on ``PATH`` (without them, dask-jobqueue fails in the background and the sweep
    would wait forever)."""
    commands = batch_commands(spec)
    missing = [command for command in commands if shutil.which(command) is None]
    if missing:
        where = f"{CLUSTER_ENV}={setting}" if setting else f"cluster type {spec.type}"
        raise SweepSetupError(
            f"{where} ({spec.path}) submits {spec.type.upper()} batch jobs with {' and '.join(commands)}, "
            f"but {' and '.join(map(repr, missing))} {'is' if len(missing) == 1 else 'are'} not on the PATH of "
            f"this machine ({socket.gethostname()}). Run the sweep on the cluster's login node, where the "
            f"{spec.type.upper()} commands are installed, or choose another setting: {CLUSTER_ENV}=local "
            "(this machine), serial (in this process) or tcp://host:8786 (a running scheduler)")


class _OsWithoutMakedirs:
    """``os`` as dask-jobqueue's job module sees it while a job only writes its script:
    everything as usual except that ``makedirs`` (of the log directory) does nothing."""

    def __getattr__(self, name: str) -> Any:
        return getattr(os, name)

    @staticmethod
    def makedirs(*args: Any, **kwargs: Any) -> None:
        return None


_SCRIPT_ONLY_LOCK = threading.Lock()


def _script_only(job_cls: type) -> type:
    """``job_cls`` whose construction does not create its log directory: dask-jobqueue makes it
    in ``Job.__init__``, and builds a job for every ``job_script()`` call. Only submitting a job
    (dask-jobqueue's own class) should create it on the login node."""
    import dask_jobqueue.core as core

    class ScriptOnlyJob(job_cls):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            with _SCRIPT_ONLY_LOCK:
                saved, core.os = core.os, _OsWithoutMakedirs()
                try:
                    super().__init__(*args, **kwargs)
                finally:
                    core.os = saved

    ScriptOnlyJob.__name__ = ScriptOnlyJob.__qualname__ = f"ScriptOnly{job_cls.__name__}"
    return ScriptOnlyJob


def jobqueue_cluster(spec: JobqueueSpec, *, scale: bool = True, setting: str | None = None):
    """The dask-jobqueue cluster of ``spec``; with ``scale``, its batch jobs are submitted
    (after checking that the batch system's commands are on ``PATH``).

    ``scale=False`` only builds it (``job_script()`` shows what would be submitted) and leaves
    no log directory behind. ``local_directory`` is passed as written, so ``$TMPDIR`` is
    expanded by the job's shell on the compute node; ``log_directory`` is expanded here
    (``~``, ``$VAR``), since the batch system does not expand its directives. The dashboard
    listens on :func:`dashboard_address` unless ``options.scheduler_options`` says otherwise.
    """
    try:
        import dask_jobqueue
    except ImportError as exc:
        raise SweepSetupError(f"cluster YAML {spec.path} needs dask-jobqueue: pip install dask-jobqueue") from exc
    if scale:
        check_batch_commands(spec, setting)
    options = dict(spec.options)
    if isinstance(options.get("log_directory"), str):
        options["log_directory"] = os.path.expandvars(os.path.expanduser(options["log_directory"]))
    scheduler_options = options.get("scheduler_options") or {}
    if not isinstance(scheduler_options, Mapping):
        raise SweepSetupError(f"cluster YAML {spec.path}: options.scheduler_options = {scheduler_options!r}; "
                              "accepted a mapping of distributed.Scheduler arguments")
    options["scheduler_options"] = {"dashboard_address": dashboard_address(), **scheduler_options}
    cluster_cls = getattr(dask_jobqueue, spec.class_name)
    if not scale:
        options["job_cls"] = _script_only(cluster_cls.job_cls)
    try:
        cluster = cluster_cls(**options)
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
    no_workers: str = "its workers did not start"
    """What to check when no worker arrives (see :func:`worker_timeout`)."""
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

    def workers(self) -> int:
        """Workers connected to the scheduler now."""
        return len(self.client.nthreads())


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
        announce(f"{made.description}; Dask dashboard: {_dashboard(made)}")
        return made


ANNOUNCE_PREFIX = "[hessbook.sweep]"


ANNOUNCE_ENV = "HESSBOOK_ANNOUNCE"
"""A file that lines for the person at the terminal are appended to instead of printed: the
book builder sets it per chapter and echoes the file on its terminal, so a chapter's page shows
no cluster banner and ``make book`` shows the dashboard address."""


SERIAL_ANNOUNCEMENT = f"{DEFAULT} placement:"
"""How the announcement of ``auto`` running jobs in-process starts (the build leaves it out of
the chapter's line: its first line says where jobs run)."""
_ANNOUNCED_SERIAL: set[str] = set()


def announce_serial(choice: ClusterChoice) -> None:
    """Say once per process where ``auto`` runs jobs when it runs them here (a cluster says it
    when it starts, with its dashboard)."""
    if choice.setting == "auto" and choice.kind == "serial" and choice.reason not in _ANNOUNCED_SERIAL:
        _ANNOUNCED_SERIAL.add(choice.reason)
        announce(f"{SERIAL_ANNOUNCEMENT} {choice.reason}; {CLUSTER_ENV}=local for an embedded cluster")


def announce(message: str) -> None:
    """A line for the person running the sweep: printed, or appended to ``$HESSBOOK_ANNOUNCE``."""
    line = f"{ANNOUNCE_PREFIX} {message}"
    target = os.environ.get(ANNOUNCE_ENV)
    if target:
        with contextlib.suppress(OSError):
            with open(target, "a") as fh:
                fh.write(line + "\n")
            return
    print(line, flush=True)


def _create(choice: ClusterChoice) -> Backend:
    from distributed import Client

    if choice.kind == "local":
        size = choice.size or local_size()
        cluster = local_cluster(size)
        what = ((f"{choice.setting} ({choice.reason}): " if choice.reason else "")
                + f"embedded cluster: {size.workers} worker(s) x {size.threads} thread(s)"
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
                       + ("" if workers else " (jobs wait until workers join)"),
                       no_workers=f"start workers with `dask worker {choice.target}`")
    spec = load_jobqueue_spec(choice.target)
    cluster = jobqueue_cluster(spec, setting=choice.setting)
    how = f"adapting {dict(spec.adapt)}" if spec.adapt else f"{spec.jobs if spec.jobs is not None else 1} job(s)"
    logs = spec.options.get("log_directory")
    return Backend(choice, Client(cluster), cluster, spec.task_threads(),
                   f"dask-jobqueue {spec.class_name} from {spec.path}, {how}",
                   no_workers=(f"its {spec.type.upper()} batch jobs may still be queued, or failed to start a "
                               f"worker: see the batch queue (submitted with {batch_commands(spec)[0]}) and the "
                               f"jobs' logs{f' in {logs}' if logs else ''}"))


_LOOPBACK = ("127.0.0.1", "localhost", "[::1]")


def _dashboard(made: Backend) -> str:
    """The dashboard's link. Dask names the scheduler's host in it; a dashboard this process
    started on loopback (the default) answers only at 127.0.0.1, so say that."""
    try:
        link = str(made.client.dashboard_link)
    except Exception:  # noqa: BLE001 - no dashboard service (bokeh missing)
        return "not available (install bokeh)"
    if made.cluster is None:
        return link
    host = dashboard_address().rsplit(":", 1)[0]
    if host not in _LOOPBACK:
        return link
    parts = urlsplit(link)
    loopback = parts._replace(netloc=f"127.0.0.1:{parts.port}" if parts.port else "127.0.0.1")
    port = parts.port or 8787
    return (f"{urlunsplit(loopback)} (this machine only: `ssh -L {port}:127.0.0.1:{port} "
            f"{socket.gethostname()}` reaches it from elsewhere; {DASHBOARD_ENV}=0.0.0.0:8787 opens it)")


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
