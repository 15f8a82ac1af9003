"""Y5's stored computations, four grids of independent jobs on the Dask sweep:

1. M_ORI per study (trained through the store);
2. the five robust models per study, each an adversarial fine-tuning of M_ORI
   (``TrainConfig.init_from`` + ``adversary``);
3. per model: the sub-sampled Hessian spectra (B_H = 1 twice, B_H = ``n_hessian_batch``, the
   training subset), the loss along v1 of the B_H Hessian (batch, training and test loss), and
   the straight line from M_ORI to the model;
4. per study: the transfer table (test sets made on M_ORI by each attack, every model on each).

Every job is a top-level function of its inputs (picklable), stored under its own kind.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np
import torch

from hessbook.attacks import AttackTable
from hessbook.chapters.y5.paper import DATASET, L2_ATTACKS, MODELS, ROBUST, SECOND_ORDER, STUDY_LABEL
from hessbook.chapters.y5.params import Y5Params
from hessbook.papers.yao.networks import Missing

TRAIN_KIND, MODEL_KIND, TABLE_KIND = "y5-train", "y5-model", "y5-table"
CHECK_KIND = "y5-table5-check"
CHECK_SAMPLES = 32
"""Test samples on which each attack of Table 5 is checked against its definition (M_ORI)."""
CHECK_DEVICE = torch.device("cpu")
"""Where the Table 5 check runs, whatever the chapter's device (as since the check was written):
its reference is per-sample float64 Jacobians of CHECK_SAMPLES samples, seconds on a CPU."""
VERSION = 1
"""Bumped when what a job computes changes: stored results of older versions are not reused."""
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


def ori_config(study: str, P: Y5Params):
    """M_ORI: SGD with momentum, lr halved every ``ori_halve_every`` epochs (Y §3.4)."""
    from hessbook.data import DataSpec
    from hessbook.train import TrainConfig

    return TrainConfig(
        model=study, model_kwargs=model_kwargs(study, P),
        data=DataSpec(DATASET[study], n=P.n_train[study], subset_seed=P.seed),
        batch_size=P.batch_size[study], lr=P.lr, momentum=P.momentum,
        lr_rule="halve", lr_params={"every": P.ori_halve_every},
        max_epochs=P.ori_epochs[study], seed=P.seed, epoch_metrics=("train_loss", "train_acc"),
    )


def robust_config(study: str, attack: str, P: Y5Params):
    """M_<attack>: ``adv_epochs`` more epochs from M_ORI on adversarial examples of the current
    model (the whole batch adversarial: Y's min-max, eq. 3)."""
    import dataclasses

    every = P.adv_halve_every[study]
    rule, rule_params = ("halve", {"every": every}) if every else ("constant", {})
    return dataclasses.replace(
        ori_config(study, P), lr=P.adv_lr, lr_rule=rule, lr_params=rule_params, max_epochs=P.adv_epochs[study],
        adversary=attack, adversary_params=attack_settings(attack, study, P), init_from=ori_config(study, P),
    )


def config(study: str, model: str, P: Y5Params):
    return ori_config(study, P) if model == "ori" else robust_config(study, model, P)


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


@dataclass(frozen=True)
class Spectrum:
    """Top and bottom eigenvalues of one sub-sampled Hessian, with Lanczos's diagnostics."""

    b_h: str
    """``"1a"``, ``"1b"`` (two single samples), the batch size, or ``"full"``."""
    n: int
    top: np.ndarray
    top_residuals: np.ndarray
    top_converged: bool
    bottom: np.ndarray
    """The smallest eigenvalues, ascending (Ritz values: with a capped Krylov space they bound
    the true ones from above, so the negative ones are if anything too small in magnitude)."""
    bottom_residuals: np.ndarray
    bottom_converged: bool
    products: int

    @property
    def lambda1(self) -> float:
        return float(self.top[0])

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


@dataclass(frozen=True)
class AttackCheck:
    """One attack of Y Table 5 on ``samples`` test samples of M_ORI, against its definition.

    ``radius``: max over samples of ||dx||_p / eps in the attack's norm (<= 1: in the ball).
    ``formula``: max over samples of ||dx - dx_ref|| / ||dx_ref||, dx_ref = clip_[0,1](x + the
    Delta x Table 5 defines) - x, built here from the direction (first order: the gradient by
    autograd; second order: the library's Newton direction d), so it checks eps, the sign or
    the normalisation and the clipping. ``residual``: second order only, max over samples of
    ||H_x d - g_x|| / ||g_x|| with H_x d formed independently of the attack's CG (J^T S J d in
    float64, J by autograd); 0 for first-order attacks. ``cg``: the attack's own CG diagnostics
    (empty for first order), ``fallback``: samples where it used the gradient instead of d."""

    attack: str
    norm: str
    eps: float
    samples: int
    radius: float
    formula: float
    residual: float
    fallback: int
    cg: dict


@dataclass(frozen=True)
class Table5Check:
    study: str
    checks: tuple[AttackCheck, ...]


@dataclass(frozen=True)
class Results:
    params: Y5Params
    studies: tuple[Study, ...]
    missing: tuple[Missing, ...]
    table5: tuple[Table5Check, ...] = ()
    """Per study, each attack checked against Table 5 (empty: not computed)."""

    def check(self, name: str) -> Table5Check | None:
        return next((c for c in self.table5 if c.study == name), None)

    def study(self, name: str) -> Study | None:
        return next((s for s in self.studies if s.name == name), None)


# ----------------------------------------------------------------------------- jobs


def train_job(study: str, model: str, P: Y5Params, store, device: torch.device) -> TrainSummary:
    """Train one model of a study through the store on ``device`` (M_ORI is loaded from it, or
    trained first)."""
    from hessbook.train import train

    run = train(config(study, model, P), store, device=device)
    last = run.history[-1]
    return TrainSummary(int(run.epochs), int(run.iterations), float(last.get("train_loss", np.nan)),
                        float(last.get("train_acc", np.nan)),
                        float(last["train_loss_running"]), str(run.stop_reason), float(run.seconds))


def _trained_net(study: str, model: str, P: Y5Params, store, device):
    from hessbook.train import train

    return train(config(study, model, P), store, device=device).model(device).eval()


def _data(study: str, P: Y5Params, device):
    """(training subset, test samples) as tensors, the same for every model of the study."""
    from hessbook import data as hdata

    ds = DATASET[study]
    tr = hdata.subset(hdata.load(ds, "train"), P.n_train[study], P.seed)
    te = hdata.subset(hdata.load(ds, "test"), P.n_test[study], P.seed + 1)
    return (tr.inputs(device=device), tr.targets(device=device)), (te.inputs(device=device), te.targets(device=device))


def hessian_samples(study: str, P: Y5Params) -> dict[str, torch.Tensor]:
    """Indices into the training subset of each sub-sampled Hessian, drawn by the seed: two single
    samples, one batch of ``n_hessian_batch`` and the "full" set of ``n_hessian_full`` images
    (the whole subset when it is ``n_train``), which holds the others."""
    n = P.n_train[study]
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(P.seed + 2))
    return {"1a": perm[:1], "1b": perm[1:2], str(P.n_hessian_batch): perm[2:2 + P.n_hessian_batch].sort().values,
            "full": perm[:P.n_hessian_full[study]].sort().values}


def _spectrum(net, data, b_h: str, P: Y5Params) -> tuple[Spectrum, torch.Tensor]:
    from hessbook.curvature import HessianOperator, lanczos

    x, y = data
    batch = min(len(x), 500)
    op = HessianOperator(net, data, batch_size=batch)
    k = min(P.top_k, op.num_params)
    top = lanczos(op, k=k, which="LA", tol=P.lanczos_tol, max_dim=P.lanczos_max_dim, seed=P.seed)
    op_low = HessianOperator(net, data, batch_size=batch)
    low = lanczos(op_low, k=min(P.n_negative, op.num_params), which="SA", tol=P.lanczos_tol,
                  max_dim=P.lanczos_max_dim, seed=P.seed)
    s = Spectrum(b_h, len(x), top.eigenvalues.numpy(), top.residuals.numpy(), bool(top.converged),
                 low.eigenvalues.numpy(), low.residuals.numpy(), bool(low.converged),
                 int(top.n_products + low.n_products))
    return s, top.eigenvectors[:, 0]


def _line(fn, sets: dict, grid) -> Line:
    rows = {name: fn(data) for name, data in sets.items()}
    return Line(np.asarray(grid, dtype=float), {k: r.losses.numpy() for k, r in rows.items()},
                {k: r.accuracies.numpy() for k, r in rows.items()})


def analysis_job(study: str, model: str, P: Y5Params, store, device: torch.device) -> ModelAnalysis:
    """Spectra, landscape along v1 and interpolation from M_ORI of one trained model, on ``device``."""
    from hessbook.curvature import loss_along, loss_interpolation, parameters_vector

    net = _trained_net(study, model, P, store, device)
    train_set, test_set = _data(study, P, device)
    spectra, v1 = [], None
    for b_h, idx in hessian_samples(study, P).items():
        idx = idx.to(device)
        s, top_vector = _spectrum(net, (train_set[0][idx], train_set[1][idx]), b_h, P)
        spectra.append(s)
        if b_h == str(P.n_hessian_batch):
            v1, batch = top_vector, (train_set[0][idx], train_set[1][idx])
    sets = {"batch": batch, "train": train_set, "test": test_set}
    direction = (v1 / v1.norm()).to(device)
    along = _line(lambda d: loss_along(net, d, direction, P.alphas(), batch_size=500), sets, P.alphas())
    interpolation = None
    if model != "ori":
        ori = _trained_net(study, "ori", P, store, device)
        a, b = parameters_vector(ori), parameters_vector(net)
        interpolation = _line(lambda d: loss_interpolation(net, d, a, b, P.lambdas(), batch_size=500),
                              {"train": train_set, "test": test_set}, P.lambdas())
    return ModelAnalysis(study, model, tuple(spectra), along, interpolation)


def attacks(study: str, P: Y5Params) -> dict:
    from hessbook.attacks import make_attack

    return {name: make_attack(name, **attack_settings(name, study, P)) for name in ROBUST}


def table_job(study: str, P: Y5Params, store, device: torch.device) -> AttackTable:
    """Y Table 3 / 4: the test sets made on M_ORI by each attack, every model evaluated on each
    (the models on ``device``; the test set stays on the CPU and is moved batch by batch)."""
    from hessbook.attacks import transfer_table

    nets = {m: _trained_net(study, m, P, store, device) for m in MODELS}
    _, test_set = _data(study, P, torch.device("cpu"))
    return transfer_table(nets, "ori", test_set, attacks(study, P), batch_size=EVAL_BATCH)


def _jts_j_product(net64, x: torch.Tensor, y: torch.Tensor, d: torch.Tensor) -> torch.Tensor:
    """H_x d = J^T S J d per sample (float64, J = ds/dx by autograd, S = diag(p) - pp^T):
    the input-Hessian product of a piecewise-linear network (Y Theorem 1), formed without the
    double-backward products the attack's CG uses."""
    out = []
    for i in range(len(x)):
        xi = x[i].to(torch.float64)
        J = torch.func.jacrev(lambda v: net64(v[None])[0])(xi).reshape(-1, xi.numel())
        with torch.no_grad():
            p = torch.softmax(net64(xi[None])[0], 0)
        S = torch.diag(p) - torch.outer(p, p)
        out.append((J.T @ (S @ (J @ d[i].reshape(-1).to(torch.float64)))).reshape(xi.shape))
    return torch.stack(out)


def _reference_delta(name: str, settings: dict, net, x: torch.Tensor, y: torch.Tensor, direction) -> torch.Tensor:
    """clip_[0,1](x + Delta x) - x with Delta x as Y Table 5 defines it, from ``direction``
    (the gradient, or for FGSM-10 the gradient at each iterate)."""
    from hessbook.attacks._common import loss_and_input_grad

    eps = settings["eps"]
    if name == "fgsm10":
        xk = x.clone()
        for _ in range(10):  # "iterate 10 times", steps of eps / 10 (the library's reading, documented there)
            _, _, g = loss_and_input_grad(net, xk, y)
            xk = torch.clamp(x + torch.clamp(xk + eps / 10 * torch.sign(g) - x, -eps, eps), 0.0, 1.0)
        return xk - x
    if name in ("fgsm", "fhsm"):
        step = eps * torch.sign(direction)
    else:
        norms = direction.reshape(len(x), -1).norm(dim=1).clamp_min(1e-30)
        step = eps * direction / norms.reshape((-1,) + (1,) * (x.ndim - 1))
    return torch.clamp(x + step, 0.0, 1.0) - x


def check_job(study: str, P: Y5Params, store, device: torch.device) -> Table5Check:
    """Each attack of Table 5 made on M_ORI for the first CHECK_SAMPLES test samples, against
    its definition (see :class:`AttackCheck`), on ``device`` (:data:`CHECK_DEVICE`, see there)."""
    import copy

    from hessbook.attacks._common import loss_and_input_grad
    from hessbook.attacks.second_order import newton_direction

    net = _trained_net(study, "ori", P, store, device)
    _, (xt, yt) = _data(study, P, device)
    x, y = xt[:CHECK_SAMPLES], yt[:CHECK_SAMPLES]
    net64 = copy.deepcopy(net).to(torch.float64).eval()
    out = []
    for name, attack in attacks(study, P).items():
        settings = dict(attack.settings)
        result = attack(net, x, y)
        delta = result.x_adv - x
        flat = delta.reshape(len(x), -1)
        size = flat.abs().max(dim=1).values if attack.norm == "linf" else flat.norm(dim=1)
        residual, fallback, cg = 0.0, 0, {}
        if name in SECOND_ORDER:
            solve64 = settings["solve_dtype"] == "float64"
            solver, xs = (net64, x.to(torch.float64)) if solve64 else (net, x)
            d, g, _, _ = newton_direction(solver, xs, y, rtol=settings["rtol"], max_iter=settings["max_iter"])
            fb = result.fallback if result.fallback is not None else torch.zeros(len(x), dtype=torch.bool)
            direction = torch.where(fb.reshape((-1,) + (1,) * (x.ndim - 1)), g, d).to(x.dtype)
            hd = _jts_j_product(net64, x, y, d.to(torch.float64))
            _, _, g64 = loss_and_input_grad(net64, x.to(torch.float64), y)
            gn = g64.reshape(len(x), -1).norm(dim=1)
            rel = (hd - g64).reshape(len(x), -1).norm(dim=1) / gn.clamp_min(1e-300)
            residual = float(rel[gn > 0].max()) if bool((gn > 0).any()) else 0.0
            fallback = int(fb.sum())
            s = result.cg.summary()
            cg = {k: s[k] for k in ("samples", "converged", "breakdown", "hit_cap", "max_relative_residual")}
        else:
            _, _, direction = loss_and_input_grad(net, x, y)
        ref = _reference_delta(name, settings, net, x, y, direction)
        rn = ref.reshape(len(x), -1).norm(dim=1)
        diff = (delta - ref).reshape(len(x), -1).norm(dim=1)
        formula = float(torch.where(rn > 0, diff / rn.clamp_min(1e-30), diff).max())
        out.append(AttackCheck(name, attack.norm, float(settings["eps"]), len(x), float((size / settings["eps"]).max()),
                               formula, residual, fallback, cg))
    return Table5Check(study, tuple(out))


# ----------------------------------------------------------------------------- keys and grids


def train_key(study: str, model: str, P: Y5Params) -> dict:
    return {"train": config(study, model, P), "version": VERSION}


def analysis_key(study: str, model: str, P: Y5Params) -> dict:
    return {"train": config(study, model, P), "ori": ori_config(study, P), "n_test": P.n_test[study],
            "n_hessian_batch": P.n_hessian_batch, "n_hessian_full": P.n_hessian_full[study], "top_k": P.top_k, "n_negative": P.n_negative,
            "lanczos_tol": P.lanczos_tol, "lanczos_max_dim": P.lanczos_max_dim, "lambdas": P.lambdas(),
            "alphas": P.alphas(), "seed": P.seed, "version": VERSION}


def table_key(study: str, P: Y5Params) -> dict:
    return {"models": [config(study, m, P) for m in MODELS], "n_test": P.n_test[study], "seed": P.seed,
            "attacks": [a.params() for a in attacks(study, P).values()], "batch": EVAL_BATCH, "version": VERSION}


def check_key(study: str, P: Y5Params) -> dict:
    return {"ori": ori_config(study, P), "n_test": P.n_test[study], "seed": P.seed, "samples": CHECK_SAMPLES,
            "attacks": [a.params() for a in attacks(study, P).values()], "version": VERSION}


def data_missing(study: str) -> Missing | None:
    from hessbook.data import DataMissingError, load

    try:
        load(DATASET[study], "test")
    except DataMissingError as exc:
        return Missing(STUDY_LABEL[study], str(exc).split(". ")[0], str(exc))
    return None


def plan_jobs(P: Y5Params) -> list:
    """The jobs of :func:`run`'s four grids, in its order (data present or not: the plan checks)."""
    from hessbook.kit.swept import Planned

    def name(study: str, model: str) -> str:
        return f"Y5 {STUDY_LABEL[study]} M_{model.upper()}"

    pairs = [(s, "ori") for s in P.studies] + [(s, m) for s in P.studies for m in ROBUST]
    return ([Planned(TRAIN_KIND, train_key(s, m, P), name(s, m)) for s, m in pairs]
            + [Planned(MODEL_KIND, analysis_key(s, m, P), name(s, m) + " spectra") for s, m in pairs]
            + [Planned(TABLE_KIND, table_key(s, P), f"Y5 {STUDY_LABEL[s]} table") for s in P.studies]
            + [Planned(CHECK_KIND, check_key(s, P), f"Y5 {STUDY_LABEL[s]} Table 5 check") for s in P.studies])


def run(P: Y5Params, store=None) -> Results:
    """The four grids, in order (each waits for the models the next one examines), on the device
    ``P.device`` names (the Table 5 check on :data:`CHECK_DEVICE`)."""
    from hessbook.device import pick_device
    from hessbook.kit.swept import cached_all, stored_job
    from hessbook.store import default_store

    store = store or default_store()
    device = pick_device(P.device)
    gone = {s: data_missing(s) for s in P.studies}
    missing = [m for m in gone.values() if m is not None]
    studies = [s for s, m in gone.items() if m is None]

    def grid(kind, key, fn, cls, pairs, label, on=device):
        jobs = [stored_job(kind, key(*p, P), partial(fn, *p, P, store), cls, label=label(*p), device=on)
                for p in pairs]
        return dict(zip(pairs, cached_all(jobs, cls, store)))

    def name(study: str, model: str) -> str:
        return f"Y5 {STUDY_LABEL[study]} M_{model.upper()}"

    oris = [(s, "ori") for s in studies]
    robust = [(s, m) for s in studies for m in ROBUST]
    trainings = grid(TRAIN_KIND, train_key, train_job, TrainSummary, oris, name)
    trainings |= grid(TRAIN_KIND, train_key, train_job, TrainSummary, robust, name)
    analyses = grid(MODEL_KIND, analysis_key, analysis_job, ModelAnalysis, oris + robust,
                    lambda s, m: name(s, m) + " spectra")
    tables = grid(TABLE_KIND, table_key, table_job, AttackTable, [(s,) for s in studies],
                  lambda s: f"Y5 {STUDY_LABEL[s]} table")
    checks = grid(CHECK_KIND, check_key, check_job, Table5Check, [(s,) for s in studies],
                  lambda s: f"Y5 {STUDY_LABEL[s]} Table 5 check", on=CHECK_DEVICE)
    out = tuple(Study(s, {m: trainings[(s, m)] for m in MODELS}, {m: analyses[(s, m)] for m in MODELS},
                      tables[(s,)]) for s in studies)
    return Results(P, out, tuple(missing), tuple(checks[(s,)] for s in studies))
