"""S4's figures (S Figs 4 and 6), table and explorer."""

from __future__ import annotations

from hessbook.chapters.s4.claims import trained_runs
from hessbook.chapters.s4.compute import Results
from hessbook.papers.sagun.mnist_spectra import OUTLIER_METHODS as METHODS
from hessbook.papers.sagun.mnist_spectra import draw_negatives, draw_top, outlier_counts


def summary_table(res: Results):
    """SB and LB of every seed: the run table's columns (steps, final training loss, training accuracy, flag:
    :mod:`hessbook.regime`) and the spectrum's."""
    import pandas as pd

    rows = []
    for s, run in zip(res.every, trained_runs(res), strict=True):
        counts = outlier_counts(s)
        rows.append({
            "network": s.label, "parameters": s.num_params, "steps": run.steps, "train loss": s.final_loss,
            "train acc": s.train_accuracy, "flag": run.flag or "–", "λ_max": s.top, "λ_min": s.bottom,
            "negative (%)": 100 * s.negative_fraction, **{f"outliers ({m})": counts[m] for m in METHODS},
        })
    return pd.DataFrame(rows)


def figure_4(res: Results):
    """S Fig 4: the largest ``top_k`` eigenvalues of SB and LB."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 4))
    draw_top(ax, res.both(), res.params.top_k, [list(p) for p in res.others])
    ax.set_title("outlier eigenvalues, LB vs SB (compare S Fig. 4)", fontsize=10)
    fig.tight_layout()
    return fig


def figure_6(res: Results):
    """S Fig 6: the negative eigenvalues of SB and LB, in percent of the spectrum."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 4))
    draw_negatives(ax, res.both(), [list(p) for p in res.others])
    ax.set_title("negative eigenvalues, LB vs SB (compare S Fig. 6)", fontsize=10)
    fig.tight_layout()
    return fig


def explorer(res: Results, top_ks=(5, 10, 20, 50)):
    """Widget: SB, LB or both overlaid; how many top eigenvalues; top or negative tail."""
    import matplotlib.pyplot as plt

    from hessbook.widgets import Explorer

    choices = {"both": res.both(), "SB": [res.small], "LB": [res.large]}
    smallest = min(len(s.eigenvalues) for s in res.both())
    ks = [k for k in top_ks if k <= smallest] or [smallest]

    def draw(batch, top, part):
        fig, ax = plt.subplots(figsize=(6, 3.5))
        if part == "top":
            draw_top(ax, choices[batch], top)
        else:
            draw_negatives(ax, choices[batch])
        fig.tight_layout()
        return fig

    return Explorer({"batch": list(choices), "top": ks, "part": ["top", "negative"]}, draw,
                    title="S4: exact Hessian spectra, small vs large batch")
