"""Y5's stored computations, stages of independent jobs (:mod:`hessbook.kit.jobs`), each
stage run after the one whose models it examines:

1. M_ORI per study (trained through the store, :class:`Y5Train`);
2. the five robust models per study, each an adversarial fine-tuning of M_ORI
   (``TrainConfig.init_from`` + ``adversary``);
3. per model (:class:`Y5Analysis`): the sub-sampled Hessian spectra (B_H = 1 twice, B_H =
   ``n_hessian_batch``, the training subset), the loss along v1 of the B_H Hessian (batch,
   training and test loss), and the straight line from M_ORI to the model;
4. per study: the transfer table (:class:`Y5Table`: test sets made on M_ORI by each attack,
   every model on each), and each attack checked against Y Table 5 (:class:`Y5Check`).

Besides Y's models, a control per study and seed (not Y's, :data:`~hessbook.chapters.y5.paper.CONTROL`):
M_ORI fine-tuned on clean images with the robust models' rate, schedule and epochs, trained and
analysed as they are, so that the curvature claims can tell adversarial training from training
further.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from hessbook.attacks import Attack, AttackTable
from hessbook.attacks.check import AttackCheck, check_attack
from hessbook import regime
from hessbook.chapters.y5.paper import (CONTROL, DATASET, L2_ATTACKS, MODELS, ROBUST, SECOND_ORDER, STUDY_LABEL,
                                        TRAIN_SIZE, model_label)
from hessbook.chapters.y5.params import Y5Params
from hessbook.kit.jobs import Context, StoredJob, Table, context, run_jobs
from hessbook.kit.seeds import SeededResults
from hessbook.lr import epochs_in_images_seen, lr_at
from hessbook.papers.yao.networks import Missing, missing_models
from hessbook.papers.yao.regime import ORI_EPOCHS, ORI_SCHEDULE
from hessbook.train import TrainConfig

TRAIN_KIND, MODEL_KIND, TABLE_KIND = "y5-train", "y5-model", "y5-table"
CHECK_KIND = "y5-table5-check"
CHECK_SAMPLES = 32
"""Test samples on which each attack of Table 5 is checked against its definition (M_ORI)."""
CHECK_DEVICE = torch.device("cpu")
"""Where the Table 5 check runs, whatever the chapter's device (as since the check was written):
its reference is per-sample float64 Jacobians of CHECK_SAMPLES samples, seconds on a CPU."""
VERSION = 1
"""Bumped when what a job computes changes: stored results of older versions are not reused."""
ANALYSIS_VERSION = 3
"""The analyses' own version (3: single-sample Hessians in float64, :data:`SINGLE_SAMPLE_DTYPE`;
2: one Lanczos run per Hessian finds the ``top_k`` eigenvalues largest in magnitude, Y's window,
and the smallest from the same Krylov space; 1 computed the ``top_k`` largest algebraic and the
smallest in two runs)."""
SINGLE_SAMPLE_DTYPE = torch.float64
"""The precision of a single sample's Hessian (B_H = 1; the others: the model's float32). At a
well-fitted sample its eigenvalues sit near float32's noise floor: measured at cpu, M1's M_ORI on
its second sample (lambda_1 = 2.8e-3) stalled at a relative residual of 0.09 through 640 products
in float32 (tolerance 0.01) and converged in 41 in float64, with one more negative eigenvalue in
its window. A float64 product of one sample costs next to nothing."""
EVAL_BATCH = 250
"""Batch of the attacks and accuracies of the tables (part of the key: PGD-like randomness would
depend on it; ours are deterministic)."""


# ----------------------------------------------------------------------------- configurations


def model_kwargs(study: str, P: Y5Params) -> dict:
    return {"width": P.c3_width} if study == "c3" else {}


def attack_settings(name: str, study: str, P: Y5Params) -> dict:
    """Settings of attack ``name`` in ``study`` (the same for training and for the test sets)."""
    eps = P.eps_l2[study] if name in L2_ATTACKS else P.eps_linf[study]
    if name in SECOND_ORDER:
        return {"eps": eps, "rtol": P.cg_rtol, "max_iter": P.cg_max_iter, "solve_dtype": P.solve_dtype[study]}
    return {"eps": eps}


def halve_every(y_epochs: int, study: str, P: Y5Params) -> int:
    """Our epochs between halvings for Y's ``y_epochs`` (Y §3.4: 'decay the learning rate by half
    after every 5 epochs'), read as ``P.halve_counted_in`` says:

    - ``"epochs"``: our epochs. Y's schedule per image: each training image gets the equivalent of
      10 passes at the full rate (5 epochs x (1 + 1/2 + ...), a halved epoch counting half), as in
      Y, in far fewer steps (on 1000 images the rate halves every 80 steps of M1: the equivalent
      of 160 steps at the full rate, against about 9,400 of Y's at a batch of 64).
    - ``"images_seen"``: Y's epochs of its 60,000 / 50,000 images counted in images seen
      (:func:`~hessbook.lr.epochs_in_images_seen`, as K's Benchmark): on 1000 images every 300 /
      250 of ours, so no halving within 100 epochs (nor within C3's 10 adversarial ones), each
      image 100 passes at the full rate. Measured at cpu scale (2026-12-07): M_ORI memorized its
      images (training loss 3e-4 for M1, under 1e-4 for C3) and its full-set λ1 collapsed (C3:
      279 -> 0.03), a regime we do not think Y's M_ORI, the equivalent of 10 passes over 60,000 /
      50,000 images at the full rate, is in (Y gives no training loss for it). Kept as an option,
      not the default, and marked not met by the regime criteria at a scale with fewer images
      (the chapter's regime paragraph)."""
    if not y_epochs or P.halve_counted_in == "epochs":
        return y_epochs  # 0: a constant rate, read either way
    return epochs_in_images_seen(y_epochs, TRAIN_SIZE[DATASET[study]], P.n_train[study])


def lr_schedule(y_epochs: int, study: str, P: Y5Params, epochs: int) -> tuple[str, dict]:
    """The lr rule of a run of ``epochs`` halved every ``y_epochs`` of Y's epochs (0: constant),
    as (rule, parameters): constant where no halving falls within the run."""
    every = halve_every(y_epochs, study, P)
    return ("halve", {"every": every}) if 0 < every < epochs else ("constant", {})


def full_rate_images(study: str, P: Y5Params | None) -> float:
    """Images M_ORI of ``study`` sees at the full rate: each epoch weighted by its rate over the full
    rate (the run's :mod:`hessbook.lr` rule; a halved epoch counts half). P None: Y's M_ORI, 100
    epochs of its whole training set halved every 5. How far our M_ORI trains beside Y's, as the
    chapter's regime paragraph says."""
    if P is None:
        n, epochs, (rule, params) = TRAIN_SIZE[DATASET[study]], ORI_EPOCHS, ("halve", {"every": ORI_SCHEDULE[2]})
    else:
        n, epochs = P.n_train[study], P.ori_epochs[study]
        rule, params = lr_schedule(P.ori_halve_every, study, P, epochs)
    return n * sum(lr_at(rule, e, 0, lr=1.0, batch_size=1, iters_per_epoch=1, params=params) for e in range(epochs))


def ori_config(study: str, P: Y5Params, seed: int | None = None):
    """M_ORI in network seed ``seed`` (None: the chapter's ``seed``, the first): SGD with momentum,
    lr halved every ``ori_halve_every`` of Y's epochs, read as :func:`halve_every` says (Y §3.4),
    on the chapter seed's training subset."""
    from hessbook.data import DataSpec
    from hessbook.train import TrainConfig

    rule, rule_params = lr_schedule(P.ori_halve_every, study, P, P.ori_epochs[study])
    return TrainConfig(
        model=study, model_kwargs=model_kwargs(study, P),
        data=DataSpec(DATASET[study], n=P.n_train[study], subset_seed=P.seed),
        batch_size=P.batch_size[study], lr=P.lr, momentum=P.momentum,
        lr_rule=rule, lr_params=rule_params,
        max_epochs=P.ori_epochs[study], seed=P.seed if seed is None else seed,
        epoch_metrics=("train_loss", "train_acc"),
    )


def robust_config(study: str, attack: str, P: Y5Params, seed: int | None = None):
    """M_<attack>: ``adv_epochs`` more epochs from the same seed's M_ORI on adversarial examples of
    the current model (the whole batch adversarial: Y's min-max, eq. 3)."""
    rule, rule_params = lr_schedule(P.adv_halve_every[study], study, P, P.adv_epochs[study])
    return dataclasses.replace(
        ori_config(study, P, seed), lr=P.adv_lr, lr_rule=rule, lr_params=rule_params, max_epochs=P.adv_epochs[study],
        adversary=attack, adversary_params=attack_settings(attack, study, P), init_from=ori_config(study, P, seed),
    )


def control_config(study: str, P: Y5Params, seed: int | None = None):
    """The control M_CLEAN: the robust models' fine-tuning of the same seed's M_ORI (rate, schedule,
    epochs, batch) on clean images, no adversary."""
    return dataclasses.replace(robust_config(study, ROBUST[0], P, seed), adversary=None, adversary_params={})


def config(study: str, model: str, P: Y5Params, seed: int | None = None):
    """``model`` (``"ori"``, an attack, or :data:`CONTROL`) of ``study`` in network seed ``seed``
    (None: the first)."""
    if model == CONTROL:
        return control_config(study, P, seed)
    return ori_config(study, P, seed) if model == "ori" else robust_config(study, model, P, seed)


# ----------------------------------------------------------------------------- results


@dataclass(frozen=True)
class TrainSummary:
    """How one training run ended (the weights are in the store's ``train`` entry)."""

    epochs: int
    iterations: int
    train_loss: float
    """Clean training loss after the last epoch (eval mode, the whole training subset)."""
    train_acc: float
    running_loss: float
    """Mean minibatch loss of the last epoch (on adversarial examples for robust training)."""
    stop_reason: str
    seconds: float

    @property
    def flag(self) -> str:
        """The regime flag (:func:`hessbook.regime.flag`): ``"plateau"`` when the clean training loss
        ended within 10 % of ln 10, ``"diverged"``, or ``""``."""
        return regime.flag(self.train_loss, 10, self.stop_reason == "diverged")


@dataclass(frozen=True)
class Spectrum:
    """The window and the smallest eigenvalues of one sub-sampled Hessian, with Lanczos's
    diagnostics, from one Krylov space."""

    b_h: str
    """``"1a"``, ``"1b"`` (two single samples), the batch size, or ``"full"``."""
    n: int
    window: np.ndarray
    """The ``top_k`` eigenvalues largest in magnitude, by descending magnitude: what Y plots as
    its "top 20 eigenvalues" (a power iteration with deflation finds them in that order), a
    negative one included where it is large enough."""
    window_residuals: np.ndarray
    window_converged: bool
    bottom: np.ndarray
    """The smallest eigenvalues, ascending (Ritz values of the window's Krylov space: unconverged,
    they bound the true ones from above, so the negative ones are if anything too small in
    magnitude)."""
    bottom_residuals: np.ndarray
    bottom_converged: bool
    products: int

    @property
    def lambda1(self) -> float:
        """The largest eigenvalue: the window's largest (lambda_1 is in it whenever fewer than
        ``top_k`` negative eigenvalues exceed it in magnitude)."""
        return float(np.max(self.window))

    @property
    def negative_ratio(self) -> float:
        """|most negative eigenvalue| / lambda_1 (0 when none is negative)."""
        return max(0.0, -float(self.bottom[0])) / max(abs(self.lambda1), 1e-300)


@dataclass(frozen=True)
class Line:
    """Loss and accuracy along a line of parameters, on named data sets."""

    x: np.ndarray
    loss: dict[str, np.ndarray]
    accuracy: dict[str, np.ndarray]

    def curvature(self, at: float, which: str = "train") -> float:
        """Second difference of the loss at the grid point ``at`` (its neighbours on the grid)."""
        i = int(np.argmin(np.abs(self.x - at)))
        if i == 0 or i == len(self.x) - 1:
            return float("nan")
        h = float(self.x[i + 1] - self.x[i])
        y = self.loss[which]
        return float((y[i - 1] - 2 * y[i] + y[i + 1]) / h**2)


@dataclass(frozen=True)
class ModelAnalysis:
    """One model of a study: spectra, the loss along v1 and the line from M_ORI."""

    study: str
    model: str
    spectra: tuple[Spectrum, ...]
    along_v1: Line
    """Loss at theta + alpha v1 (v1: unit top eigenvector of the B_H Hessian) on the batch, the
    training subset and the test samples."""
    interpolation: Line | None
    """Loss at (1 - lambda) theta_ORI + lambda theta (None for M_ORI itself)."""

    def spectrum(self, b_h: str) -> Spectrum:
        return next(s for s in self.spectra if s.b_h == b_h)


@dataclass(frozen=True)
class Study:
    """Everything one study (Table 3 or 4 with its figures) computed."""

    name: str
    trainings: dict[str, TrainSummary]
    models: dict[str, ModelAnalysis]
    table: AttackTable

    @property
    def label(self) -> str:
        return STUDY_LABEL[self.name]

    def accuracy(self, model: str, column: str) -> float:
        """Percent accuracy of ``model`` on the test set ``column`` (``clean`` or an attack)."""
        return 100 * self.table.value(model, column)

    @property
    def flagged(self) -> list[tuple[str, str]]:
        """(``"M1 / MNIST M_FGSM"``, flag) of each model on its initial plateau or diverged."""
        return [(f"{self.label} {model_label(m)}", t.flag) for m, t in self.trainings.items() if t.flag]


@dataclass(frozen=True)
class Table5Check:
    study: str
    checks: tuple[AttackCheck, ...]


@dataclass(frozen=True)
class Results(SeededResults):
    """Everything Y5 computed at one set of parameters: the studies are assembled from the rows."""

    params: Y5Params
    table: Table
    """Every job of every stage, with its result or why it has none (:mod:`hessbook.kit.jobs`)."""
    seed: int | None = None
    """The network seed this view reads (None: the chapter's ``seed``, the first); :meth:`in_seed`."""

    @property
    def network_seed(self) -> int:
        return self.params.seed if self.seed is None else self.seed

    def in_seed(self, seed: int) -> Results:
        """The same results read in network seed ``seed``: its studies (M_ORI and the robust models
        trained from it). The Table 5 checks are the first seed's in every view."""
        return dataclasses.replace(self, seed=seed)

    def _of(self, cls: type, study: str) -> list[tuple[Any, Any]]:
        return [(r.job, r.result) for r in self.table if r.ok and isinstance(r.job, cls) and r.job.study == study
                and r.job.network.seed == self.network_seed]

    def _study(self, name: str) -> Study | None:
        trainings = {j.model: r for j, r in self._of(Y5Train, name)}
        models = {j.model: r for j, r in self._of(Y5Analysis, name)}
        tables = [r for _j, r in self._of(Y5Table, name)]
        if not tables or not set(MODELS) <= set(trainings) or not set(MODELS) <= set(models):
            return None
        return Study(name, {m: trainings[m] for m in MODELS}, {m: models[m] for m in MODELS}, tables[0])

    def control(self, name: str) -> tuple[TrainSummary, ModelAnalysis] | None:
        """Study ``name``'s control in this view's seed (:data:`CONTROL`): its training and its
        analysis; None where either is missing."""
        trained = [r for j, r in self._of(Y5Train, name) if j.model == CONTROL]
        analysed = [r for j, r in self._of(Y5Analysis, name) if j.model == CONTROL]
        return (trained[0], analysed[0]) if trained and analysed else None

    @functools.cached_property
    def studies(self) -> tuple[Study, ...]:
        """The studies with every result in this view's seed, in the order of ``params.studies``. The claims are
        graded on all of them and a study with a flagged model (:attr:`excluded`) is then not
        judged (:func:`hessbook.chapters.y5.claims.flagged`, :func:`hessbook.kit.excluding`)."""
        return tuple(s for s in map(self._study, self.params.studies) if s is not None)

    @property
    def excluded(self) -> list[tuple[str, str]]:
        """(model, flag) of every flagged model: its study enters no claim but Y-Table5."""
        return [pair for s in self.studies for pair in s.flagged]

    @property
    def table5(self) -> tuple[Table5Check, ...]:
        """Per study, each attack checked against Table 5 (empty: not computed)."""
        return tuple(r.result for r in self.table if r.ok and isinstance(r.job, Y5Check))

    @property
    def missing(self) -> tuple[Missing, ...]:
        """Studies with a job not computed, each once, with the first reason (no data here)."""
        return missing_models(self.table.missing, lambda job: STUDY_LABEL[job.study])

    def check(self, name: str) -> Table5Check | None:
        return next((c for c in self.table5 if c.study == name), None)

    def study(self, name: str) -> Study | None:
        return next((s for s in self.studies if s.name == name), None)


# ----------------------------------------------------------------------------- jobs


def _trained_net(train: TrainConfig, ctx: Context):
    from hessbook.train import train as train_run

    return train_run(train, ctx.store, device=ctx.device).model(ctx.device).eval()


def _data(train: TrainConfig, n_test: int, seed: int, device: torch.device):
    """(training subset, test samples) of ``train``'s study as tensors, the same for every model."""
    from hessbook import data as hdata

    ds = train.data.name
    tr = hdata.subset(hdata.load(ds, "train"), train.data.n, seed)
    te = hdata.subset(hdata.load(ds, "test"), n_test, seed + 1)
    return (tr.inputs(device=device), tr.targets(device=device)), (te.inputs(device=device), te.targets(device=device))


def _attacks(described: tuple[dict, ...]) -> dict[str, Attack]:
    """The attacks of their store-key descriptions (:meth:`Attack.params`), by name."""
    from hessbook.attacks import make_attack

    return {d["attack"]: make_attack(d["attack"], **{k: v for k, v in d.items() if k != "attack"}) for d in described}


class _StudyJob(StoredJob):
    """A job of one study and model, both read from its configuration :attr:`network` (one of
    :func:`config`): the study is the network, the model its adversary (M_ORI: none)."""

    VERSION = VERSION

    @property
    def network(self) -> TrainConfig:
        return self.train  # type: ignore[attr-defined]

    @property
    def study(self) -> str:
        return self.network.model

    @property
    def model(self) -> str:
        """The attack of a robust model; ``"ori"``; or :data:`CONTROL`, fine-tuned without one."""
        if self.network.adversary:
            return self.network.adversary
        return CONTROL if self.network.init_from is not None else "ori"

    def datasets(self) -> tuple[str, ...]:
        return (self.network.data.name,)


@dataclass(frozen=True)
class Y5Train(_StudyJob):
    """One model of a study trained through the store (a robust one from M_ORI, loaded from the
    store or trained first)."""

    KIND = TRAIN_KIND
    RESULT = TrainSummary
    train: TrainConfig

    def label(self) -> str:
        return f"Y5 {STUDY_LABEL[self.study]} M_{self.model.upper()} seed {self.network.seed}"

    def compute(self, ctx: Context) -> TrainSummary:
        from hessbook.train import train

        run = train(self.train, ctx.store, device=ctx.device)
        last = run.history[-1]
        return TrainSummary(int(run.epochs), int(run.iterations), float(last.get("train_loss", np.nan)),
                            float(last.get("train_acc", np.nan)), float(last["train_loss_running"]),
                            str(run.stop_reason), float(run.seconds))


@dataclass(frozen=True)
class Y5Analysis(_StudyJob):
    """Spectra, landscape along v1 and interpolation from M_ORI of one trained model."""

    KIND = MODEL_KIND
    RESULT = ModelAnalysis
    VERSION = ANALYSIS_VERSION
    train: TrainConfig
    ori: TrainConfig
    n_test: int
    n_hessian_batch: int
    n_hessian_full: int
    top_k: int
    n_negative: int
    lanczos_tol: float
    lanczos_max_dim: int
    lambdas: tuple[float, ...]
    alphas: tuple[float, ...]
    seed: int

    def label(self) -> str:
        return f"Y5 {STUDY_LABEL[self.study]} M_{self.model.upper()} seed {self.network.seed} spectra"

    def hessian_samples(self) -> dict[str, torch.Tensor]:
        """Indices into the training subset of each sub-sampled Hessian, drawn by the seed: two
        single samples, one batch of ``n_hessian_batch`` and the "full" set of ``n_hessian_full``
        images (the whole subset when it is ``n_train``), which holds the others."""
        perm = torch.randperm(self.train.data.n, generator=torch.Generator().manual_seed(self.seed + 2))
        return {"1a": perm[:1], "1b": perm[1:2],
                str(self.n_hessian_batch): perm[2:2 + self.n_hessian_batch].sort().values,
                "full": perm[:self.n_hessian_full].sort().values}

    def spectrum(self, net, data, b_h: str) -> tuple[Spectrum, torch.Tensor]:
        """The window (``top_k`` largest in magnitude) and the ``n_negative`` smallest eigenvalues of
        the Hessian of ``net``'s loss on ``data``, from one Lanczos run (:func:`lanczos`'s
        ``"LM"`` with ``n_smallest``), and the eigenvector of lambda_1."""
        from hessbook.curvature import HessianOperator, lanczos

        x, _ = data
        dtype = SINGLE_SAMPLE_DTYPE if len(x) == 1 else torch.float32
        op = HessianOperator(net, data, batch_size=min(len(x), 500), dtype=dtype)
        r = lanczos(op, k=min(self.top_k, op.num_params), which="LM", tol=self.lanczos_tol,
                    max_dim=self.lanczos_max_dim, seed=self.seed,
                    n_smallest=min(self.n_negative, op.num_params))
        low = r.smallest
        s = Spectrum(b_h, len(x), r.eigenvalues.numpy(), r.residuals.numpy(), bool(r.converged),
                     low.eigenvalues.numpy(), low.residuals.numpy(), bool(low.converged), int(r.n_products))
        return s, r.eigenvectors[:, int(torch.argmax(r.eigenvalues))]

    def compute(self, ctx: Context) -> ModelAnalysis:
        from hessbook.curvature import loss_along, loss_interpolation, parameters_vector

        net = _trained_net(self.train, ctx)
        train_set, test_set = _data(self.train, self.n_test, self.seed, ctx.device)
        spectra = []
        for b_h, idx in self.hessian_samples().items():
            idx = idx.to(ctx.device)
            s, top_vector = self.spectrum(net, (train_set[0][idx], train_set[1][idx]), b_h)
            spectra.append(s)
            if b_h == str(self.n_hessian_batch):
                v1, batch = top_vector, (train_set[0][idx], train_set[1][idx])
        sets = {"batch": batch, "train": train_set, "test": test_set}
        direction = (v1 / v1.norm()).to(ctx.device)
        alphas, lambdas = list(self.alphas), list(self.lambdas)
        along = _line(lambda d: loss_along(net, d, direction, alphas, batch_size=500), sets, alphas)
        interpolation = None
        if self.model != "ori":
            a, b = parameters_vector(_trained_net(self.ori, ctx)), parameters_vector(net)
            interpolation = _line(lambda d: loss_interpolation(net, d, a, b, lambdas, batch_size=500),
                                  {"train": train_set, "test": test_set}, lambdas)
        return ModelAnalysis(self.study, self.model, tuple(spectra), along, interpolation)


@dataclass(frozen=True)
class Y5Table(_StudyJob):
    """Y Table 3 / 4: the test sets made on M_ORI by each attack, every model evaluated on each
    (the models on the chapter's device; the test set stays on the CPU, moved batch by batch)."""

    KIND = TABLE_KIND
    RESULT = AttackTable
    VERSION = 2
    """2: the table stores each test image's outcome in each cell (paired comparisons); 1 did not."""
    models: tuple[TrainConfig, ...]
    """The study's models, in :data:`MODELS` order."""
    n_test: int
    seed: int
    attacks: tuple[dict, ...]
    batch: int

    @property
    def network(self) -> TrainConfig:
        return self.models[0]

    def label(self) -> str:
        return f"Y5 {STUDY_LABEL[self.study]} table seed {self.network.seed}"

    def compute(self, ctx: Context) -> AttackTable:
        from hessbook.attacks import transfer_table

        nets = {m.adversary or "ori": _trained_net(m, ctx) for m in self.models}
        _, test_set = _data(self.models[0], self.n_test, self.seed, torch.device("cpu"))
        return transfer_table(nets, "ori", test_set, _attacks(self.attacks), batch_size=self.batch)


@dataclass(frozen=True)
class Y5Check(_StudyJob):
    """Each attack of Table 5 made on M_ORI for the first ``samples`` test samples, against its
    definition (:func:`hessbook.attacks.check.check_attack`); run on :data:`CHECK_DEVICE`."""

    KIND = CHECK_KIND
    RESULT = Table5Check
    ori: TrainConfig
    n_test: int
    seed: int
    samples: int
    attacks: tuple[dict, ...]

    @property
    def network(self) -> TrainConfig:
        return self.ori

    def label(self) -> str:
        return f"Y5 {STUDY_LABEL[self.study]} Table 5 check"

    def compute(self, ctx: Context) -> Table5Check:
        import copy

        net = _trained_net(self.ori, ctx)
        _, (xt, yt) = _data(self.ori, self.n_test, self.seed, ctx.device)
        x, y = xt[:self.samples], yt[:self.samples]
        net64 = copy.deepcopy(net).to(torch.float64).eval()
        return Table5Check(self.study, tuple(check_attack(attack, net, net64, x, y)
                                             for attack in _attacks(self.attacks).values()))


def _line(fn, sets: dict, grid) -> Line:
    rows = {name: fn(data) for name, data in sets.items()}
    return Line(np.asarray(grid, dtype=float), {k: r.losses.numpy() for k, r in rows.items()},
                {k: r.accuracies.numpy() for k, r in rows.items()})


# ----------------------------------------------------------------------------- the chapter's jobs


def attack_params(study: str, P: Y5Params) -> tuple[dict, ...]:
    """The attacks of the tables (:data:`ROBUST`), each as its store-key description."""
    from hessbook.attacks import make_attack

    return tuple(make_attack(name, **attack_settings(name, study, P)).params() for name in ROBUST)


def train_job(study: str, model: str, P: Y5Params, seed: int | None = None) -> Y5Train:
    return Y5Train(config(study, model, P, seed))


def analysis_job(study: str, model: str, P: Y5Params, seed: int | None = None) -> Y5Analysis:
    """The analysis of ``model`` in network seed ``seed``: the Hessian samples, test images and
    Lanczos start are the chapter ``seed``'s in every network seed (the key's ``seed``)."""
    return Y5Analysis(config(study, model, P, seed), ori_config(study, P, seed), P.n_test[study], P.n_hessian_batch,
                      P.n_hessian_full[study], P.top_k, P.n_negative, P.lanczos_tol, P.lanczos_max_dim,
                      tuple(P.lambdas()), tuple(P.alphas()), P.seed)


def table_job(study: str, P: Y5Params, seed: int | None = None) -> Y5Table:
    return Y5Table(tuple(config(study, m, P, seed) for m in MODELS), P.n_test[study], P.seed,
                   attack_params(study, P), EVAL_BATCH)


def check_job(study: str, P: Y5Params) -> Y5Check:
    return Y5Check(ori_config(study, P), P.n_test[study], P.seed, CHECK_SAMPLES, attack_params(study, P))


def stages(P: Y5Params) -> list[list[StoredJob]]:
    """The jobs in the order they run, each stage after the one whose models it examines:
    M_ORI, the robust models (and the control) trained from it, their analyses, the tables (each in
    every network seed; Y's models only), the Table 5 checks (the first seed's M_ORI: a check of the
    attacks' definitions)."""
    oris = [(s, "ori", n) for n in P.seeds for s in P.studies]
    robust = [(s, m, n) for n in P.seeds for s in P.studies for m in (*ROBUST, CONTROL)]
    return [[train_job(s, m, P, n) for s, m, n in oris], [train_job(s, m, P, n) for s, m, n in robust],
            [analysis_job(s, m, P, n) for s, m, n in oris + robust],
            [table_job(s, P, n) for n in P.seeds for s in P.studies], [check_job(s, P) for s in P.studies]]


def jobs(P: Y5Params) -> list[StoredJob]:
    """Every job of every stage (what the plan lists)."""
    return [job for stage in stages(P) for job in stage]


def run(P: Y5Params, store=None) -> Results:
    """Every stage in order on the device ``P.device`` names (the Table 5 checks on
    :data:`CHECK_DEVICE`); a study whose data is not here has rows without results."""
    ctx = context(P.device, store)
    *computed, checks = stages(P)
    rows = [row for stage in computed for row in run_jobs(stage, ctx)]
    rows += run_jobs(checks, context(CHECK_DEVICE, ctx.store))
    return Results(P, Table(tuple(rows)))
