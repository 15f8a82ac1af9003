"""S2's figures: S's ordered spectrum with a cutoff (Fig 2), and the explorer over Table 1."""

from __future__ import annotations

import numpy as np

from hessbook.chapters.s2.analysis import fig2_cases
from hessbook.chapters.s2.compute import CaseResult, Results
from hessbook.chapters.s2.paper import METHODS, row_label


def draw_spectrum(ax, result: CaseResult, method: str, top: int | None = None) -> None:
    """S's ordered plot: rank on x, eigenvalue on y, ascending; the cutoff drawn."""
    eig = np.sort(result.eigenvalues)
    top = top or min(len(eig), 3 * result.row.k + 20)
    shown = eig[-top:]
    ranks = np.arange(len(eig) - top + 1, len(eig) + 1)
    count = getattr(result, method)
    colors = np.where(ranks > len(eig) - count, "C3", "C0")
    ax.scatter(ranks, shown, s=8, c=colors)
    if count < len(eig):
        cut = 0.5 * (eig[-count - 1] + eig[-count]) if count > 0 else eig[-1]
        ax.axhline(cut, color="k", ls=":", lw=1)
    ax.set_title(f"{row_label(result.row)}: {method} finds {count}", fontsize=9)
    ax.set_xlabel("rank of eigenvalue")
    ax.set_ylabel("eigenvalue")


def figure_2(R: Results):
    """S Fig 2: one panel per SGD/ReLU network (first seed), the eigenvalues above the largest gap."""
    import matplotlib.pyplot as plt

    fig2 = fig2_cases(R, seed=R.params.seed)
    fig, axes = plt.subplots(1, max(len(fig2), 1), figsize=(3.2 * max(len(fig2), 1), 3.2), squeeze=False)
    for ax, result in zip(axes[0], fig2):
        draw_spectrum(ax, result, "gap")
    fig.tight_layout()
    return fig


def explorer(R: Results):
    """Widget: choose algorithm, nonlinearity, covariance, k, seed and cutoff method."""
    import matplotlib.pyplot as plt

    from hessbook.widgets import Explorer

    index = {(r.row.algorithm, r.row.nonlinearity, r.row.cov, r.row.k, r.seed): r for r in R.cases}

    def draw(algorithm, nonlinearity, cov, k, seed, method):
        fig, ax = plt.subplots(figsize=(6, 3.5))
        result = index.get((algorithm, nonlinearity, cov, k, seed))
        if result is None:
            ax.text(0.5, 0.5, "not in Table 1 (the paper has no such row)", ha="center", transform=ax.transAxes)
            ax.set_axis_off()
        else:
            draw_spectrum(ax, result, method)
        fig.tight_layout()
        return fig

    keys = list(index)
    options = {
        "algorithm": sorted({k[0] for k in keys}), "nonlinearity": sorted({k[1] for k in keys}),
        "cov": sorted({k[2] for k in keys}), "k": sorted({k[3] for k in keys}),
        "seed": sorted({k[4] for k in keys}), "method": list(METHODS),
    }
    return Explorer(options, draw, title="S2: exact Hessian spectra of the Gaussian-cluster networks")
