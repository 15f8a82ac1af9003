"""Grids of stored results on the Dask sweep: the kit's face of :mod:`hessbook.sweep`.

``jobs = [kit.stored_job(kind, key, partial(fn, ...), Cls, label, device=device) for ...]`` then
``results = kit.cached_all(jobs, Cls)``: every job's result, in order, from the store or
computed where ``HESSBOOK_CLUSTER`` says (default ``auto``: in the kernel on a small machine, an
embedded LocalCluster where cores or GPUs allow; :func:`hessbook.cluster.auto_placement`). A job
that fails does not stop the others; their results are stored, and :class:`SweepFailed` then
names every failed job, so a rerun computes only those.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import torch

from hessbook.device import use_device
from hessbook.kit.stored import _checked, decode, encode
from hessbook.store import ResultStore, default_store
from hessbook.sweep import Job, JobResult, sweep

T = TypeVar("T")


class SweepFailed(RuntimeError):
    """Some jobs of a grid failed; the others are stored."""

    def __init__(self, failed: Sequence[JobResult]) -> None:
        self.failed = list(failed)
        lines = "\n".join(f"  {r.job.name}: {r.error}" for r in failed)
        super().__init__(f"{len(failed)} job(s) of the sweep failed (the others are stored; a rerun computes "
                         f"only the failed ones):\n{lines}")


def _encoded(compute: Callable[..., Any], cls: type, device: torch.device | None) -> Any:
    if device is None:
        return encode(_checked(compute(), cls))
    return encode(_checked(compute(device=use_device(device)), cls))


@dataclass(frozen=True)
class Planned:
    """A store entry a chapter's ``run`` computes at the top level (a sweep job, or one computed
    in the kernel with ``inline``): what ``python -m hessbook.build --plan`` lists per chapter,
    so a reader sees the bill before a long run. Each chapter's ``plan_jobs(P)`` returns them,
    built with the same key functions as its ``run``."""

    kind: str
    key: Any
    label: str
    inline: bool = False
    """Computed one after another in the kernel (not on the sweep: no parallel workers)."""


def stored_job(kind: str, key: Any, compute: Callable[..., T], cls: type[T], label: str = "", *,
               device: torch.device | None = None, trains: Sequence[Any] = ()) -> Job:
    """A sweep job whose ``compute()`` returns a ``cls`` dataclass, stored under ``(kind, key)``.
    ``compute`` must pickle: a top-level function or a ``functools.partial`` of one.

    ``device``: the ``torch.device`` the job computes on (its chapter parses its ``device``
    parameter once, :func:`hessbook.device.pick_device`). The job's worker records it
    (:func:`hessbook.device.use_device`, what the store labels the job's entries with) and calls
    ``compute(device=device)``. Without it, ``compute()`` (a job that uses no torch device).
    ``trains``: the ``TrainConfig`` s ``compute`` trains first; :func:`cached_all` trains those
    of many jobs together beforehand, many small networks as one (:func:`train_declared`), on
    the same device."""
    if device is not None and not isinstance(device, torch.device):
        raise TypeError(f"stored_job {label or kind!r}: device={device!r}; pass a torch.device "
                        "(hessbook.device.pick_device)")
    return Job(kind, key, functools.partial(_encoded, compute, cls, device), label=label, trains=tuple(trains),
               device=device)


def train_declared(jobs: Sequence[Job], store: ResultStore, *, cluster: str | None = None) -> None:
    """Train first what the jobs not yet stored declare in ``trains``, many small networks as
    one where :mod:`hessbook.train_grouped` groups them (one sweep job per group, each member
    stored under its ``train`` key), so the jobs then load their networks; nothing when
    ``HESSBOOK_GROUPED=0`` or nothing groups. A group that fails is a warning, not an error:
    its networks are then trained one by one by their jobs."""
    from hessbook.train_grouped import GROUP_KIND, grouping_enabled, groups_to_train, train_group_job

    if not grouping_enabled():
        return
    todo = [job for job in jobs if job.trains and not store.contains(job.kind, job.key)]
    devices = {job.device for job in todo}
    if len(devices) > 1:
        raise ValueError(f"jobs declare trainings on several devices {sorted(map(str, devices))}: group them "
                         "per device")
    configs = [c for job in todo for c in job.trains]
    if not configs:
        return
    device = devices.pop()
    root = str(store.root.expanduser().resolve())
    groups = [Job(GROUP_KIND, {"members": part}, functools.partial(train_group_job, part, root, device),
                  label=f"train {len(part)} x {part[0].model} (batch {part[0].batch_size}) as one")
              for part in groups_to_train(configs, store, device)]
    for result in sweep(groups, store, cluster=cluster) if groups else []:
        if not result.ok:
            warnings.warn(f"training {result.job.name} failed ({result.error}); its networks are trained one "
                          "by one by their jobs", RuntimeWarning, stacklevel=3)


def cached_all(jobs: Sequence[Job], cls: type[T], store: ResultStore | None = None, *,
               cluster: str | None = None) -> list[T]:
    """Every job's ``cls`` result, in order (see the module docstring). The networks the jobs
    declare (``trains``) are trained first, in groups where that pays (:func:`train_declared`)."""
    store = store if store is not None else default_store()
    train_declared(jobs, store, cluster=cluster)
    results = sweep(jobs, store, cluster=cluster)
    failed = [r for r in results if not r.ok]
    if failed:
        raise SweepFailed(failed)
    return [decode(cls, r.record) for r in results]
