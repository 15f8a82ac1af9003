"""S3's figures (S Figs 3 and 5), table and explorer."""

from __future__ import annotations

from hessbook.chapters.s3.claims import trained_runs
from hessbook.chapters.s3.compute import Results
from hessbook.papers.sagun.mnist_spectra import draw_negatives, draw_top

def summary_table(R: Results):
    """One row per width and seed: the run table's columns (steps, final training loss, training accuracy,
    flag: :mod:`hessbook.regime`) and the spectrum's."""
    import pandas as pd

    return pd.DataFrame([{
        "network": s.label, "parameters": s.num_params, "steps": run.steps, "train loss": s.final_loss,
        "train acc": s.train_accuracy, "flag": run.flag or "–", "λ_max": s.top, "λ_min": s.bottom,
        "negative (%)": 100 * s.negative_fraction, "|λ_min| / λ_max": max(-s.bottom, 0.0) / s.top,
    } for s, run in zip(R.every, trained_runs(R), strict=True)])


def figure_3(R: Results):
    """S Fig 3: the largest ``top_k`` eigenvalues per width."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 4))
    draw_top(ax, R.spectra, R.params.top_k, R.others)
    ax.set_title("largest eigenvalues per hidden width (compare S Fig. 3)", fontsize=10)
    fig.tight_layout()
    return fig


def figure_5(R: Results):
    """S Fig 5: the negative eigenvalues per width, in percent of the spectrum."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 4))
    draw_negatives(ax, R.spectra, R.others)
    ax.set_title("negative eigenvalues per hidden width (compare S Fig. 5)", fontsize=10)
    fig.tight_layout()
    return fig


def explorer(R: Results, top_ks=(10, 20, 50, 120)):
    """Widget: one width or all of them, how many top eigenvalues, top or negative tail."""
    import matplotlib.pyplot as plt

    from hessbook.widgets import Explorer

    spectra = list(R.every)
    by_label = {s.label: s for s in spectra}
    widths = ["all", *by_label]
    smallest = min(len(s.eigenvalues) for s in spectra)
    ks = [k for k in top_ks if k <= smallest] or [smallest]

    def draw(width, top, part):
        chosen = spectra if width == "all" else [by_label[width]]
        fig, ax = plt.subplots(figsize=(6, 3.5))
        if part == "top":
            draw_top(ax, chosen, top)
        else:
            draw_negatives(ax, chosen)
        fig.tight_layout()
        return fig

    return Explorer({"width": widths, "top": ks, "part": ["top", "negative"]}, draw,
                    title="S3: exact Hessian spectra of the one-hidden-layer MNIST networks")
