"""One house style for every figure of the book (seaborn's theme, a colour-blind palette)."""

from __future__ import annotations

PALETTE = "colorblind"


def use_house_style() -> None:
    """seaborn's ``ticks`` theme at paper scale, the colour-blind palette, light grid."""
    import seaborn as sns

    sns.set_theme(context="notebook", style="ticks", palette=PALETTE, font_scale=0.85,
                  rc={"axes.grid": True, "grid.alpha": 0.3, "figure.dpi": 100, "savefig.bbox": "tight"})


def heatmap(ax, matrix, rows, columns, *, fmt: str = ".1f", cmap: str = "rocket_r", title: str = "",
            vmin: float | None = None, vmax: float | None = None) -> None:
    """A labelled heat map of a matrix (transfer tables, 2-D surfaces), values written in cells."""
    import numpy as np
    import seaborn as sns

    sns.heatmap(np.asarray(matrix, dtype=float), ax=ax, annot=True, fmt=fmt, cmap=cmap, vmin=vmin, vmax=vmax,
                xticklabels=list(columns), yticklabels=list(rows), cbar=False, linewidths=0.5)
    if title:
        ax.set_title(title, fontsize=9)
