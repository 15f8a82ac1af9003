"""The tour's figure."""

from __future__ import annotations

import numpy as np

from hessbook.chapters.tour.compute import Results


def figure_mp(R: Results):
    """Histogram of the eigenvalues and the Marchenko-Pastur density with its edges."""
    import matplotlib.pyplot as plt

    law, (lo, hi) = R.law, R.law.edges
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.hist(R.eigenvalues, bins=60, density=True, alpha=0.6, label="sample covariance eigenvalues")
    grid = np.linspace(max(lo * 0.8, 1e-6), hi * 1.1, 400)
    ax.plot(grid, law.density(grid), "k-", lw=1.5, label=f"Marchenko-Pastur, alpha={law.alpha:.2f}")
    for edge in (lo, hi):
        ax.axvline(edge, color="k", ls=":", lw=1)
    ax.set_xlabel("eigenvalue")
    ax.set_ylabel("density")
    ax.legend(frameon=False)
    fig.tight_layout()
    return fig
