"""Y6's stored computations: one training run per (batch size, method), each an independent
job on the Dask sweep, trained through :func:`hessbook.train.train` and then evaluated."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np
import torch

from hessbook.chapters.y6.params import Y6Params
from hessbook.papers.yao.networks import Missing, data_missing

RUN_KIND = "y6-run"
"""Store kind of one (batch size, method): its training run's summary and curves."""
RESULT_VERSION = 1
"""Bumped when :func:`compute_run` computes something else: older entries are not reused."""
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

    @property
    def diverged(self) -> bool:
        return self.diverged_epoch is not None


@dataclass(frozen=True)
class Results:
    """Everything Y6 computed at one set of parameters."""

    params: Y6Params
    runs: tuple[RunResult, ...]
    """Every (batch size, method), batch sizes ascending, methods in the order given."""
    missing: Missing | None = None
    """CIFAR-10 is not on this machine (nothing was trained)."""

    def of(self, method: str) -> list[RunResult]:
        """``method``'s runs, by batch size."""
        return sorted((r for r in self.runs if r.method == method), key=lambda r: r.batch)

    def get(self, method: str, batch: int) -> RunResult | None:
        return next((r for r in self.runs if r.method == method and r.batch == batch), None)

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


def train_config(method: str, batch: int, P: Y6Params):
    """The training run of one (batch size, method): everything else equal across the grid."""
    from hessbook.data import DataSpec
    from hessbook.train import TrainConfig

    rule, rule_params = _rule(method, P)
    robust = {"adversary": P.adversary, "adversary_params": {"eps": P.eps},
              "adversary_mix": P.adversary_mix} if method == "robust" else {}
    return TrainConfig(
        model="c1", model_kwargs={"conv_stride": P.c1_conv_stride},
        data=DataSpec("cifar10", n=P.n_train, subset_seed=P.seed),
        eval_data=DataSpec("cifar10", split="test", n=P.n_test, subset_seed=P.seed + 1),
        batch_size=batch, lr=P.lr, momentum=P.momentum, lr_rule=rule, lr_params=rule_params,
        max_epochs=P.epochs, seed=P.seed, epoch_metrics=CURVES, **robust,
    )


def run_key(method: str, batch: int, P: Y6Params) -> dict:
    """The inputs that determine one run's result (the store key)."""
    return {"train": train_config(method, batch, P), "result": RESULT_VERSION}


def _curve(history, name: str) -> np.ndarray:
    return np.array([np.nan if h.get(name) is None else float(h[name]) for h in history])


def compute_run(method: str, batch: int, P: Y6Params, store, device: torch.device) -> RunResult:
    """Train one (batch size, method) through the store and evaluate the final network, on
    ``device`` (the chapter's). Top-level, so a sweep can send it to a worker."""
    from hessbook.data import load_data
    from hessbook.train import evaluate, train

    config = train_config(method, batch, P)
    run = train(config, store, device=device)
    net = run.model(device)
    final_loss, train_acc = evaluate(net, load_data(config.data, device), device)
    _, test_acc = evaluate(net, load_data(config.eval_data, device), device)
    h = run.history
    return RunResult(
        method=method, batch=batch, fraction=batch / P.n_train, test_acc=float(test_acc),
        train_acc=float(train_acc), final_loss=float(final_loss), epochs=int(run.epochs),
        iterations=int(run.iterations), stop_reason=str(run.stop_reason), diverged_epoch=run.diverged_epoch,
        peak_lr=float(max(_curve(h, "lr"))), seconds=float(run.seconds), epoch=_curve(h, "epoch"),
        lr=_curve(h, "lr"), train_loss=_curve(h, "train_loss"), train_acc_curve=_curve(h, "train_acc"),
        test_loss=_curve(h, "test_loss"), test_acc_curve=_curve(h, "test_acc"),
    )


def plan_jobs(P: Y6Params) -> list:
    """Every (batch size, method) job :func:`run` sweeps."""
    from hessbook.kit.swept import Planned

    return [Planned(RUN_KIND, run_key(m, b, P), f"Y6 {m} B={b}") for b in P.batch_sizes for m in P.methods]


def run(P: Y6Params, store=None) -> Results:
    """Every (batch size, method) as an independent job on the Dask sweep
    (``HESSBOOK_CLUSTER`` says where), on the device ``P.device`` names. Without CIFAR-10
    nothing runs and the reason is kept."""
    from hessbook.device import pick_device
    from hessbook.kit.swept import cached_all, stored_job
    from hessbook.store import default_store

    gone = data_missing("c1")
    if gone is not None:
        return Results(P, (), gone)
    store = store or default_store()
    device = pick_device(P.device)
    grid = [(m, b) for b in P.batch_sizes for m in P.methods]
    jobs = [stored_job(RUN_KIND, run_key(m, b, P), partial(compute_run, m, b, P, store), RunResult,
                       label=f"Y6 {m} B={b}", device=device) for m, b in grid]
    return Results(P, tuple(cached_all(jobs, RunResult, store)))
