"""What the reader sees: the loss along v1 (Figs 2, 15, 7), the (v1, v2) surfaces (Figs 3, 13,
14), the per-network table and the explorer widget."""

from __future__ import annotations

import numpy as np

from hessbook.chapters.y2.compute import Landscape, Results
from hessbook.chapters.y2.paper import LINE_FIGURE, LOG_AXIS_MODELS, SURFACE_FIGURE
from hessbook.kit import style

SPLIT_COLOR = {"train": "C0", "test": "C3", "batch": "C2"}
"""Y Fig 7: blue training, red test, green the random batch."""


def _why(R: Results, models) -> str:
    gone = [f"{m.model.upper()} ({m.reason})" for m in R.missing if m.model in models]
    return "not computed: " + ("; ".join(gone) if gone else "no network of " + ", ".join(m.upper() for m in models)
                               + " at this scale")


def _why_one(R: Results, model: str) -> str:
    """Why a panel of the paper's figure has no network here: the data, or not selected."""
    gone = next((m for m in R.missing if m.model == model), None)
    if gone is not None:
        return f"not computed: {gone.reason}"
    if model not in R.params.y1_models:
        return "not computed: not selected at this scale (y1_models)"
    return "not computed: no network of this model at this scale"


def not_computed_row(row, R: Results, model: str, title: str) -> None:
    """A row of the paper's figure whose model was not computed: drawn, titled and saying why,
    never dropped (issue 26.2)."""
    style.not_computed(row[0], f"{title}\n{_why_one(R, model)}")
    for ax in row[1:]:
        ax.set_axis_off()


def _batch_colors(n: int):
    import matplotlib

    cmap = matplotlib.colormaps["viridis"]
    return [cmap(i / max(n - 1, 1)) for i in range(n)]


def draw_lines(ax, R: Results, model: str, split: str) -> None:
    """Loss along v1, one line per batch size (Figs 2 and 15 layout)."""
    rs = R.of(model)
    for color, r in zip(_batch_colors(len(rs)), rs):
        ax.plot(r.alphas, r.line(split), color=color, label=f"B={r.batch}")
    if model in LOG_AXIS_MODELS:
        ax.set_yscale("log")
    ax.set_xlabel("ε (θ + ε v1, ‖v1‖ = 1)")
    ax.set_ylabel(f"{split} loss")
    ax.set_title(f"{model.upper()} ({LINE_FIGURE[model]}), {split}", fontsize=9)
    ax.legend(fontsize=7)


def figure_lines(R: Results, models=("c1", "c2")):
    """Figs 2, 15: training and test loss along v1, per batch size, one row per model of the
    paper's figures; a model not computed here keeps its row, saying why."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(models), 2, figsize=(style.PAGE_WIDTH_IN, 2.9 * len(models)), squeeze=False)
    for row, m in zip(axes, models):
        if not R.of(m):
            not_computed_row(row, R, m, f"{m.upper()} ({LINE_FIGURE[m]})")
            continue
        for ax, split in zip(row, ("train", "test")):
            draw_lines(ax, R, m, split)
    fig.tight_layout()
    return fig


def draw_fig7_panel(ax, r: Landscape) -> None:
    """One network as in Y Fig 7: training, test and random-batch loss, log y-axis."""
    for split in ("train", "test", "batch"):
        line = r.line(split)
        if line is not None:
            ax.plot(r.alphas, np.clip(line, 1e-8, None), color=SPLIT_COLOR[split], label=split)
    ax.set_yscale("log")
    ax.set_xlabel("ε")
    ax.set_title(f"{r.label}: λ1 = {r.eigenvalues[0]:.3g}", fontsize=9)
    ax.legend(fontsize=7)


def figure_7(R: Results):
    """Fig 7: M1, one panel per batch size (log y-axis), with the random batch."""
    rs = R.of("m1")
    fig, axes = style.grid_panels(1, min(max(len(rs), 1), style.MAX_COLUMNS), height=2.8, sharey=True)
    for ax, r in zip(axes[0], rs):
        draw_fig7_panel(ax, r)
    axes[0][0].set_ylabel("loss")
    if not rs:
        style.not_computed(axes[0][0], _why(R, ("m1",)))
    fig.tight_layout()
    return fig


def draw_surface(ax, r: Landscape, split: str, levels) -> None:
    """A filled contour of log10 loss over (e1, e2)."""
    s = r.surface_train if split == "train" else r.surface_test
    g = r.surface_alphas
    cs = ax.contourf(g, g, np.log10(np.clip(s.T, 1e-8, None)), levels=levels, cmap="viridis")
    ax.set_title(f"{r.label}, {split}", fontsize=8)
    ax.set_xlabel("ε1 (v1)")
    ax.set_ylabel("ε2 (v2)")
    return cs


def figure_surfaces(R: Results, split: str = "train"):
    """Figs 3, 13, 14: log10 loss on the plane of v1 and v2, one row per model of the paper's
    figures (a model not computed here keeps its row, saying why), one panel per batch size, one
    colour scale per model."""
    import matplotlib.pyplot as plt

    models = tuple(SURFACE_FIGURE)
    cols = max((len(R.of(m)) for m in models), default=1) or 1
    fig, axes = plt.subplots(len(models), cols, figsize=(style.PAGE_WIDTH_IN, style.PAGE_WIDTH_IN / cols * 0.9 * len(models)),
                             squeeze=False)
    for row, m in zip(axes, models):
        rs = R.of(m)
        if not rs:
            not_computed_row(row, R, m, f"{m.upper()} ({SURFACE_FIGURE[m]})")
            continue
        values = np.log10(np.clip(np.concatenate([(r.surface_train if split == "train" else r.surface_test).ravel()
                                                   for r in rs]), 1e-8, None))
        levels = np.linspace(values.min(), values.max(), 15)
        cs = None
        for ax, r in zip(row, rs):
            cs = draw_surface(ax, r, split, levels)
        for ax in row[len(rs):]:
            ax.set_axis_off()
        fig.colorbar(cs, ax=list(row), label=f"log10 {split} loss ({m.upper()}, {SURFACE_FIGURE[m]})")
    return fig


def summary_table(R: Results):
    """Per network: the eigenpairs and their checks, the step's scale, the graded sharpness."""
    import pandas as pd

    eps = R.params.grade_step
    out = []
    for r in R.networks:
        out.append({
            "network": r.label, "λ1": f"{r.eigenvalues[0]:.4g}", "λ2": f"{r.eigenvalues[1]:.4g}",
            "Lanczos residuals": f"{r.relative_residuals[0]:.0e}, {r.relative_residuals[1]:.0e}",
            "products": r.lanczos_products, "2nd difference along v1": f"{r.curvature_fd:.4g}",
            "‖θ‖": f"{r.theta_norm:.1f}", "loss at θ (train)": f"{r.line_train[len(r.alphas) // 2]:.2e}",
            f"rise at ±{eps:g} (train)": f"{r.rise('train', eps):.3g}",
            f"rise at ±{eps:g} (test)": f"{r.rise('test', eps):.3g}",
            "surface rise (train)": f"{r.surface_rise('train'):.3g}",
        })
    for m in R.missing:
        out.append({"network": m.model.upper(), "not computed": m.detail})
    return pd.DataFrame(out)


def explorer(R: Results):
    """Widget: pick a network and a split; its line against the other batch sizes, and its plane."""
    import matplotlib.pyplot as plt

    from hessbook.widgets import Explorer

    index = {r.label: r for r in R.networks}

    def draw(network, split):
        fig, (ax, ax2) = plt.subplots(1, 2, figsize=(style.PAGE_WIDTH_IN, 2.9))
        r = index.get(network)
        if r is None:
            style.not_computed(ax, _why(R, R.params.y1_models))
            ax2.set_axis_off()
            return fig
        for other in R.of(r.model):
            ax.plot(other.alphas, other.line(split), color="C3" if other is r else "0.8",
                    lw=2 if other is r else 1, zorder=3 if other is r else 1)
        ax.set_yscale("log")
        ax.set_xlabel("ε along v1")
        ax.set_ylabel(f"{split} loss")
        ax.set_title(f"{network}: λ1 = {r.eigenvalues[0]:.3g}", fontsize=9)
        s = np.log10(np.clip((r.surface_train if split == "train" else r.surface_test).T, 1e-8, None))
        fig.colorbar(ax2.contourf(r.surface_alphas, r.surface_alphas, s, 15, cmap="viridis"), ax=ax2,
                     label=f"log10 {split} loss")
        ax2.set_xlabel("ε1 (v1)")
        ax2.set_ylabel("ε2 (v2)")
        fig.tight_layout()
        return fig

    return Explorer({"network": list(index) or ["none"], "split": ["train", "test"]}, draw,
                    title="Y2: loss along v1 and on the (v1, v2) plane")
