"""K1's figures in K's layout (one per figure group, one line per setting), the counterexample
with λ1 against FGSM accuracy, the runs table and the explorer."""

from __future__ import annotations

from hessbook.chapters.k1.compute import LINES, Results
from hessbook.papers.kamath import figures as kf
from hessbook.papers.kamath.paper import CASES, COUNTEREXAMPLE, K1_ITEMS
from hessbook.kit import style


def _eps(R: Results):
    return lambda case: R.params.eps(CASES[case].dataset)


def figure_item(R: Results, item: str):
    """K's figures of ``item`` (e.g. ``"K-Fig1-2-15"``): a row per case, lines LR, LR/BS, Benchmark."""
    return kf.figure_rows(R.grid, K1_ITEMS[item], lambda case: LINES, kf.by_setting, _eps(R), R.why_absent)


def figure_counterexample(R: Results):
    """K Figs 6 and 18: StdCNN on Fashion-MNIST in K's layout, then λ1 against FGSM accuracy
    under LR, each point a batch size: a line rising to the right is the counterexample."""
    if not R.grid.ran(COUNTEREXAMPLE):
        fig, (ax,) = style.panels(1, columns=1, height=1.0)
        style.not_computed(ax, f"{CASES[COUNTEREXAMPLE].label}: not computed ({R.why_absent(COUNTEREXAMPLE)})")
        return fig
    fig, axes = style.panels(5, columns=2, height=2.6)
    kf.draw_row(axes[:4], R.grid, COUNTEREXAMPLE, LINES, kf.by_setting, _eps(R)(COUNTEREXAMPLE))
    ax = axes[4]
    color = kf.by_setting(("lr", 0.0), LINES)["color"]
    for i, (seed, curve) in enumerate(R.grid.curves(COUNTEREXAMPLE, "lr", 0.0).items()):
        ax.plot([r.lambda1 for r in curve], [r.fgsm_acc for r in curve], "-", color=color, alpha=1.0 if i == 0 else 0.5,
                marker="os^vD"[i % 5], ms=4, label=f"seed {seed}")
        for r in curve:
            ax.annotate(f"B={r.run.batch}", (r.lambda1, r.fgsm_acc), fontsize=style.SMALL, xytext=(3, 3),
                        textcoords="offset points")
    if len(R.grid.seeds()) > 1:
        ax.legend(fontsize=style.SMALL)
    ax.set_xscale("log")
    ax.set_xlabel("λ1")
    ax.set_ylabel("FGSM accuracy %")
    ax.set_title("LR: robustness against λ1", fontsize=8)
    fig.tight_layout()
    return fig


def runs_table(R: Results):
    return kf.runs_table(R.grid, R.params.n_train)


def explorer(R: Results):
    return kf.explorer(R.grid, kf.by_setting, _eps(R), "K1: pick a model and dataset, a setting and a momentum")
