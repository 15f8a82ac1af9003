"""What the reader sees: Fig 1, the paper's tables beside ours, and the explorer widget.
Where several seeds ran, a spectrum is the median across the seeds (thick) with each seed's
as a thin line of the same colour, and the tables have a row per network (model, B, seed)."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np

from hessbook.chapters.y1.compute import Results, run_flag, run_steps
from hessbook.papers.yao.regime import CAPPED
from hessbook.chapters.y1.paper import Pair, PaperRow, paper_row
from hessbook.kit import style
from hessbook.stats import median

COLUMNS = ("Acc", "λ1θ", "λ1x", "‖∇xJ‖", "FGSM hi", "FGSM lo")
FIG1_ORDER = ("c1", "m1", "c2", "resnet18")
"""Panels of our Fig 1 (Y's Fig 1 shows C1 left, M1 right)."""


# ----------------------------------------------------------------------------- tables


def _fmt(pair: Pair | None, digits: int | None = 2) -> str:
    """ "train (test)"; ``digits`` None: each value's own digits (a paper's, as printed, bar
    trailing zeros)."""
    if pair is None:
        return "–"
    tr, te = pair
    f = (lambda v: "?" if v is None else f"{v:.{digits}f}" if digits is not None and isinstance(v, float) and v < 1000
         else f"{v:g}")
    return f"{f(tr)} ({f(te)})"


def paper_table(rows: Sequence[PaperRow]):
    """A paper table as printed: each cell "train (test)"."""
    import pandas as pd

    out = []
    for r in rows:
        out.append({"model": r.model.upper(), "B": r.batch, "Acc": _fmt(r.acc, None),
                    "λ1θ": _fmt(r.lambda_theta, None), "λ1x": _fmt(r.lambda_x, None), "‖∇xJ‖": _fmt(r.grad_x, None),
                    "FGSM hi": _fmt(r.fgsm_hi, None), "FGSM lo": _fmt(r.fgsm_lo, None)})
    return pd.DataFrame(out)


def summary_table(R: Results, models: str | Sequence[str]):
    """Our rows of ``models`` in the paper's layout, one per network (batch size, then seed), the
    paper's row (same B) beside each, the SGD steps taken, and the regime flag
    (:func:`~hessbook.chapters.y1.compute.run_flag`: diverged, or still on the initial plateau; or
    "epoch cap", :meth:`~hessbook.chapters.y1.compute.Results.capped`; a flagged network enters no
    trend); a model without results gets one row saying why."""
    import pandas as pd

    models = (models,) if isinstance(models, str) else tuple(models)
    out = []
    for model in models:
        if not R.ran(model):
            out.append({"model": model.upper(), "not computed": R.absent([model]) or "not run"})
            continue
        for r in sorted((r for r in R.networks if r.model == model), key=lambda r: (r.batch, r.seed)):
            p = paper_row(model, r.batch)
            ours = {"Acc": _fmt(r.acc), "λ1θ": _fmt(r.lambda_theta, 3), "λ1x": _fmt(r.lambda_x, 3),
                    "‖∇xJ‖": _fmt(r.grad_x, 3), "FGSM hi": _fmt(r.fgsm[0]), "FGSM lo": _fmt(r.fgsm[1])}
            paper = paper_table([p]).iloc[0].to_dict() if p else {}
            line = {"model": model.upper(), "B": r.batch, "seed": r.seed}
            for c in COLUMNS:
                if model == "resnet18" and c in ("λ1x", "‖∇xJ‖"):
                    line[f"{c} paper"] = "–"
                else:
                    line[f"{c} paper"] = paper.get(c, "not in paper")
                line[f"{c} ours"] = ours[c]
            line["power λ1θ train (products)"] = f"{r.power_lambda[0]:.3g} ({r.power_products[0]})"
            t = R.trimmed_of(r)
            if t is not None:
                line[f"λ1θ train w/o {len(t.top_losses)} highest-loss (their loss share)"] = \
                    f"{t.lambda_trimmed:.3g} ({100 * t.loss_share:.0f} %)"
            line["train loss"] = f"{r.final_loss:.1e}"
            line["epochs"] = r.epochs
            line["steps"] = run_steps(r, R.params)
            line["flag"] = run_flag(r) or (CAPPED if R.capped(r) else "")
            out.append(line)
    return pd.DataFrame(out)


# ----------------------------------------------------------------------------- figures


def spectra(R: Results, model: str, batch: int) -> tuple[np.ndarray, np.ndarray]:
    """The top eigenvalues of ``model`` at ``batch``: the median across seeds, index by index, and
    every seed's spectrum (a row per seed, NaN-padded where a seed's spectrum is shorter)."""
    rows = [np.asarray(r.top_eigenvalues, float) for s in R.seeds for r in R.in_seed(model, s) if r.batch == batch]
    k = max((len(e) for e in rows), default=0)
    table = np.full((len(rows), k), np.nan)
    for i, e in enumerate(rows):
        table[i, :len(e)] = e
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an index no seed has: NaN, drawn as a gap
        mid = np.nanmedian(table, axis=0) if len(rows) else np.full(k, np.nan)
    return mid, table


def _batches(R: Results, model: str) -> list[int]:
    return sorted({r.batch for r in R.networks if r.model == model})


def _draw_spread(ax, mid: np.ndarray, table: np.ndarray, **kw) -> None:
    """The median spectrum (markers, ``kw``), and each seed's as a thin line when there are several."""
    if len(table) > 1:
        for row in table:
            ax.plot(*_indexed(row), **{**kw, "lw": 0.6, "alpha": 0.45, "marker": None, "label": None})
    ax.plot(*_indexed(mid), **{"marker": "o", "ms": 3, **kw})


def draw_spectra(ax, R: Results, model: str) -> None:
    """Y Fig 1: the top eigenvalues of the training-set Hessian, one colour per batch size: the
    median across seeds, each seed a thin line (the spread across seeds)."""
    import matplotlib

    batches = _batches(R, model)
    cmap = matplotlib.colormaps["viridis"]
    for i, b in enumerate(batches):
        mid, table = spectra(R, model, b)
        label = f"B={b}" + (f" (median of {len(table)} seeds; thin: each)" if len(table) > 1 and i == 0 else "")
        _draw_spread(ax, mid, table, color=cmap(i / max(len(batches) - 1, 1)), label=label)
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


def _indexed(eig: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(index from 1, eigenvalue clipped for the log axis)."""
    return np.arange(1, len(eig) + 1), np.clip(eig, 1e-6, None)


def explorer(R: Results):
    """Widget: pick a model and a batch size; see its top spectrum (median across seeds, each seed
    thin) against the other batch sizes' medians."""
    import matplotlib.pyplot as plt

    from hessbook.widgets import Explorer

    index: dict[tuple[str, int], list] = {}
    for r in R.networks:
        index.setdefault((r.model, r.batch), []).append(r)

    def draw(model, batch):
        fig, ax = plt.subplots(figsize=(6, 3.5))
        rs = index.get((model, batch))
        if rs is None:
            gone = R.missing_of(model)
            style.not_computed(ax, f"{model.upper()}: not computed ({gone.reason})" if gone else
                          f"{model.upper()} was not trained with B={batch} at this scale")
        else:
            for other in _batches(R, model):
                if other != batch:
                    ax.plot(*_indexed(spectra(R, model, other)[0]), color="0.8", lw=1, zorder=1)
            mid, table = spectra(R, model, batch)
            _draw_spread(ax, mid, table, color="C3", lw=2, zorder=3)
            ax.set_yscale("log")
            ax.set_xlabel("index of eigenvalue")
            ax.set_ylabel("eigenvalue")
            seeds = f", median of {len(rs)} seeds" if len(rs) > 1 else ""
            ax.set_title(f"{model.upper()} B={batch}: λ1θ={median([r.lambda_theta[0] for r in rs]):.3g} (train), "
                         f"FGSM {median([r.fgsm[0][1] for r in rs]):.1f}% (test, ε={rs[0].eps[0]}){seeds}",
                         fontsize=9)
        fig.tight_layout()
        return fig

    if index:
        options = {"model": sorted({m for m, _ in index}), "batch": sorted({b for _, b in index})}
    else:  # nothing ran: offer what was asked for, and say why it is absent
        P = R.params
        options = {"model": sorted(P.models), "batch": sorted({b for m in P.models for b in P.sizes(m)})}
    return Explorer(options, draw, title="Y1: top Hessian eigenvalues per model and batch size")
