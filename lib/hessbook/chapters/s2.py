"""S2 -- Gaussian clusters: the outliers of the Hessian count the classes (S Sec. 3.1, Fig 2,
Appendix A, Table 1).

Setup (S App. A): input d = 100, two hidden layers of 30 units, k outputs with softmax
cross-entropy; k Gaussian clusters in the input space, normalized globally; trained by GD
or SGD with tanh or ReLU, input covariance multiplier 1 or 10; the exact Hessian's
eigenvalues are counted above three cutoffs (largest gap, largest ratio, elbow).

What S does not give, and we chose (stated in the chapter): the number of samples, the
step size, the number of iterations and the SGD batch size (``S2Params``); the cluster
geometry (:func:`hessbook.data.gaussian_clusters`); the cutoff formulas
(:mod:`hessbook.curvature.outliers`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from hessbook.params import ChapterParams, ParameterError, device_spec, spec

KS = (2, 5, 10, 20, 50)


@dataclass(frozen=True)
class PaperRow:
    """One row of S Table 1. ``None``: "N/A" in the paper, or a cell the text garbles."""

    algorithm: str
    nonlinearity: str
    params: int
    cov: float
    k: int
    gap: int | None
    ratio: int | None
    elbow: int | None
    cutoff: float | None


# S Table 1 as printed. The paper's text of the k = 2 rows is garbled ("~UΓ", "ɪ", "3^~");
# where a digit is legible we keep it, otherwise None (shown as "?" in the book).
PAPER_TABLE1: tuple[PaperRow, ...] = (
    PaperRow("gd", "tanh", 4022, 1.0, 2, 2, 3, None, None),
    PaperRow("gd", "tanh", 4115, 1.0, 5, 2, 17, None, None),
    PaperRow("gd", "tanh", 4270, 1.0, 10, 2, 4, None, None),
    PaperRow("gd", "tanh", 4580, 1.0, 20, 3, 4, None, None),
    PaperRow("gd", "relu", 4022, 1.0, 2, 3, None, 2, 0.003),
    PaperRow("gd", "relu", 4115, 1.0, 5, 6, 7, 5, 0.003),
    PaperRow("gd", "relu", 4270, 1.0, 10, 11, 12, 10, 0.003),
    PaperRow("gd", "relu", 4580, 1.0, 20, 4, 21, 21, 0.003),
    PaperRow("gd", "relu", 5510, 1.0, 50, 50, 51, 49, 0.003),
    PaperRow("sgd", "relu", 4022, 1.0, 2, 3, None, 2, 0.002),
    PaperRow("sgd", "relu", 4115, 1.0, 5, 6, 7, 7, 0.002),
    PaperRow("sgd", "relu", 4270, 1.0, 10, 2, 14, 15, 0.002),
    PaperRow("sgd", "relu", 4580, 1.0, 20, 2, 3, 21, 0.002),
    PaperRow("sgd", "relu", 5510, 1.0, 50, 50, 51, 49, 0.002),
    PaperRow("sgd", "relu", 4022, 10.0, 2, 2, None, 2, 0.015),
    PaperRow("sgd", "relu", 4115, 10.0, 5, 5, 6, 5, 0.015),
    PaperRow("sgd", "relu", 4270, 10.0, 10, 2, 11, 9, 0.015),
    PaperRow("sgd", "relu", 4580, 10.0, 20, 20, 21, 19, 0.015),
    PaperRow("sgd", "relu", 5510, 10.0, 50, 50, 51, 49, 0.005),
)
METHODS = ("gap", "ratio", "elbow")


@dataclass(frozen=True)
class S2Params(ChapterParams):
    ks: list[int] = field(metadata=spec(choices=KS, nonempty=True, doc="which k of Table 1 to compute"))
    n_samples: int = field(metadata=spec(gt=0, doc="training points (S does not say; our choice)"))
    dimension: int = field(metadata=spec(gt=0, doc="input dimension d (S: 100)"))
    hidden: int = field(metadata=spec(gt=0, doc="units in each of the two hidden layers (S: 30)"))
    lr: float = field(metadata=spec(gt=0.0, doc="constant step size of GD and SGD"))
    gd_iterations: int = field(metadata=spec(gt=0, doc="GD steps (full batch)"))
    sgd_iterations: int = field(metadata=spec(gt=0, doc="SGD steps"))
    sgd_batch_size: int = field(metadata=spec(gt=0, doc="SGD minibatch size"))
    n_seeds: int = field(metadata=spec(gt=0, doc="independent data+init seeds per row"))
    device: str = field(metadata=device_spec("where to train"))

    def check(self) -> None:
        if self.sgd_batch_size > self.n_samples:
            raise ParameterError(
                f"sgd_batch_size = {self.sgd_batch_size}: larger than n_samples = {self.n_samples}; "
                f"accepted: 1..{self.n_samples}"
            )
        if self.n_samples < max(self.ks):
            raise ParameterError(f"n_samples = {self.n_samples}: need at least max(ks) = {max(self.ks)} points")


@dataclass(frozen=True)
class CaseResult:
    """One (row, seed): the exact spectrum and the three counts."""

    row: PaperRow
    seed: int
    eigenvalues: np.ndarray
    """All eigenvalues of the exact float64 Hessian, descending."""
    gap: int
    ratio: int
    elbow: int
    elbow_threshold: float
    final_loss: float
    train_accuracy: float
    asymmetry: float
    """max |H - H^T| before symmetrizing: a check on the Hessian's assembly."""


def rows(P: S2Params) -> tuple[PaperRow, ...]:
    """The Table 1 rows this run computes (those whose k is in ``P.ks``)."""
    return tuple(r for r in PAPER_TABLE1 if r.k in P.ks)


def train_config(row: PaperRow, P: S2Params, seed: int):
    from hessbook.data import DataSpec
    from hessbook.train import TrainConfig

    gd = row.algorithm == "gd"
    return TrainConfig(
        model="s_mlp",
        model_kwargs={"d": P.dimension, "k": row.k, "hidden": [P.hidden, P.hidden], "activation": row.nonlinearity},
        data=DataSpec("gaussian_clusters", options={
            "k": row.k, "d": P.dimension, "n": P.n_samples, "cov_scale": row.cov, "seed": seed}),
        batch_size=P.n_samples if gd else P.sgd_batch_size,
        lr=P.lr,
        max_iterations=P.gd_iterations if gd else P.sgd_iterations,
        seed=seed,
    )


def run_case(row: PaperRow, P: S2Params, seed: int, store=None) -> CaseResult:
    """Train one row's network (through the store) and compute its exact spectrum (stored)."""
    from hessbook.curvature import count_outliers, hessian_matrix, spectrum
    from hessbook.data import gaussian_clusters
    from hessbook.device import pick_device
    from hessbook.store import default_store
    from hessbook.train import evaluate, train

    store = store or default_store()
    config = train_config(row, P, seed)
    device = pick_device(P.device)

    def compute() -> dict:
        trained = train(config, store, device=device)
        model = trained.model(device)
        x, y = gaussian_clusters(row.k, P.dimension, P.n_samples, row.cov, seed)
        H = hessian_matrix(model, (x.to(device), y.to(device)))
        asymmetry = float((H - H.T).abs().max())
        eigenvalues = spectrum((H + H.T) / 2)
        loss, acc = evaluate(model, _as_image_data(x, y, row.k), device)
        return {
            "eigenvalues": eigenvalues.cpu().numpy(),
            "final_loss": float(loss),
            "train_accuracy": float(acc),
            "asymmetry": asymmetry,
        }

    record = store.get_or_compute("s2-spectrum", {"train": config}, compute)
    eig = record.arrays["eigenvalues"]
    counts = count_outliers(torch.from_numpy(eig))
    return CaseResult(
        row=row, seed=seed, eigenvalues=eig, gap=counts.gap, ratio=counts.ratio, elbow=counts.elbow,
        elbow_threshold=counts.elbow_threshold, final_loss=record.metrics["final_loss"],
        train_accuracy=record.metrics["train_accuracy"], asymmetry=record.metrics["asymmetry"],
    )


def _as_image_data(x: torch.Tensor, y: torch.Tensor, k: int):
    from hessbook.data import tensor_data

    return tensor_data(x, y, "gaussian_clusters", num_classes=k)


def run_all(P: S2Params, store=None) -> list[CaseResult]:
    """Every selected row of Table 1 for every seed, with a progress bar."""
    from hessbook.progress import progress

    jobs = [(row, P.seed + s) for row in rows(P) for s in range(P.n_seeds)]
    return [run_case(row, P, seed, store) for row, seed in progress(jobs, desc="S2 rows x seeds")]


def row_label(row: PaperRow) -> str:
    return f"{row.algorithm.upper()} {row.nonlinearity} cov {row.cov:g} k={row.k}"


def summary_table(results: list[CaseResult]):
    """Table 1 in the paper's layout: paper's counts beside ours (median over seeds, range)."""
    import pandas as pd

    out = []
    for row in dict.fromkeys(r.row for r in results):
        mine = [r for r in results if r.row == row]
        line = {
            "alg": row.algorithm.upper(), "nonlin": row.nonlinearity, "params": row.params,
            "cov": row.cov, "k": row.k,
        }
        for m in METHODS:
            paper = getattr(row, m)
            ours = np.array([getattr(r, m) for r in mine])
            med = int(np.median(ours))
            spread = f" [{ours.min()}–{ours.max()}]" if ours.min() != ours.max() else ""
            mark = "" if med == row.k else (" (±1)" if abs(med - row.k) == 1 else " ✗")
            line[f"{m} paper"] = "?" if paper is None else paper
            line[f"{m} ours"] = f"{med}{spread}{mark}"
        line["train loss"] = float(np.median([r.final_loss for r in mine]))
        out.append(line)
    return pd.DataFrame(out)


def exact_fraction(values: list[tuple[int, int]], tolerance: int = 0) -> float:
    """Fraction of (count, k) pairs with |count - k| <= tolerance."""
    if not values:
        return float("nan")
    return float(np.mean([abs(c - k) <= tolerance for c, k in values]))


def method_fractions(results: list[CaseResult]) -> dict[str, dict[str, float]]:
    """Per method: fraction of (row, seed) cases exactly k and within ±1, ours and the paper's."""
    rows_run = {r.row for r in results}
    out = {}
    for m in METHODS:
        ours = [(getattr(r, m), r.row.k) for r in results]
        paper = [(getattr(row, m), row.k) for row in rows_run if getattr(row, m) is not None]
        out[m] = {
            "ours_exact": exact_fraction(ours), "ours_pm1": exact_fraction(ours, 1),
            "paper_exact": exact_fraction(paper), "paper_pm1": exact_fraction(paper, 1),
        }
    return out


def draw_spectrum(ax, result: CaseResult, method: str, top: int | None = None) -> None:
    """S's ordered plot: rank on x, eigenvalue on y, ascending; the cutoff drawn."""
    eig = np.sort(result.eigenvalues)
    top = top or min(len(eig), 3 * result.row.k + 20)
    shown = eig[-top:]
    ranks = np.arange(len(eig) - top + 1, len(eig) + 1)
    count = getattr(result, method)
    colors = np.where(ranks > len(eig) - count, "C3", "C0")
    ax.scatter(ranks, shown, s=8, c=colors)
    if count < len(eig):
        cut = 0.5 * (eig[-count - 1] + eig[-count]) if count > 0 else eig[-1]
        ax.axhline(cut, color="k", ls=":", lw=1)
    ax.set_title(f"{row_label(result.row)}: {method} finds {count}", fontsize=9)
    ax.set_xlabel("rank of eigenvalue")
    ax.set_ylabel("eigenvalue")


def explorer(results: list[CaseResult]):
    """Widget: choose algorithm, nonlinearity, covariance, k, seed and cutoff method."""
    import matplotlib.pyplot as plt

    from hessbook.widgets import Explorer

    index = {(r.row.algorithm, r.row.nonlinearity, r.row.cov, r.row.k, r.seed): r for r in results}

    def draw(algorithm, nonlinearity, cov, k, seed, method):
        fig, ax = plt.subplots(figsize=(6, 3.5))
        result = index.get((algorithm, nonlinearity, cov, k, seed))
        if result is None:
            ax.text(0.5, 0.5, "not in Table 1 (the paper has no such row)", ha="center", transform=ax.transAxes)
            ax.set_axis_off()
        else:
            draw_spectrum(ax, result, method)
        fig.tight_layout()
        return fig

    keys = list(index)
    options = {
        "algorithm": sorted({k[0] for k in keys}), "nonlinearity": sorted({k[1] for k in keys}),
        "cov": sorted({k[2] for k in keys}), "k": sorted({k[3] for k in keys}),
        "seed": sorted({k[4] for k in keys}), "method": list(METHODS),
    }
    return Explorer(options, draw, title="S2: exact Hessian spectra of the Gaussian-cluster networks")


def _grade(fraction_exact: float, fraction_pm1: float) -> str:
    if fraction_exact == 1.0:
        return "held"
    if fraction_pm1 >= 0.5:
        return "partly"
    return "did not hold"


def verdicts(results: list[CaseResult], scale: str):
    """The chapter's verdicts on S Fig 2 and S Table 1."""
    from hessbook.report import Verdict

    fig2 = [r for r in results if (r.row.algorithm, r.row.nonlinearity, r.row.cov) == ("sgd", "relu", 1.0)]
    pairs = [(r.gap, r.row.k) for r in fig2]
    ours_fig2 = ", ".join(f"k={r.row.k}: {r.gap}" for r in fig2)
    out = [
        Verdict(
            "S-Fig2",
            "The number of eigenvalues above the largest gap equals the number of classes k.",
            _grade(exact_fraction(pairs), exact_fraction(pairs, 1)) if pairs else "not computed",
            "Fig 2 (SGD, ReLU): a visible gap after exactly k outliers for k = 2..50.",
            f"eigenvalues above the largest gap: {ours_fig2}" if pairs else "no SGD/ReLU/cov 1 row computed",
            f"{exact_fraction(pairs):.0%} of cases exact, {exact_fraction(pairs, 1):.0%} within ±1 "
            "(held = every case exact; partly = at least half within ±1)." if pairs else "",
        )
    ]
    fr = method_fractions(results)
    best = max(METHODS, key=lambda m: (fr[m]["ours_pm1"], fr[m]["ours_exact"]))
    paper_best = max(METHODS, key=lambda m: (fr[m]["paper_pm1"], fr[m]["paper_exact"]))
    ours, paper = fr[best]["ours_pm1"], fr[paper_best]["paper_pm1"]
    grade = "held" if ours >= paper - 0.1 else ("partly" if ours >= 0.5 else "did not hold")
    out.append(
        Verdict(
            "S-Table1",
            "Across GD/SGD, tanh/ReLU and input covariance, some cutoff counts k outliers to within one.",
            grade,
            f"paper's best cutoff ({paper_best}): {paper:.0%} of its rows within ±1 of k "
            f"({fr[paper_best]['paper_exact']:.0%} exact).",
            f"our best cutoff ({best}): {ours:.0%} of cases within ±1 ({fr[best]['ours_exact']:.0%} exact); "
            + "; ".join(f"{m}: {fr[m]['ours_pm1']:.0%}" for m in METHODS),
            "held = our best cutoff within ±1 at least as often as the paper's (10 points of slack); "
            "partly = at least half the cases.",
        )
    )
    return out


Params = S2Params
"""The chapter's parameter schema (the chapter protocol's name for it)."""
