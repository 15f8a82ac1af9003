"""The sweep's side of the kit's jobs (:mod:`hessbook.kit.jobs`): what fails, what a plan lists,
and the networks jobs declare, trained first, many as one.

Jobs run where ``HESSBOOK_CLUSTER`` says (default ``auto``: in the kernel on a small machine, an
embedded LocalCluster where cores or GPUs allow; :func:`hessbook.cluster.auto_placement`). A job
that fails does not stop the others; their results are stored, and :class:`SweepFailed` then
names every failed job, so a rerun computes only those.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hessbook.store import ResultStore, canonical_json
from hessbook.sweep import Job, JobResult, sweep


class SweepFailed(RuntimeError):
    """Some jobs of a grid failed; the others are stored."""

    def __init__(self, failed: Sequence[JobResult]) -> None:
        self.failed = list(failed)
        lines = "\n".join(f"  {r.job.name}: {r.error}" for r in failed)
        super().__init__(f"{len(failed)} job(s) of the sweep failed (the others are stored; a rerun computes "
                         f"only the failed ones):\n{lines}")


@dataclass(frozen=True)
class DenseHessian:
    """An exact ``P x P`` Hessian a job assembles from products over ``samples`` inputs of the
    network ``train`` trains (``batch`` at a time; None: all at once) and hands to ``eigvalsh``:
    what the plan prices with a probe of that network (:func:`hessbook.plan.probe_hessian`)."""

    train: Any
    samples: int
    batch: int | None = None
    dtype: str = "float64"


@dataclass(frozen=True)
class NetworkWork:
    """Work a job does on the trained network of ``train`` besides training it and assembling
    exact Hessians: ``forwards`` sample forward passes without gradients (loss evaluations along a
    line or a surface) and ``products`` Hessian-vector products, each over ``product_samples``
    inputs taken ``product_batch`` at a time (None: all at once). What the plan prices with probes
    of that network (:meth:`hessbook.plan._Estimator.network_work_cost`)."""

    train: Any
    forwards: int = 0
    products: int = 0
    product_samples: int = 0
    product_batch: int | None = None


@dataclass(frozen=True)
class Planned:
    """A store entry a chapter's ``run`` computes at the top level (a sweep job, or one computed
    in the kernel with ``inline``): what ``python -m hessbook.build --plan`` lists per chapter,
    so a reader sees the bill before a long run: :meth:`hessbook.kit.jobs.StoredJob.planned`
    of each job of a chapter's ``jobs(P)``."""

    kind: str
    key: Any
    label: str
    inline: bool = False
    """Computed one after another in the kernel (not on the sweep: no parallel workers)."""
    dense_hessians: tuple[DenseHessian, ...] = ()
    """The exact Hessians the job assembles (the plan prices them; other work besides training
    it prices from stored jobs of the kind, else at the book's average)."""
    network_work: tuple[NetworkWork, ...] = ()
    """Its forward passes and Hessian-vector products on trained networks (priced like
    ``dense_hessians``, where no stored job of the kind says what its work costs)."""


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
    # a network two jobs declare (a chapter's case and its diagnostic) is trained once
    configs = list({canonical_json(c): c for job in todo for c in job.trains}.values())
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
