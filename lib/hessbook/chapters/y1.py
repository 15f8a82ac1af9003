"""Y1 -- Large batch: Hessian spectrum and robustness (Y §2-3.3, Tables 1, 2, 7, Fig 1).

Setup (Y): C1 and C2 on CIFAR-10, M1 ("LeNet-5") on MNIST, ResNet18 on CIFAR-100, each trained
per batch size until the training loss reaches 1e-3, without weight decay or dropout; per
model, on the training and the test set: accuracy, the dominant eigenvalue lambda1^theta of
the Hessian of the loss w.r.t. the weights (power iteration to relative error 1e-4), the top-20
eigenvalues (Fig 1), the per-sample dominant eigenvalue of the input Hessian lambda1^x and the
input-gradient norm (means over samples), and FGSM accuracy at two epsilons.

What Y does not give, and we chose (``Y1Params``; stated in the chapter): the optimizer's
learning rate, momentum and schedule for Table 1 (we use SGD, the same lr, momentum and
halving schedule for every batch size, as in Y §3.4's "original training"), the epoch cap,
the subsets of the data, and the samples B_H the curvature is computed on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from hessbook.params import ChapterParams, ParameterError, device_spec, spec

MODELS = ("c1", "c2", "m1", "resnet18")
DATASET = {"c1": "cifar10", "c2": "cifar10", "m1": "mnist", "resnet18": "cifar100"}
EPS = {"cifar10": (0.02, 0.01), "cifar100": (0.02, 0.01), "mnist": (0.2, 0.1)}
"""Y's two FGSM epsilons per dataset, larger first (inputs in [0, 1])."""
TABLE_OF = {"c1": "Y-Table1", "c2": "Y-Table1", "m1": "Y-Table7", "resnet18": "Y-Table2"}
TEST_SIZE = {"cifar10": 10000, "cifar100": 10000, "mnist": 10000}

Pair = tuple[float | None, float | None]
"""(train, test): Y prints the test value in parentheses."""


@dataclass(frozen=True)
class PaperRow:
    """One row of Y Table 1, 2 or 7 as printed. ``None``: a column the table lacks.

    ``fgsm_unit``: Table 1's C1 rows print FGSM accuracy in percent; Table 7 (and, by the
    look of them, Table 1's C2 rows: 0.57, 0.34, ...) print fractions. We keep the printed
    numbers and the unit, and compare only trends across batch sizes.
    """

    model: str
    batch: int
    acc: Pair
    lambda_theta: Pair
    lambda_x: Pair | None
    grad_x: Pair | None
    fgsm_hi: Pair
    fgsm_lo: Pair
    fgsm_unit: str = "percent"


def _r(model, batch, acc, lt, lx, gx, hi, lo, unit="percent"):
    return PaperRow(model, batch, acc, lt, lx, gx, hi, lo, unit)


PAPER_TABLE1: tuple[PaperRow, ...] = (
    _r("c1", 16, (100, 77.68), (0.64, 32.78), (2.69, 200.7), (0.05, 20.41), (48.07, 30.38), (72.67, 42.70)),
    _r("c1", 32, (100, 76.77), (0.97, 45.28), (3.43, 234.5), (0.05, 23.55), (49.04, 31.23), (72.63, 43.30)),
    _r("c1", 64, (100, 77.32), (0.77, 48.06), (3.14, 195.0), (0.04, 21.47), (50.40, 32.59), (73.85, 44.76)),
    _r("c1", 128, (100, 78.84), (1.33, 137.5), (1.41, 128.1), (0.02, 13.98), (33.15, 25.2), (57.69, 39.09)),
    _r("c1", 256, (100, 78.54), (3.34, 338.3), (1.51, 132.4), (0.02, 14.08), (25.33, 19.99), (50.10, 34.94)),
    _r("c1", 512, (100, 79.25), (16.88, 885.6), (1.97, 100.0), (0.04, 10.42), (14.17, 12.94), (28.54, 25.08)),
    _r("c1", 1024, (100, 78.50), (51.67, 2372), (3.11, 146.9), (0.05, 13.33), (8.80, 8.40), (23.99, 21.57)),
    _r("c1", 2048, (100, 77.31), (80.18, 3769), (5.18, 240.2), (0.06, 18.08), (4.14, 3.77), (17.42, 16.31)),
    _r("c2", 256, (100, 79.20), (0.62, 28), (12.10, 704.0), (0.10, 41.95), (0.57, 0.38), (0.73, 0.47), "fraction"),
    _r("c2", 512, (100, 80.44), (0.75, 57), (4.82, 425.2), (0.03, 26.14), (0.34, 0.25), (0.54, 0.38), "fraction"),
    _r("c2", 1024, (100, 79.61), (2.36, 142), (0.523, 229.9), (0.04, 17.16), (0.27, 0.22), (0.46, 0.35), "fraction"),
    _r("c2", 2048, (100, 78.99), (4.30, 307), (0.145, 260.0), (0.50, 17.94), (0.18, 0.16), (0.33, 0.28), "fraction"),
)
"""Y Table 1 (C1 and C2 on CIFAR-10), eps 0.02 / 0.01."""

# Y Table 2 prints identical rows for B = 256 and 512 except the FGSM train column (a copy
# error in the paper, we think); we keep them as printed.
PAPER_TABLE2: tuple[PaperRow, ...] = (
    _r("resnet18", 64, (99.98, 70.81), (0.022, 10.43), None, None, (61.54, 34.48), (78.57, 39.94)),
    _r("resnet18", 128, (99.97, 70.9), (0.055, 26.50), None, None, (58.15, 33.73), (77.41, 38.77)),
    _r("resnet18", 256, (99.98, 68.6), (1.090, 148.29), None, None, (39.96, 28.37), (66.12, 35.02)),
    _r("resnet18", 512, (99.98, 68.6), (1.090, 148.29), None, None, (40.48, 28.37), (66.09, 35.02)),
)
"""Y Table 2 (ResNet18 on CIFAR-100), eps 0.02 / 0.01."""

PAPER_TABLE7: tuple[PaperRow, ...] = (
    _r("m1", 64, (100, 99.21), (0.49, 2.96), (0.07, 0.41), (0.007, 0.10), (0.53, 0.53), (0.85, 0.85), "fraction"),
    _r("m1", 128, (100, 99.18), (1.44, 8.10), (0.10, 0.51), (0.009, 0.12), (0.50, 0.51), (0.83, 0.83), "fraction"),
    _r("m1", 256, (100, 99.04), (2.71, 13.54), (0.09, 0.50), (0.008, 0.12), (0.45, 0.46), (0.81, 0.82), "fraction"),
    _r("m1", 512, (100, 99.04), (5.84, 26.35), (0.12, 0.52), (0.010, 0.13), (0.42, 0.42), (0.79, 0.80), "fraction"),
    _r("m1", 1024, (100, 99.05), (21.24, 36.96), (0.25, 0.42), (0.032, 0.11), (0.32, 0.33), (0.73, 0.74), "fraction"),
    _r("m1", 2048, (100, 98.99), (44.30, 49.36), (0.36, 0.39), (0.075, 0.11), (0.19, 0.19), (0.72, 0.73), "fraction"),
)
"""Y Table 7 (M1 on MNIST), eps 0.2 / 0.1 (the caption says three epsilons; two are printed)."""

PAPER_ROWS: tuple[PaperRow, ...] = PAPER_TABLE1 + PAPER_TABLE2 + PAPER_TABLE7


def paper_row(model: str, batch: int) -> PaperRow | None:
    return next((r for r in PAPER_ROWS if r.model == model and r.batch == batch), None)


@dataclass(frozen=True)
class Y1Params(ChapterParams):
    models: list[str] = field(metadata=spec(choices=MODELS, nonempty=True, doc="networks to train (Y: all four)"))
    c1_batch_sizes: list[int] = field(metadata=spec(gt=0, doc="C1 batch sizes (Y: 16..2048)"))
    c2_batch_sizes: list[int] = field(metadata=spec(gt=0, doc="C2 batch sizes (Y: 256..2048)"))
    m1_batch_sizes: list[int] = field(metadata=spec(gt=0, doc="M1 batch sizes (Y: 64..2048)"))
    resnet18_batch_sizes: list[int] = field(metadata=spec(gt=0, doc="ResNet18 batch sizes (Y: 64..512)"))
    c1_conv_stride: int = field(metadata=spec(choices=(1, 2), doc="C1 conv stride: 2 as printed, 1 as released"))
    resnet18_width: int = field(metadata=spec(gt=0, doc="ResNet18 base width (He et al.: 64)"))
    n_train_cifar: int = field(metadata=spec(gt=0, doc="CIFAR training subset (Y: 50000)"))
    n_train_mnist: int = field(metadata=spec(gt=0, doc="MNIST training subset (Y: 60000)"))
    n_eval: int = field(metadata=spec(gt=0, doc="train and test samples for accuracy and FGSM (Y: all)"))
    n_hessian: int = field(metadata=spec(gt=0, doc="B_H: samples of the weight Hessian, train and test (Y: all)"))
    n_input: int = field(metadata=spec(gt=0, doc="samples for lambda1^x and the input-gradient norm (Y: all)"))
    lr: float = field(metadata=spec(gt=0.0, doc="SGD learning rate, every batch size (our choice)"))
    momentum: float = field(metadata=spec(ge=0.0, lt=1.0, doc="SGD momentum (our choice)"))
    lr_halve_every: int = field(metadata=spec(ge=0, doc="halve the lr every this many epochs; 0: constant"))
    max_epochs: int = field(metadata=spec(gt=0, doc="epoch cap when the loss target is not reached"))
    loss_target: float = field(metadata=spec(gt=0.0, doc="stop at this training loss (Y: 1e-3)"))
    top_k: int = field(metadata=spec(gt=0, doc="top eigenvalues of the weight Hessian (Y Fig 1: 20)"))
    lanczos_tol: float = field(metadata=spec(gt=0.0, doc="Lanczos relative residual"))
    lanczos_max_dim: int = field(metadata=spec(gt=0, doc="cap on the Krylov dimension (products) per Lanczos run"))
    power_tol: float = field(metadata=spec(gt=0.0, doc="power iteration relative change (Y: 1e-4)"))
    power_max_iter: int = field(metadata=spec(gt=0, doc="cap on power-iteration products"))
    device: str = field(metadata=device_spec("where to train and compute"))

    def batch_sizes(self, model: str) -> tuple[int, ...]:
        return tuple(getattr(self, f"{model}_batch_sizes"))

    def n_train(self, model: str) -> int:
        return self.n_train_mnist if DATASET[model] == "mnist" else self.n_train_cifar

    def check(self) -> None:
        for model in self.models:
            sizes, n = self.batch_sizes(model), self.n_train(model)
            if not sizes:
                raise ParameterError(f"{model}_batch_sizes = []: model {model!r} is selected, give a batch size")
            for b in sizes:
                if b > n:
                    key = "n_train_mnist" if DATASET[model] == "mnist" else "n_train_cifar"
                    raise ParameterError(
                        f"{model}_batch_sizes: {b} is larger than {key} = {n}; accepted: 1..{n}")
        smallest = min(self.n_train(m) for m in self.models)
        for name in ("n_eval", "n_hessian"):
            value = getattr(self, name)
            if value > smallest or value > 10000:
                raise ParameterError(f"{name} = {value}: larger than the smallest training subset "
                                     f"({smallest}) or the test set (10000); accepted: 1..{min(smallest, 10000)}")
        if self.lanczos_max_dim < self.top_k:
            raise ParameterError(f"lanczos_max_dim = {self.lanczos_max_dim}: smaller than top_k = {self.top_k}; "
                                 f"accepted: >= {self.top_k}")
        if self.n_input > self.n_eval:
            raise ParameterError(f"n_input = {self.n_input}: larger than n_eval = {self.n_eval}; "
                                 f"accepted: 1..{self.n_eval}")


# ----------------------------------------------------------------------------- computing


def model_kwargs(model: str, P: Y1Params) -> dict:
    if model == "c1":
        return {"conv_stride": P.c1_conv_stride}
    if model == "resnet18":
        return {"num_classes": 100, "width": P.resnet18_width}
    return {}


def train_config(model: str, batch: int, P: Y1Params):
    """The training run of one (model, batch size); Y4 rebuilds it to reuse the stored model."""
    from hessbook.data import DataSpec
    from hessbook.train import TrainConfig

    rule, rule_params = ("halve", {"every": P.lr_halve_every}) if P.lr_halve_every else ("constant", {})
    return TrainConfig(
        model=model, model_kwargs=model_kwargs(model, P),
        data=DataSpec(DATASET[model], n=P.n_train(model), subset_seed=P.seed),
        batch_size=batch, lr=P.lr, momentum=P.momentum, lr_rule=rule, lr_params=rule_params,
        max_epochs=P.max_epochs, loss_target=P.loss_target, seed=P.seed,
    )


@dataclass(frozen=True)
class ModelResult:
    """One (model, batch size): Y's columns on the training and the test set."""

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


COLUMNS_VERSION = 2
"""Bumped when ``_columns`` computes more: stored per-model records of older versions are not reused."""


@dataclass(frozen=True)
class Missing:
    """A model whose data is not on this machine."""

    model: str
    reason: str


def _split_data(model: str, P: Y1Params, which: str, n: int, device):
    from hessbook import data as hdata

    ds = DATASET[model]
    if which == "train":
        full = hdata.subset(hdata.load(ds, "train"), P.n_train(model), P.seed)
    else:
        full = hdata.load(ds, "test")
    part = hdata.subset(full, n, P.seed + 1)
    return part.inputs(device=device), part.targets(device=device)


def run_case(model: str, batch: int, P: Y1Params, store=None) -> ModelResult:
    """Train (through the store), then compute every column of Y's tables (stored)."""
    from hessbook.device import pick_device
    from hessbook.store import default_store
    from hessbook.train import train

    store = store or default_store()
    config = train_config(model, batch, P)
    device = pick_device(P.device)
    eps = EPS[DATASET[model]]
    key = {"train": config, "n_eval": P.n_eval, "n_hessian": P.n_hessian, "n_input": P.n_input,
           "top_k": P.top_k, "lanczos_tol": P.lanczos_tol, "lanczos_max_dim": P.lanczos_max_dim, "power_tol": P.power_tol,
           "power_max_iter": P.power_max_iter, "eps": list(eps), "seed": P.seed, "columns": COLUMNS_VERSION}

    def compute() -> dict:
        trained = train(config, store, device=device)
        net = trained.model(device).eval()
        out: dict = {"final_loss": float(trained.history[-1].get("train_loss", float("nan"))),
                     "epochs": trained.epochs, "stop_reason": trained.stop_reason}
        for which in ("train", "test"):
            out.update({f"{k}_{which}": v for k, v in _columns(net, model, P, which, eps, device).items()})
        return out

    rec = store.get_or_compute("y1-model", key, compute)
    m, a = rec.metrics, rec.arrays

    def pair(name):
        return (float(m[f"{name}_train"]), float(m[f"{name}_test"]))

    return ModelResult(
        model=model, batch=batch, final_loss=float(m["final_loss"]), epochs=int(m["epochs"]),
        stop_reason=str(m["stop_reason"]), acc=pair("acc"), lambda_theta=pair("lambda_theta"),
        power_lambda=pair("power_lambda"),
        power_products=(int(m["power_products_train"]), int(m["power_products_test"])),
        lanczos_products=(int(m["lanczos_products_train"]), int(m["lanczos_products_test"])),
        top_eigenvalues=a["top_train"], lambda_x=pair("lambda_x"), grad_x=pair("grad_x"),
        fgsm=(pair("fgsm_hi"), pair("fgsm_lo")), eps=eps, lambda_x_median=pair("lambda_x_median"),
    )


def _columns(net, model: str, P: Y1Params, which: str, eps, device) -> dict:
    """One split's columns: accuracy, lambda1^theta (Lanczos and power), lambda1^x, ||grad_x||, FGSM."""
    from hessbook.attacks import accuracy, make_attack, robustness
    from hessbook.curvature import HessianOperator, input_hessian_exact, lanczos, power_iteration

    x, y = _split_data(model, P, which, P.n_eval, device)
    out: dict = {"acc": 100 * accuracy(net, (x, y), batch_size=500)}
    xh, yh = x[:P.n_hessian], y[:P.n_hessian]
    k = P.top_k if which == "train" else 1
    op = HessianOperator(net, (xh, yh), batch_size=min(P.n_hessian, 500))
    k = min(k, op.num_params)
    lz = lanczos(op, k=k, tol=P.lanczos_tol, max_dim=max(P.lanczos_max_dim, k), seed=P.seed)
    out["lambda_theta"] = float(lz.eigenvalues[0])
    out["lanczos_products"] = int(lz.n_products)
    if which == "train":
        out["top"] = lz.eigenvalues.cpu().numpy()
    op_p = HessianOperator(net, (xh, yh), batch_size=min(P.n_hessian, 500))
    pw = power_iteration(op_p, k=1, tol=P.power_tol, max_iter=P.power_max_iter, seed=P.seed)
    out["power_lambda"] = float(pw.eigenvalues[0])
    out["power_products"] = int(pw.n_products)
    ih = input_hessian_exact(net, (x[:P.n_input], y[:P.n_input]), batch_size=50)
    out["lambda_x"] = float(ih.lambda_max.mean())
    out["lambda_x_median"] = float(ih.lambda_max.median())
    out["grad_x"] = float(ih.grad_norms.mean())
    attacks = {"hi": make_attack("fgsm", eps=eps[0]), "lo": make_attack("fgsm", eps=eps[1])}
    rob = robustness(net, (x, y), attacks, batch_size=500)
    out["fgsm_hi"] = 100 * float(rob.adversarial["hi"])
    out["fgsm_lo"] = 100 * float(rob.adversarial["lo"])
    return out


def run_all(P: Y1Params, store=None) -> tuple[list[ModelResult], list[Missing]]:
    """Every selected (model, batch size). Models whose data is absent are reported, not run."""
    from hessbook.data import DataMissingError, load
    from hessbook.progress import progress

    missing, jobs = [], []
    for model in P.models:
        try:
            load(DATASET[model], "test")
        except DataMissingError as exc:
            missing.append(Missing(model, str(exc).split(". ")[0]))
            continue
        jobs += [(model, b) for b in P.batch_sizes(model)]
    results = [run_case(m, b, P, store) for m, b in progress(jobs, desc="Y1 models x batch sizes")]
    return results, missing


# ----------------------------------------------------------------------------- tables


def _fmt(pair: Pair | None, digits: int = 2) -> str:
    if pair is None:
        return "–"
    tr, te = pair
    f = (lambda v: "?" if v is None else f"{v:.{digits}f}" if isinstance(v, float) and v < 1000 else f"{v:g}")
    return f"{f(tr)} ({f(te)})"


COLUMNS = ("Acc", "λ1θ", "λ1x", "‖∇xJ‖", "FGSM hi", "FGSM lo")


def paper_table(rows: Sequence[PaperRow]):
    """A paper table as printed: each cell "train (test)"."""
    import pandas as pd

    out = []
    for r in rows:
        out.append({"model": r.model.upper(), "B": r.batch, "Acc": _fmt(r.acc), "λ1θ": _fmt(r.lambda_theta),
                    "λ1x": _fmt(r.lambda_x), "‖∇xJ‖": _fmt(r.grad_x, 3), "FGSM hi": _fmt(r.fgsm_hi),
                    "FGSM lo": _fmt(r.fgsm_lo)})
    return pd.DataFrame(out)


def summary_table(results: Sequence[ModelResult], model: str):
    """Our rows for ``model`` in the paper's layout, the paper's row (same B) beside each."""
    import pandas as pd

    out = []
    for r in sorted((r for r in results if r.model == model), key=lambda r: r.batch):
        p = paper_row(model, r.batch)
        ours = {"Acc": _fmt(r.acc), "λ1θ": _fmt(r.lambda_theta, 3), "λ1x": _fmt(r.lambda_x, 3),
                "‖∇xJ‖": _fmt(r.grad_x, 3), "FGSM hi": _fmt(r.fgsm[0]), "FGSM lo": _fmt(r.fgsm[1])}
        paper = paper_table([p]).iloc[0].to_dict() if p else {}
        line = {"B": r.batch}
        for c in COLUMNS:
            if model == "resnet18" and c in ("λ1x", "‖∇xJ‖"):
                line[f"{c} paper"] = "–"
            else:
                line[f"{c} paper"] = paper.get(c, "not in paper")
            line[f"{c} ours"] = ours[c]
        line["power λ1θ train (products)"] = f"{r.power_lambda[0]:.3g} ({r.power_products[0]})"
        line["train loss"] = f"{r.final_loss:.1e}"
        line["epochs"] = r.epochs
        out.append(line)
    return pd.DataFrame(out)


def spearman(x: Sequence[float], y: Sequence[float]) -> float:
    """Spearman rank correlation (average ranks for ties); nan for fewer than 2 points or a constant.

    Rounded to 12 digits: rank correlations are ratios of small integers, and a threshold such
    as 0.8 must not fail on 0.7999999999999999.
    """
    x, y = np.asarray(x, float), np.asarray(y, float)
    if len(x) != len(y):
        raise ValueError(f"spearman: lengths differ ({len(x)} and {len(y)})")
    if len(x) < 2:
        return float("nan")

    def ranks(v):
        order = np.argsort(v, kind="mergesort")
        r = np.empty(len(v))
        r[order] = np.arange(1, len(v) + 1)
        for val in np.unique(v):
            tie = v == val
            r[tie] = r[tie].mean()
        return r

    rx, ry = ranks(x), ranks(y)
    if rx.std() == 0 or ry.std() == 0:
        return float("nan")
    return round(float(np.corrcoef(rx, ry)[0, 1]), 12)


@dataclass(frozen=True)
class Trends:
    """Rank correlations across batch sizes for one model (test set unless said)."""

    model: str
    batches: tuple[int, ...]
    rho_lambda_theta: float
    """B vs lambda1^theta (training set, as Y's claim is about the minimum reached)."""
    rho_fgsm: float
    """B vs FGSM accuracy at the larger eps, test set."""
    rho_lambda_x_fgsm: float
    """lambda1^x (test mean) vs FGSM accuracy (test, larger eps)."""
    rho_grad_x_fgsm: float
    rho_lambda_x_fgsm_train: float = float("nan")
    """lambda1^x (training mean) vs FGSM accuracy (training set, larger eps)."""
    rho_lambda_x_median_fgsm: float = float("nan")
    """Median (not mean) lambda1^x over test samples vs FGSM accuracy (test)."""


def rho_text(rho: float) -> str:
    """A rank correlation for the prose: signed, or why there is none."""
    return "not computed (fewer than 2 batch sizes, or a constant column)" if np.isnan(rho) else f"{rho:+.2f}"


def glue_numbers(results: Sequence[ModelResult], missing: Sequence[Missing], P: Y1Params) -> None:
    """Glue every number the chapter's prose cites (names ``y1-...``)."""
    from hessbook.report import glue

    glue("y1-n-models", len(results))
    glue("y1-missing", "; ".join(f"{m.model} ({m.reason})" for m in missing) or "none")
    glue("y1-max-loss", max(r.final_loss for r in results))
    glue("y1-min-loss", min(r.final_loss for r in results))
    glue("y1-reached", sum(r.stop_reason != "max_epochs" and r.final_loss <= P.loss_target for r in results))
    for m in MODELS:
        ran = any(r.model == m for r in results)
        t = trends(results, m)
        glue(f"y1-{m}-rho-lambda", rho_text(t.rho_lambda_theta) if ran else "not run at this scale")
        glue(f"y1-{m}-rho-fgsm", rho_text(t.rho_fgsm) if ran else "not run at this scale")
        paper = paper_trends(m)
        glue(f"y1-{m}-paper-rho-lambda", paper.rho_lambda_theta)
        glue(f"y1-{m}-paper-rho-fgsm", paper.rho_fgsm)
        if m != "resnet18":
            glue(f"y1-{m}-paper-rho-lx", paper.rho_lambda_x_fgsm)
    glue("y1-m1-paper-rho-lx-train", paper_trends("m1").rho_lambda_x_fgsm_train)
    glue("y1-lambda-x-finding", lambda_x_finding(results))
    glue("y1-power-products", sum(sum(r.power_products) for r in results))
    glue("y1-lanczos-products", sum(sum(r.lanczos_products) for r in results))
    glue("y1-power-vs-lanczos",
         max(abs(r.power_lambda[0] - r.lambda_theta[0]) / abs(r.lambda_theta[0]) for r in results))


def trends(results: Sequence[ModelResult], model: str) -> Trends:
    rs = sorted((r for r in results if r.model == model), key=lambda r: r.batch)
    b = [r.batch for r in rs]
    fg = [r.fgsm[0][1] for r in rs]
    return Trends(model, tuple(b), spearman(b, [r.lambda_theta[0] for r in rs]), spearman(b, fg),
                  spearman([r.lambda_x[1] for r in rs], fg), spearman([r.grad_x[1] for r in rs], fg),
                  spearman([r.lambda_x[0] for r in rs], [r.fgsm[0][0] for r in rs]),
                  spearman([r.lambda_x_median[1] for r in rs], fg))


def paper_trends(model: str) -> Trends:
    """The same correlations on the paper's printed rows (Table 2 prints no input-side columns)."""
    rows = [r for r in PAPER_ROWS if r.model == model]
    b = [r.batch for r in rows]
    fg = [r.fgsm_hi[1] for r in rows]
    rho_lambda, rho_fgsm = spearman(b, [r.lambda_theta[0] for r in rows]), spearman(b, fg)
    if not rows or rows[0].lambda_x is None:
        return Trends(model, tuple(b), rho_lambda, rho_fgsm, float("nan"), float("nan"))
    return Trends(model, tuple(b), rho_lambda, rho_fgsm, spearman([r.lambda_x[1] for r in rows], fg),
                  spearman([r.grad_x[1] for r in rows], fg),
                  spearman([r.lambda_x[0] for r in rows], [r.fgsm_hi[0] for r in rows]))


# ----------------------------------------------------------------------------- figures


def draw_spectra(ax, results: Sequence[ModelResult], model: str) -> None:
    """Y Fig 1: the top eigenvalues of the training-set Hessian, one line per batch size."""
    rs = sorted((r for r in results if r.model == model), key=lambda r: r.batch)
    cmap = __import__("matplotlib").colormaps["viridis"]
    for i, r in enumerate(rs):
        eig = np.asarray(r.top_eigenvalues)
        ax.plot(np.arange(1, len(eig) + 1), np.clip(eig, 1e-6, None), "o-", ms=3,
                color=cmap(i / max(len(rs) - 1, 1)), label=f"B={r.batch}")
    ax.set_yscale("log")
    ax.set_xlabel("index of eigenvalue")
    ax.set_ylabel("eigenvalue (train Hessian)")
    ax.set_title(f"{model.upper()}: top eigenvalues", fontsize=9)
    ax.legend(fontsize=7)


def explorer(results: Sequence[ModelResult]):
    """Widget: pick a model and a batch size; see its top spectrum against the other batch sizes."""
    import matplotlib.pyplot as plt

    from hessbook.widgets import Explorer

    index = {(r.model, r.batch): r for r in results}

    def draw(model, batch):
        fig, ax = plt.subplots(figsize=(6, 3.5))
        r = index.get((model, batch))
        if r is None:
            ax.text(0.5, 0.5, f"{model.upper()} was not trained with B={batch} at this scale",
                    ha="center", transform=ax.transAxes)
            ax.set_axis_off()
        else:
            for other in sorted((o for o in results if o.model == model), key=lambda o: o.batch):
                eig = np.clip(np.asarray(other.top_eigenvalues), 1e-6, None)
                ax.plot(np.arange(1, len(eig) + 1), eig, color="0.8" if other is not r else "C3",
                        lw=2 if other is r else 1, zorder=3 if other is r else 1)
            ax.set_yscale("log")
            ax.set_xlabel("index of eigenvalue")
            ax.set_ylabel("eigenvalue")
            ax.set_title(f"{model.upper()} B={batch}: λ1θ={r.lambda_theta[0]:.3g} (train), "
                         f"FGSM {r.fgsm[0][1]:.1f}% (test, ε={r.eps[0]})", fontsize=9)
        fig.tight_layout()
        return fig

    options = {"model": sorted({m for m, _ in index}), "batch": sorted({b for _, b in index})}
    return Explorer(options, draw, title="Y1: top Hessian eigenvalues per model and batch size")


# ----------------------------------------------------------------------------- verdicts


def _grade_trend(t: Trends, strong: float = 0.8) -> str:
    """held: rho(B, lambda1) >= strong and rho(B, FGSM) <= -strong; partly: both signs right,
    or one of the two strong; did not hold otherwise; not computed below 3 batch sizes."""
    if len(t.batches) < 3 or np.isnan(t.rho_lambda_theta) or np.isnan(t.rho_fgsm):
        return "not computed"
    up, down = t.rho_lambda_theta, -t.rho_fgsm
    if up >= strong and down >= strong:
        return "held"
    if (up > 0 and down > 0) or up >= strong or down >= strong:
        return "partly"
    return "did not hold"


def _combine(grades: list[str]) -> str:
    grades = [g for g in grades if g != "not computed"]
    if not grades:
        return "not computed"
    if all(g == "held" for g in grades):
        return "held"
    if all(g == "did not hold" for g in grades):
        return "did not hold"
    return "partly"


def _trend_text(t: Trends) -> str:
    return (f"{t.model.upper()} (B={','.join(map(str, t.batches))}): ρ(B, λ1θ) = {_rho(t.rho_lambda_theta)}, "
            f"ρ(B, FGSM acc) = {_rho(t.rho_fgsm)}")


def _rho(rho: float) -> str:
    return "n/a (constant column)" if np.isnan(rho) else f"{rho:+.2f}"


def verdicts(results: Sequence[ModelResult], missing: Sequence[Missing], scale: str):
    """Verdicts for Tables 1, 2, 7 (trends across batch sizes), Fig 1 and the lambda1^x remark.

    Y-Table1 carries two claims (the batch-size trend and the lambda1^x remark); the status
    page lists both.
    """
    from hessbook.report import Verdict

    out = []
    rule = ("Spearman ρ over batch sizes; held = ρ(B, λ1θ train) ≥ 0.8 and ρ(B, FGSM test) ≤ −0.8 "
            "for every model; partly = signs right or one of the two strong; needs ≥ 3 batch sizes.")
    # lambda1^x does not track robustness (Y §3.3)
    lx = _lambda_x_trends(results)
    if lx:
        grade = _lambda_x_grade(lx)
        paper_rows = ", ".join(f"{m.upper()} {paper_trends(m).rho_lambda_x_fgsm:+.2f}" for m in ("c1", "c2", "m1"))
        out.append(Verdict(
            "Y-Table1", "λ1 of the input Hessian and ‖∇x J‖ do not track adversarial robustness.", grade,
            "Y §3.3: 'these two metrics actually do not correlate with the adversarial accuracy' "
            f"(paper's own rows, test set: ρ(λ1x, FGSM) = {paper_rows}).",
            "; ".join(f"{t.model.upper()}: ρ(λ1x, FGSM) = {_rho(t.rho_lambda_x_fgsm)} test, "
                      f"{_rho(t.rho_lambda_x_fgsm_train)} train; ρ(‖∇xJ‖, FGSM) = {_rho(t.rho_grad_x_fgsm)} test"
                      for t in lx),
            "held = no model with ρ(λ1x test, FGSM test) ≤ −0.8 (larger input curvature consistently "
            "less robust); did not hold = every model so; partly = some.",
        ))
    for key, models, table in (("Y-Table1", ("c1", "c2"), "Table 1"), ("Y-Table7", ("m1",), "Table 7"),
                               ("Y-Table2", ("resnet18",), "Table 2")):
        ts = [trends(results, m) for m in models if any(r.model == m for r in results)]
        miss = [m for m in missing if m.model in models]
        paper = "; ".join(_trend_text(paper_trends(m)) for m in models)
        if not ts:
            why = (f"{', '.join(m.model for m in miss)}: data not on this machine ({miss[0].reason})"
                   if miss else "model not selected at this scale")
            out.append(Verdict(key, f"{table}: λ1θ rises and FGSM accuracy falls with batch size.",
                               "not computed", f"paper's rows: {paper}", why, rule))
            continue
        out.append(Verdict(
            key, f"{table}: λ1θ rises and FGSM accuracy falls with batch size.",
            _combine([_grade_trend(t) for t in ts]), f"paper's rows: {paper}",
            "; ".join(_trend_text(t) for t in ts), rule,
        ))
    # Fig 1: the whole top spectrum is larger for large batches
    fig_models = [m for m in ("c1", "m1") if sum(r.model == m for r in results) >= 2]
    if not fig_models:
        out.append(Verdict("Y-Fig1", "Large batches have larger top-20 eigenvalues.", "not computed",
                           "Fig 1 (C1, M1)", "fewer than two batch sizes of C1 or M1", ""))
    else:
        fr = {m: fig1_fraction(results, m) for m in fig_models}
        worst = min(fr.values())
        grade = "held" if worst >= 0.9 else "partly" if worst >= 0.5 else "did not hold"
        out.append(Verdict(
            "Y-Fig1", "Large batches have a larger Hessian spectrum, the dominant and the next 19 eigenvalues.",
            grade, "Fig 1: every top-20 eigenvalue grows with B (C1 and M1).",
            "; ".join(f"{m.upper()}: {100 * v:.0f}% of top eigenvalues larger at the largest B than at the smallest"
                      for m, v in fr.items()),
            "held = ≥ 90% of indices, for each model; partly = ≥ 50%.",
        ))
    return out


def _lambda_x_trends(results: Sequence[ModelResult]) -> list[Trends]:
    """Trends of the CIFAR-10/MNIST models run with at least 3 batch sizes (Y §3.3's remark)."""
    return [trends(results, m) for m in ("c1", "c2", "m1") if sum(r.model == m for r in results) >= 3]


def _tracks(t: Trends) -> bool:
    """Larger input curvature consistently less robust (test set)."""
    return t.rho_lambda_x_fgsm <= -0.8


def _lambda_x_grade(ts: Sequence[Trends]) -> str:
    """Y's remark held when no model tracks, did not hold when every model does."""
    judged = [t for t in ts if not np.isnan(t.rho_lambda_x_fgsm)]
    tracking = [t for t in judged if _tracks(t)]
    if not judged:
        return "not computed"
    return "held" if not tracking else "did not hold" if len(tracking) == len(judged) else "partly"


def lambda_x_finding(results: Sequence[ModelResult]) -> str:
    """One sentence for the prose: does lambda1^x (test) move against FGSM accuracy in our runs?"""
    ts = _lambda_x_trends(results)
    grade = _lambda_x_grade(ts)
    if grade == "not computed":
        return "We ran fewer than three batch sizes per model at this scale, so there is no trend to judge."
    parts = [f"{t.model.upper()} ρ(λ1x, FGSM) = {_rho(t.rho_lambda_x_fgsm)} on the test set "
             f"({_rho(t.rho_lambda_x_median_fgsm)} with the median over samples instead of the mean) and "
             f"{_rho(t.rho_lambda_x_fgsm_train)} on the training set" for t in ts]
    verdict = {
        "held": "so, as in the paper, input curvature does not rank our models by robustness",
        "did not hold": "so, unlike the paper, larger input curvature goes with lower FGSM accuracy in every model we ran",
        "partly": "so input curvature ranks some of our models by robustness ("
                  + ", ".join(t.model.upper() for t in ts if _tracks(t)) + ") and not the others",
    }[grade]
    return "Ours: " + "; ".join(parts) + "; " + verdict + "."


def fig1_fraction(results: Sequence[ModelResult], model: str) -> float:
    """Fraction of eigenvalue indices where the largest batch's spectrum exceeds the smallest's."""
    rs = sorted((r for r in results if r.model == model), key=lambda r: r.batch)
    small, large = np.asarray(rs[0].top_eigenvalues), np.asarray(rs[-1].top_eigenvalues)
    k = min(len(small), len(large))
    return float(np.mean(large[:k] > small[:k]))


Params = Y1Params
"""The chapter's parameter schema (the chapter protocol's name for it)."""
