"""S2's summaries: Table 1 beside the paper's, how often each cutoff (and the class-structure
prediction) finds k, on Table 1's k and on k the table lacks, the separation and training
sweeps, and the glued numbers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from hessbook.chapters.s2.compute import CaseResult, Results
from hessbook.chapters.s2.paper import METHODS, in_fig2, setting_label

COUNTERS = (*METHODS, "predicted")
"""Our four cutoffs and the class-structure prediction: every way the chapter counts outliers."""
PAPER_COLUMN = {"gap": "gap", "ratio": "ratio", "elbow": "elbow", "heur": "elbow"}
"""The paper's column each of ours is compared with: S's ``heur`` column (``PaperRow.elbow``) is
the paper's elbow, which both our Kneedle ``elbow`` and our ``heur`` read."""


def exact_fraction(values: Sequence[tuple[int, int]], tolerance: int = 0) -> float:
    """Fraction of (count, k) pairs with |count - k| <= tolerance."""
    if not values:
        return float("nan")
    return float(np.mean([abs(c - k) <= tolerance for c, k in values]))


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
        line["heur paper"] = "?" if row.elbow is None else row.elbow
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

    from hessbook.chapters.s2.params import parse_variation

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

    from hessbook.chapters.s2.params import parse_variation

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


def counter_fractions(cases: Sequence[CaseResult]) -> dict[str, dict[str, float]]:
    """Per counter (:data:`COUNTERS`): the fraction of cases exactly k and within ±1."""
    return {m: {"exact": exact_fraction([(getattr(r, m), r.row.k) for r in cases]),
                "pm1": exact_fraction([(getattr(r, m), r.row.k) for r in cases], 1)} for m in COUNTERS}


def method_fractions(cases: Sequence[CaseResult]) -> dict[str, dict[str, float]]:
    """Per cutoff: fraction of (row, seed) cases exactly k and within ±1, ours and the paper's
    (the paper's on its legible rows among those computed)."""
    rows_run = {r.row for r in cases}
    ours = counter_fractions(cases)
    out = {}
    for m in METHODS:
        column = PAPER_COLUMN[m]
        paper = [(getattr(row, column), row.k) for row in rows_run if getattr(row, column) is not None]
        out[m] = {"ours_exact": ours[m]["exact"], "ours_pm1": ours[m]["pm1"],
                  "paper_exact": exact_fraction(paper), "paper_pm1": exact_fraction(paper, 1)}
    return out


def fig2_cases(R: Results, seed: int | None = None) -> list[CaseResult]:
    """The SGD/ReLU/cov-1 cases of Table 1 (S Fig 2's networks), of one seed if given."""
    return [r for r in R.table if in_fig2(r.row) and (seed is None or r.seed == seed)]


def transferred_cutoff_count(r: CaseResult) -> int | None:
    """Our eigenvalues above S's cutoff carried over in units of the mean eigenvalue:
    cutoff x (our mean / S's mean); None where S gives no cutoff (its tanh rows)."""
    if r.row.cutoff is None or r.row.mean is None:
        return None
    threshold = r.row.cutoff / r.row.mean * float(np.mean(r.eigenvalues))
    return int((r.eigenvalues > threshold).sum())


def location_error(r: CaseResult) -> float:
    """Largest relative error of the predicted outlier locations: max over the top ``predicted``
    eigenvalues of |lambda_j - mu_j| / lambda_j (NaN when none is predicted)."""
    n = r.predicted
    if n == 0 or r.class_eigenvalues is None:
        return float("nan")
    lam, mu = r.eigenvalues[:n], r.class_eigenvalues[:n]
    return float(np.max(np.abs(lam - mu) / np.abs(lam)))


def training_pairs(R: Results) -> list[tuple[CaseResult, CaseResult]]:
    """(as in Table 1, trained longer) for each Fig 2 row the training group retrained."""
    base = {(r.row, r.seed): r for r in fig2_cases(R)}
    return [(base[(r.row, r.seed)], r) for r in R.group("training") if (r.row, r.seed) in base]


def separation_cases(R: Results) -> list[CaseResult]:
    """The separation sweep with the chapter's own separation (1) included, by separation."""
    k = R.params.separation_k
    own = [r for r in R.cases if in_fig2(r.row) and r.row.k == k and r.group in ("table", "unseen-k")
           and r.seed == R.params.seed]
    return sorted([*R.group("separation"), *own[:1]], key=lambda r: r.separation)


def numbers(R: Results) -> dict[str, Any]:
    """Every number the prose cites, named as glued (``s2-<name>``; the fractions in percent). The
    counts of networks are of every computed case; every statistic is over the cases whose network
    is not flagged (:func:`hessbook.chapters.s2.regime.kept`), as the claims' are."""
    import dataclasses

    from hessbook.chapters.s2.regime import criteria, kept, trained_runs
    from hessbook.regime import criteria_text, plateau_summary

    computed = {"cases": len(R.table), "all-cases": len(R.cases), "criteria": criteria_text(criteria(R.params, R)),
                "plateau": plateau_summary(trained_runs(R))}
    R = dataclasses.replace(R, cases=tuple(kept(R.cases, R.params)))
    return {**_numbers(R), **computed}


def _numbers(R: Results) -> dict[str, Any]:
    """:func:`numbers` over the cases of ``R``."""
    table = R.table
    out: dict[str, Any] = {
        "cases": len(table), "rows": len(R.rows), "all-cases": len(R.cases),
        "max-loss": float(max((r.final_loss for r in table), default=float("nan"))),
        "max-asym": float(max((r.asymmetry for r in R.cases), default=float("nan"))),
        "max-grad": float(max((r.grad_norm for r in table), default=float("nan"))),
    }
    for m, fractions in method_fractions(table).items():
        for key, value in fractions.items():
            out[f"{m}-{key}"] = 100 * value
    for group, cases in (("table", table), ("unseen", R.group("unseen-k")), ("variation", R.group("variation"))):
        fr = counter_fractions(cases)
        for m, fractions in fr.items():
            for key, value in fractions.items():
                out[f"{group}-{m}-{key}"] = 100 * value
        best = max(COUNTERS, key=lambda m: (fr[m]["pm1"], fr[m]["exact"])) if cases else "none"
        out[f"{group}-best"] = best
        out[f"{group}-best-pm1"] = 100 * fr[best]["pm1"] if cases else float("nan")
        out[f"{group}-best-exact"] = 100 * fr[best]["exact"] if cases else float("nan")
    out["gap-under"] = sum(r.gap < r.row.k for r in table)
    out["gap-under-spread"] = sum(r.gap < r.row.k and r.gap < r.predicted for r in table)
    out["elbow-over"] = sum(r.elbow > r.row.k + 1 for r in table)
    out["ratio-km1"] = sum(r.ratio == r.row.k - 1 for r in table)
    out["heur-over"] = sum(r.heur > r.row.k + 1 for r in table)
    moved = [(c, r.row.k) for r in table if (c := transferred_cutoff_count(r)) is not None]
    out["transfer-exact"], out["transfer-pm1"] = 100 * exact_fraction(moved), 100 * exact_fraction(moved, 1)
    out["transfer-rows"] = len(moved)
    errors = [e for e in (location_error(r) for r in R.cases) if np.isfinite(e)]
    out["location-error"] = 100 * float(np.median(errors)) if errors else float("nan")
    out["location-error-max"] = 100 * float(np.max(errors)) if errors else float("nan")
    out["separation-counts"] = "; ".join(
        f"s = {r.separation:g}: " + ", ".join(f"{m} {getattr(r, m)}" for m in COUNTERS) for r in separation_cases(R)) or "none"
    out["variation-cases"] = len(R.group("variation"))
    out["variation-ks"] = ", ".join(str(k) for k in R.params.variation_ks) or "none"
    out["variations"] = "; ".join(R.params.variations) or "none"
    out["unseen-ks"] = ", ".join(str(k) for k in R.params.unseen_ks) or "none"
    out["unseen-settings"] = "; ".join(setting_label(s) for s in R.params.unseen_settings)
    pairs = training_pairs(R)
    out["converge-factor"] = R.params.converge_factor
    out["separation-k"] = R.params.separation_k
    out["training-loss-drop"] = (float(np.median([a.final_loss / b.final_loss for a, b in pairs]))
                                 if pairs else float("nan"))
    out["training-count-changes"] = sum(a.ratio != b.ratio or a.gap != b.gap for a, b in pairs)
    out["training-pairs"] = len(pairs)
    return out
