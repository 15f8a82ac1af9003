"""Grids of stored results on the Dask sweep: the kit's face of :mod:`hessbook.sweep`.

``jobs = [kit.stored_job(kind, key, partial(fn, ...), Cls, label) for ...]`` then
``results = kit.cached_all(jobs, Cls)``: every job's result, in order, from the store or
computed on the cluster ``HESSBOOK_CLUSTER`` chooses (default: an embedded LocalCluster). A job
that fails does not stop the others; their results are stored, and :class:`SweepFailed` then
names every failed job, so a rerun computes only those.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from hessbook.kit.stored import _checked, decode, encode
from hessbook.store import ResultStore
from hessbook.sweep import Job, JobResult, sweep

T = TypeVar("T")


class SweepFailed(RuntimeError):
    """Some jobs of a grid failed; the others are stored."""

    def __init__(self, failed: Sequence[JobResult]) -> None:
        self.failed = list(failed)
        lines = "\n".join(f"  {r.job.name}: {r.error}" for r in failed)
        super().__init__(f"{len(failed)} job(s) of the sweep failed (the others are stored; a rerun computes "
                         f"only the failed ones):\n{lines}")


def _encoded(compute: Callable[[], Any], cls: type) -> Any:
    return encode(_checked(compute(), cls))


def stored_job(kind: str, key: Any, compute: Callable[[], T], cls: type[T], label: str = "",
               trains: Sequence[Any] = ()) -> Job:
    """A sweep job whose ``compute()`` returns a ``cls`` dataclass, stored under ``(kind, key)``.
    ``compute`` must pickle: a top-level function or a ``functools.partial`` of one.
    ``trains``: the ``TrainConfig`` s ``compute`` trains first; the sweep trains those of many
    jobs together, many small networks as one (see :attr:`hessbook.sweep.Job.trains`)."""
    return Job(kind, key, functools.partial(_encoded, compute, cls), label=label, trains=tuple(trains))


def cached_all(jobs: Sequence[Job], cls: type[T], store: ResultStore | None = None, *,
               cluster: str | None = None) -> list[T]:
    """Every job's ``cls`` result, in order (see the module docstring)."""
    results = sweep(jobs, store, cluster=cluster)
    failed = [r for r in results if not r.ok]
    if failed:
        raise SweepFailed(failed)
    return [decode(cls, r.record) for r in results]
