"""What the reader sees: the smallest-eigenvalue and rank figures, the per-network table and
the explorer widget."""

from __future__ import annotations

import math

import numpy as np

from hessbook.chapters.y4.claims import PSD_TOL, trained_runs
from hessbook.chapters.y4.compute import Results
from hessbook.kit import style
from hessbook.regime import runs_frame


def runs_table(R: Results):
    """The run table of the network Y4 trains itself, the tanh contrast
    (:func:`hessbook.regime.runs_frame`); Y1's networks are in Y1's tables."""
    return runs_frame(trained_runs(R))


def summary_table(R: Results):
    """Per network: PSD-ness and rank on the exact path, cross-check on the iterative path."""
    import pandas as pd

    out = []
    for r in R.cases:
        out.append({
            "network": r.label, "c": r.num_classes, "d": r.input_dim, "samples": r.n,
            "min λmin/λmax": f"{r.relative_min.min():.1e}",
            f"samples with λmin < −{PSD_TOL:g}·λmax": f"{np.mean(r.relative_min < -PSD_TOL):.0%}",
            "max rank": int(r.rank.max()), "median rank": float(np.median(r.rank)),
            "min eig of S (Lemma 3)": f"{r.s_min.min():.1e}",
            "iterative: min λmin/λmax": f"{r.cc_relative_min.min():.1e}",
            "iterative: |λc|/λ1": "n/a" if math.isnan(r.cc_rank_gap) else f"{r.cc_rank_gap:.1e}",
            "exact vs iterative λ1": f"{r.cc_agreement:.1e}",
        })
    for m in R.missing:
        out.append({"network": m.model, "not computed": m.detail})
    return pd.DataFrame(out)


def _figure(R: Results):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 0.6 * len(R.cases) + 1.2))
    if not R.cases:
        style.not_computed(ax, _not_computed_panel(R))
    return fig, ax


def _not_computed_panel(R: Results) -> str:
    return "not computed: " + "; ".join(f"{m.model} ({m.reason})" for m in R.missing)


def draw_min_distribution(ax, R: Results) -> None:
    """Distribution over samples of lambda_min / lambda_max: ReLU nets at 0, the smooth net below."""
    cases = R.cases
    for i, r in enumerate(cases):
        v = r.relative_min
        ax.scatter(v, np.full(len(v), i) + np.random.default_rng(i).uniform(-0.25, 0.25, len(v)), s=4,
                   color="C3" if r.smooth else "C0", alpha=0.6)
    ax.set_yticks(range(len(cases)), [r.label for r in cases], fontsize=8)
    ax.set_xscale("symlog", linthresh=1e-6)
    ax.axvline(0, color="k", lw=0.8)
    ax.set_xlabel("smallest / largest input-Hessian eigenvalue, per test sample")


def draw_rank(ax, R: Results) -> None:
    """Numerical rank per sample against the number of classes."""
    cases = R.cases
    for i, r in enumerate(cases):
        vals, counts = np.unique(r.rank, return_counts=True)
        ax.scatter(vals, np.full(len(vals), i), s=10 + 90 * counts / counts.max(),
                   color="C3" if r.smooth else "C0")
        ax.plot([r.num_classes] * 2, [i - 0.4, i + 0.4], "k--", lw=1)
    ax.set_yticks(range(len(cases)), [r.label for r in cases], fontsize=8)
    ax.set_xscale("log")
    ax.set_xlabel("numerical rank of the input Hessian (dashed: number of classes c)")


def _per_network(R: Results, draw):
    fig, ax = _figure(R)
    if R.cases:
        draw(ax, R)
    fig.tight_layout()
    return fig


def figure_min(R: Results):
    """Smallest over largest input-Hessian eigenvalue per test sample, per network."""
    return _per_network(R, draw_min_distribution)


def figure_rank(R: Results):
    """Numerical rank of the input Hessian per test sample, per network."""
    return _per_network(R, draw_rank)


def explorer(R: Results):
    """Widget: pick a network and a cross-check sample; see the exact vs iterative eigenvalues."""
    import matplotlib.pyplot as plt

    from hessbook.widgets import Explorer

    index = {r.label: r for r in R.cases}

    def draw(network, sample):
        fig, ax = plt.subplots(figsize=(6, 3.5))
        r = index.get(network)
        if r is None or sample >= len(r.cc_lanczos_top):
            style.not_computed(ax, f"only {len(r.cc_lanczos_top)} cross-check samples for {network}"
                               if r is not None else _not_computed_panel(R))
            return fig
        top = r.cc_lanczos_top[sample]
        ax.plot(np.arange(1, len(top) + 1), top, "o-", label="Lanczos, true input Hessian (largest)")
        ax.axhline(r.cc_lanczos_min[sample], color="C3", ls=":", label="Lanczos smallest")
        ax.scatter([1], [r.cc_exact_top[sample]], marker="x", color="k", zorder=3,
                   label="exact J^T S J (largest)")
        ax.scatter([1], [r.cc_power[sample]], marker="+", s=80, color="C2", zorder=3, label="power iteration")
        ax.set_yscale("symlog", linthresh=1e-8)
        ax.set_xlabel("index")
        ax.set_ylabel("eigenvalue")
        ax.set_title(f"{network}, test sample {sample}", fontsize=9)
        ax.legend(fontsize=7)
        fig.tight_layout()
        return fig

    n = max((len(r.cc_lanczos_top) for r in R.cases), default=1)
    return Explorer({"network": list(index) or ["none"], "sample": list(range(n))}, draw,
                    title="Y4: input-Hessian eigenvalues, exact vs iterative path")
