"""What the reader sees: Fig 1, the paper's tables beside ours, and the explorer widget."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from hessbook.chapters.y1.compute import Results
from hessbook.chapters.y1.paper import Pair, PaperRow, paper_row
from hessbook.kit import style

COLUMNS = ("Acc", "λ1θ", "λ1x", "‖∇xJ‖", "FGSM hi", "FGSM lo")
FIG1_ORDER = ("c1", "m1", "c2", "resnet18")
"""Panels of our Fig 1 (Y's Fig 1 shows C1 left, M1 right)."""


# ----------------------------------------------------------------------------- tables


def _fmt(pair: Pair | None, digits: int = 2) -> str:
    if pair is None:
        return "–"
    tr, te = pair
    f = (lambda v: "?" if v is None else f"{v:.{digits}f}" if isinstance(v, float) and v < 1000 else f"{v:g}")
    return f"{f(tr)} ({f(te)})"


def paper_table(rows: Sequence[PaperRow]):
    """A paper table as printed: each cell "train (test)"."""
    import pandas as pd

    out = []
    for r in rows:
        out.append({"model": r.model.upper(), "B": r.batch, "Acc": _fmt(r.acc), "λ1θ": _fmt(r.lambda_theta),
                    "λ1x": _fmt(r.lambda_x), "‖∇xJ‖": _fmt(r.grad_x, 3), "FGSM hi": _fmt(r.fgsm_hi),
                    "FGSM lo": _fmt(r.fgsm_lo)})
    return pd.DataFrame(out)


def summary_table(R: Results, models: str | Sequence[str]):
    """Our rows of ``models`` in the paper's layout, the paper's row (same B) beside each; a
    model without results gets one row saying why."""
    import pandas as pd

    models = (models,) if isinstance(models, str) else tuple(models)
    out = []
    for model in models:
        if not R.ran(model):
            out.append({"model": model.upper(), "not computed": R.absent([model]) or "not run"})
            continue
        for r in R.of(model):
            p = paper_row(model, r.batch)
            ours = {"Acc": _fmt(r.acc), "λ1θ": _fmt(r.lambda_theta, 3), "λ1x": _fmt(r.lambda_x, 3),
                    "‖∇xJ‖": _fmt(r.grad_x, 3), "FGSM hi": _fmt(r.fgsm[0]), "FGSM lo": _fmt(r.fgsm[1])}
            paper = paper_table([p]).iloc[0].to_dict() if p else {}
            line = {"model": model.upper(), "B": r.batch}
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


# ----------------------------------------------------------------------------- figures


def draw_spectra(ax, R: Results, model: str) -> None:
    """Y Fig 1: the top eigenvalues of the training-set Hessian, one line per batch size."""
    import matplotlib

    rs = R.of(model)
    cmap = matplotlib.colormaps["viridis"]
    for i, r in enumerate(rs):
        eig = np.asarray(r.top_eigenvalues)
        ax.plot(np.arange(1, len(eig) + 1), np.clip(eig, 1e-6, None), "o-", ms=3,
                color=cmap(i / max(len(rs) - 1, 1)), label=f"B={r.batch}")
    ax.set_yscale("log")
    ax.set_xlabel("index of eigenvalue")
    ax.set_ylabel("eigenvalue (train Hessian)")
    ax.set_title(f"{model.upper()}: top eigenvalues", fontsize=9)
    ax.legend(fontsize=7)


def figure_spectra(R: Results):
    """Fig 1: one panel per model run (C1, M1, then C2, ResNet18); a note when none ran."""
    models = [m for m in FIG1_ORDER if R.ran(m)]
    fig, axes = style.panels(max(len(models), 1), columns=2, height=3.0)
    for ax, m in zip(axes, models):
        draw_spectra(ax, R, m)
    if not models:
        style.not_computed(axes[0], "not computed: " + (R.absent(R.params.models) or "no model run"))
    fig.tight_layout()
    return fig


def explorer(R: Results):
    """Widget: pick a model and a batch size; see its top spectrum against the other batch sizes."""
    import matplotlib.pyplot as plt

    from hessbook.widgets import Explorer

    index = {(r.model, r.batch): r for r in R.networks}

    def draw(model, batch):
        fig, ax = plt.subplots(figsize=(6, 3.5))
        r = index.get((model, batch))
        if r is None:
            gone = R.missing_of(model)
            style.not_computed(ax, f"{model.upper()}: not computed ({gone.reason})" if gone else
                          f"{model.upper()} was not trained with B={batch} at this scale")
        else:
            for other in R.of(model):
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

    if index:
        options = {"model": sorted({m for m, _ in index}), "batch": sorted({b for _, b in index})}
    else:  # nothing ran: offer what was asked for, and say why it is absent
        P = R.params
        options = {"model": sorted(P.models), "batch": sorted({b for m in P.models for b in P.sizes(m)})}
    return Explorer(options, draw, title="Y1: top Hessian eigenvalues per model and batch size")
