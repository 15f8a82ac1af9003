"""K's panel layout, shared by K1 and K2: test accuracy, FGSM accuracy, PGD accuracy and λ1
against batch size (log2 axis), one line per (setting, momentum); the runs table; the explorer."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import warnings

import numpy as np

from hessbook.papers.kamath.grid import Grid
from hessbook.papers.kamath.paper import CASES, SETTING_COLOR, SETTING_LABEL
from hessbook.papers.kamath.trends import MEASURES, dropped, kept
from hessbook.kit import style

PANELS = ("test_acc", "fgsm_acc", "pgd_acc", "lambda1")
Line = tuple[str, float]
"""(setting, momentum)."""


def line_label(line: Line) -> str:
    setting, momentum = line
    return f"{SETTING_LABEL[setting]} m={momentum:g}"


def by_setting(line: Line, lines: Sequence[Line]) -> dict:
    """K1's colours: one per setting (K's light blue, purple, red)."""
    return {"color": SETTING_COLOR[line[0]]}


def by_momentum(line: Line, lines: Sequence[Line]) -> dict:
    """K2's colours: one per momentum (dark = small), dashed for LR/BS."""
    import matplotlib

    momenta = sorted({m for _, m in lines})
    shade = momenta.index(line[1]) / max(len(momenta) - 1, 1)
    return {"color": matplotlib.colormaps["viridis"](0.85 * shade), "ls": "--" if line[0] == "lr_bs" else "-"}


def seed_median(grid: Grid, case: str, line: Line, name: str) -> tuple[list[int], np.ndarray, np.ndarray]:
    """Batch sizes, and per batch size the median of ``name`` across seeds and every seed's value
    (a row per seed, NaN where a seed lacks that batch size or its run is flagged: a run on its
    plateau or diverged is out of every statistic, the drawn median included, as the captions say;
    :func:`draw_row` marks it)."""
    curves = [c for c in grid.curves(case, *line).values() if c]
    bs = sorted({r.run.batch for c in curves for r in c})
    table = np.array([[next((getattr(r, name) for r in kept(c) if r.run.batch == b), np.nan) for b in bs]
                      for c in curves],
                     dtype=float).reshape(len(curves), len(bs))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a batch size no seed has: NaN, drawn as a gap
        mid = np.nanmedian(table, axis=0) if len(curves) else np.full(len(bs), np.nan)
    return bs, mid, table


def _drawn(grid: Grid, case: str, lines: Sequence[Line], name: str
           ) -> list[tuple[Line, list[int], np.ndarray, np.ndarray]]:
    """Per line of ``lines`` that ran: the line, its batch sizes, the seed median and the per-seed
    table of ``name`` over its kept runs (:func:`seed_median`)."""
    out = []
    for line in lines:
        bs, mid, table = seed_median(grid, case, line, name)
        if bs:
            out.append((line, bs, mid, table))
    return out


def _any_kept(drawn: Sequence[tuple[Line, list[int], np.ndarray, np.ndarray]]) -> bool:
    """Whether some line has a finite value from a kept run (a flagged run is NaN in the table)."""
    return any(bool(np.isfinite(table).any()) for _, _, _, table in drawn)


NO_KEPT_RUN = "not computed: every run on its plateau\nor diverged (the runs table flags them)"
"""What a panel says where no run of the case is kept: the median of nothing is not drawn, and a
log axis over no positive value cannot be drawn either."""


def draw_row(axes, grid: Grid, case: str, lines: Sequence[Line], line_style: Callable[[Line, Sequence[Line]], dict],
             eps: float, highlight: Line | None = None) -> None:
    """One case in K's layout: four panels (two rows of two on the page), one line per
    (setting, momentum): the median across seeds, each seed's run as a thin line of the same
    colour (the spread across seeds); a run on its plateau or diverged (out of every statistic) is
    marked with a black x. A panel where no run is kept says so (:data:`NO_KEPT_RUN`) instead."""
    for ax, name in zip(axes, PANELS):
        title = MEASURES[name] + (f" (ε={eps:g})" if name in ("fgsm_acc", "pgd_acc") else "")
        drawn = _drawn(grid, case, lines, name)
        if not _any_kept(drawn):
            style.not_computed(ax, f"{CASES[case].label}: {title}\n{NO_KEPT_RUN}")
            continue
        positive = False  # a log axis needs a positive value to draw
        marked = False  # the flagged runs' legend entry, once
        for line, bs, mid, table in drawn:
            kw = line_style(line, lines)
            if highlight is not None and line != highlight:
                kw = {**kw, "color": "0.8", "lw": 1, "zorder": 1}
            if len(table) > 1:
                for row in table:
                    ax.plot(bs, row, **{**kw, "lw": 0.6, "alpha": 0.45, "marker": None, "label": None})
            label = line_label(line) + (f" (median of {len(table)} seeds)" if len(table) > 1 and line == lines[0] else "")
            ax.plot(bs, mid, **{"marker": "o", "ms": 3, "ls": "-", "label": label, **kw})
            positive |= bool(np.any(table > 0))
            flagged = [r for c in grid.curves(case, *line).values() for r in dropped(c)]
            if flagged and highlight is None:  # out of every statistic: drawn, and marked
                ys = [getattr(r, name) for r in flagged]
                ax.plot([r.run.batch for r in flagged], ys, "x", color="black", ms=5, zorder=5,
                        label="on its plateau or diverged" if name == PANELS[0] and not marked else None)
                positive, marked = positive or any(y > 0 for y in ys), True
        ax.set_xscale("log", base=2)
        ax.set_xlabel("batch size")
        if name == "lambda1":
            if positive:
                ax.set_yscale("log")
            ax.set_ylabel("λ1 (training-loss Hessian)")
        else:
            ax.set_ylabel("%")
        ax.set_title(f"{CASES[case].label}: {title}", fontsize=8)
    if axes[0].get_legend_handles_labels()[0]:
        axes[0].legend(fontsize=style.SMALL)


def figure_rows(grid: Grid, cases: Sequence[str], lines_of: Callable[[str], Sequence[Line]],
                line_style: Callable[[Line, Sequence[Line]], dict], eps_of: Callable[[str], float],
                why_absent: Callable[[str], str]):
    """Per case K's four panels in two rows of two (legible at the page's width); a case not
    run is one short row saying why."""
    import matplotlib.pyplot as plt

    cases = list(cases)
    heights = [2.6 if grid.ran(c) else 0.6 for c in cases for _ in range(2 if grid.ran(c) else 1)] or [0.6]
    fig, axes = plt.subplots(len(heights), 2, figsize=(style.PAGE_WIDTH_IN, sum(heights)), squeeze=False,
                             gridspec_kw={"height_ratios": heights})
    row = 0
    for case in cases:
        if grid.ran(case):
            draw_row([*axes[row], *axes[row + 1]], grid, case, lines_of(case), line_style, eps_of(case))
            row += 2
        else:
            axes[row][1].set_axis_off()
            style.not_computed(axes[row][0], f"{CASES[case].label}: not computed ({why_absent(case)})")
            row += 1
    if not cases:
        for ax in axes[0]:
            ax.set_axis_off()
    fig.tight_layout()
    return fig


def runs_table(grid: Grid, n_train: Callable[[str], int] | None = None):
    """Every run: the four measured columns and the diagnostics (λ1's relative residual, the
    final training loss, the SGD steps taken when ``n_train(dataset)`` is given, and the regime
    flag: diverged, or on its initial plateau -- :mod:`hessbook.regime`; a flagged run enters no
    statistic), under short column names so the table fits the page (shown with
    ``kit.style.table``: floats to four significant digits)."""
    import pandas as pd

    from hessbook.papers.kamath.trends import run_flag
    from hessbook.regime import steps_taken

    rows = [{"case": CASES[r.run.case].label, "setting": SETTING_LABEL[r.run.setting], "m": r.run.momentum,
             "B": r.run.batch, "seed": r.run.seed, "test %": round(r.test_acc, 1), "FGSM %": round(r.fgsm_acc, 1),
             "PGD %": round(r.pgd_acc, 1), "λ1": r.lambda1, "λ1 res.": f"{r.lambda1_residual:.0e}",
             "loss": r.train_loss, "epochs": r.epochs,
             **({"steps": steps_taken(r.epochs, n_train(CASES[r.run.case].dataset), r.run.batch)} if n_train else {}),
             "flag": run_flag(r)}
            for r in grid.results]
    return pd.DataFrame(rows)


def explorer(grid: Grid, line_style, eps_of: Callable[[str], float], title: str):
    """Widget: pick a case (model and dataset), a setting and a momentum; that line is drawn in
    K's layout in colour, every other line of the case in grey."""
    from hessbook.widgets import Explorer

    cases = grid.cases() or list(CASES)
    lines = sorted({(r.run.setting, r.run.momentum) for r in grid.results}) or [("lr", 0.0)]

    def draw(case, setting, momentum):
        if not any(grid.curves(case, setting, momentum).values()):
            fig, (ax,) = style.panels(1, columns=1, height=1.0)
            style.not_computed(ax, f"{CASES[case].label}, {SETTING_LABEL[setting]} m={momentum:g}: not run at this scale")
        else:
            fig, axes = style.panels(4, columns=2, height=2.6)
            draw_row(axes, grid, case, grid.lines(case), line_style, eps_of(case), highlight=(setting, momentum))
        fig.tight_layout()
        return fig

    first = ("lr", 0.0) if ("lr", 0.0) in lines else lines[0]  # a line that ran: the book shows it
    return Explorer({"case": cases, "setting": sorted({s for s, _ in lines}),
                     "momentum": sorted({m for _, m in lines})}, draw, title=title,
                    initial={"setting": first[0], "momentum": first[1]})
