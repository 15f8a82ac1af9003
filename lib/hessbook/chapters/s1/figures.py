"""S1's figures, tables and explorer: ordered spectra of H, G and H − G, the run table, the
decomposition and the spectra in numbers."""

from __future__ import annotations

import numpy as np

from hessbook.chapters.s1.claims import trained_runs
from hessbook.chapters.s1.compute import Results
from hessbook.chapters.s1.params import MATRICES, MATRIX_LABELS, POINTS
from hessbook.curvature.outliers import bulk_fraction, gap_outliers
from hessbook.kit import style
from hessbook.papers.sagun.regime import run_table


def draw_ordered(ax, eigenvalues: np.ndarray, title: str, color: str = "C0") -> None:
    """S's ordered plot: rank on x, value on y, ascending, every eigenvalue."""
    eig = np.sort(eigenvalues)
    ax.plot(np.arange(1, len(eig) + 1), eig, ".", ms=2, color=color)
    ax.axhline(0.0, color="k", lw=0.5)
    ax.set_title(title, fontsize=9)
    ax.set_xlabel("rank of eigenvalue")
    ax.set_ylabel("eigenvalue")


def figure_1(R: Results):
    """S Fig 1: the full ordered spectrum of H at init and after GD: the first seed's network, the
    other seeds' (where several ran) in grey behind it."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(style.PAGE_WIDTH_IN, 3.0))
    for ax, point in zip(axes, POINTS):
        for other in R.others:
            eig = np.sort(other.spectra[point].hessian)
            ax.plot(np.arange(1, len(eig) + 1), eig, ".", ms=2, color="0.75")
        s = R.spectra[point]
        draw_ordered(ax, s.hessian, f"H at {'the random initial point' if point == 'init' else 'the end of GD'} "
                                    f"(loss {s.loss:.2g})")
    if R.others:
        axes[0].plot([], [], ".", color="C0", label=f"seed {R.seed}")
        axes[0].plot([], [], ".", color="0.75", label="other seeds")
        axes[0].legend(fontsize=7, markerscale=3)
    fig.tight_layout()
    return fig


def figure_decomposition(R: Results):
    """H, G and H - G at both points, with the rank bound drawn on G's panel."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 3, figsize=(style.PAGE_WIDTH_IN, 5.0))
    for i, point in enumerate(POINTS):
        for j, m in enumerate(MATRICES):
            ax = axes[i, j]
            draw_ordered(ax, R.spectra[point].eigenvalues(m), f"{point}: {MATRIX_LABELS[m]}", color=f"C{j}")
            if m == "G":
                ax.axvline(len(R.spectra[point].gauss_newton) - R.params.rank_bound + 0.5, color="k", ls=":", lw=1)
    fig.tight_layout()
    return fig


def runs_table(R: Results):
    """The run table, a row per seed: steps, final training loss beside ln k, training accuracy, flag."""
    return run_table(trained_runs(R), [r.trained.accuracy for r in R.by_seed])


def decomposition_table(R: Results):
    import pandas as pd

    P = R.params
    rows = []
    for point, s in R.spectra.items():
        d = R.decompositions[point]
        rows.append({
            "point": point, "train loss": s.loss, "M": d.parameters, "bound N(k-1)": P.n_samples * (P.k - 1),
            **{f"rank G @{t:g}": r for t, r in d.ranks.items()},
            "zeros of G": d.zeros, "forced zeros M-N(k-1)": d.parameters - d.bound,
            "λmin(G)/λmax(G)": d.g_min_relative, "‖H−G‖/‖H‖ (F)": d.residual_ratio,
            "‖H−G‖/‖H‖ (2)": d.residual_spectral_ratio,
            "neg. eig. H": d.negative_h, "neg. eig. H−G": d.negative_r,
            "λmin(H)": d.h_min, "λmin(H−G)": d.r_min,
        })
    # one row per quantity, named (review of 2026-12-06: the transposed frame's names were its
    # index, which the page's table hides)
    return pd.DataFrame(rows).set_index("point").T.rename_axis("quantity").reset_index()


GAP_COUNTED = {("trained", "H"), ("trained", "G")}
"""The (point, matrix) whose count above the largest gap the spectrum summary shows: after GD, where
S-Fig1 reads it. At the initial point H's largest gap need not separate outliers from a bulk (at
cpu it lies among the negative eigenvalues: 5,509 of 5,510 above it; the prose says where,
:func:`~hessbook.chapters.s1.claims.init_gap_text`), and H − G is not counted."""


def spectrum_summary(R: Results):
    """The first seed's spectra in numbers, a row per (point, matrix): the count above the largest
    gap only where :data:`GAP_COUNTED` (else missing, shown "–" by ``kit.style.table``), as integers."""
    import pandas as pd

    tol = R.params.bulk_tolerance
    rows = []
    for point, s in R.spectra.items():
        for m in MATRICES:
            eig = s.eigenvalues(m)
            rows.append({
                "point": point, "matrix": m, "λmax": float(eig.max()), "λmin": float(eig.min()),
                "share |λ| ≤ 1e-3 λmax": bulk_fraction(eig, 1e-3),
                f"share |λ| ≤ {tol:g} λmax": bulk_fraction(eig, tol),
                "outliers (gap)": gap_outliers(eig) if (point, m) in GAP_COUNTED else None,
            })
    frame = pd.DataFrame(rows)
    frame["outliers (gap)"] = frame["outliers (gap)"].astype("Int64")  # integers, missing where not counted
    return frame


def explorer(R: Results):
    """Widget: pick the point (init/trained), the matrix (H, G, H - G) and the view."""
    import matplotlib.pyplot as plt

    from hessbook.widgets import Explorer

    P = R.params

    def draw(point, matrix, view):
        eig = R.spectra[point].eigenvalues(matrix)
        fig, ax = plt.subplots(figsize=(6, 3.5))
        if view == "ordered (all)":
            draw_ordered(ax, eig, f"{point}: {MATRIX_LABELS[matrix]}")
            if matrix == "G":
                ax.axvline(len(eig) - P.rank_bound + 0.5, color="k", ls=":", lw=1)
        else:
            mag = np.sort(np.abs(eig))[::-1]
            ax.semilogy(np.arange(1, len(mag) + 1), np.maximum(mag, 1e-300), ".", ms=2)
            ax.axhline(P.rank_tolerance * mag[0], color="C3", ls=":", lw=1)
            if matrix == "G":
                ax.axvline(P.rank_bound + 0.5, color="k", ls=":", lw=1)
            ax.set_title(f"{point}: |eigenvalues| of {MATRIX_LABELS[matrix]}, descending "
                         "(red: rank tolerance; black: N(k-1))" if matrix == "G" else
                         f"{point}: |eigenvalues| of {MATRIX_LABELS[matrix]}, descending", fontsize=9)
            ax.set_xlabel("index")
            ax.set_ylabel("|eigenvalue|")
        fig.tight_layout()
        return fig

    return Explorer({"point": list(POINTS), "matrix": list(MATRICES), "view": ["ordered (all)", "|λ| log scale"]},
                    draw, title="S1: exact spectra of H, G and H − G")
