"""Jobs and the table of what came back: the pipeline every chapter runs.

A **job** is a frozen dataclass that mixes in :class:`StoredJob`. Its fields *are* its store
key (:func:`hessbook.store.canonical_json` of the instance; nothing is projected by hand), and
its class names the store ``KIND``, the ``RESULT`` dataclass it computes and, when the result's
meaning changed without its inputs changing, a ``VERSION`` that joins the key. ``compute(ctx)``
computes the result from the fields and a :class:`Context` (the device, the store); it is a
plain function of the two, so a sweep worker runs it (the job pickles with its fields).

A chapter lists its jobs (``jobs(P)``: the same list its ``run`` computes and
``python -m hessbook.build --plan`` prices) and hands them to :func:`run_jobs`, which returns a
:class:`Table`: one :class:`Row` per job with its result, or with why it has none (its data is
not on this machine; not selected at this scale), so claims, figures and numbers read one
object that knows what is missing. Jobs not yet stored run on :func:`hessbook.sweep.sweep`
(serial is one cluster among others); ``INLINE`` jobs run one after another in this process.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import torch

from hessbook import device as hdevice
from hessbook.kit import swept
from hessbook.kit.stored import _checked, cached_entry, decode, encode
from hessbook.kit.swept import Planned, SweepFailed, train_declared
from hessbook.progress import progress
from hessbook.store import ResultStore, canonical_json, default_store
from hessbook.sweep import Job

OK, NO_DATA, NOT_SELECTED, FAILED = "ok", "no data", "not selected", "failed"
STATUSES = (OK, NO_DATA, NOT_SELECTED, FAILED)
"""What a row of a :class:`Table` can say: computed (or loaded), its dataset is not on this
machine, left out at this scale, or its computation raised (the error is the row's ``why``)."""


@dataclass(frozen=True)
class Context:
    """What a job computes with besides its fields: the ``torch.device`` its chapter parsed
    once from its ``device`` parameter, and the result store (a job that trains first stores
    its networks there)."""

    device: torch.device
    store: ResultStore

    def __post_init__(self) -> None:
        if not isinstance(self.device, torch.device):
            raise TypeError(f"Context(device={self.device!r}): pass a torch.device (parse a name with "
                            "hessbook.kit.jobs.context or hessbook.device.pick_device)")


def context(device: str | torch.device, store: ResultStore | None = None) -> Context:
    """The :class:`Context` of a chapter's ``device`` parameter (parsed here, at the chapter's
    edge, :func:`hessbook.device.pick_device`) and ``store`` (default: the default store)."""
    parsed = device if isinstance(device, torch.device) else hdevice.pick_device(device)
    return Context(parsed, store if store is not None else default_store())


class StoredJob:
    """Mixin of a job dataclass (see the module docstring). Subclasses are
    ``@dataclass(frozen=True)`` and set ``KIND`` and ``RESULT``; they override :meth:`compute`,
    and :meth:`label`, :meth:`trains`, :meth:`datasets` where they have some."""

    KIND: ClassVar[str]
    RESULT: ClassVar[type]
    VERSION: ClassVar[int | None] = None
    """Joins the key as ``{VERSION_FIELD: VERSION}`` when set: bump it when the result's meaning
    changes while the fields do not."""
    VERSION_FIELD: ClassVar[str] = "version"
    """The key's name of the version. Y1's and Y6's entries were stored with ``columns`` and
    ``result``; those jobs keep the name so that every stored result stays valid."""
    INLINE: ClassVar[bool] = False
    """Computed in this process, one after another (not on the sweep's workers)."""

    def compute(self, ctx: Context) -> Any:  # pragma: no cover - every job overrides it
        raise NotImplementedError(f"{type(self).__name__}.compute(ctx)")

    def label(self) -> str:
        """What the plan, the progress bar and a failure call this job."""
        return type(self).__name__

    def trains(self) -> tuple[Any, ...]:
        """The ``TrainConfig`` s :meth:`compute` trains first (trained beforehand, many small
        networks as one, :func:`hessbook.kit.swept.train_declared`)."""
        return ()

    def datasets(self) -> tuple[str, ...]:
        """The datasets the job reads: a row is ``no data`` when one is not on this machine. By
        default the training data of every field that is a training configuration (has a
        ``data`` spec with a ``name``); a job reading other data overrides it."""
        names = (getattr(getattr(getattr(self, f.name), "data", None), "name", None)
                 for f in dataclasses.fields(self))  # type: ignore[arg-type]
        return tuple(dict.fromkeys(n for n in names if isinstance(n, str)))

    def store_key(self) -> Any:
        """The key of the job's store entry: its fields, and its ``VERSION`` when set."""
        if self.VERSION is None:
            return self
        fields = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}  # type: ignore[arg-type]
        return {**fields, self.VERSION_FIELD: self.VERSION}

    def planned(self) -> Planned:
        """The plan's line of this job (:mod:`hessbook.plan`)."""
        return Planned(self.KIND, self.store_key(), self.label(), inline=self.INLINE)


@dataclass(frozen=True)
class Row:
    """One job of a :class:`Table`: its result when ``status`` is ``ok``, else why not."""

    job: StoredJob
    status: str
    result: Any = None
    why: str = ""
    meta: Any = None
    """The store entry's metadata of a computed row (``seconds`` spent computing, ``cached``:
    whether it was loaded, ``device``, ``created``)."""

    @property
    def ok(self) -> bool:
        return self.status == OK

    @property
    def reason(self) -> str:
        """Why the row has no result, in the words of figures and claims ("" when it has one)."""
        if self.status == NO_DATA:
            return "data not on this machine: " + self.why
        if self.status == FAILED:
            return "failed: " + self.why
        if self.status == NOT_SELECTED:
            return "not selected at this scale" + (f" ({self.why})" if self.why else "")
        return ""


@dataclass(frozen=True)
class Table:
    """Every job a chapter asked for, in order, with what came back (see :data:`STATUSES`)."""

    rows: tuple[Row, ...]

    def __iter__(self) -> Iterator[Row]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def results(self) -> tuple[Any, ...]:
        """The results of the rows that have one, in order."""
        return tuple(r.result for r in self.rows if r.ok)

    @property
    def missing(self) -> tuple[Row, ...]:
        """The rows without a result."""
        return tuple(r for r in self.rows if not r.ok)

    def where(self, **fields: Any) -> tuple[Row, ...]:
        """The rows whose job has these field values (``table.where(model="c1", robust=True)``)."""
        return tuple(r for r in self.rows if all(getattr(r.job, k) == v for k, v in fields.items()))

    def result(self, **fields: Any) -> Any:
        """The result of the one row with these field values, or None when it has none."""
        rows = self.where(**fields)
        if len(rows) > 1:
            raise KeyError(f"{len(rows)} jobs have {fields}; name more fields")
        return rows[0].result if rows else None

    def why_missing(self) -> str:
        """``"C2: no data (dataset 'cifar10' not found ...); ..."``: every missing row, once per
        distinct reason; empty when nothing is missing."""
        seen: dict[str, list[str]] = {}
        for row in self.missing:
            seen.setdefault(f"{row.status} ({row.why})" if row.why else row.status, []).append(row.job.label())
        return "; ".join(f"{', '.join(labels)}: {reason}" for reason, labels in seen.items())


def not_selected(job: StoredJob, why: str) -> Row:
    """The row of a job the paper shows that this scale leaves out (``why``: which parameter)."""
    return Row(job, NOT_SELECTED, why=why)


@functools.lru_cache(maxsize=None)
def _data_missing(dataset: str, root: str) -> str:
    """Why ``dataset`` cannot be loaded from the data root ``root`` (empty when it can, and for a
    synthetic dataset, made up on the spot)."""
    from hessbook.data import SYNTHETIC, DataMissingError, load

    if dataset in SYNTHETIC:
        return ""
    try:
        load(dataset, "test")
    except DataMissingError as exc:
        return str(exc)
    return ""


def data_missing(job: StoredJob) -> str:
    """Why one of the job's datasets is not on this machine (the data layer's message), or ''."""
    from hessbook.paths import data_root

    root = str(data_root())
    return next((why for why in (_data_missing(d, root) for d in job.datasets()) if why), "")


def _encoded(job: StoredJob, ctx: Context) -> Any:
    hdevice.use_device(ctx.device)
    return encode(_checked(job.compute(ctx), job.RESULT))


def sweep_job(job: StoredJob, ctx: Context) -> Job:
    """The :class:`hessbook.sweep.Job` that computes ``job`` on ``ctx``."""
    return Job(job.KIND, job.store_key(), functools.partial(_encoded, job, ctx), label=job.label(),
               trains=tuple(job.trains()), device=ctx.device)


def run_jobs(jobs: Iterable[StoredJob | Row], ctx: Context, *, cluster: str | None = None,
             keep_failed: bool = False, desc: str = "") -> Table:
    """Every job's row, in order: loaded from the store or computed (swept jobs on
    :func:`hessbook.sweep.sweep`, after the trainings they declare; ``INLINE`` ones here), a job
    whose data is missing as ``no data``; a :class:`Row` given (e.g. :func:`not_selected`) is
    kept as it is. A failed job raises :class:`~hessbook.kit.swept.SweepFailed` once every other
    job is stored (a rerun computes only the failed ones), unless ``keep_failed``: then its row
    says ``failed`` with the error. ``desc``: the progress bar of the inline jobs."""
    items = list(jobs)
    rows: list[Row | None] = [None] * len(items)
    inline: list[tuple[int, StoredJob]] = []
    on_sweep: list[tuple[int, StoredJob]] = []
    for i, item in enumerate(items):
        if isinstance(item, Row):
            rows[i] = item
        elif why := data_missing(item):
            rows[i] = Row(item, NO_DATA, why=why)
        else:
            (inline if item.INLINE else on_sweep).append((i, item))
    for i, job in progress(inline, desc=desc or "jobs in this process", total=len(inline)) if inline else ():
        rows[i] = _inline(job, ctx, keep_failed)
    if on_sweep:
        for (i, _job), row in zip(on_sweep, _swept(on_sweep, ctx, cluster, keep_failed)):
            rows[i] = row
    return Table(tuple(r for r in rows if r is not None))


def _inline(job: StoredJob, ctx: Context, keep_failed: bool) -> Row:
    try:
        hdevice.use_device(ctx.device)
        result, meta = cached_entry(job.KIND, job.store_key(), functools.partial(job.compute, ctx), job.RESULT,
                                     ctx.store)
    except Exception as exc:  # noqa: BLE001 - reported in the row when asked to
        if not keep_failed:
            raise
        return Row(job, FAILED, why=f"{type(exc).__name__}: {exc}")
    return Row(job, OK, result, meta=meta)


def _swept(on_sweep: Sequence[tuple[int, StoredJob]], ctx: Context, cluster: str | None,
           keep_failed: bool) -> list[Row]:
    jobs = [sweep_job(job, ctx) for _i, job in on_sweep]
    train_declared(jobs, ctx.store, cluster=cluster)
    results = swept.sweep(jobs, ctx.store, cluster=cluster)
    failed = [r for r in results if not r.ok]
    if failed and not keep_failed:
        raise SweepFailed(failed)
    return [Row(job, OK, decode(job.RESULT, r.record), meta=dict(r.record.meta)) if r.ok
            else Row(job, FAILED, why=str(r.error)) for (_i, job), r in zip(on_sweep, results)]


def planned(jobs: Iterable[StoredJob | Row]) -> list[Planned]:
    """The plan's lines of a chapter's jobs (rows given as rows are not computed: left out)."""
    return [j.planned() for j in jobs if not isinstance(j, Row)]


def key_text(job: StoredJob) -> str:
    """The canonical JSON of the job's key (what its store entry is addressed by)."""
    return canonical_json(job.store_key())


def results_of(table: Table, cls: type) -> list[Any]:
    """The results of ``table`` that are ``cls`` instances (a chapter with jobs of several kinds)."""
    return [r for r in table.results if isinstance(r, cls)]

