"""What the reader sees: lambda1 and the gradient norm per epoch (Figs 4, 16; the first seed with
markers, the other seeds as thin lines of the same style: the spread across seeds), the table of
the runs, and the explorer widget."""

from __future__ import annotations

from hessbook.chapters.y3.claims import MATCHED_LOSS, at_loss, trained_runs
from hessbook.chapters.y3.compute import Curves, Results
from hessbook.kit import style
from hessbook.regime import runs_frame


def _style(R: Results, r: Curves) -> dict:
    """Colour by batch size, dotted for robust training (as Y); the first seed with markers and a
    legend entry, the others thin."""
    color = "C0" if r.batch == R.params.small_batch else "C3"
    if r.seed != R.seeds[0]:
        return {"color": color, "ls": ":" if r.robust else "-", "lw": 0.7, "alpha": 0.6}
    return {"color": color, "ls": ":" if r.robust else "-", "marker": "o", "ms": 3, "label": r.label}


def draw_runs(ax_lambda, ax_grad, R: Results, model: str) -> None:
    for r in (x for x in R.runs if x.model == model):
        ax_lambda.plot(r.epochs, r.lambda1, **_style(R, r))
        ax_grad.plot(r.epochs, r.grad_norm, **_style(R, r))
    for ax, what in ((ax_lambda, "λ1θ (training Hessian)"), (ax_grad, "‖∇θ J‖ (training set)")):
        ax.set_yscale("log")
        ax.set_xlabel("epoch")
        ax.set_ylabel(what)
        ax.set_title(f"{model.upper()}: {what}", fontsize=9)
    ax_lambda.legend(fontsize=7, title=f"seed {R.seeds[0]}; thin: seeds {', '.join(map(str, R.seeds[1:]))}"
                     if len(R.seeds) > 1 else None, title_fontsize=7)


def figure_dynamics(R: Results):
    """Figs 4, 16: one row per model, lambda1 left and the total gradient norm right."""
    import matplotlib.pyplot as plt

    ran = R.models
    fig, axes = plt.subplots(max(len(ran), 1), 2, figsize=(style.PAGE_WIDTH_IN, 2.9 * max(len(ran), 1)), squeeze=False)
    for row, m in zip(axes, ran):
        draw_runs(row[0], row[1], R, m)
    if not ran:
        style.not_computed(axes[0][0], "not computed: " + (R.table.why_missing() or "no run"))
        axes[0][1].set_axis_off()
    fig.tight_layout()
    return fig


def _at_loss_cell(r: Curves) -> str:
    """The graded lambda1 of a run, or why it was not read ("not read: first record already at
    loss 2.0e-05, below 0.001")."""
    reading = at_loss(r)
    return f"{reading.lambda1:.4g}" if reading.bracketed else "not read: " + reading.text().removesuffix(": not read")


def summary_table(R: Results):
    import pandas as pd

    k = R.params.tail_records
    out = [{"run": R.name(r), "records": len(r.epochs),
            f"λ1 at loss {MATCHED_LOSS:g} (graded)": _at_loss_cell(r),
            f"λ1 (mean of last {k})": f"{r.tail(k):.4g}",
            "λ1 max": f"{r.lambda1.max():.4g}", "max Lanczos residual": f"{r.residual.max():.0e}",
            "final ‖∇θ J‖": f"{r.grad_norm[-1]:.3g}", "final train loss": f"{r.train_loss[-1]:.2e}",
            "final train acc": f"{100 * r.train_acc[-1]:.1f}%"} for r in R.runs]
    out += [{"run": m.model.upper(), "not computed": m.detail} for m in R.missing]
    return pd.DataFrame(out)


def runs_table(R: Results):
    """The run table (:func:`hessbook.regime.runs_frame`): per run, the SGD steps, the final clean
    training loss beside ln 10, the regime flag (a flagged run enters no ratio of the claims)."""
    return runs_frame(trained_runs(R))


def explorer(R: Results):
    """Widget: pick a model and a measure; its runs per epoch (four per seed, the first seed with
    markers, the others thin)."""
    import matplotlib.pyplot as plt

    from hessbook.widgets import Explorer

    measures = {"λ1θ": "lambda1", "‖∇θ J‖": "grad_norm", "training loss": "train_loss",
                "Lanczos residual": "residual"}

    def draw(model, measure):
        fig, ax = plt.subplots(figsize=(6, 3.4))
        runs = [r for r in R.runs if r.model == model]
        for r in runs:
            ax.plot(r.epochs, getattr(r, measures[measure]), **_style(R, r))
        if runs:
            ax.set_yscale("log")
            ax.legend(fontsize=7)
        ax.set_xlabel("epoch")
        ax.set_ylabel(measure)
        ax.set_title(f"{model.upper()}: {measure}" if runs else f"{model.upper()}: not computed", fontsize=9)
        fig.tight_layout()
        return fig

    return Explorer({"model": R.models or list(R.params.models), "measure": list(measures)}, draw,
                    title="Y3: curvature and gradient during training")
