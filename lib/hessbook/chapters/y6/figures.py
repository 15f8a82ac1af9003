"""What the reader sees: accuracy against batch size (ours beside Y's Table 8), the per-run
table, and the explorer of training curves."""

from __future__ import annotations

import numpy as np

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
    """One line per run: accuracies, final loss, epochs, how it stopped, and Y's number beside."""
    import pandas as pd

    if R.missing is not None:
        return pd.DataFrame([{"not computed": R.missing.detail}])
    return pd.DataFrame([{
        "B": r.batch, "fraction": f"{r.fraction:.0%}", "method": LABELS[r.method],
        "test acc": f"{r.test_acc:.4f}", "Y's test acc": _paper_acc(r.fraction, r.method),
        "train acc": f"{r.train_acc:.4f}", "final train loss": f"{r.final_loss:.3g}",
        "peak lr": f"{r.peak_lr:.3g}", "epochs": r.epochs, "steps": r.iterations, "stop": r.stop_reason,
        "diverged at epoch": r.diverged_epoch if r.diverged else "–",
    } for b in R.batches for r in (R.get(m, b) for m in R.params.methods) if r is not None])


def draw_accuracy(ax, R: Results) -> None:
    """Our test accuracy against the batch fraction, one line per method; diverged runs hollow."""
    for i, method in enumerate(R.params.methods):
        rs = R.of(method)
        f = [r.fraction for r in rs]
        ax.plot(f, [r.test_acc for r in rs], "-", color=f"C{i}", label=LABELS[method])
        for r in rs:
            ax.plot(r.fraction, r.test_acc, MARKERS[method], color=f"C{i}", mfc="none" if r.diverged else f"C{i}")
    ax.axhline(0.1, color="0.6", ls=":", lw=1)
    ax.set_xlabel("batch size / training set")
    ax.set_ylabel("test accuracy")
    ax.set_title(f"ours: C1, {R.params.n_train} CIFAR-10 images, {R.params.epochs} epochs", fontsize=9)
    ax.legend(fontsize=7)


def draw_paper(ax) -> None:
    """Y Table 8's accuracies against the batch fraction."""
    f = [r.fraction for r in PAPER_TABLE8]
    for i, method in enumerate(METHODS):
        ax.plot(f, [r.acc(method) for r in PAPER_TABLE8], "-" + MARKERS[method], color=f"C{i}", label=LABELS[method])
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
    """Widget: pick a batch size and a method; see its training curves against the other methods'."""
    import matplotlib.pyplot as plt

    from hessbook.widgets import Explorer

    def draw(batch, method):
        fig, axes = plt.subplots(1, 2, figsize=(style.PAGE_WIDTH_IN, 3.0))
        r = R.get(method, batch)
        if r is None:
            why = R.missing.reason if R.missing else f"{method} was not run with B={batch} at this scale"
            for ax in axes:
                style.not_computed(ax, "not computed: " + why)
        else:
            draw_curves(axes, r, [o for o in (R.get(m, batch) for m in R.params.methods) if o and o is not r])
        fig.tight_layout()
        return fig

    return Explorer({"batch": R.batches or list(R.params.batch_sizes), "method": list(R.params.methods)}, draw,
                    title="Y6: training curves per batch size and method")
