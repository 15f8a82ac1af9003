"""Y1's stored computations: train each (model, batch size, seed) through the store, then compute
every column of Y's tables on the training and the test set (one stored result per network).

Every seed of a (model, batch size) trains on the same training subset and is measured on the
same images (the chapter's ``seed`` draws them); only the network's own seed (initialization,
batch order) changes. The first seed's store key is the one Y1 had before it had seeds."""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass

import numpy as np
import torch

from hessbook.chapters.y1.paper import EPS
from hessbook.chapters.y1.params import Y1Params
from hessbook.kit.jobs import Context, StoredJob, Table, context, run_jobs
from hessbook.kit.seeds import SeededResults
from hessbook.papers.yao.networks import Count, Missing, first, missing_models, train_config
from hessbook.papers.yao.paper import DATASET
from hessbook.papers.yao.regime import short_of_target
from hessbook.train import TrainConfig

NUM_CLASSES = {"cifar10": 10, "cifar100": 100, "mnist": 10}
"""Classes per dataset: the chance loss ln c of :func:`run_flag`."""
CASE_KIND = "y1-model"
"""Store kind of one (model, batch size)'s columns."""
COLUMNS_VERSION = 4
"""Bumped when :func:`_columns` computes more or differently (3: top-k solver chosen by ``topk_solver``;
4: Hessian products through the retained graph of the one Hessian batch, issue 18, and the solvers'
seconds): stored results of older versions are not reused."""


# ----------------------------------------------------------------------------- results


@dataclass(frozen=True)
class ModelResult:
    """One (model, batch size): Y's columns on the training and the test set (stored)."""

    model: str
    batch: int
    final_loss: float
    epochs: int
    stop_reason: str
    acc: tuple[float, float]
    """(train, test) clean accuracy in percent, on ``n_eval`` samples each."""
    lambda_theta: tuple[float, float]
    """Our Lanczos lambda1 of the weight Hessian, (train, test) on ``n_hessian`` samples."""
    power_lambda: tuple[float, float]
    """Y's power iteration (relative change < power_tol), (train, test)."""
    power_products: tuple[int, int]
    lanczos_products: tuple[int, int]
    top_eigenvalues: np.ndarray
    """Top-k eigenvalues of the training-set Hessian (Fig 1), descending."""
    lambda_x: tuple[float, float]
    """Mean over samples of lambda1 of the input Hessian (exact low-rank path), (train, test)."""
    grad_x: tuple[float, float]
    """Mean over samples of ||grad_x loss||, (train, test)."""
    fgsm: tuple[tuple[float, float], tuple[float, float]]
    """FGSM accuracy in percent at (eps_hi, eps_lo), each (train, test)."""
    eps: tuple[float, float]
    lambda_x_median: tuple[float, float] = (float("nan"), float("nan"))
    """Median over samples of lambda1^x, (train, test): a mean can be carried by a few samples."""
    lanczos_seconds: tuple[float, float] = (float("nan"), float("nan"))
    """Wall time of the top-k solver, (train, test), on the machine that computed it."""
    power_seconds: tuple[float, float] = (float("nan"), float("nan"))
    """Wall time of Y's power iteration, (train, test)."""
    seed: int = 0
    """The network's seed. A result stored before Y1 had seeds decodes with 0;
    :attr:`Results.networks` relabels every result with the seed of the job that asked for it."""


def run_flag(r: ModelResult) -> str:
    """The regime flag of a network (:func:`hessbook.regime.flag`): ``"diverged"``, ``"plateau"``
    (final training loss within 10 % of ln c, the loss of a uniform prediction over the dataset's
    c classes) or ``""``. Shown in the tables; a flagged network enters no trend
    (:meth:`Results.usable`)."""
    from hessbook import regime

    return regime.flag(r.final_loss, NUM_CLASSES[DATASET[r.model]], r.stop_reason == "diverged")


def run_steps(r: ModelResult, P: Y1Params) -> int:
    """SGD steps the network took: its epochs times the batches of its training subset."""
    from hessbook import regime

    return regime.steps_taken(r.epochs, P.n_train(r.model), r.batch)


def run_label(r: ModelResult) -> str:
    return f"{r.model.upper()} B={r.batch} seed {r.seed}"


def trained_run(r: ModelResult, P: Y1Params):
    """The network as a row of the run table (:class:`hessbook.regime.TrainedRun`): steps, final
    training loss, test accuracy (on ``n_eval`` test images), flag."""
    from hessbook import regime

    return regime.TrainedRun(run_label(r), run_steps(r, P), r.final_loss, NUM_CLASSES[DATASET[r.model]],
                             r.acc[1], r.stop_reason == "diverged")


@dataclass(frozen=True)
class Results(SeededResults):
    """Everything Y1 computed at one set of parameters."""

    params: Y1Params
    table: Table
    """Every (model, batch size, seed) asked for, seed by seed, each in the order of ``models`` and
    ``batch_sizes``, with its :class:`ModelResult` or why it has none (:mod:`hessbook.kit.jobs`)."""
    trimmed: Table = Table(())
    """Each network's :class:`TrimmedLambda` (a diagnostic beside Y's
    columns, not graded), where computed."""

    @functools.cached_property
    def _trimmed_by_network(self) -> dict[tuple[str, int, int], TrimmedLambda]:
        return {(row.job.train.model, row.job.train.batch_size, row.job.train.seed): row.result
                for row in self.trimmed if row.ok}

    def trimmed_of(self, r: ModelResult) -> TrimmedLambda | None:
        """``r``'s :class:`TrimmedLambda`, or None."""
        return self._trimmed_by_network.get((r.model, r.batch, r.seed))

    @functools.cached_property
    def networks(self) -> tuple[ModelResult, ...]:
        """Every network computed, in the table's order. A result stored before Y1 had seeds
        decodes with seed 0: each carries the network seed of the job that asked for it."""
        return tuple(dataclasses.replace(r.result, seed=r.job.train.seed) for r in self.table if r.ok)

    @property
    def missing(self) -> tuple[Missing, ...]:
        """Models with a network not computed, each once, with the first reason (no data here)."""
        return missing_models(self.table.missing)

    def of(self, model: str) -> list[ModelResult]:
        """``model``'s networks in the first seed, by batch size (what a one-seed reader wants;
        :meth:`in_seed` for another seed)."""
        return self.in_seed(model, self.first_seed)

    def in_seed(self, model: str, seed: int) -> list[ModelResult]:
        """``model``'s networks of network seed ``seed``, by batch size."""
        return sorted((r for r in self.networks if r.model == model and r.seed == seed), key=lambda r: r.batch)

    def usable(self, model: str, seed: int) -> list[ModelResult]:
        """``model``'s networks of network seed ``seed`` that left their initial plateau, did not
        diverge (:func:`run_flag`) and were not stopped by the epoch cap above the loss target
        (:meth:`capped`), by batch size: the only ones a trend reads."""
        return [r for r in self.in_seed(model, seed) if not run_flag(r) and not self.capped(r)]

    def capped(self, r: ModelResult) -> bool:
        """``r`` stopped on the epoch cap with its training loss above the loss target: not at Y's
        training loss (:func:`hessbook.papers.yao.regime.short_of_target`), so in no statistic. A
        network on its plateau or diverged carries that flag instead (:func:`run_flag`)."""
        return not run_flag(r) and short_of_target(r.stop_reason, r.final_loss, self.params.loss_target)

    def capped_networks(self, models) -> list[ModelResult]:
        """The networks of ``models`` (every seed) the epoch cap stopped above the loss target."""
        return [r for r in self.networks if r.model in models and self.capped(r)]

    def flagged(self, models) -> list[ModelResult]:
        """The networks of ``models`` (every seed) that no statistic reads (:func:`run_flag`)."""
        return [r for r in self.networks if r.model in models and run_flag(r)]

    def seeds_of(self, model: str) -> list[int]:
        """The seeds of :attr:`seeds` in which ``model`` has networks."""
        return [s for s in self.seeds if self.in_seed(model, s)]

    def ran(self, model: str) -> bool:
        return any(r.model == model for r in self.networks)

    def missing_of(self, model: str) -> Missing | None:
        return next((m for m in self.missing if m.model == model), None)

    def absent(self, models, unselected: bool = True) -> str:
        """Why those of ``models`` that did not run have no result: the files and the variable
        the data layer names, or (``unselected``) that the model was not selected."""
        why = []
        for m in (m for m in models if not self.ran(m)):
            gone = self.missing_of(m)
            if gone is not None:
                why.append(f"{m.upper()}: data not on this machine ({gone.detail})")
            elif unselected and m not in self.params.models:
                why.append(f"{m.upper()}: model not selected at this scale")
        return "; ".join(why)


# ----------------------------------------------------------------------------- computing


@dataclass(frozen=True)
class _Columns:
    """One split's columns."""

    acc: float
    lambda_theta: float
    lanczos_products: int
    lanczos_seconds: float
    top: np.ndarray
    power_lambda: float
    power_products: int
    power_seconds: float
    lambda_x: float
    lambda_x_median: float
    grad_x: float
    fgsm_hi: float
    fgsm_lo: float


def _split_data(job: Y1Case, which: str, device: torch.device):
    """The ``n_eval`` images measured on: of the network's training subset, or of the test set."""
    from hessbook import data as hdata

    data = job.train.data
    if which == "train":
        full = hdata.subset(hdata.load(data.name, "train"), data.n, data.subset_seed)
    else:
        full = hdata.load(data.name, "test")
    part = hdata.subset(full, first(job.n_eval), job.seed + 1)
    return part.inputs(device=device), part.targets(device=device)


def _columns(net, job: Y1Case, which: str, device: torch.device) -> _Columns:
    """One split's columns: accuracy, lambda1^theta (Lanczos and power), lambda1^x, ||grad_x||, FGSM."""
    from hessbook.attacks import accuracy, make_attack, robustness
    from hessbook.curvature import HessianOperator, block_lanczos, input_hessian_exact, lanczos, power_iteration

    x, y = _split_data(job, which, device)
    acc = 100 * accuracy(net, (x, y), batch_size=500)
    xh, yh = x[:first(job.n_hessian)], y[:first(job.n_hessian)]
    op = HessianOperator(net, (xh, yh), batch_size=min(len(xh), 500))
    k = min(job.top_k if which == "train" else 1, op.num_params)
    solve = block_lanczos if job.topk_solver == "block" else lanczos
    lz = solve(op, k=k, tol=job.lanczos_tol, max_dim=max(job.lanczos_max_dim, k), seed=job.seed)
    # the same operator (and retained graph): each solver reports only the products it used
    pw = power_iteration(op, k=1, tol=job.power_tol, max_iter=job.power_max_iter, seed=job.seed)
    ih = input_hessian_exact(net, (x[:first(job.n_input)], y[:first(job.n_input)]), batch_size=50)
    attacks = {"hi": make_attack("fgsm", eps=job.eps[0]), "lo": make_attack("fgsm", eps=job.eps[1])}
    rob = robustness(net, (x, y), attacks, batch_size=500)
    return _Columns(
        acc=float(acc), lambda_theta=float(lz.eigenvalues[0]), lanczos_products=int(lz.n_products),
        lanczos_seconds=float(lz.seconds), top=lz.eigenvalues.cpu().numpy(), power_lambda=float(pw.eigenvalues[0]),
        power_products=int(pw.n_products), power_seconds=float(pw.seconds),
        lambda_x=float(ih.lambda_max.mean()), lambda_x_median=float(ih.lambda_max.median()),
        grad_x=float(ih.grad_norms.mean()), fgsm_hi=100 * float(rob.adversarial["hi"]),
        fgsm_lo=100 * float(rob.adversarial["lo"]),
    )


@dataclass(frozen=True)
class Y1Case(StoredJob):
    """One (model, batch size) in one network seed (a job): its training run and what its columns
    are computed with. Only the training run depends on the network's seed (``train.seed``);
    ``seed`` is the chapter's, which draws the images measured on. It declares its network, so
    the seeds of one (model, batch) train as one group where that pays (:mod:`hessbook.train_grouped`)."""

    KIND = CASE_KIND
    RESULT = ModelResult
    VERSION = COLUMNS_VERSION
    VERSION_FIELD = "columns"
    train: TrainConfig
    n_eval: Count
    n_hessian: Count
    n_input: Count
    top_k: int
    lanczos_tol: float
    lanczos_max_dim: int
    topk_solver: str
    power_tol: float
    power_max_iter: int
    eps: tuple[float, float]
    """FGSM's (eps_hi, eps_lo) of the model's dataset (:data:`~hessbook.chapters.y1.paper.EPS`)."""
    seed: int

    def label(self) -> str:
        return f"Y1 {self.train.model.upper()} B={self.train.batch_size} seed {self.train.seed}"

    def trains(self) -> tuple[TrainConfig, ...]:
        return (self.train,)


    def compute(self, ctx: Context) -> ModelResult:
        """Train the network through the store (or load it), then every column of Y's tables."""
        from hessbook.train import train

        run = train(self.train, ctx.store, ctx.device)
        net = run.model(ctx.device).eval()
        tr, te = (_columns(net, self, which, ctx.device) for which in ("train", "test"))

        def pair(name: str) -> tuple:
            return getattr(tr, name), getattr(te, name)

        return ModelResult(
            model=self.train.model, batch=self.train.batch_size,
            final_loss=float(run.history[-1].get("train_loss", float("nan"))), epochs=int(run.epochs),
            stop_reason=str(run.stop_reason), acc=pair("acc"), lambda_theta=pair("lambda_theta"),
            power_lambda=pair("power_lambda"), power_products=pair("power_products"),
            lanczos_products=pair("lanczos_products"), top_eigenvalues=tr.top, lambda_x=pair("lambda_x"),
            grad_x=pair("grad_x"), fgsm=(pair("fgsm_hi"), pair("fgsm_lo")), eps=self.eps,
            lambda_x_median=pair("lambda_x_median"), lanczos_seconds=pair("lanczos_seconds"),
            power_seconds=pair("power_seconds"), seed=self.train.seed,
        )


# ----------------------------------------------------------------------------- the diagnostic

# Whose curvature is lambda1^theta on the training set?
#
# At Y's training loss 1e-3 most training samples are fitted with a loss near 0, and a sample's
# Hessian shrinks with its loss (the Gauss-Newton term carries p (1 - p)). The Hessian of the mean
# loss on ``n_hessian`` training images can then be carried by the few samples the network still
# fits worst: measured at cpu scale, one of C2's 256 samples at B = 16 (loss 0.07 against a mean of
# 8e-4) held three quarters of its lambda1^theta. That is a property of the network too, but not the
# one Y's sentence is about ("large batch converges to areas of larger curvature"), so we show
# beside Y's column the top eigenvalue of the same sum of per-sample Hessians without the ``n_trim``
# highest-loss samples. It is not graded (the claims read Y's column only): it says whether a
# trend that did not hold is carried by a handful of samples.

TRIMMED_KIND = "y1-trimmed"
"""Store kind of a network's diagnostic (:class:`Y1Trimmed`)."""
N_TRIM = 10
"""Highest-loss samples left out of the diagnostic Hessian (of Y1's ``n_hessian``; at most a
quarter of them, for the smoke scale's few)."""


@dataclass(frozen=True)
class TrimmedLambda:
    """lambda1^theta of the training-set Hessian without its ``n_trim`` highest-loss samples."""

    lambda_trimmed: float
    """Top eigenvalue of (1/n) sum of the per-sample Hessians of the n - n_trim samples kept (n =
    ``n_hessian``): what the rest contributes to Y's lambda1^theta, on Y's scale."""
    converged: bool
    products: int
    n_samples: int
    """n: the Hessian's samples (Y1's ``n_hessian``, the same images as its lambda1^theta)."""
    top_losses: np.ndarray
    """The ``n_trim`` highest per-sample losses, descending (eval mode)."""
    loss_share: float
    """Their share of the n samples' summed loss."""
    mean_loss: float
    """Mean loss over the n samples."""


@dataclass(frozen=True)
class Y1Trimmed(StoredJob):
    """The diagnostic of one trained network (a job). Its training set images, Hessian samples and
    Lanczos settings are those of the network's :class:`Y1Case`."""

    KIND = TRIMMED_KIND
    RESULT = TrimmedLambda
    VERSION = 1
    train: TrainConfig
    n_eval: Count
    n_hessian: Count
    n_trim: int
    lanczos_tol: float
    lanczos_max_dim: int
    seed: int

    def label(self) -> str:
        return f"Y1 {self.train.model.upper()} B={self.train.batch_size} seed {self.train.seed}: λ1θ without outliers"

    def trains(self) -> tuple[TrainConfig, ...]:
        return (self.train,)

    def compute(self, ctx: Context) -> TrimmedLambda:
        from hessbook.train import train

        net = train(self.train, ctx.store, ctx.device).model(ctx.device).eval()
        x, y = _split_data(self, "train", ctx.device)
        n = first(self.n_hessian)
        return trimmed_lambda(net, x[:n], y[:n], self.n_trim, self.lanczos_tol, self.lanczos_max_dim, self.seed)


def trimmed_lambda(net: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, n_trim: int, tol: float, max_dim: int,
                   seed: int = 0) -> TrimmedLambda:
    """lambda1 of (1/n) sum of the per-sample loss Hessians of ``net`` over the n = len(x) samples
    but the ``n_trim`` of highest loss (Lanczos to relative residual ``tol``)."""
    from hessbook.curvature import HessianOperator, lanczos

    if not 0 <= n_trim < len(x):
        raise ValueError(f"n_trim = {n_trim}: accepted 0..{len(x) - 1} (the samples are {len(x)})")
    losses = per_sample_losses(net, x, y)
    order = torch.argsort(losses, descending=True)
    keep = order[n_trim:].sort().values.to(x.device)
    op = HessianOperator(net, (x[keep], y[keep]), batch_size=min(len(keep), 500))
    r = lanczos(op, k=1, tol=tol, max_dim=max_dim, seed=seed)
    top = losses[order[:n_trim]]
    return TrimmedLambda(float(r.eigenvalues[0]) * len(keep) / len(x), bool(r.converged), int(r.n_products), len(x),
                         top.numpy(), float(top.sum() / losses.sum()), float(losses.mean()))


def per_sample_losses(net: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, batch: int = 500) -> torch.Tensor:
    """Cross-entropy of each sample (float64 on the CPU), the network as it is (eval mode),
    ``batch`` samples a pass (the attacks' :func:`~hessbook.attacks._common.per_sample_loss`)."""
    from hessbook.attacks._common import per_sample_loss

    with torch.no_grad():
        parts = [per_sample_loss(net, x[i:i + batch], y[i:i + batch]) for i in range(0, len(x), batch)]
    return torch.cat(parts).double().cpu()


def trimmed_job(case: Y1Case) -> Y1Trimmed:
    """The diagnostic of a :class:`Y1Case`'s network."""
    n = first(case.n_hessian)
    return Y1Trimmed(case.train, case.n_eval, case.n_hessian, N_TRIM if n is None else min(N_TRIM, n // 4),
                     case.lanczos_tol, case.lanczos_max_dim, case.seed)


def case_job(model: str, batch: int, P: Y1Params, seed: int | None = None) -> Y1Case:
    """The job of (model, batch) in network seed ``seed`` (None: the chapter's, the first, whose
    store key is the one Y1 had before it had seeds)."""
    return Y1Case(train_config(model, batch, P.runs, seed), P.n_eval, P.n_hessian, P.n_input, P.top_k,
                  P.lanczos_tol, P.lanczos_max_dim, P.topk_solver, P.power_tol, P.power_max_iter,
                  EPS[DATASET[model]], P.seed)


def case_jobs(P: Y1Params) -> list[Y1Case]:
    """Every selected (model, batch size) in every seed of ``P.seeds``, seed by seed."""
    return [case_job(m, b, P, s) for s in P.seeds for m in P.models for b in P.sizes(m)]


def jobs(P: Y1Params) -> list:
    """Every job of :func:`run`: the cases (:func:`case_jobs`), then each one's diagnostic
    (:class:`Y1Trimmed`), in the same order."""
    cases = case_jobs(P)
    return [*cases, *(trimmed_job(c) for c in cases)]


def run(P: Y1Params, store=None) -> Results:
    """Every job whose data is here, on the sweep (``HESSBOOK_CLUSTER`` says where), on the device
    ``P.device`` names; the seeds of one (model, batch) first train as one group where that pays."""
    every = jobs(P)
    n_cases = len(every) // 2  # jobs(): the cases, then one diagnostic each
    table = run_jobs(every, context(P.device, store))
    return Results(P, Table(table.rows[:n_cases]), Table(table.rows[n_cases:]))
