"""K's grid, shared by K1 and K2: one stored job per (case, setting, momentum, batch size).

A job trains the network through :func:`hessbook.train.train`, then measures on the trained
network (eval mode): test accuracy, FGSM and PGD-40 test accuracy at K's radius, and lambda1
of the training-loss Hessian (Lanczos, certified by its residual). The store key is the
:class:`~hessbook.train.TrainConfig` plus the measurement settings (the fields of :class:`KRun`),
so K1 and K2 share every job they have in common (LR and LR/BS at momentum 0 are in both)
as long as their :class:`KGrid` blocks are equal (a test keeps each scale's files equal).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hessbook.papers.kamath.paper import (
    BENCHMARK_HALVE_EVERY,
    BENCHMARK_MOMENTUM,
    CASES,
    K_TRAIN_SIZE,
    LR,
    LR_BS_RATIO,
    SETTING_LABEL,
    SETTINGS,
)
from hessbook.kit.jobs import Context, Row, StoredJob, Table, context, run_jobs
from hessbook.kit.seeds import n_seeds_spec, network_seeds, seed_case
from hessbook.lr import epochs_in_images_seen
from hessbook.params import ParameterError, spec
from hessbook.train import TrainConfig

JOB_KIND = "kamath-run"
"""Store kind of one job's measurements (K1 and K2 alike)."""
MEASURE_VERSION = 2
"""Bumped when :meth:`KRun.compute` measures differently: older stored results are not reused
(2: each test image's outcome stored, for paired comparisons; 1 stored accuracies only)."""
NARROWED = ("m1k", "c1")
"""The models :attr:`KGrid.width` narrows (StdCNN keeps its printed width)."""
PGD_STEP_FACTOR = 2.5
"""PGD step size = 2.5 eps / steps (Madry et al.'s rule; K gives only the 40 steps)."""


# ----------------------------------------------------------------------------- the block


@dataclass(frozen=True)
class KGrid:
    """The parameters that determine every job's result, besides the job's own coordinates.
    K1 and K2 hold the same block (flat in their schemas), so they share their stored jobs."""

    batch_sizes: list[int] = field(metadata=spec(gt=0, nonempty=True, distinct=True, doc="batch sizes of every curve "
                                                                          "(K: up to 1024)"))
    n_train_mnist: int = field(metadata=spec(gt=0, le=55000, doc="training subset of K's 55k MNIST and "
                                                                 "Fashion-MNIST split (K: 55000)"))
    n_train_cifar: int = field(metadata=spec(gt=0, le=40000, doc="training subset of K's 40k CIFAR-10 split "
                                                                 "(K: 40000)"))
    epochs_mnist: int = field(metadata=spec(gt=0, doc="epochs on MNIST and Fashion-MNIST (K: 100)"))
    epochs_cifar: int = field(metadata=spec(gt=0, doc="epochs on CIFAR-10 (K: 100)"))
    c1_conv_stride: int = field(metadata=spec(choices=(1, 2), doc="C1 conv stride: 2 as printed, 1 as Y released"))
    resnet18_width: int = field(metadata=spec(gt=0, doc="ResNet18 base width (He et al.: 64)"))
    width: float = field(metadata=spec(gt=0.0, le=1.0, doc=(
        "channel and hidden-unit multiplier of M1-K and C1 (K: 1, as printed; <1: a narrower network of the "
        "same shape, for a CPU). StdCNN keeps its printed width: with 23k weights its cost is not in its width, "
        "and at half width it trains too slowly to leave its plateau")))
    eps_mnist: float = field(metadata=spec(gt=0.0, le=1.0, doc="FGSM and PGD L-inf radius on MNIST and "
                                                              "Fashion-MNIST (K: 0.3)"))
    eps_cifar: float = field(metadata=spec(gt=0.0, le=1.0, doc="FGSM and PGD L-inf radius on CIFAR-10 (K: 0.02)"))
    n_test: int = field(metadata=spec(gt=0, le=10000, doc="test images for accuracy and FGSM (K: 10000)"))
    n_pgd: int = field(metadata=spec(gt=0, le=10000, le_field="n_test", doc="test images for PGD, the first of those (K: 10000)"))
    pgd_steps: int = field(metadata=spec(gt=0, doc="PGD steps (K: 40)"))
    n_hessian: int = field(metadata=spec(gt=0, doc="training images of the Hessian (K: silent; Y: all)"))
    lanczos_tol: float = field(metadata=spec(gt=0.0, lt=1.0, doc="Lanczos relative residual of lambda1"))
    lanczos_max_dim: int = field(metadata=spec(gt=1, doc="cap on Lanczos products per network"))
    n_seeds: int = field(metadata=n_seeds_spec("(case, setting, momentum, batch size)", "K: one run each"))

    @property
    def grid(self) -> KGrid:
        """The block alone (for comparing K1's and K2's)."""
        return KGrid(**{f.name: getattr(self, f.name) for f in dataclasses.fields(KGrid)})

    def n_train(self, dataset: str) -> int:
        return self.n_train_cifar if dataset == "cifar10" else self.n_train_mnist

    def epochs(self, dataset: str) -> int:
        return self.epochs_cifar if dataset == "cifar10" else self.epochs_mnist

    def check_grid(self, cases: list[str]) -> None:
        """Cross-field rules of the block, for the cases a chapter selects."""
        for dataset in sorted({CASES[c].dataset for c in cases}):
            n, key = self.n_train(dataset), "n_train_cifar" if dataset == "cifar10" else "n_train_mnist"
            if max(self.batch_sizes) > n:
                raise ParameterError(f"batch_sizes: {max(self.batch_sizes)} is larger than {key} = {n}; "
                                     f"accepted: 1..{n}")
        smallest = min(self.n_train(CASES[c].dataset) for c in cases)
        if self.n_hessian > smallest:
            raise ParameterError(f"n_hessian = {self.n_hessian}: larger than the smallest training subset "
                                 f"({smallest}); accepted: 1..{smallest}")

    def seeds(self, seed: int) -> list[int]:
        """The network seeds of every job: ``seed`` (the chapter's) and the next ``n_seeds - 1``."""
        return network_seeds(seed, self.n_seeds)

    def eps(self, dataset: str) -> float:
        return self.eps_cifar if dataset == "cifar10" else self.eps_mnist


# ----------------------------------------------------------------------------- one job


@dataclass(frozen=True)
class Run:
    """A job's coordinates."""

    case: str
    setting: str
    momentum: float
    batch: int
    seed: int = 0
    """The network's seed (initialization, data order, augmentation, PGD's random start); the
    training subset and the images measured on follow the chapter's seed, the same in every seed."""

    def __post_init__(self) -> None:
        if self.case not in CASES or self.setting not in SETTINGS:
            raise ParameterError(f"Run({self.case!r}, {self.setting!r}): accepted cases {', '.join(CASES)}; "
                                 f"settings {', '.join(SETTINGS)}")
        if self.setting == "benchmark" and self.momentum != BENCHMARK_MOMENTUM:
            raise ParameterError(f"Benchmark has momentum {BENCHMARK_MOMENTUM}, not {self.momentum}")

    @property
    def label(self) -> str:
        return (f"{CASES[self.case].label}, {SETTING_LABEL[self.setting]} m={self.momentum:g}, B={self.batch}, "
                f"seed {self.seed}")


def model_kwargs(case: str, grid: KGrid) -> dict:
    """The case's model at the grid's widths (``width`` is named only when it is not 1, so the
    printed networks keep their store keys)."""
    c = CASES[case]
    if c.model == "resnet18":
        return {"num_classes": 10, "width": grid.resnet18_width}
    narrower = {"width": grid.width} if grid.width != 1.0 and c.model in NARROWED else {}
    if c.model == "c1":
        return {"conv_stride": grid.c1_conv_stride, **narrower}
    return {"normalization": c.dataset, **narrower}


def benchmark_halve_every(dataset: str, n_train: int) -> int:
    """Epochs between the Benchmark's halvings on ``n_train`` images: K's 5 epochs of K's
    training split, counted in images seen (5 x 55,000 images on MNIST), so that the rate is the
    same function of the images a network has seen as in K at every scale (5 at the paper scale).

    Why: K's schedule is in epochs of 55,000 images; on 512 images its literal form halves the
    rate every 40 steps at B = 64, and StdCNN then stayed on its initial plateau (2 of 3 seeds at
    cpu, measured 2026-12-03) -- a regime K's networks, which take 4,300 steps at the first rate,
    never see. See :func:`hessbook.papers.kamath.regime.criteria`."""
    return epochs_in_images_seen(BENCHMARK_HALVE_EVERY, K_TRAIN_SIZE[dataset], n_train)


def benchmark_halves_within(dataset: str, n_train: int, epochs: int) -> bool:
    """Whether the Benchmark halves its rate within a run of ``epochs`` on ``n_train`` images
    (:func:`benchmark_halve_every`); where it does not, it is LR with momentum 0.9 (:func:`train_config`)."""
    return benchmark_halve_every(dataset, n_train) < epochs


def lr_rule(setting: str, batch: int, halve_every: int = BENCHMARK_HALVE_EVERY) -> tuple[float, str, dict]:
    """K's three settings as (lr, :mod:`hessbook.lr` rule, its parameters); ``halve_every``: the
    Benchmark's epochs between halvings (:func:`benchmark_halve_every`).

    LR/BS is written as its effective constant rate, ``ratio * batch`` (rounded to 12 digits),
    rather than as the ``lr_bs`` rule: then LR/BS at B = 64 (0.00015625 x 64 = 0.01) is the
    very training run of LR at B = 64, one stored network instead of two identical ones."""
    if setting == "lr":
        return LR, "constant", {}
    if setting == "lr_bs":
        return round(LR_BS_RATIO * batch, 12), "constant", {}
    return LR, "halve", {"every": halve_every, "factor": 0.5}


def lr_bs_is_lr(batch: int) -> bool:
    """LR/BS's rate at ``batch`` is LR's (0.00015625 x 64 = 0.01): the two settings' runs there are
    one stored network (:func:`lr_rule`)."""
    return lr_rule("lr_bs", batch)[0] == lr_rule("lr", batch)[0]


def train_config(run: Run, grid: KGrid, seed: int):
    """The training run of one job: K's setting on a subset of K's training split (drawn with the
    chapter's ``seed``; the network's own seed is ``run.seed``).

    One record, at the end of training (``record_every`` = every SGD step of the run): K's
    measurements read the final training loss only, and a record every epoch evaluated the whole
    training subset 100 times: 1.20x (M1-K, batch 64) to 1.31x (ResNet18, batch 32) the time of
    training with one record (``bench/record_every.py``, groups of 6 on 2 cores). The evaluation
    runs in eval mode on no random stream, so the trained network is the same to the bit either
    way (a test checks it); divergence is still checked every epoch, on the minibatch losses."""
    from hessbook.data import DataSpec
    from hessbook.regime import steps_taken

    c = CASES[run.case]
    n, epochs = grid.n_train(c.dataset), grid.epochs(c.dataset)
    lr, rule, params = lr_rule(run.setting, run.batch, benchmark_halve_every(c.dataset, n))
    if rule == "halve" and not benchmark_halves_within(c.dataset, n, epochs):
        # no halving within the run: the Benchmark is LR with momentum 0.9, written as that constant
        # rate so that it is one stored network with K2's LR m=0.9 run (as LR/BS at B = 64 is LR's):
        # trained twice, in different groups, the same configuration gave networks apart by up to
        # 10 FGSM points (float order; review of 2026-12-07)
        rule, params = "constant", {}
    data = DataSpec(c.dataset, split="k_train", n=None if n == K_TRAIN_SIZE[c.dataset] else n,
                    subset_seed=seed, augment=c.dataset == "cifar10")
    return TrainConfig(model=c.model, model_kwargs=model_kwargs(run.case, grid), data=data,
                       batch_size=run.batch, lr=lr, momentum=run.momentum, lr_rule=rule, lr_params=params,
                       max_epochs=epochs, epoch_metrics=("train_loss",), seed=run.seed,
                       record_every=steps_taken(epochs, n, run.batch))


@dataclass(frozen=True)
class RunResult:
    """One trained network's measurements (stored)."""

    run: Run
    test_acc: float
    """Clean test accuracy in percent, on ``n_test`` test images."""
    fgsm_acc: float
    """FGSM test accuracy in percent at the grid's eps, on the same images."""
    pgd_acc: float
    """PGD test accuracy in percent at the grid's eps, on the first ``n_pgd`` of them."""
    lambda1: float
    """Largest eigenvalue of the Hessian of the training loss (``n_hessian`` training images)."""
    lambda1_residual: float
    """Relative residual ||H v - lambda1 v|| / |lambda1| of Lanczos's eigenpair: its certificate."""
    lanczos_converged: bool
    lanczos_products: int
    train_loss: float
    """Final training loss (full training subset, eval mode); NaN when training diverged."""
    epochs: int
    diverged: bool
    correct: dict[str, np.ndarray] | None = field(default=None, compare=False)
    """Each test image's outcome (bool) for ``test_acc``, ``fgsm_acc`` and ``pgd_acc`` (the first
    ``n_pgd`` images), by those names: every run of a seed is measured on the same images, so two
    runs compare image by image (:func:`hessbook.papers.kamath.trends.rises`). None where not stored
    (a diverged run)."""


def _test_images(dataset: str, n: int, seed: int, device):
    from hessbook import data as hdata

    part = hdata.subset(hdata.load(dataset, "test"), n, seed + 1)
    return part.inputs(device=device), part.targets(device=device)


def _hessian_images(config, n: int, seed: int, device):
    from hessbook import data as hdata

    part = hdata.subset(hdata.load_data(dataclasses.replace(config.data, augment=False)), n, seed + 2)
    return part.inputs(device=device), part.targets(device=device)


def lambda1_of(net, data, grid: KGrid | KRun, seed: int):
    """Lanczos's largest eigenpair of the training-loss Hessian (float32 products, TF32 off)."""
    from hessbook.curvature import HessianOperator, lanczos

    x, y = data
    op = HessianOperator(net, (x, y), batch_size=min(len(x), 500))
    return lanczos(op, k=1, tol=grid.lanczos_tol, max_dim=grid.lanczos_max_dim, seed=seed)


def run_of(config: TrainConfig) -> Run:
    """The coordinates of the job that trains ``config`` (LR/BS at B = 64 reads as LR: the same
    training run, :func:`lr_rule`; so does a Benchmark without a halving within its run, as LR with
    momentum 0.9, :func:`train_config`)."""
    case = next(n for n, c in CASES.items() if (c.model, c.dataset) == (config.model, config.data.name))
    setting = "benchmark" if config.lr_rule == "halve" else "lr" if config.lr == LR else "lr_bs"
    return Run(case, setting, config.momentum, config.batch_size, config.seed)


@dataclass(frozen=True)
class KRun(StoredJob):
    """One job of the grid: the training run and what its measurements depend on (its key; the
    ``seed`` is the chapter's, which draws the images measured on)."""

    KIND = JOB_KIND
    RESULT = RunResult
    VERSION = MEASURE_VERSION
    train: TrainConfig
    n_test: int
    n_pgd: int
    pgd_steps: int
    n_hessian: int
    lanczos_tol: float
    lanczos_max_dim: int
    eps: float
    seed: int

    @classmethod
    def of(cls, run: Run, grid: KGrid, seed: int) -> KRun:
        """The job of ``run`` on ``grid`` with the chapter's ``seed``."""
        return cls(train_config(run, grid, seed), grid.n_test, grid.n_pgd, grid.pgd_steps, grid.n_hessian,
                   grid.lanczos_tol, grid.lanczos_max_dim, grid.eps(CASES[run.case].dataset), seed)

    def label(self) -> str:
        """The job in plan and progress lines; a constant-rate m=0.9 run that is also the Benchmark
        of this data size (no halving within the run, :func:`train_config`) says so."""
        run, t = run_of(self.train), self.train
        both = (run.setting == "lr" and run.momentum == BENCHMARK_MOMENTUM
                and not benchmark_halves_within(t.data.name, t.data.n or K_TRAIN_SIZE[t.data.name], t.max_epochs))
        return f"K {run.label}" + (" (= Benchmark: no halving within the run)" if both else "")

    def trains(self) -> tuple[TrainConfig, ...]:
        return (self.train,)


    def compute(self, ctx: Context) -> RunResult:
        """Train the network through the store on the chapter's device, then measure it."""
        from hessbook.attacks import make_attack, robustness
        from hessbook.train import train

        run, device = run_of(self.train), ctx.device
        trained = train(self.train, ctx.store, device=device)
        loss = float(trained.history[-1].get("train_loss", float("nan"))) if trained.history else float("nan")
        if trained.diverged:
            nan = float("nan")
            return RunResult(run, nan, nan, nan, nan, nan, False, 0, nan, trained.epochs, True)
        net = trained.model(device).eval()
        x, y = _test_images(self.train.data.name, self.n_test, self.seed, device)
        fgsm = robustness(net, (x, y), {"fgsm": make_attack("fgsm", eps=self.eps)}, batch_size=500)
        pgd_attack = make_attack("pgd", eps=self.eps, step_size=PGD_STEP_FACTOR * self.eps / self.pgd_steps,
                                 steps=self.pgd_steps, norm="linf", random_start=True, seed=run.seed)
        pgd = robustness(net, (x[:self.n_pgd], y[:self.n_pgd]), {"pgd": pgd_attack}, batch_size=500)
        eig = lambda1_of(net, _hessian_images(self.train, self.n_hessian, self.seed, device), self, self.seed)
        lam = float(eig.eigenvalues[0])
        return RunResult(
            run=run, test_acc=100 * fgsm.clean, fgsm_acc=100 * float(fgsm.adversarial["fgsm"]),
            pgd_acc=100 * float(pgd.adversarial["pgd"]), lambda1=lam,
            lambda1_residual=float(eig.residuals[0]) / max(abs(lam), 1e-30),
            lanczos_converged=bool(eig.converged), lanczos_products=int(eig.n_products),
            train_loss=loss, epochs=int(trained.epochs), diverged=False,
            correct={"test_acc": fgsm.correct["clean"], "fgsm_acc": fgsm.correct["fgsm"],
                     "pgd_acc": pgd.correct["pgd"]},
        )


# ----------------------------------------------------------------------------- the grid


@dataclass(frozen=True)
class Grid:
    """Every job a chapter ran, and look-ups by curve."""

    results: tuple[RunResult, ...]

    def curve(self, case: str, setting: str, momentum: float, seed: int) -> list[RunResult]:
        """One line of K's plots in one seed: the runs of (case, setting, momentum), by batch size."""
        return sorted((r for r in self.results if (r.run.case, r.run.setting, r.run.momentum, r.run.seed)
                       == (case, setting, momentum, seed)), key=lambda r: r.run.batch)

    def curves(self, case: str, setting: str, momentum: float) -> dict[int, list[RunResult]]:
        """The line in every seed: ``{seed: curve}``."""
        return {s: self.curve(case, setting, momentum, s) for s in self.seeds()}

    def seeds(self) -> list[int]:
        """The network seeds run, in order."""
        return sorted({r.run.seed for r in self.results})

    def cases(self) -> list[str]:
        return list(dict.fromkeys(r.run.case for r in self.results))

    def lines(self, case: str) -> list[tuple[str, float]]:
        """The (setting, momentum) lines run for ``case``, in the order they were listed."""
        return list(dict.fromkeys((r.run.setting, r.run.momentum) for r in self.results if r.run.case == case))

    def ran(self, case: str) -> bool:
        return any(r.run.case == case for r in self.results)


def seeded(runs: list[Run], grid: KGrid, seed: int) -> list[Run]:
    """Every run in every seed of the grid (:meth:`KGrid.seeds`), seed by seed."""
    return [dataclasses.replace(r, seed=s) for s in grid.seeds(seed) for r in runs]


def scale_note(P: KGrid) -> str:
    """" Our scale: ... (K: ...)." for a claim's evidence: data, epochs, batch sizes, radii, width, seeds."""
    from hessbook.models import RESNET18_WIDTH
    from hessbook.papers.kamath.paper import EPS

    narrower = f", M1-K and C1 at width {P.width:g}" if P.width != 1.0 else ""
    if "resnet18-cifar10" in getattr(P, "cases", ()) and P.resnet18_width != RESNET18_WIDTH:
        narrower += f", ResNet18 at width {P.resnet18_width} (He et al.: {RESNET18_WIDTH})"
    return (f" Our scale: {P.n_train_mnist} MNIST/Fashion and {P.n_train_cifar} CIFAR-10 training images, "
            f"{P.epochs_mnist}/{P.epochs_cifar} epochs, B = {', '.join(map(str, P.batch_sizes))}, "
            f"ε = {P.eps_mnist:g}/{P.eps_cifar:g}{narrower}, {P.n_seeds} seed{'s' if P.n_seeds > 1 else ''} "
            f"(K: 55k/40k images, 100 epochs, B up to 1024, ε = {EPS['mnist']:g}/{EPS['cifar10']:g}, one seed).")


def grid_jobs(runs: list[Run], grid: KGrid, seed: int) -> list[KRun]:
    """The job of every run, in order."""
    return [KRun.of(r, grid, seed) for r in runs]


def collect(runs: list[Run], table: Table) -> tuple[Grid, dict[str, Row]]:
    """The :class:`Grid` of the table of :func:`grid_jobs` ``(runs, ...)`` and, per case with a
    job without a result, its first such row (why: no data, failed, not selected). A stored
    result carries the coordinates of the run that computed it; LR/BS at B = 64 shares LR's job
    (see :func:`lr_rule`), so each result is relabelled with the run that asked for it."""
    missing: dict[str, Row] = {}
    for r, row in zip(runs, table.rows, strict=True):
        if not row.ok:
            missing.setdefault(r.case, row)
    return Grid(tuple(dataclasses.replace(row.result, run=r) for r, row in zip(runs, table.rows) if row.ok)), missing


@dataclass(frozen=True)
class GridResults:
    """What a K chapter computed: its parameters (with their ``cases``), the :class:`Grid` of
    its results, and per case a job that came back without one (:func:`collect`)."""

    params: Any
    grid: Grid
    missing: dict[str, Row]

    def why_absent(self, case: str) -> str:
        """Why ``case`` has no results: its first missing row's reason, or not selected / not run."""
        if case in self.missing:
            return self.missing[case].reason
        return "not selected at this scale" if case not in self.params.cases else "not run"

    @property
    def seeds(self) -> list[int]:
        """The network seeds the parameters ask for (a seed not run counts as not computed)."""
        return self.params.seeds(self.params.seed)

    def name(self, case: str, seed: int) -> str:
        """``case``'s label in ``seed`` (the label alone when one seed is asked for)."""
        return seed_case(CASES[case].label, seed, self.seeds)

    def absent(self, cases: Iterable[str]) -> str:
        """`` Not computed: <case>: <why>; ...`` for those of ``cases`` that did not run ("" when all ran)."""
        gone = [f"{CASES[c].label}: {self.why_absent(c)}" for c in cases if not self.grid.ran(c)]
        return (" Not computed: " + "; ".join(gone) + ".") if gone else ""

    def cells(self, cases: Iterable[str], line: tuple[str, float]) -> list[tuple[str, int]]:
        """(case, seed) of each of ``cases`` that ran, in every seed in which its ``line``
        (setting, momentum) ran."""
        return [(c, s) for c in cases if self.grid.ran(c) for s in self.seeds if self.grid.curve(c, *line, s)]


def grid_run(P: Any, runs: list[Run], results: type[GridResults], store=None) -> GridResults:
    """A K chapter's ``runs`` (:func:`seeded`) through the sweep, on the device ``P.device``
    names, collected into its ``results`` class; cases whose data is absent are reported, not run."""
    table = run_jobs(grid_jobs(runs, P.grid, P.seed), context(P.device, store))
    return results(P, *collect(runs, table))


def values(curve: list[RunResult], name: str) -> np.ndarray:
    """One measurement along a curve (NaN where training diverged)."""
    return np.array([getattr(r, name) for r in curve], dtype=float)
