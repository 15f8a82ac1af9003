"""Y6's stored computations: one training run per (batch size, method, seed), each an independent
job (:class:`Y6Run`, :mod:`hessbook.kit.jobs`), trained through :func:`hessbook.train.train` and
then evaluated.

Every seed trains on the same training subset and is evaluated on the same test images (the
chapter's ``seed`` draws them); only the network's own seed (initialization, batch order)
changes. The first seed's store key is the one Y6 had before it had seeds."""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass

import numpy as np

from hessbook.chapters.y6.params import Y6Params
from hessbook.kit.jobs import Context, StoredJob, Table, context, run_jobs
from hessbook.kit.seeds import SeededResults
from hessbook.papers.yao.networks import Missing
from hessbook.train import TrainConfig

RUN_KIND = "y6-run"
"""Store kind of one (batch size, method): its training run's summary and curves."""
RESULT_VERSION = 1
"""Bumped when :meth:`Y6Run.compute` computes something else: older entries are not reused
(stored under the key's ``result``, :attr:`~hessbook.kit.jobs.StoredJob.VERSION_FIELD`)."""
NUM_CLASSES = 10
"""CIFAR-10's classes: the chance loss ln 10 of :attr:`RunResult.flag`."""
CURVES = ("train_loss", "train_acc", "test_loss", "test_acc")
"""Per-epoch metrics the engine records (eval mode, the whole training subset and the test subset)."""


@dataclass(frozen=True)
class RunResult:
    """One (batch size, method): how training went and where it ended (stored)."""

    method: str
    batch: int
    fraction: float
    """batch / n_train."""
    test_acc: float
    """Accuracy of the final network on the test subset (fraction; 0.1 is chance)."""
    train_acc: float
    final_loss: float
    """Cross-entropy of the final network on the whole training subset (NaN once diverged)."""
    epochs: int
    iterations: int
    stop_reason: str
    diverged_epoch: int | None
    peak_lr: float
    """Largest learning rate of the epochs' last steps (FB: the linearly scaled rate after warm-up)."""
    seconds: float
    epoch: np.ndarray
    """Per-epoch curves, NaN where not recorded (a diverged epoch records no metric)."""
    lr: np.ndarray
    train_loss: np.ndarray
    train_acc_curve: np.ndarray
    test_loss: np.ndarray
    test_acc_curve: np.ndarray
    seed: int = 0
    """The network's seed. A result stored before Y6 had seeds decodes with 0;
    :attr:`Results.runs` gives every result the seed of the job that asked for it."""

    @property
    def diverged(self) -> bool:
        return self.diverged_epoch is not None

    @property
    def flag(self) -> str:
        """The regime flag (:func:`hessbook.regime.flag`): ``"diverged"``, ``"plateau"`` (final
        training loss within 10 % of ln 10, a uniform prediction's) or ``""``. Shown in the run
        table; a flagged baseline or robust run keeps its batch size out of the claim
        (:func:`hessbook.chapters.y6.claims.usable_batches`)."""
        from hessbook import regime

        return regime.flag(self.final_loss, NUM_CLASSES, self.diverged)


@dataclass(frozen=True)
class Results(SeededResults):
    """Everything Y6 computed at one set of parameters."""

    params: Y6Params
    table: Table
    """Every (batch size, method, seed) asked for, with its :class:`RunResult` or why it has none."""

    @functools.cached_property
    def runs(self) -> tuple[RunResult, ...]:
        """Every run of the grid computed: seed by seed, batch sizes ascending, methods in the order
        given. A result stored before Y6 had seeds carries seed 0: each has its job's seed here."""
        return self._trained_for(self.params.epochs)

    @functools.cached_property
    def check_runs(self) -> tuple[RunResult, ...]:
        """The check's runs (``check_epochs``): baseline and robust at the largest batch, trained longer."""
        return self._trained_for(self.params.check_epochs) if self.params.check_epochs else ()

    def _trained_for(self, epochs: int) -> tuple[RunResult, ...]:
        """The computed runs of ``epochs`` epochs, each with its job's seed."""
        return tuple(dataclasses.replace(r.result, seed=r.job.train.seed) for r in self.table
                     if r.ok and r.job.train.max_epochs == epochs)

    def check(self, method: str, seed: int) -> RunResult | None:
        """The check's run of ``method`` in network seed ``seed``, or None."""
        return next((r for r in self.check_runs if (r.method, r.seed) == (method, seed)), None)

    @property
    def missing(self) -> Missing | None:
        """CIFAR-10 is not on this machine (nothing was trained): the first reason, or None."""
        rows = self.table.missing
        return Missing("c1", rows[0].why.split(". ")[0], rows[0].why) if rows else None

    def of(self, method: str, seed: int | None = None) -> list[RunResult]:
        """``method``'s runs of network seed ``seed`` (None: the first), by batch size."""
        seed = self.first_seed if seed is None else seed
        return sorted((r for r in self.runs if r.method == method and r.seed == seed), key=lambda r: r.batch)

    def get(self, method: str, batch: int, seed: int | None = None) -> RunResult | None:
        """The run of (method, batch) in network seed ``seed`` (None: the first), or None."""
        seed = self.first_seed if seed is None else seed
        return next((r for r in self.runs if (r.method, r.batch, r.seed) == (method, batch, seed)), None)

    @property
    def batches(self) -> list[int]:
        return sorted({r.batch for r in self.runs})


# ----------------------------------------------------------------------------- training


def _rule(method: str, P: Y6Params) -> tuple[str, dict]:
    if method == "fb":
        base = int(P.fb_base_batch) if float(P.fb_base_batch).is_integer() else float(P.fb_base_batch)
        return "goyal", {"base_batch_size": base, "warmup_epochs": P.fb_warmup_epochs,
                         "halve_every": P.lr_halve_every or None}
    return ("halve", {"every": P.lr_halve_every}) if P.lr_halve_every else ("constant", {})


def train_config(method: str, batch: int, P: Y6Params, seed: int | None = None,
                 epochs: int | None = None) -> TrainConfig:
    """The training run of one (batch size, method) with network seed ``seed`` (None: the
    chapter's, the first) for ``epochs`` (None: the grid's): everything else equal across the
    grid, the training subset and the test images drawn with the chapter's seed in every seed."""
    from hessbook.data import DataSpec

    rule, rule_params = _rule(method, P)
    robust = {"adversary": P.adversary, "adversary_params": {"eps": P.eps},
              "adversary_mix": P.adversary_mix} if method == "robust" else {}
    return TrainConfig(
        model="c1", model_kwargs={"conv_stride": P.c1_conv_stride},
        data=DataSpec("cifar10", n=P.n_train, subset_seed=P.seed),
        eval_data=DataSpec("cifar10", split="test", n=P.n_test, subset_seed=P.seed + 1),
        batch_size=batch, lr=P.lr, momentum=P.momentum, lr_rule=rule, lr_params=rule_params,
        max_epochs=epochs or P.epochs, seed=P.seed if seed is None else seed, epoch_metrics=CURVES, **robust,
    )


def _curve(history, name: str) -> np.ndarray:
    return np.array([np.nan if h.get(name) is None else float(h[name]) for h in history])


@dataclass(frozen=True)
class Y6Run(StoredJob):
    """One (batch size, method, seed): its training configuration is its key (with the result version)."""

    KIND = RUN_KIND
    RESULT = RunResult
    VERSION = RESULT_VERSION
    VERSION_FIELD = "result"
    train: TrainConfig

    @property
    def method(self) -> str:
        """The way of training the configuration says (:func:`train_config`): FB is Goyal's rule,
        robust has an adversary, the baseline neither."""
        return "fb" if self.train.lr_rule == "goyal" else "robust" if self.train.adversary else "baseline"

    def label(self) -> str:
        return f"Y6 {self.method} B={self.train.batch_size} seed {self.train.seed}"


    def compute(self, ctx: Context) -> RunResult:
        """Train through the store on the chapter's device and evaluate the final network."""
        from hessbook.data import load_data
        from hessbook.train import evaluate, train

        c = self.train
        run = train(c, ctx.store, device=ctx.device)
        net = run.model(ctx.device)
        final_loss, train_acc = evaluate(net, load_data(c.data, ctx.device), ctx.device)
        _, test_acc = evaluate(net, load_data(c.eval_data, ctx.device), ctx.device)
        h = run.history
        return RunResult(
            method=self.method, batch=c.batch_size, fraction=c.batch_size / c.data.n, test_acc=float(test_acc),
            train_acc=float(train_acc), final_loss=float(final_loss), epochs=int(run.epochs),
            iterations=int(run.iterations), stop_reason=str(run.stop_reason), diverged_epoch=run.diverged_epoch,
            peak_lr=float(max(_curve(h, "lr"))), seconds=float(run.seconds), epoch=_curve(h, "epoch"),
            lr=_curve(h, "lr"), train_loss=_curve(h, "train_loss"), train_acc_curve=_curve(h, "train_acc"),
            test_loss=_curve(h, "test_loss"), test_acc_curve=_curve(h, "test_acc"), seed=c.seed,
        )


CHECKED = ("baseline", "robust")
"""The methods the check (``check_epochs``) trains again at the largest batch."""


def jobs(P: Y6Params) -> list[Y6Run]:
    """Every (method, batch, seed): seed by seed, batch sizes ascending, methods in the order given;
    then the check's runs (baseline and robust at the largest batch, ``check_epochs``), if any."""
    grid = [Y6Run(train_config(m, b, P, s)) for s in P.seeds for b in P.batch_sizes for m in P.methods]
    check = [Y6Run(train_config(m, max(P.batch_sizes), P, s, P.check_epochs))
             for s in P.seeds for m in CHECKED if m in P.methods] if P.check_epochs else []
    return grid + check


def run(P: Y6Params, store=None) -> Results:
    """Every (batch size, method) in every seed of ``P.seeds`` as an independent job on the Dask
    sweep (``HESSBOOK_CLUSTER`` says where), on the device ``P.device`` names. Without CIFAR-10
    every row says why."""
    return Results(P, run_jobs(jobs(P), context(P.device, store)))
