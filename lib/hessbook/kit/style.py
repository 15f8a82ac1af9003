"""One house style for every figure of the book (seaborn's theme, a colour-blind palette), and
the one rule that keeps their text legible on the page.

The book shows a glued figure as a PNG at its natural size (``figure.dpi`` pixels per inch, the
tight bounding box), shrunk to the page's content width when wider. A figure's text is legible
when its smallest font, at the size the page shows it, is at least :data:`MIN_TEXT_PX` CSS
pixels (:func:`smallest_text_px`, :func:`check_legible`). Figures are laid out for the page
with :func:`panels`: at most :data:`MAX_COLUMNS` panels in a row, the rows stacked, the whole
figure no wider than the page.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

PALETTE = "colorblind"

DPI = 100
"""``figure.dpi`` of the house style: the glued PNG has this many pixels per inch."""

CONTENT_WIDTH_PX = 676
"""Width in CSS pixels at which the page shows a figure wider than it: sphinx-book-theme at a
1300 px wide window, measured in headless Chromium on a rendered chapter (the article is 756 px
with 32 px padding a side; a ``{glue:figure}``'s ``<img>`` is 676 px wide, a plain output's
692). Wider windows give a wider column; narrower ones shrink everything."""

PAGE_WIDTH_IN = CONTENT_WIDTH_PX / DPI
"""The width (inches) of a figure shown at its natural size across the content column."""

MIN_TEXT_PX = 9.0
"""The smallest legible text on the page, in CSS pixels."""

SMALL = 7.5
"""Font size (points) for annotations, legends and panel titles: the smallest the house style
uses; at natural size it is 7.5 × 100/72 ≈ 10.4 px, legible with room for a little shrinking."""

MAX_COLUMNS = 3
"""Panels in one row at most: four panels across the page leave each one too small to read."""


def use_house_style() -> None:
    """seaborn's ``ticks`` theme at paper scale, the colour-blind palette, light grid."""
    import seaborn as sns

    sns.set_theme(context="notebook", style="ticks", palette=PALETTE, font_scale=0.85,
                  rc={"axes.grid": True, "grid.alpha": 0.3, "figure.dpi": DPI, "savefig.bbox": "tight",
                      "legend.fontsize": SMALL, "axes.titlesize": 9})


def panels(n: int, *, columns: int = 2, height: float = 2.8, width: float = PAGE_WIDTH_IN, **subplots: Any):
    """A figure of ``n`` panels laid out for the page: ``columns`` (at most :data:`MAX_COLUMNS`)
    panels in a row, as many rows as needed, ``height`` inches per row, ``width`` inches in all
    (the content column's width by default). Returns ``(fig, axes)`` with ``axes`` a flat list of
    the first ``n`` axes; panels left over in the last row are switched off."""
    import matplotlib.pyplot as plt

    if n < 1:
        raise ValueError(f"panels: n = {n}; a figure needs at least one panel")
    if not 1 <= columns <= MAX_COLUMNS:
        raise ValueError(f"panels: columns = {columns}; accepted 1..{MAX_COLUMNS}")
    columns = min(columns, n)
    rows = math.ceil(n / columns)
    fig, grid = plt.subplots(rows, columns, figsize=(width, height * rows), squeeze=False, **subplots)
    axes = [ax for row in grid for ax in row]
    for ax in axes[n:]:
        ax.set_axis_off()
    return fig, axes[:n]


def grid_panels(rows: int, columns: int, *, height: float = 2.8, width: float = PAGE_WIDTH_IN, **subplots: Any):
    """``rows`` × ``columns`` panels (``columns`` at most :data:`MAX_COLUMNS`) across the page:
    ``(fig, axes)`` with ``axes`` a 2-D array, for figures whose rows and columns mean something."""
    import matplotlib.pyplot as plt

    if rows < 1 or not 1 <= columns <= MAX_COLUMNS:
        raise ValueError(f"grid_panels: rows = {rows}, columns = {columns}; accepted rows >= 1 and "
                         f"columns 1..{MAX_COLUMNS}")
    return plt.subplots(rows, columns, figsize=(width, height * rows), squeeze=False, **subplots)


@dataclass(frozen=True)
class SmallestText:
    """The smallest text of a figure as the page shows it."""

    px: float
    """Its height on the page in CSS pixels (font size in points × dpi / 72 × the page's shrink)."""
    points: float
    """Its font size in points."""
    text: str
    scale: float
    """The page's shrink: shown width / natural width (1 when the figure fits the column)."""
    width_px: float
    """The figure's natural width (its PNG's width) in pixels."""


def natural_width_px(fig) -> float:
    """Width in pixels of the PNG the book shows: the tight bounding box, padded by
    ``savefig.pad_inches`` a side, at the figure's dpi (as the inline backend saves it; checked
    against the PNGs' widths in a rendered page)."""
    import matplotlib

    renderer = fig.canvas.get_renderer()
    pad = float(matplotlib.rcParams["savefig.pad_inches"])
    return float((fig.get_tightbbox(renderer).width + 2 * pad) * fig.dpi)


def page_scale(fig, content_width_px: float = CONTENT_WIDTH_PX) -> float:
    """How much the page shrinks the figure: content width / natural width, at most 1."""
    return min(1.0, content_width_px / natural_width_px(fig))


def _texts(fig) -> Iterable:
    """The figure's drawn, non-empty texts."""
    from matplotlib.text import Text

    hidden = _hidden_texts(fig)
    for text in fig.findobj(Text):
        if text.get_visible() and text.get_text().strip() and text not in hidden:
            yield text


def _hidden_texts(fig) -> set:
    """Texts the figure does not draw: everything of a hidden axes, and the tick and axis labels
    of a switched-off one (``ax.set_axis_off()``: e.g. the spare panels of :func:`panels`)."""
    from matplotlib.text import Text

    hidden: set = set()
    for ax in fig.axes:
        if not ax.get_visible():
            hidden.update(ax.findobj(Text))
        elif not ax.axison:
            hidden.update(ax.xaxis.findobj(Text))
            hidden.update(ax.yaxis.findobj(Text))
    return hidden


def smallest_text_px(fig, content_width_px: float = CONTENT_WIDTH_PX) -> SmallestText | None:
    """The figure's smallest drawn text at the size the page shows it (None: no text)."""
    if not hasattr(fig.canvas, "get_renderer"):  # a figure closed in pyplot (explorers close theirs)
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        FigureCanvasAgg(fig)
    fig.canvas.draw()  # tick labels exist only once drawn
    scale = page_scale(fig, content_width_px)
    texts = list(_texts(fig))
    if not texts:
        return None
    smallest = min(texts, key=lambda t: t.get_fontsize())
    pt = float(smallest.get_fontsize())
    return SmallestText(pt * fig.dpi / 72 * scale, pt, smallest.get_text(), scale, natural_width_px(fig))


def check_legible(fig, name: str = "figure", content_width_px: float = CONTENT_WIDTH_PX) -> None:
    """Raise ``ValueError`` naming the figure, its smallest text and its size on the page when
    that text is below :data:`MIN_TEXT_PX`."""
    smallest = smallest_text_px(fig, content_width_px)
    if smallest is not None and smallest.px < MIN_TEXT_PX - 1e-9:
        raise ValueError(
            f"{name}: text {smallest.text!r} at {smallest.points:g} pt is {smallest.px:.1f} px on the page "
            f"(figure {smallest.width_px:.0f} px wide, shown at {smallest.scale:.2f} of it in a "
            f"{content_width_px:g} px column); accepted: at least {MIN_TEXT_PX:g} px. Lay the figure "
            f"out with hessbook.kit.style.panels (at most {MAX_COLUMNS} panels a row, "
            f"{PAGE_WIDTH_IN:g} in wide) and fonts of at least {SMALL:g} pt")


def not_computed(ax, text: str) -> None:
    """A panel that was selected but not computed: the reason, centred, no axes (every chapter
    draws it this one way, so a missing panel is never silently dropped)."""
    ax.text(0.5, 0.5, text, ha="center", va="center", wrap=True, fontsize=9, transform=ax.transAxes)
    ax.set_axis_off()


def significant(x: float, digits: int = 4) -> str:
    """``x`` to ``digits`` significant digits for a table cell: 0.93 not 0.930000, 99.17, 1234
    (no exponent below 10**digits), 1.2e-05; non-finite values as they are."""
    x = float(x)
    if not math.isfinite(x):
        return str(x)
    if abs(x) >= 10 ** (digits - 1):
        return f"{x:.0f}"
    return f"{x:.{digits}g}"


def table(frame, *, digits: int = 4, formats: dict[str, Any] | None = None):
    """A DataFrame as the page shows it: no row index, floats to ``digits`` significant digits
    (:func:`significant`; ``formats`` per column override it), headers and cells unwrapped."""
    import pandas as pd

    formats = dict(formats or {})
    for column in frame.columns:
        if column not in formats and pd.api.types.is_float_dtype(frame[column]):
            formats[column] = lambda x, d=digits: significant(x, d)
    numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]
    return (frame.style.hide(axis="index").format(formats, na_rep="–")
            .set_properties(subset=numeric, **{"text-align": "right"})
            .set_table_styles([{"selector": "", "props": [("font-size", "0.9em")]},
                               {"selector": "th, td", "props": [("white-space", "nowrap"), ("padding", "0.2em 0.6em")]}]))


def heatmap(ax, matrix, rows, columns, *, fmt: str = ".1f", cmap: str = "rocket_r", title: str = "",
            vmin: float | None = None, vmax: float | None = None) -> None:
    """A labelled heat map of a matrix (transfer tables, 2-D surfaces), values written in cells."""
    import numpy as np
    import seaborn as sns

    sns.heatmap(np.asarray(matrix, dtype=float), ax=ax, annot=True, fmt=fmt, cmap=cmap, vmin=vmin, vmax=vmax,
                xticklabels=list(columns), yticklabels=list(rows), cbar=False, linewidths=0.5,
                annot_kws={"fontsize": SMALL})
    if title:
        ax.set_title(title, fontsize=9)
