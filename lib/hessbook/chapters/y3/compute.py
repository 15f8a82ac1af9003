"""Y3's stored runs: each (model, batch size, clean or robust), in each network seed, trained
through the store with lambda1 of the weight Hessian and the total gradient norm recorded along
the way, one job each on the Dask sweep."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hessbook.chapters.y3.paper import DATASET
from hessbook.chapters.y3.params import Y3Params
from hessbook.kit.jobs import Context, StoredJob, Table, context, run_jobs
from hessbook.kit.seeds import SeededResults, seed_case
from hessbook.papers.yao.networks import Missing, missing_models
from hessbook.train import TrainConfig

KIND = "y3-run"
METRICS = ("train_loss", "train_acc", "grad_norm", "hessian_lambda1", "hessian_lambda1_residual")
NUM_CLASSES = 10
"""MNIST's and CIFAR-10's classes: the chance loss ln 10 of :attr:`Curves.flag`."""


@dataclass(frozen=True)
class Curves:
    """One run's records (stored): at the ``early_record_epochs``, every ``record_epochs`` epochs
    and the first epoch reaching each of the ``loss_records`` levels, on the whole training subset,
    in eval mode."""

    model: str
    batch: int
    robust: bool
    seed: int
    """The network's seed (initialization, batch order); the training subset is the chapter's."""
    epochs: np.ndarray
    lambda1: np.ndarray
    """Dominant eigenvalue of the Hessian of the clean training loss (Lanczos)."""
    residual: np.ndarray
    """Lanczos relative residual of each lambda1."""
    grad_norm: np.ndarray
    """Norm of the gradient of the clean mean training loss ("total gradient")."""
    train_loss: np.ndarray
    train_acc: np.ndarray
    stop_reason: str

    @property
    def label(self) -> str:
        """The run's (model, batch, robust); :meth:`Results.name` adds the seed where several ran."""
        return f"{self.model.upper()} B={self.batch}{' robust' if self.robust else ''}"

    def tail(self, k: int) -> float:
        """Mean lambda1 over the last ``k`` records (one record is noisy)."""
        return float(np.mean(self.lambda1[-k:]))

    @property
    def final_loss(self) -> float:
        """The clean training loss of the last record (NaN without one)."""
        return float(self.train_loss[-1]) if len(self.train_loss) else float("nan")

    @property
    def flag(self) -> str:
        """The regime flag (:func:`hessbook.regime.flag`): ``"diverged"``, ``"plateau"`` (final clean
        training loss within 10 % of ln 10) or ``""``. A flagged run enters no ratio of the claims."""
        from hessbook import regime

        return regime.flag(self.final_loss, NUM_CLASSES, self.stop_reason == "diverged")

    def steps(self, n_train: int) -> int:
        """SGD steps up to the last record (whole epochs of ``n_train`` images at this batch size)."""
        from hessbook import regime

        return regime.steps_taken(int(self.epochs[-1]), n_train, self.batch) if len(self.epochs) else 0


@dataclass(frozen=True)
class Results(SeededResults):
    params: Y3Params
    table: Table
    """Every run asked for, with its :class:`Curves` or why it has none (:mod:`hessbook.kit.jobs`)."""

    @property
    def runs(self) -> tuple[Curves, ...]:
        return self.table.results

    @property
    def missing(self) -> tuple[Missing, ...]:
        """Models with a run not computed, each once, with the first reason (no data here)."""
        return missing_models(self.table.missing)

    def name(self, r: Curves) -> str:
        """``r``'s name in tables and cases: ``"M1 B=16 robust"``, with ``" · seed 1"`` where several
        seeds ran."""
        return seed_case(r.label, r.seed, self.seeds)

    def get(self, model: str, batch: int, robust: bool, seed: int | None = None) -> Curves | None:
        """The run of (model, batch, robust) in network seed ``seed`` (None: the first seed)."""
        seed = self.seeds[0] if seed is None else seed
        return next((r for r in self.runs if (r.model, r.batch, r.robust, r.seed) == (model, batch, robust, seed)),
                    None)

    @property
    def models(self) -> list[str]:
        return [m for m in self.params.models if any(r.model == m for r in self.runs)]


def train_config(model: str, batch: int, robust: bool, P: Y3Params, seed: int | None = None):
    """The run of (model, batch, robust) in network seed ``seed`` (None: the chapter's ``seed``, the
    first): the same conditions for all but the batch and the adversary, the same training subset
    in every seed."""
    from hessbook.data import DataSpec
    from hessbook.train import TrainConfig

    return TrainConfig(
        model=model, model_kwargs={"conv_stride": P.c1_conv_stride} if model == "c1" else {},
        data=DataSpec(DATASET[model], n=P.n_train, subset_seed=P.seed), batch_size=batch, lr=P.lr,
        momentum=P.momentum, max_epochs=P.epochs, loss_target=P.loss_target, seed=P.seed if seed is None else seed,
        epoch_metrics=METRICS,
        record_every=P.record_every(batch), record_also=P.record_also(batch), record_below=tuple(P.loss_records),
        adversary=P.robust_attack if robust else None,
        adversary_params={"eps": P.eps(model)} if robust else {},
    )


@dataclass(frozen=True)
class Y3Run(StoredJob):
    """One run (a job): its training configuration is its whole key."""

    KIND = KIND
    RESULT = Curves
    VERSION = 2
    """2: the curves record their network's seed (Y3 runs every seed, issue 29)."""
    train: TrainConfig

    def label(self) -> str:
        c = self.train
        return f"Y3 {c.model.upper()} B={c.batch_size}{' robust' if c.adversary else ''} seed {c.seed}"

    def trains(self) -> tuple[TrainConfig, ...]:
        """The run's training, trained before the job (the seeds of a clean run, which differ only
        in their seed, as one group where grouping pays: :mod:`hessbook.train_grouped`); the job
        then reads its records from the store."""
        return (self.train,)

    def compute(self, ctx: Context) -> Curves:
        """Train the run through the store on the chapter's device and keep its records."""
        from hessbook.train import train

        c = self.train
        run = train(c, ctx.store, ctx.device)
        h = [e for e in run.history if "hessian_lambda1" in e]

        def col(name: str) -> np.ndarray:
            return np.array([e[name] for e in h], dtype=float)

        return Curves(c.model, c.batch_size, c.adversary is not None, c.seed, col("epoch"), col("hessian_lambda1"),
                      col("hessian_lambda1_residual"), col("grad_norm"), col("train_loss"), col("train_acc"),
                      str(run.stop_reason))


def jobs(P: Y3Params) -> list[Y3Run]:
    """Every run the chapter asks for, in the order of :meth:`Y3Params.runs`, each in every seed."""
    return [Y3Run(train_config(m, b, r, P, s)) for m, b, r in P.runs() for s in P.seeds]


def run(P: Y3Params, store=None) -> Results:
    """Every run whose data is here (jobs on the sweep), on the device ``P.device`` names."""
    return Results(P, run_jobs(jobs(P), context(P.device, store)))
