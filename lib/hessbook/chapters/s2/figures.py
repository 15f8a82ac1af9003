"""S2's figures and tables: S's ordered spectrum with a cutoff and the predicted outliers (Fig 2),
the "why" panels (separation, training length, predicted against measured outliers), Table 1
beside the paper's, the k the table lacks, the variations, the run table, the explorer over the
computed cases and the widget for any k and separation."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from hessbook.chapters.s2.analysis import (COUNTERS, counter_fractions, fig2_cases, separation_cases, training_pairs,
                                           transferred_cutoff_count)
from hessbook.chapters.s2.claims import trained_runs
from hessbook.chapters.s2.compute import Case, CaseResult, Results, load_case, spectrum_job
from hessbook.chapters.s2.paper import fig2_row, row_label, setting_label
from hessbook.chapters.s2.params import S2Params, parse_variation
from hessbook.kit import style
from hessbook.papers.sagun.regime import run_table

SEPARATIONS = (1.0, 0.25, 0.5, 2.0, 4.0)
"""The any-k widget's separations (1, the chapter's own, first: the widget opens on it)."""


def draw_spectrum(ax, result: CaseResult, method: str, top: int | None = None) -> None:
    """S's ordered plot: rank on x, eigenvalue on y, ascending; the cutoff drawn, and the predicted
    outliers (G_class's top layer) as crosses at the ranks they predict."""
    eig = np.sort(result.eigenvalues)
    top = top or min(len(eig), 3 * result.row.k + 20)
    shown = eig[-top:]
    ranks = np.arange(len(eig) - top + 1, len(eig) + 1)
    count = getattr(result, method)
    colors = np.where(ranks > len(eig) - count, "C3", "C0")
    ax.scatter(ranks, shown, s=8, c=colors)
    n = min(result.predicted, top)
    if result.class_eigenvalues is not None and n > 0:
        ax.scatter(np.arange(len(eig), len(eig) - n, -1), result.class_eigenvalues[:n], s=18, marker="x",
                   c="C2", lw=0.8, label=f"predicted ({result.predicted})")
        ax.legend(fontsize=style.SMALL, loc="upper left")
    if count < len(eig):
        cut = 0.5 * (eig[-count - 1] + eig[-count]) if count > 0 else eig[-1]
        ax.axhline(cut, color="k", ls=":", lw=1)
    extra = f", sep {result.separation:g}" if result.separation != 1.0 else ""
    ax.set_title(f"{row_label(result.row)}{extra}: {method} finds {count}", fontsize=9)
    ax.set_xlabel("rank of eigenvalue")
    ax.set_ylabel("eigenvalue")


def figure_2(R: Results):
    """S Fig 2: one panel per SGD/ReLU network (first seed), the eigenvalues above the largest gap."""
    fig2 = fig2_cases(R, seed=R.params.seed)
    fig, axes = style.panels(max(len(fig2), 1), columns=2, height=2.6)
    for ax, result in zip(axes, fig2):
        draw_spectrum(ax, result, "gap")
    fig.tight_layout()
    return fig


def figure_why(R: Results):
    """Three panels: the counts against cluster separation; against training length (final loss);
    the predicted outlier locations against the measured ones."""
    fig, (a, b, c) = style.panels(3, columns=2, height=2.8)
    sep = separation_cases(R)
    for i, m in enumerate(COUNTERS):
        a.plot([r.separation for r in sep], [getattr(r, m) for r in sep], "o-", ms=4, color=f"C{i}", label=m)
    if sep:
        a.axhline(sep[0].row.k, color="k", ls=":", lw=1, label=f"k = {sep[0].row.k}")
        a.set_xscale("log")
    a.set(xlabel="cluster separation s (centres ~ N(0, s² I))", ylabel="count", title="count against separation")
    a.legend(fontsize=7)
    for i, (base, longer) in enumerate(training_pairs(R)):
        for j, m in enumerate(("gap", "ratio", "predicted")):
            b.plot([base.final_loss, longer.final_loss], [getattr(base, m) / base.row.k, getattr(longer, m) / base.row.k],
                   "o-", ms=4, color=f"C{(0, 1, 4)[j]}", alpha=0.8, label=m if i == 0 else None)
    b.axhline(1.0, color="k", ls=":", lw=1)
    b.set(xscale="log", xlabel="final training loss", ylabel="count / k",
          title=f"count against training ({R.params.converge_factor}x steps)")
    b.legend(fontsize=7)
    for r in [*R.table, *R.group("unseen-k")]:
        n = r.predicted
        if n and r.class_eigenvalues is not None:
            c.scatter(r.eigenvalues[:n], r.class_eigenvalues[:n], s=6)
    lo, hi = c.get_xlim()
    c.plot([lo, hi], [lo, hi], "k:", lw=1)
    c.set(xscale="log", yscale="log", xlabel="measured outlier λ_j (H)", ylabel="predicted μ_j (G_class)",
          title="predicted against measured outliers")
    fig.tight_layout()
    return fig


def _mark(count: int, k: int) -> str:
    return "" if count == k else (" (±1)" if abs(count - k) == 1 else " ✗")


def summary_table(cases: Sequence[CaseResult]):
    """Table 1 in the paper's layout: the paper's three counts beside our four and the predicted
    count (median over seeds, range in brackets), the paper's cutoff beside our heur threshold."""
    import pandas as pd

    out = []
    for row in dict.fromkeys(r.row for r in cases):
        mine = [r for r in cases if r.row == row]
        line = {"alg": row.algorithm.upper(), "nonlin": row.nonlinearity, "params": row.params,
                "cov": row.cov, "k": row.k,
                "mean&std paper": "?" if row.mean is None else f"{row.mean:.3g}, {row.mean:.3g}",
                "mean ours": float(np.median([np.mean(r.eigenvalues) for r in mine])),
                "std ours": float(np.median([np.std(r.eigenvalues) for r in mine]))}
        for m in ("gap", "ratio"):
            line[f"{m} paper"] = "?" if getattr(row, m) is None else getattr(row, m)
            line[f"{m} ours"] = _cell([getattr(r, m) for r in mine], row.k)
        # S prints N/A for the heuristic of its tanh rows (no cutoff); "?" is a garbled cell
        line["heur paper"] = row.elbow if row.elbow is not None else ("N/A" if row.nonlinearity == "tanh" else "?")
        line["elbow ours"] = _cell([r.elbow for r in mine], row.k)
        line["heur ours"] = _cell([r.heur for r in mine], row.k)
        line["predicted"] = _cell([r.predicted for r in mine], row.k)
        transferred = [transferred_cutoff_count(r) for r in mine]
        line["paper cutoff on ours"] = "N/A" if None in transferred else _cell(transferred, row.k)
        line["cutoff paper"] = "N/A" if row.cutoff is None else row.cutoff
        line["heur threshold ours"] = float(np.median([r.heur_threshold for r in mine]))
        line["train loss"] = float(np.median([r.final_loss for r in mine]))
        out.append(line)
    return pd.DataFrame(out)


def unseen_table(cases: Sequence[CaseResult]):
    """The k Table 1 lacks, one line per (setting, k): every counter (median over seeds, range in
    brackets, marked as in :func:`summary_table`)."""
    import pandas as pd

    out = []
    for key in dict.fromkeys((r.row.algorithm, r.row.nonlinearity, r.row.cov, r.row.k) for r in cases):
        mine = [r for r in cases if (r.row.algorithm, r.row.nonlinearity, r.row.cov, r.row.k) == key]
        line = {"alg": key[0].upper(), "nonlin": key[1], "cov": key[2], "k": key[3], "params": mine[0].row.params}
        line.update({m: _cell([getattr(r, m) for r in mine], key[3]) for m in COUNTERS})
        line["train loss"] = float(np.median([r.final_loss for r in mine]))
        out.append(line)
    return pd.DataFrame(out)


def variation_table(cases: Sequence[CaseResult]):
    """The variations, one line per (setting, variation, k): every counter (marked as in
    :func:`summary_table`), the steps taken and the final training loss."""
    import pandas as pd

    out = []
    for r in cases:
        line = {"setting": setting_label(f"{r.row.algorithm}-{r.row.nonlinearity}-{r.row.cov:g}"),
                "variation": parse_variation(r.variation).label, "k": r.row.k, "params": r.row.params,
                "steps": r.iterations}
        line.update({m: _cell([getattr(r, m)], r.row.k) for m in COUNTERS})
        line["train loss"] = r.final_loss
        out.append(line)
    return pd.DataFrame(out)


def variation_summary(cases: Sequence[CaseResult]):
    """Per variation (over every setting and k): the percent of cases each counter gets within ±1
    of k -- where counting recovers k and where it does not, at a glance."""
    import pandas as pd

    out = []
    for text in dict.fromkeys(r.variation for r in cases):
        mine = [r for r in cases if r.variation == text]
        fr = counter_fractions(mine)
        out.append({"variation": parse_variation(text).label, "cases": len(mine),
                    **{f"{m} ±1 %": round(100 * fr[m]["pm1"]) for m in COUNTERS},
                    "median train loss": float(np.median([r.final_loss for r in mine]))})
    return pd.DataFrame(out)


def _cell(counts: Sequence[int], k: int) -> str:
    ours = np.array(counts)
    med = int(np.median(ours))
    spread = f" [{ours.min()}–{ours.max()}]" if ours.min() != ours.max() else ""
    return f"{med}{spread}{_mark(med, k)}"


def runs_table(R: Results):
    """The run table: one row per case (steps, final training loss beside ln k, training accuracy, flag)."""
    return run_table(trained_runs(R), [r.train_accuracy for r in R.cases])


def explorer(R: Results):
    """Widget: choose a computed case and a counter; the plot draws the spectrum's top and the cutoff."""
    import matplotlib.pyplot as plt

    from hessbook.widgets import Explorer

    index = {}
    for r in R.cases:
        extra = (f", separation {r.separation:g}" if r.separation != 1.0 else "") + (
            f", {r.iterations} steps" if r.group == "training" else "")
        index[f"{row_label(r.row)}{extra}, seed {r.seed}"] = r

    def draw(case_label, method):
        fig, ax = plt.subplots(figsize=(6, 3.5))
        draw_spectrum(ax, index[case_label], method)
        fig.tight_layout()
        return fig

    return Explorer({"case_label": list(index), "method": list(COUNTERS)}, draw,
                    title="S2: exact Hessian spectra of the Gaussian-cluster networks")


def any_k(P: S2Params, store=None, ks: range = range(2, 51)):
    """Widget for any k and separation in Fig 2's setting (SGD, ReLU, cov 1): a choice not yet
    computed trains and assembles it live (seconds to a minute on a CPU) and stores it."""
    import matplotlib.pyplot as plt

    from hessbook.kit.jobs import context
    from hessbook.widgets import Explorer

    if min(ks) < 2 or max(ks) > P.n_samples:
        raise ValueError(f"ks = {ks}: every k must be in 2..n_samples = {P.n_samples}")
    ctx = context(P.device, store)

    def case(k: int, separation: float) -> Case:
        return Case(fig2_row(k, P), P.seed, "unseen-k", separation=separation)

    def draw(k, separation, method):
        fig, ax = plt.subplots(figsize=(6, 3.5))
        draw_spectrum(ax, load_case(case(k, separation), P, ctx), method)
        fig.tight_layout()
        return fig

    def busy(k, separation, method) -> str | None:
        job = spectrum_job(case(k, separation), P)
        if ctx.store.contains(job.KIND, job.store_key()):
            return None
        seconds = _seconds_per_case(P, ctx.store)
        about = f"about {seconds:.0f} s" if seconds is not None else "seconds to a minute"
        return f"training the network for k = {k}, separation {separation:g}, and assembling its Hessian… ({about})"

    return Explorer({"k": list(ks), "separation": list(SEPARATIONS), "method": list(COUNTERS)}, draw,
                    title="S2: any k and separation (SGD, ReLU, cov 1; computed on demand)", busy=busy)


def _seconds_per_case(P: S2Params, store) -> float | None:
    """What one Fig 2 case took to train and assemble (the longest of the stored ones, from
    the store's records), to tell the reader how long a new one will take; None if none is stored."""
    seconds = []
    for k in P.ks:
        job = spectrum_job(Case(fig2_row(k, P), P.seed), P)
        record = store.load(job.KIND, job.store_key())
        if record is not None and record.meta.get("seconds"):
            seconds.append(float(record.meta["seconds"]))
    return max(seconds) if seconds else None
