"""S5's figures (S Figs 8 and 9), run table and explorer."""

from __future__ import annotations

import numpy as np

from hessbook.chapters.s5.analysis import Line
from hessbook.chapters.s5.claims import trained_runs
from hessbook.chapters.s5.compute import Results
from hessbook.chapters.s5.params import SPLITS
from hessbook.kit import style


def figure_8(R: Results):
    """S Fig 8: losses (left) and accuracies (right) against iterations, the switch marked."""
    import matplotlib.pyplot as plt

    c = R.curves
    fig, axes = plt.subplots(1, 2, figsize=(style.PAGE_WIDTH_IN, 3.2))
    for ax, kind in zip(axes, ("loss", "acc")):
        for split, color in (("train", "C0"), ("test", "C1")):
            ax.plot(c.iterations, c.metric(f"{split}_{kind}"), color=color, marker=".", ms=3, label=split)
        ax.axvline(c.switch, color="k", ls=":", lw=1)
        ax.set_xlabel("iterations")
        ax.set_ylabel("loss" if kind == "loss" else "accuracy")
        ax.legend(fontsize=8)
    axes[0].set_title("Part I: large batch | Part II: small batch", fontsize=9)
    fig.tight_layout()
    return fig


def draw_line(ax_loss, ax_acc, line: Line, split: str | None = None, alpha: float | None = None) -> None:
    """S Fig 9 on two axes: loss and accuracy against the interpolation coefficient."""
    for s, color in (("train", "C0"), ("test", "C1")):
        if split is not None and s != split:
            continue
        ax_loss.plot(line.alphas, line.metric(f"{s}_loss"), color=color, marker=".", label=s)
        ax_acc.plot(line.alphas, line.metric(f"{s}_acc"), color=color, marker=".", label=s)
    for ax in (ax_loss, ax_acc):
        for x, name in ((0.0, "LB"), (1.0, "SB")):
            ax.axvline(x, color="gray", ls=":", lw=1)
            ax.annotate(name, (x, 1.0), xycoords=("data", "axes fraction"), ha="center", va="bottom", fontsize=8)
        if alpha is not None:
            ax.axvline(alpha, color="C3", lw=1.5)
        ax.set_xlabel("interpolation coefficient")
        ax.legend(fontsize=8)
    ax_loss.set_ylabel("loss")
    ax_acc.set_ylabel("accuracy")


def figure_9(R: Results):
    """S Fig 9: loss and accuracy along the line through the two end points."""
    import matplotlib.pyplot as plt

    fig, (a, b) = plt.subplots(1, 2, figsize=(style.PAGE_WIDTH_IN, 3.2))
    draw_line(a, b, R.line)
    fig.tight_layout()
    return fig


def runs_table(R: Results):
    """The run table: both parts, with the training accuracy of each part's last record."""
    from hessbook.papers.sagun.regime import run_table

    c = R.curves
    k = int(np.flatnonzero(c.iterations == c.switch)[-1])
    runs = trained_runs(R)
    return run_table(runs, [float(c.train_acc[i]) for i in (k, len(c.iterations) - 1)][:len(runs)])


def explorer(R: Results):
    """Widget: slide along the line (alpha) and pick the split; shows loss/accuracy there."""
    import matplotlib.pyplot as plt

    from hessbook.widgets import Explorer

    line = R.line

    def draw(alpha, split):
        fig, (a, b) = plt.subplots(1, 2, figsize=(style.PAGE_WIDTH_IN, 3.0))
        draw_line(a, b, line, None if split == "both" else split, alpha)
        i = int(np.flatnonzero(np.isclose(line.alphas, alpha))[0])
        parts = [f"{s}: loss {line.metric(f'{s}_loss')[i]:.4f}, acc {line.metric(f'{s}_acc')[i]:.2%}"
                 for s in SPLITS if split in ("both", s)]
        fig.suptitle(f"alpha = {alpha:g}   " + "; ".join(parts), fontsize=9)
        fig.tight_layout()
        return fig

    options = {"alpha": [float(a) for a in line.alphas], "split": ["both", "train", "test"]}
    return Explorer(options, draw, title="S5: along the line from the LB end point (0) to the SB end point (1)")
