"""Map store-backed jobs onto a Dask cluster: grids of training runs and what follows them.

``sweep(jobs, store)`` runs each :class:`Job` as
``ResultStore(store.root).get_or_compute(job.kind, job.key, job.compute, resumable=...)`` on a
worker of the cluster :mod:`hessbook.cluster` chooses, and returns one :class:`JobResult` per
job, in order. The store does the bookkeeping, so:

- a job whose result is already stored is answered from the store and never sent;
- a job that fails (an exception, a worker killed by running out of memory) comes back with
  ``ok`` False and its error text; it never stops the other jobs, and nothing is stored for it,
  so the next sweep tries it again. Jobs that were only queued on a worker that died are sent
  once more (the embedded cluster does not retry the job that killed it). (Divergence that a computation *returns*, such as
  ``train``'s ``stop_reason="diverged"``, is a result and is stored; divergence it *raises* is
  a failure);
- an interrupted sweep, even a killed one, leaves only complete entries behind (atomic writes)
  and the next sweep computes only what is missing; ``resumable`` jobs resume from their last
  checkpoint;
- sweeps that share jobs do not compute a job twice: within one scheduler the task is shared
  (its Dask key is derived from the store path and the result key), across processes or
  schedulers the store's per-key lock makes the second wait and load the first's result.

Records travel through the store, not through Dask: a worker writes the entry and returns a
small outcome; the client then loads the record from the store. **The store must therefore be
on a file system that every worker and this process see at the same path** (the datasets too,
``HESSBOOK_DATA``). At the start of a sweep every worker writes a probe file into the store and
this process checks it can see it; a worker that joins later checks once before its first job.
A failure names the store path and the worker.

Only setup errors raise (:class:`~hessbook.cluster.SweepSetupError`: a bad cluster setting,
an unreachable scheduler, a batch system whose commands are missing, a store a worker cannot
write, no worker at all for ``HESSBOOK_WORKER_TIMEOUT`` seconds while jobs wait).
"""

from __future__ import annotations

import hashlib
import os
import queue
import socket
import time
import traceback as tb
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hessbook import progress as hprogress
from hessbook.cluster import (
    STARTED_TOPIC,
    WORKER_TIMEOUT_ENV,
    Backend,
    ClusterChoice,
    SweepSetupError,
    announce_serial,
    backend,
    cluster_setting,
    placed,
    resolve,
    worker_timeout,
)
from hessbook.store import Record, ResultStore, default_store, result_key

__all__ = ["Job", "JobResult", "SweepSetupError", "cluster_setting", "run_job", "sweep"]

PROBE_DIR = ".hessbook-probe"
REFRESH_S = 1.0
"""How often the progress bar's 'running' count is refreshed while no job finishes."""


@dataclass(frozen=True)
class Job:
    """One store-backed computation: ``compute`` produces the entry ``(kind, key)``.

    ``compute`` must pickle (a top-level function or a ``functools.partial`` of one; cloudpickle
    also takes lambdas and closures). It returns what :meth:`ResultStore.get_or_compute`
    accepts and is called with a :class:`~hessbook.store.Checkpoint` when ``resumable``.
    """

    kind: str
    key: Any
    compute: Callable[..., Any]
    resumable: bool = False
    label: str = ""
    trains: tuple[Any, ...] = ()
    """The :class:`~hessbook.train.TrainConfig` s that ``compute`` trains (through ``train``)
    before it measures. Not part of the key and not used here: :func:`hessbook.kit.run_jobs`
    trains those of its jobs not yet stored first, many small networks as one
    (:mod:`hessbook.train_grouped`), and each ``compute`` then loads its networks."""
    device: Any = None
    """The ``torch.device`` the job computes on, when it has one (:func:`hessbook.kit.jobs.sweep_job`
    sets it); the trainings it declares run there too."""

    def __post_init__(self) -> None:
        if not callable(self.compute):
            raise TypeError(f"Job {self.label or self.kind!r}: compute must be callable, got {self.compute!r}")

    @property
    def name(self) -> str:
        """The label, or ``kind:<first hex digits of the key>``."""
        if self.label:
            return self.label
        try:
            return f"{self.kind}:{result_key(self.kind, self.key)[:8]}"
        except Exception:  # noqa: BLE001 - a bad key is reported by the sweep
            return self.kind


@dataclass(frozen=True)
class JobResult:
    """What became of one job.

    ``record`` is the stored entry (None when the job failed); ``error`` is
    ``"ExceptionType: message"`` and ``traceback`` the formatted traceback of a failure.
    ``cached``: the result was already in the store and the job was not sent. ``seconds``: time
    this sweep spent on the job on its worker (0 when cached; the original computation time is
    ``record.meta["seconds"]``). ``worker``: the Dask worker address (``in-process ...`` for
    the serial setting), None when cached.
    """

    job: Job
    record: Record | None
    error: str | None
    cached: bool
    seconds: float
    worker: str | None
    traceback: str | None = None

    @property
    def ok(self) -> bool:
        return self.record is not None and self.error is None


@dataclass(frozen=True)
class _Outcome:
    """What a task sends back: no record (that goes through the store), only how it went."""

    seconds: float
    worker: str
    error: str | None = None
    traceback: str | None = None


# ----------------------------------------------------------------------------- on the worker

_CHECKED_ROOTS: set[str] = set()


def _worker_name() -> str:
    try:
        from distributed import get_worker

        return get_worker().address
    except (ImportError, ValueError):
        return f"in-process (pid {os.getpid()} on {socket.gethostname()})"


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def probe_store(root: str) -> tuple[str | None, str | None, str]:
    """Write a probe file into the store: ``(path, None, host)`` or ``(None, error, host)``."""
    host = socket.gethostname()
    try:
        directory = Path(root) / PROBE_DIR
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{uuid.uuid4().hex}.probe"
        with open(path, "w") as fh:
            fh.write(f"{_worker_name()}\n")
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        return None, _describe(exc), host
    _CHECKED_ROOTS.add(root)
    return str(path), None, host


def _store_error(root: str, worker: str, host: str, problem: str) -> str:
    return (f"worker {worker} (host {host}) {problem} the result store at {root}. "
            "The store must be on a file system that every worker and the sweeping process see "
            "and can write at the same path (set HESSBOOK_RESULTS or pass store=)")


def _ensure_writable(root: str, *, again: bool = False) -> None:
    """Probe the store once per process (``again``: even if probed before). A worker that
    joined after the sweep's probe checks the store itself before its first job."""
    if root in _CHECKED_ROOTS and not again:
        return
    path, error, host = probe_store(root)
    if error is not None:
        raise SweepSetupError(_store_error(root, _worker_name(), host, f"cannot write to ({error})"))
    Path(path).unlink(missing_ok=True)


def _announce_start() -> None:
    """Tell the client this task started (the progress bar's 'running'); no-op in-process."""
    try:
        from distributed import get_worker

        worker = get_worker()
    except (ImportError, ValueError):
        return
    worker.log_event(STARTED_TOPIC, str(worker.get_current_task()))


def _set_torch_threads(n: int) -> None:
    import torch

    if torch.get_num_threads() != n:
        torch.set_num_threads(n)


def client_environment() -> dict[str, str]:
    """The ``HESSBOOK_*`` variables of this process (data root, progress mode, ...): each task
    carries them, so a worker started earlier sees the values the client has now."""
    return {k: v for k, v in os.environ.items() if k.startswith("HESSBOOK_")}


def run_job(job: Job, root: str, torch_threads: int | None = None, env: dict[str, str] | None = None) -> _Outcome:
    """Run one job against the store at ``root`` (on a worker, or in-process) with the client's
    ``env``. Never raises for a failing job: the error comes back in the outcome."""
    if env:
        os.environ.update(env)
    _announce_start()
    worker = _worker_name()
    start = time.perf_counter()
    try:
        _ensure_writable(root)
        if torch_threads:
            _set_torch_threads(torch_threads)  # in the task: OpenMP's count is per calling thread
        ResultStore(root).get_or_compute(job.kind, job.key, job.compute, resumable=job.resumable)
    except (Exception, SystemExit) as exc:  # noqa: BLE001 - every failure is the job's result
        return _Outcome(time.perf_counter() - start, worker, _describe(exc), tb.format_exc())
    return _Outcome(time.perf_counter() - start, worker)


# ----------------------------------------------------------------------------- progress


class _Tally:
    """Counts for the progress bar (``done 5 running 2 failed 1``)."""

    def __init__(self, total: int, done: int, failed: int, show: bool) -> None:
        self.done, self.failed, self.running = done, failed, 0
        self.bar = hprogress.progress(range(total), desc="sweep", total=total, initial=done + failed,
                                      unit="job") if show and total else None
        self._post()

    def _post(self) -> None:
        if self.bar is not None and hasattr(self.bar, "set_postfix_str"):
            self.bar.set_postfix_str(f"done {self.done} running {self.running} failed {self.failed}",
                                     refresh=False)

    def finished(self, ok: bool, count: int, running: int) -> None:
        if ok:
            self.done += count
        else:
            self.failed += count
        self.running = running
        self._post()
        if self.bar is not None and hasattr(self.bar, "update"):
            self.bar.update(count)

    def set_running(self, running: int) -> None:
        if running != self.running:
            self.running = running
            self._post()
            if self.bar is not None and hasattr(self.bar, "update"):
                self.bar.update(0)  # redraws within the bar's rate limit

    def close(self) -> None:
        if self.bar is not None and hasattr(self.bar, "close"):
            self.bar.close()


# ----------------------------------------------------------------------------- the client side


def _dask_key(root: Path, ident: str) -> str:
    """One task per (store, entry): concurrent sweeps on one scheduler share it."""
    return "hessbook-job-" + hashlib.sha256(f"{root}\0{ident}".encode()).hexdigest()[:24]


def _check_workers(active: Backend, root: str) -> None:
    """Every current worker writes a probe into the store; this process must see each one."""
    replies = active.client.run(probe_store, root)
    problems = []
    for address, (path, error, host) in sorted(replies.items()):
        if error is not None:
            problems.append(_store_error(root, address, host, f"cannot write to ({error})"))
        elif not Path(path).exists():
            problems.append(_store_error(root, address, host,
                                         f"wrote {path}, which this process ({socket.gethostname()}) does not see, in"))
        else:
            Path(path).unlink(missing_ok=True)
    if problems:
        raise SweepSetupError("\n".join(problems))


def _failure(exc: BaseException, worker: str | None = None, where: str = "") -> _Outcome:
    text = _describe(exc)
    return _Outcome(0.0, worker or "", f"{text}{where}", "".join(tb.format_exception(exc)))


def _run_serial(pending: dict[str, Job], counts: dict[str, int], root: str,
                tally: _Tally, torch_threads: int | None = None) -> dict[str, _Outcome]:
    """The jobs one after another in this process (``torch_threads``: set for each; None:
    torch's own count, as the explicit ``serial`` setting always did)."""
    _ensure_writable(root, again=True)
    out = {}
    for ident, job in pending.items():
        tally.set_running(1)
        out[ident] = run_job(job, root, torch_threads)
        tally.finished(out[ident].error is None, counts[ident], 0)
    return out


def _killed_before_start(exc: BaseException, key: str, active: Backend) -> bool:
    """A worker died with this task queued on it, before the task started: not its fault."""
    from distributed.scheduler import KilledWorker

    return isinstance(exc, KilledWorker) and not active.running({key})


class _WorkerWatch:
    """Raises :class:`SweepSetupError` once the cluster has had no worker for ``timeout``
    seconds (None: never), so a sweep whose workers never arrive does not wait forever."""

    def __init__(self, active: Backend, timeout: float | None) -> None:
        self.active, self.timeout = active, timeout
        self.last_seen = time.monotonic()

    def check(self, waiting: int) -> None:
        if self.timeout is None:
            return
        now = time.monotonic()
        if self.active.workers():
            self.last_seen = now
        elif now - self.last_seen > self.timeout:
            raise SweepSetupError(
                f"no Dask worker for {self.timeout:g} s while {waiting} job(s) waited ({self.active.description}): "
                f"{self.active.no_workers}. Set {WORKER_TIMEOUT_ENV}=<seconds> to wait longer (0: forever), "
                "or choose another cluster setting")


def _run_dask(active: Backend, pending: dict[str, Job], counts: dict[str, int], root: str,
              tally: _Tally, timeout: float | None) -> dict[str, _Outcome]:
    """Submit every job, collect the outcomes as they finish. A job whose worker died before
    it started (it was queued behind the one that killed the worker) is sent once more."""
    watch = _WorkerWatch(active, timeout)
    _check_workers(active, root)
    env = client_environment()
    out: dict[str, _Outcome] = {}
    futures: dict[str, Any] = {}
    finished: queue.Queue[str] = queue.Queue()

    def submit(ident: str, key: str) -> None:
        try:
            future = active.client.submit(run_job, pending[ident], root, active.torch_threads, env,
                                          key=key, pure=False)
        except Exception as exc:  # noqa: BLE001 - e.g. a compute that does not pickle
            out[ident] = _failure(exc, where=" (the job could not be sent to the cluster)")
            tally.finished(False, counts[ident], 0)
            return
        futures[ident] = future
        future.add_done_callback(lambda _f: finished.put(ident))

    try:
        for ident in pending:
            submit(ident, _dask_key(Path(root), ident))
        resent: set[str] = set()
        while len(out) < len(pending):
            keys = {futures[i].key for i in futures if i not in out}
            try:
                ident = finished.get(timeout=REFRESH_S)
            except queue.Empty:
                tally.set_running(active.running(keys))
                watch.check(len(keys))
                continue
            future = futures[ident]
            try:
                out[ident] = future.result()
            except BaseException as exc:  # noqa: BLE001 - KilledWorker, cancelled, undeserializable task
                if isinstance(exc, KeyboardInterrupt):
                    raise
                if ident not in resent and _killed_before_start(exc, future.key, active):
                    resent.add(ident)
                    future.release()
                    submit(ident, future.key + "-again")
                    continue
                out[ident] = _failure(exc, where=f" (task {future.key})")
            tally.finished(out[ident].error is None, counts[ident], active.running(keys - {future.key}))
    finally:
        active.forget({f.key for f in futures.values()})
        for future in futures.values():
            future.release()  # pending tasks of an interrupted sweep are dropped by the scheduler
    return out


def _result(job: Job, store: ResultStore, outcome: _Outcome) -> JobResult:
    if outcome.error is not None:
        return JobResult(job, None, outcome.error, False, outcome.seconds, outcome.worker or None,
                         outcome.traceback)
    try:
        record = store.load(job.kind, job.key)
    except Exception as exc:  # noqa: BLE001
        record, problem = None, f"cannot load it here: {_describe(exc)}"
    else:
        problem = "it is not in the store as this process sees it"
    if record is None:
        error = (f"StoreError: worker {outcome.worker} stored {job.name} in {store.root}, but {problem}; "
                 "is the store on a file system shared with the workers?")
        return JobResult(job, None, error, False, outcome.seconds, outcome.worker)
    return JobResult(job, record, None, False, outcome.seconds, outcome.worker)


def sweep(jobs: Sequence[Job], store: ResultStore | None = None, *, cluster: str | None = None,
          progress: bool = True) -> list[JobResult]:
    """Run ``jobs`` on the cluster ``cluster`` chooses (see :mod:`hessbook.cluster`); results in order.

    Stored jobs are answered from ``store`` (default: :func:`~hessbook.store.default_store`)
    without contacting any cluster; a job listed twice runs once. ``progress`` shows a bar over
    the jobs (``hessbook.progress``: text lines under papermill).
    """
    store = store if store is not None else default_store()
    root = store.root.expanduser().resolve()
    rooted = ResultStore(root)
    choice: ClusterChoice = resolve(cluster_setting(cluster))
    jobs = list(jobs)
    results: list[JobResult | None] = [None] * len(jobs)
    pending: dict[str, Job] = {}
    members: dict[str, list[int]] = {}
    for i, job in enumerate(jobs):
        try:
            ident = result_key(job.kind, job.key)
            rooted.entry_dir(job.kind, job.key)  # validates the kind
            record = rooted.load(job.kind, job.key)
        except Exception as exc:  # noqa: BLE001 - a bad key or kind fails this job only
            outcome = _failure(exc, where=" (the job's kind or key, or reading its entry)")
            results[i] = JobResult(job, None, outcome.error, False, 0.0, None, outcome.traceback)
            continue
        if record is not None:
            results[i] = JobResult(job, record, None, True, 0.0, None)
            continue
        pending.setdefault(ident, job)
        members.setdefault(ident, []).append(i)
    if not pending:
        return results  # type: ignore[return-value]
    choice = placed(choice, len(pending))  # the default decides here, knowing how many jobs run
    announce_serial(choice)
    timeout = None if choice.kind == "serial" else worker_timeout()  # a bad value stops before any cluster
    active = None if choice.kind == "serial" else backend(choice)  # before the bar: it prints
    tally = _Tally(len(jobs), sum(r is not None and r.ok for r in results),
                   sum(r is not None and not r.ok for r in results), progress)
    counts = {ident: len(idx) for ident, idx in members.items()}
    try:
        if active is None:
            outcomes = _run_serial(pending, counts, str(root), tally, choice.torch_threads)
        else:
            outcomes = _run_dask(active, pending, counts, str(root), tally, timeout)
        for ident, outcome in outcomes.items():
            for i in members[ident]:
                results[i] = _result(jobs[i], rooted, outcome)
    finally:
        tally.close()
    assert all(r is not None for r in results), "every job has a result"
    return results  # type: ignore[return-value]
