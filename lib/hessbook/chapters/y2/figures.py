"""What the reader sees: the loss along v1 (Figs 2, 15, 7) and the (v1, v2) surfaces (Figs 3, 13,
14) of Y1's first seed, in the paper's layout; the graded sharpness against the batch size in
every seed (the spread across seeds); the per-network table and the explorer widget."""

from __future__ import annotations

import numpy as np

from hessbook.chapters.y2.compute import Landscape, Results
from hessbook.chapters.y2.paper import LINE_FIGURE, LOG_AXIS_MODELS, MODELS, SURFACE_FIGURE
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
    """Loss along v1, one line per batch size (Figs 2 and 15 layout), Y1's first seed."""
    rs = R.of(model, R.first_seed)
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
    paper's figures (Y1's first seed); a model not computed here keeps its row, saying why."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(models), 2, figsize=(style.PAGE_WIDTH_IN, 2.9 * len(models)), squeeze=False)
    for row, m in zip(axes, models):
        if not R.of(m, R.first_seed):
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
    """Fig 7: M1, one panel per batch size (log y-axis), with the random batch (Y1's first seed)."""
    rs = R.of("m1", R.first_seed)
    # every batch size a panel, MAX_COLUMNS a row (review of 2026-12-06: one row of 3 dropped B = 256, 512)
    fig, axes = style.panels(max(len(rs), 1), columns=style.MAX_COLUMNS, height=2.8, sharey=True)
    for ax, r in zip(axes, rs, strict=False):
        draw_fig7_panel(ax, r)
    for ax in axes[::style.MAX_COLUMNS]:
        ax.set_ylabel("loss")
    if not rs:
        style.not_computed(axes[0], _why(R, ("m1",)))
    fig.tight_layout()
    return fig


def draw_surface(ax, r: Landscape, split: str, levels, title: str | None = None, labels: bool = True) -> None:
    """A filled contour of log10 loss over (e1, e2); ``title`` (default: the network and split);
    ``labels``: the axis names (a grid of panels names them once, on its edges)."""
    s = r.surface_train if split == "train" else r.surface_test
    g = r.surface_alphas
    cs = ax.contourf(g, g, np.log10(np.clip(s.T, 1e-8, None)), levels=levels, cmap="viridis")
    ax.set_title(title if title is not None else f"{r.label}, {split}", fontsize=8)
    if labels:
        ax.set_xlabel("ε1 (v1)")
        ax.set_ylabel("ε2 (v2)")
    return cs


def figure_surfaces(R: Results, split: str = "train"):
    """Figs 3, 13, 14: log10 loss on the plane of v1 and v2, one row per model of the paper's
    figures (a model not computed here keeps its row, saying why), one panel per batch size, one
    colour scale per model; Y1's first seed."""
    import math

    import matplotlib.pyplot as plt

    models = tuple(SURFACE_FIGURE)
    # one block per model (a model not computed keeps its block, saying why), its batch sizes at most
    # MAX_COLUMNS a row, short panel titles, the axes named once and one colour bar per model: the
    # review of 2026-12-06 found five columns whose titles and labels overprinted
    counts = [max(len(R.of(m, R.first_seed)), 1) for m in models]
    rows = [math.ceil(n / style.MAX_COLUMNS) for n in counts]
    fig = plt.figure(figsize=(style.PAGE_WIDTH_IN, 2.3 * sum(rows) + 0.3), layout="constrained")
    blocks = fig.subfigures(len(models), 1, height_ratios=rows, squeeze=False)[:, 0]
    for block, m, n, k in zip(blocks, models, counts, rows):
        rs = R.of(m, R.first_seed)
        axes = block.subplots(k, min(n, style.MAX_COLUMNS), squeeze=False, sharex=True, sharey=True)
        flat = [ax for line in axes for ax in line]
        block.suptitle(f"{m.upper()} ({SURFACE_FIGURE[m]}): log10 {split} loss on the plane of v1 and v2",
                       fontsize=style.SMALL + 1)
        if not rs:
            not_computed_row(flat, R, m, f"{m.upper()} ({SURFACE_FIGURE[m]})")
            continue
        values = np.log10(np.clip(np.concatenate([(r.surface_train if split == "train" else r.surface_test).ravel()
                                                   for r in rs]), 1e-8, None))
        levels = np.linspace(values.min(), values.max(), 15)
        cs = None
        for ax, r in zip(flat, rs):
            cs = draw_surface(ax, r, split, levels, title=f"B={r.batch}", labels=False)
        for ax in flat[len(rs):]:
            ax.set_axis_off()
        for line in axes:
            line[0].set_ylabel("ε2 (v2)")
        for ax in axes[-1]:
            ax.set_xlabel("ε1 (v1)")
        bar = block.colorbar(cs, ax=flat, shrink=0.9, format="%.1f")
        bar.set_label("log10 loss")
    return fig


def _draw_seeds(ax, R: Results, model: str, rise) -> None:
    """The graded rise against B, training (blue) and test (red): each seed a thin line, the median
    across seeds thick (a network on its plateau is left out, as from the statistic)."""
    values = [rise(r, split) for r in R.usable(model) for split in ("train", "test")]
    for split, color in (("train", SPLIT_COLOR["train"]), ("test", SPLIT_COLOR["test"])):
        for s in R.seeds:
            rs = R.usable(model, s)
            if rs:
                ax.plot([r.batch for r in rs], [rise(r, split) for r in rs], color=color, lw=0.7, alpha=0.5,
                        marker=".", ms=3)
        rs = R.usable(model)
        batches = sorted({r.batch for r in rs})
        median = [float(np.median([rise(r, split) for r in rs if r.batch == b])) for b in batches]
        ax.plot(batches, median, color=color, lw=2, marker="o", ms=4, label=f"{split} (median)")
    ax.set_xscale("log", base=2)
    if min(values) > 0:
        ax.set_yscale("log")
    else:  # a rise below the loss at θ (a network not at a minimum of the sampled loss)
        ax.set_yscale("symlog", linthresh=1e-3)
    ax.set_xlabel("batch size B")


def figure_seeds(R: Results):
    """The graded sharpness against the batch size in every seed: the rise at ±ε* along v1 (top row)
    and the surface's mean rise (bottom row), one column per model of Y's figures; each seed a thin
    line, the median across seeds thick. A model not computed keeps its column, saying why."""
    eps = R.params.grade_step
    rises = (("line", lambda r, split: r.rise(split, eps), f"rise at ±{eps:g} along v1"),
             ("surface", lambda r, split: r.surface_rise(split), "mean rise over the plane"))
    fig, axes = style.grid_panels(2, len(MODELS), height=2.6)
    for col, m in enumerate(MODELS):
        for row, (what, rise, ylabel) in enumerate(rises):
            ax = axes[row][col]
            figure = (LINE_FIGURE if what == "line" else SURFACE_FIGURE)[m]
            if not R.usable(m):
                why = _why_one(R, m) if not R.of(m) else "not graded: every network on its initial plateau"
                style.not_computed(ax, f"{m.upper()} ({figure})\n{why}")
                continue
            _draw_seeds(ax, R, m, rise)
            ax.set_title(f"{m.upper()} ({figure}), {len([s for s in R.seeds if R.usable(m, s)])} seed(s)",
                         fontsize=9)
            if col == 0:
                ax.set_ylabel(ylabel)
            ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def summary_table(R: Results):
    """Per network (model, batch size, seed): the eigenpairs and their checks, the step's scale,
    the graded sharpness."""
    import pandas as pd

    eps = R.params.grade_step
    out = []
    for r in (r for m in R.models for r in R.of(m)):
        out.append({
            "network": R.name(r), "λ1": f"{r.eigenvalues[0]:.4g}", "λ2": f"{r.eigenvalues[1]:.4g}",
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
    """Widget: pick a network (and seed) and a split; its line against the other batch sizes of
    its seed, and its plane."""
    import matplotlib.pyplot as plt

    from hessbook.widgets import Explorer

    index = {R.name(r): r for r in R.networks}

    def draw(network, split):
        fig, (ax, ax2) = plt.subplots(1, 2, figsize=(style.PAGE_WIDTH_IN, 2.9))
        r = index.get(network)
        if r is None:
            style.not_computed(ax, _why(R, R.params.y1_models))
            ax2.set_axis_off()
            return fig
        for other in R.of(r.model, r.seed):
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
