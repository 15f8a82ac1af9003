"""What the reader sees: accuracy against batch size (ours beside Y's Table 8: the median across
seeds thick, each seed thin), the per-run table, and the explorer of training curves."""

from __future__ import annotations

import math

import numpy as np

from hessbook.chapters.y6.claims import expected_flag
from hessbook.chapters.y6.compute import Results, RunResult
from hessbook.chapters.y6.paper import LABELS, METHODS, PAPER_TABLE8
from hessbook.kit import style

MARKERS = {"baseline": "o", "fb": "s", "robust": "^"}


def paper_table():
    """Y Table 8 as printed, with the batch size as a fraction of the training set."""
    import pandas as pd

    return pd.DataFrame([{"B": r.batch, "fraction of training set": f"{r.fraction:.0%}",
                          "baseline": r.baseline, "FB": r.fb, "robust": r.robust} for r in PAPER_TABLE8])


def _paper_acc(fraction: float, method: str) -> str:
    row = next((r for r in PAPER_TABLE8 if abs(r.fraction - fraction) < 1e-9), None)
    return f"{row.acc(method):.4f}" if row else "–"


def summary_table(R: Results):
    """One line per run (batch size, method, seed): accuracies, final loss, epochs and SGD steps, how
    it stopped, the regime flag (:attr:`~hessbook.chapters.y6.compute.RunResult.flag`: diverged, or
    still on the initial plateau; a flagged baseline or robust run keeps its batch size out of the
    claim), why a flag is what Y reports (:func:`~hessbook.chapters.y6.claims.expected_flag`), and
    Y's number beside."""
    import pandas as pd

    if R.missing is not None:
        return pd.DataFrame([{"not computed": R.missing.detail}])
    return pd.DataFrame([{
        "B": r.batch, "fraction": f"{r.fraction:.0%}", "method": LABELS[r.method], "seed": r.seed,
        "test acc": f"{r.test_acc:.4f}", "Y's test acc": _paper_acc(r.fraction, r.method),
        "train acc": f"{r.train_acc:.4f}",
        "final train loss": f"{r.final_loss:.3g}" if math.isfinite(r.final_loss) else "– (diverged)",
        "peak lr": f"{r.peak_lr:.3g}", "epochs": r.epochs, "steps": r.iterations, "stop": r.stop_reason,
        "diverged at epoch": r.diverged_epoch if r.diverged else "–", "flag": r.flag,
        "expected because": expected_flag(r) or "–",
    } for b in R.batches for m in R.params.methods for s in R.seeds for r in (R.get(m, b, s),) if r is not None])


def seed_median(R: Results, method: str) -> tuple[list[float], np.ndarray, np.ndarray]:
    """``method``'s batch fractions, and per fraction the median test accuracy across seeds and
    every seed's (a row per seed that ran, NaN where it lacks that batch size)."""
    runs = [rs for rs in (R.of(method, s) for s in R.seeds) if rs]
    batches = R.batches
    table = np.array([[next((r.test_acc for r in rs if r.batch == b), np.nan) for b in batches] for rs in runs],
                     dtype=float).reshape(len(runs), len(batches))
    n_train = R.params.n_train
    mid = np.array([np.median(c[np.isfinite(c)]) if np.isfinite(c).any() else np.nan for c in table.T])
    return [b / n_train for b in batches], mid, table


def draw_accuracy(ax, R: Results) -> None:
    """Our test accuracy against the batch fraction, one line per method: the median across seeds
    (thick, with markers), each seed a thin line of the same colour; a diverged run is a hollow
    marker on its seed's line."""
    several = len(R.seeds) > 1
    for i, method in enumerate(R.params.methods):
        f, mid, table = seed_median(R, method)
        if not len(table):
            continue
        if several:
            for row in table:
                ax.plot(f, row, "-", color=f"C{i}", lw=0.6, alpha=0.45)
        label = LABELS[method] + (f" (median of {len(table)} seeds; thin: each)" if several and i == 0 else "")
        ax.plot(f, mid, "-" + MARKERS[method], color=f"C{i}", ms=4, label=label)
        for r in (r for s in R.seeds for r in R.of(method, s) if r.diverged):
            ax.plot(r.fraction, r.test_acc, MARKERS[method], color=f"C{i}", mfc="none")
    ax.axhline(0.1, color="0.6", ls=":", lw=1)
    ax.set_xlabel("batch size / training set")
    ax.set_ylabel("test accuracy")
    ax.set_title(f"ours: C1, {R.params.n_train} CIFAR-10 images, {R.params.epochs} epochs", fontsize=9)
    ax.legend(fontsize=7)


def draw_paper(ax) -> None:
    """Y Table 8's accuracies against the batch fraction (Y's FB is "the scaling learning rate method
    proposed by [17]", Goyal et al.; Y names no warm-up, so its label names none)."""
    f = [r.fraction for r in PAPER_TABLE8]
    labels = {**LABELS, "fb": "FB (Y: Goyal et al.'s lr scaling)"}
    for i, method in enumerate(METHODS):
        ax.plot(f, [r.acc(method) for r in PAPER_TABLE8], "-" + MARKERS[method], color=f"C{i}", label=labels[method])
    ax.axhline(0.1, color="0.6", ls=":", lw=1)
    ax.set_xlabel("batch size / training set (50000)")
    ax.set_title("Y Table 8", fontsize=9)
    ax.legend(fontsize=7)


def figure_accuracy(R: Results):
    """Table 8 as a figure: ours (left) and Y's (right); the dotted line is chance (0.1)."""
    import matplotlib.pyplot as plt

    fig, (ours, paper) = plt.subplots(1, 2, figsize=(style.PAGE_WIDTH_IN, 3.0), sharey=True)
    if R.runs:
        draw_accuracy(ours, R)
    else:
        style.not_computed(ours, "not computed: " + (R.missing.reason if R.missing else "no run"))
    draw_paper(paper)
    fig.tight_layout()
    return fig


def draw_curves(axes, r: RunResult, others: list[RunResult]) -> None:
    """Training loss and test accuracy per epoch of ``r``, the other methods at its B in grey."""
    loss_ax, acc_ax = axes
    for o in others:
        loss_ax.plot(o.epoch, o.train_loss, color="0.75", lw=1)
        acc_ax.plot(o.epoch, o.test_acc_curve, color="0.75", lw=1)
    loss_ax.plot(r.epoch, r.train_loss, "o-", ms=3, color="C3")
    acc_ax.plot(r.epoch, r.test_acc_curve, "o-", ms=3, color="C3", label="test")
    acc_ax.plot(r.epoch, r.train_acc_curve, "--", color="C3", label="train")
    loss_ax.set_yscale("log")
    loss_ax.set_xlabel("epoch")
    loss_ax.set_ylabel("training loss (whole subset)")
    acc_ax.set_xlabel("epoch")
    acc_ax.set_ylabel("accuracy")
    acc_ax.legend(fontsize=7)
    stop = f"diverged at epoch {r.diverged_epoch}" if r.diverged else r.stop_reason
    loss_ax.set_title(f"{LABELS[r.method]}, B={r.batch} ({r.fraction:.0%}), peak lr {r.peak_lr:.3g}: {stop}",
                      fontsize=9, loc="left")


def explorer(R: Results):
    """Widget: pick a batch size, a method and a seed; see its training curves against the other
    methods' at the same batch size and seed."""
    import matplotlib.pyplot as plt

    from hessbook.widgets import Explorer

    def draw(batch, method, seed):
        fig, axes = plt.subplots(1, 2, figsize=(style.PAGE_WIDTH_IN, 3.0))
        r = R.get(method, batch, seed)
        if r is None:
            why = R.missing.reason if R.missing else f"{method} was not run with B={batch}, seed {seed} at this scale"
            for ax in axes:
                style.not_computed(ax, "not computed: " + why)
        else:
            draw_curves(axes, r, [o for o in (R.get(m, batch, seed) for m in R.params.methods) if o and o is not r])
        fig.tight_layout()
        return fig

    return Explorer({"batch": R.batches or list(R.params.batch_sizes), "method": list(R.params.methods),
                     "seed": list(R.seeds)}, draw, title="Y6: training curves per batch size, method and seed")
