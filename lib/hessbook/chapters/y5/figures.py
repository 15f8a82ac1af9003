"""What the reader sees: Table 5 from the library, the transfer tables beside Y's (heat maps),
the interpolations, the spectra, the landscapes along v1, and the explorer widget."""

from __future__ import annotations

import inspect

import numpy as np

from hessbook.chapters.y5.claims import trained_runs
from hessbook.chapters.y5.compute import Results, Study
from hessbook.chapters.y5.paper import (MODELS, PAPER_TABLES, ROBUST, STUDY_LABEL, TABLE5, model_label,
                                        set_label)
from hessbook.kit import style
from hessbook.regime import runs_frame

SPECTRUM_STYLE = {"1a": ("C3", "v"), "1b": ("C1", "^"), "full": ("k", "o")}
"""Colour and marker per B_H (the batch: C0, square)."""


def table5():
    """Y Table 5 from the attack registry: name, ball, the function's own one-line definition
    (its docstring), the function, and Y's printed Δx beside it."""
    import pandas as pd

    from hessbook.attacks import ATTACKS, NORM_OF

    rows = []
    for name, fn in ATTACKS.items():
        y_name, y_formula = TABLE5.get(name, ("(not in Y; K's attack)", ""))
        rows.append({"attack": name, "Y's name": y_name, "ball": NORM_OF[name] or "setting `norm`",
                     "definition (library docstring)": inspect.getdoc(fn).split("\n\n")[0].replace("\n", " "),
                     "function": f"{fn.__module__}.{fn.__qualname__}", "Y Table 5: Δx": y_formula})
    return pd.DataFrame(rows)


def table_frame(R: Results, study: str):
    """Our transfer table of ``study`` in percent, Y's row and column names."""
    s = R.study(study)
    if s is None:
        import pandas as pd

        return pd.DataFrame({"not computed": [m.detail for m in R.missing] or ["study not selected"]})
    frame = s.table.to_frame()
    frame.index = [model_label(m) for m in frame.index]
    frame.columns = [set_label(c) if c != "mean_adv" else "MEAN of Adv" for c in frame.columns]
    return frame.round(2)


def _not_computed(ax, R: Results, what: str) -> None:
    reasons = "; ".join(f"{m.model} ({m.reason})" for m in R.missing) or "study not selected"
    style.not_computed(ax, f"{what}: not computed ({reasons})")


def figure_tables(R: Results):
    """Heat maps of our Tables 3 and 4 (accuracy, %) beside Y's printed ones."""
    from hessbook.kit import heatmap

    rows = [model_label(m) for m in MODELS]
    cols = [set_label(c) for c in ("clean", *ROBUST)] + ["mean"]
    fig, axes = style.grid_panels(2, 2, height=3.4)
    for row, study in zip(axes, ("m1", "c3")):
        paper = PAPER_TABLES[study]
        heatmap(row[1], np.column_stack([np.array(paper.accuracy), paper.mean_adv]), rows, cols, vmin=0,
                vmax=100, title=f"Y: {paper.where.split(',')[1].strip()} ({STUDY_LABEL[study]})")
        s = R.study(study)
        if s is None:
            _not_computed(row[0], R, STUDY_LABEL[study])
            continue
        ours = np.column_stack([s.table.accuracy, s.table.mean_adv]) * 100
        heatmap(row[0], ours, rows, cols, vmin=0, vmax=100,
                title=f"ours, {R.params.scale} scale ({STUDY_LABEL[study]}, {s.table.n} test images)")
    fig.tight_layout()
    return fig


def _study_grid(R: Results, models, draw, what: str, height: float = 2.5):
    """One panel per (study, model), two panels a row (the page's width), a study's models in order."""
    if not R.studies:
        fig, (ax,) = style.panels(1, columns=1, height=1.0)
        _not_computed(ax, R, what)
        return fig
    pairs = [(s, m) for s in R.studies for m in models]
    fig, axes = style.panels(len(pairs), columns=2, height=height)
    for ax, (s, m) in zip(axes, pairs):
        draw(ax, s, m)
        ax.set_title(f"{s.label}: {model_label(m)}", fontsize=8)
    fig.tight_layout()
    return fig


def draw_interpolation(ax, s: Study, model: str) -> None:
    line = s.models[model].interpolation
    for which, ls in (("train", "-"), ("test", "--")):
        ax.plot(line.x, line.loss[which], ls, marker=".", label=f"{which} loss")
    ax.axvline(0, color="0.6", lw=0.8)
    ax.axvline(1, color="0.6", lw=0.8)
    ax.set_yscale("log")
    ax.set_xlabel("λ (0: M_ORI, 1: robust)", fontsize=8)


def figure_interpolation(R: Results):
    """Figs 5, 10, 11: loss along (1 - λ) θ_ORI + λ θ_robust, per robust model."""
    fig = _study_grid(R, ROBUST, draw_interpolation, "interpolation")
    if R.studies:
        fig.axes[0].legend(fontsize=7)
    return fig


def draw_spectrum(ax, s: Study, model: str, batch: str) -> None:
    """The window (the eigenvalues largest in magnitude, by index in that order: Y's plot) filled,
    the smallest eigenvalues open after it, per B_H."""
    for sp in s.models[model].spectra:
        color, marker = SPECTRUM_STYLE.get(sp.b_h, ("C0", "s"))
        label = {"1a": "B_H = 1 (a)", "1b": "B_H = 1 (b)", "full": f"full ({sp.n})"}.get(sp.b_h, f"B_H = {sp.b_h}")
        idx = np.arange(1, len(sp.window) + 1)
        ax.plot(idx, sp.window, marker=marker, color=color, ms=4, lw=0.8, label=label)
        ax.plot(len(sp.window) + np.arange(1, len(sp.bottom) + 1), sp.bottom, marker=marker, color=color, ms=5,
                lw=0, mfc="none")
    ax.axhline(0, color="0.5", lw=0.6)
    ax.set_yscale("symlog", linthresh=1e-2)
    ax.set_xlabel("index by magnitude (open: smallest eigenvalues)", fontsize=8)


def figure_spectra(R: Results):
    """Figs 6, 12: the eigenvalues largest in magnitude and the smallest of the sub-sampled
    Hessians, per model."""
    batch = str(R.params.n_hessian_batch)
    fig = _study_grid(R, MODELS, lambda ax, s, m: draw_spectrum(ax, s, m, batch), "spectra")
    if R.studies:
        fig.axes[0].legend(fontsize=style.SMALL)
    return fig


def draw_v1(ax, s: Study, model: str) -> None:
    line = s.models[model].along_v1
    for which, ls in (("batch", ":"), ("train", "-"), ("test", "--")):
        ax.plot(line.x, line.loss[which], ls, label=f"{which} loss")
    ax.set_yscale("log")
    ax.set_xlabel("α along v1 (unit)", fontsize=8)


def figure_v1(R: Results):
    """Figs 8, 9: loss along v1 of the B_H Hessian, batch / training / test loss."""
    fig = _study_grid(R, MODELS, draw_v1, "landscape along v1")
    if R.studies:
        fig.axes[0].legend(fontsize=7)
    return fig


def spectra_table(R: Results):
    """Per (study, model, B_H): λ1, the smallest eigenvalue, their Lanczos diagnostics."""
    import pandas as pd

    out = []
    for s in R.studies:
        for m, a in s.models.items():
            for sp in a.spectra:
                out.append({"study": s.label, "model": model_label(m), "B_H": sp.b_h, "samples": sp.n,
                            "λ1": f"{sp.lambda1:.4g}", "λmin": f"{float(sp.bottom[0]):.3g}",
                            "|λmin|/λ1": f"{sp.negative_ratio:.3f}", "window converged": sp.window_converged,
                            "bottom converged": sp.bottom_converged, "products": sp.products})
    return pd.DataFrame(out)


def training_table(R: Results):
    """How each training run ended (robust runs: the adversarial minibatch loss)."""
    import pandas as pd

    return pd.DataFrame([{"study": s.label, "model": model_label(m), "epochs": t.epochs,
                          "iterations": t.iterations, "clean training loss": f"{t.train_loss:.3g}",
                          "clean training accuracy (%)": round(100 * t.train_acc, 1),
                          "last epoch's minibatch loss": f"{t.running_loss:.3g}",
                          "seconds": round(t.seconds, 1)} for s in R.studies for m, t in s.trainings.items()])


def runs_table(R: Results):
    """The run table (:func:`hessbook.regime.runs_frame`): per model, the SGD steps of its own
    training (a robust model's: its adversarial epochs, after M_ORI's), the clean training loss
    beside ln 10, the clean test accuracy, the regime flag."""
    return runs_frame(trained_runs(R))


def explorer(R: Results):
    """Widget: pick a study and a model; see its spectra, its landscape along v1 and its line from M_ORI."""
    from hessbook.widgets import Explorer

    batch = str(R.params.n_hessian_batch)

    def draw(study, model):
        fig, axes = style.panels(3, columns=2, height=2.6)
        s = next((x for x in R.studies if x.label == study), None)
        if s is None:
            for ax in axes[1:]:
                ax.set_axis_off()
            _not_computed(axes[0], R, study)
            return fig
        draw_spectrum(axes[0], s, model, batch)
        axes[0].legend(fontsize=style.SMALL)
        draw_v1(axes[1], s, model)
        axes[1].legend(fontsize=style.SMALL)
        if model == "ori":
            axes[2].text(0.5, 0.5, "M_ORI is λ = 0 of every line", ha="center", transform=axes[2].transAxes)
            axes[2].set_axis_off()
        else:
            draw_interpolation(axes[2], s, model)
        fig.suptitle(f"{study}: {model_label(model)}", fontsize=9)
        fig.tight_layout()
        return fig

    return Explorer({"study": [s.label for s in R.studies] or ["none"], "model": list(MODELS)}, draw,
                    title="Y5: a robust model's spectra and landscapes")
