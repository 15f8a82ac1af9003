"""S6's figure (S Fig 10), table and explorer."""

from __future__ import annotations

import numpy as np

from hessbook.chapters.s6.compute import BLOBS, SIGMA2, Case, Results, TrainedCase
from hessbook.chapters.s6.paper import PAPER_OUTLIERS
from hessbook.chapters.s6.params import S6Params
from hessbook.kit import style

def summary_table(R: Results):
    import pandas as pd

    rows = []
    for c in R.cases:
        out = c.outliers
        rows.append({
            "blobs": c.blobs, "alpha": c.alpha, "N": c.n_samples, "M": len(c.eigenvalues),
            "MP edge": c.edge, "top eigenvalue": float(c.eigenvalues[-1]), "outliers": len(out),
            "BBP prediction": c.predicted if c.predicted is not None else float("nan"),
            "± sd": c.predicted_sd if c.predicted_sd is not None else float("nan"),
            "paper's outlier": PAPER_OUTLIERS.get(c.alpha, float("nan")) if c.blobs == 2 else float("nan"),
            "KS distance to MP": c.ks,
        })
    return pd.DataFrame(rows)


def draw_case(ax, c: Case, P: S6Params) -> None:
    """Histogram of the nonzero eigenvalues (mass 1/M each), MP density, edge, BBP lines."""
    eig = c.eigenvalues
    nonzero = eig[eig > 1e-9 * max(eig.max(), 1e-300)]
    bulk = nonzero[nonzero <= c.cutoff]
    lo, hi = c.law.edges
    bins = np.linspace(min(lo, bulk.min()) * 0.95, max(hi, bulk.max()) * 1.05, 40)
    ax.hist(bulk, bins=bins, weights=np.full(len(bulk), 1.0 / (len(eig) * (bins[1] - bins[0]))),
            color="C0", alpha=0.6, label="eigenvalues (bulk)")
    t = np.linspace(lo, hi, 400)
    ax.plot(t, c.law.density(t), "k", lw=1.2, label=f"Marchenko-Pastur, σ² = 1/4, α = {c.law.alpha:.3g}")
    ax.axvline(hi, color="k", ls=":", lw=1, label="MP right edge")
    thr = SIGMA2 * c.law.bbp_threshold
    # a population quantity, like the spike beside it: the spike σ²ℓ must exceed it; the sample
    # eigenvalues are compared with the MP edge and the BBP outlier instead
    ax.axvline(thr, color="C2", ls="-.", lw=1, label=f"BBP threshold on the population spike, σ²(1+√α) = {thr:.3g}")
    if c.blobs == 2:
        ax.axvline(SIGMA2 * P.spike, color="C4", ls=":", lw=1, label=f"population spike σ²ℓ = {SIGMA2 * P.spike:.3g}")
        ax.axvline(c.predicted, color="C3", ls="--", lw=1, label=f"BBP outlier {c.predicted:.3g}")
    for j, o in enumerate(c.outliers):
        ax.plot([o], [0], "v", color="C3", ms=9, clip_on=False, label="outlier (measured)" if j == 0 else None)
    right = max(hi, float(eig.max()), thr, c.predicted or 0.0) * 1.08
    ax.set_xlim(0, right)
    ax.set_title(f"{'one blob' if c.blobs == 1 else 'two blobs'}, α = {c.alpha:g} (N = {c.n_samples}): "
                 f"{len(c.outliers)} outlier{'s' if len(c.outliers) != 1 else ''}", fontsize=9)
    ax.set_xlabel("eigenvalue of H")
    ax.set_ylabel("density")


def figure_10(R: Results):
    """S Fig 10, transposed to fit the page: one row per alpha, one column per data set."""
    alphas = sorted({c.alpha for c in R.cases})
    fig, axes = style.grid_panels(max(len(alphas), 1), len(BLOBS), height=2.6)  # a row per alpha
    for c in R.cases:
        draw_case(axes[alphas.index(c.alpha), BLOBS.index(c.blobs)], c, R.params)
    for ax in axes.flat:
        ax.legend(fontsize=style.SMALL, loc="upper right")
    fig.tight_layout()
    return fig


def draw_trained(ax, c: TrainedCase) -> None:
    """The spectrum at the trained w (mass 1/M each) against Marchenko-Pastur at the weights' mean and
    against the null's eigenvalues (the same weights on fresh Gaussian inputs); the null's largest
    top eigenvalue, the curvature along w, and the eigenvalues above or below every null draw. The
    legend's labels carry no numbers (the text and the verdict give them), so panels share one."""
    name = "one blob" if c.blobs == 1 else "two blobs"
    if not c.minimum:
        why = (f"separable (N = {c.n_samples}, d = {len(c.fit.w)}):\nno minimizer" if c.fit.separable
               else "the fit did not converge")
        style.not_computed(ax, f"{name}, α = {c.alpha:g}: {why}")
        return
    eig, law = c.eigenvalues, c.law
    lo, hi = law.edges
    top = max(hi, float(eig.max()), c.null_edge, c.along_w)
    bins = np.linspace(0.0, top * 1.05, 50)
    width = bins[1] - bins[0]
    heights, _, _ = ax.hist(eig, bins=bins, weights=np.full(len(eig), 1.0 / (len(eig) * width)), color="C0",
                            alpha=0.6, label="eigenvalues at the trained w")
    pooled = c.null.ravel()
    ax.hist(pooled, bins=bins, weights=np.full(len(pooled), 1.0 / (len(pooled) * width)), histtype="step",
            color="0.3", lw=1.2, label="null: the same weights on fresh inputs")
    t = np.linspace(lo, hi, 400)
    ax.plot(t, law.density(t), "k", lw=1.2, label="Marchenko-Pastur at the weights' mean")
    ax.axvline(c.null_edge, color="C3", ls=":", lw=1, label="the null's largest top eigenvalue")
    ax.axvline(c.along_w, color="C4", ls="--", lw=1, label="curvature along w")
    for j, o in enumerate(c.outliers):
        ax.plot([o], [0], "v", color="C3", ms=9, clip_on=False, label="above every null draw" if j == 0 else None)
    for j, o in enumerate(c.below):
        ax.plot([o], [0], "^", color="C1", ms=9, clip_on=False, label="below every null draw" if j == 0 else None)
    ax.set_xlim(0, top * 1.08)
    ax.set_ylim(0, 1.25 * float(np.max(heights)))  # MP at the mean can peak far above a spread-out bulk
    ax.set_title(f"{name}, α = {c.alpha:g}: {len(c.outliers)} above, {len(c.below)} below the null",
                 fontsize=style.SMALL)
    ax.set_xlabel("eigenvalue of H at the trained w")
    ax.set_ylabel("density")


def figure_10_trained(R: Results):
    """S Fig 10 at the trained w: one row per alpha with a minimizer, one column per data set, one
    legend for all; the alphas without one are named above (a single panel says so when none has)."""
    with_minimum = sorted({c.alpha for c in R.trained if c.minimum})
    others = sorted({c.alpha for c in R.trained} - set(with_minimum))
    fig, axes = style.grid_panels(max(len(with_minimum), 1), len(BLOBS), height=2.9)
    for c in R.trained:
        if c.alpha in with_minimum:
            draw_trained(axes[with_minimum.index(c.alpha), BLOBS.index(c.blobs)], c)
    if not with_minimum:
        for ax, c in zip(axes.flat, [c for c in R.trained if c.alpha == others[0]]):
            draw_trained(ax, c)
    handles = {}
    for ax in axes.flat:
        for h, label in zip(*ax.get_legend_handles_labels()):
            handles.setdefault(label, h)
    if others and with_minimum:
        fig.suptitle("No trained w (the data separable or the fit not converged) at α = "
                     + ", ".join(f"{a:g}" for a in others), fontsize=style.SMALL)
    fig.tight_layout()
    if handles:
        fig.legend(list(handles.values()), list(handles), loc="lower center", ncol=3, fontsize=style.SMALL,
                   bbox_to_anchor=(0.5, 0.0))
        fig.subplots_adjust(bottom=0.32 if len(with_minimum) <= 1 else 0.2)
    return fig


POINTS = ("w = 0", "trained w")
"""Where the explorer takes the Hessian."""


def explorer(R: Results):
    """Widget: pick where the Hessian is taken (w = 0 or the trained w), one blob or two, and alpha;
    the spectrum with its references overlaid (MP and BBP at w = 0; MP at the weights' mean and the
    null at the trained w)."""
    import matplotlib.pyplot as plt

    from hessbook.widgets import Explorer

    at_zero = {(c.blobs, c.alpha): c for c in R.cases}
    trained = {(c.blobs, c.alpha): c for c in R.trained}

    def draw(point, blobs, alpha):
        fig, ax = plt.subplots(figsize=(6.5, 3.8))
        if point == POINTS[0]:
            draw_case(ax, at_zero[(blobs, alpha)], R.params)
        else:
            draw_trained(ax, trained[(blobs, alpha)])
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=7)
        fig.tight_layout()
        return fig

    return Explorer({"point": list(POINTS), "blobs": sorted({c.blobs for c in R.cases}),
                     "alpha": sorted({c.alpha for c in R.cases})},
                    draw, title="S6: logistic-regression Hessian spectrum at w = 0 and at the trained w")
