"""S2's summaries: Table 1 beside the paper's, how often each cutoff finds k, the glued numbers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from hessbook.chapters.s2.compute import CaseResult, Results
from hessbook.chapters.s2.paper import METHODS, in_fig2


def exact_fraction(values: Sequence[tuple[int, int]], tolerance: int = 0) -> float:
    """Fraction of (count, k) pairs with |count - k| <= tolerance."""
    if not values:
        return float("nan")
    return float(np.mean([abs(c - k) <= tolerance for c, k in values]))


def summary_table(cases: Sequence[CaseResult]):
    """Table 1 in the paper's layout: paper's counts beside ours (median over seeds, range)."""
    import pandas as pd

    out = []
    for row in dict.fromkeys(r.row for r in cases):
        mine = [r for r in cases if r.row == row]
        line = {
            "alg": row.algorithm.upper(), "nonlin": row.nonlinearity, "params": row.params,
            "cov": row.cov, "k": row.k,
        }
        for m in METHODS:
            paper = getattr(row, m)
            ours = np.array([getattr(r, m) for r in mine])
            med = int(np.median(ours))
            spread = f" [{ours.min()}–{ours.max()}]" if ours.min() != ours.max() else ""
            mark = "" if med == row.k else (" (±1)" if abs(med - row.k) == 1 else " ✗")
            line[f"{m} paper"] = "?" if paper is None else paper
            line[f"{m} ours"] = f"{med}{spread}{mark}"
        line["train loss"] = float(np.median([r.final_loss for r in mine]))
        out.append(line)
    return pd.DataFrame(out)


def method_fractions(cases: Sequence[CaseResult]) -> dict[str, dict[str, float]]:
    """Per method: fraction of (row, seed) cases exactly k and within ±1, ours and the paper's."""
    rows_run = {r.row for r in cases}
    out = {}
    for m in METHODS:
        ours = [(getattr(r, m), r.row.k) for r in cases]
        paper = [(getattr(row, m), row.k) for row in rows_run if getattr(row, m) is not None]
        out[m] = {
            "ours_exact": exact_fraction(ours), "ours_pm1": exact_fraction(ours, 1),
            "paper_exact": exact_fraction(paper), "paper_pm1": exact_fraction(paper, 1),
        }
    return out


def fig2_cases(R: Results, seed: int | None = None) -> list[CaseResult]:
    """The SGD/ReLU/cov-1 cases (S Fig 2's networks), of one seed if given."""
    return [r for r in R.cases if in_fig2(r.row) and (seed is None or r.seed == seed)]


def numbers(R: Results) -> dict[str, Any]:
    """Every number the prose cites, named as glued (``s2-<name>``; the fractions in percent)."""
    out: dict[str, Any] = {
        "cases": len(R.cases), "rows": len(R.rows),
        "max-loss": float(max(r.final_loss for r in R.cases)),
        "max-asym": float(max(r.asymmetry for r in R.cases)),
    }
    for m, fractions in method_fractions(R.cases).items():
        for key, value in fractions.items():
            out[f"{m}-{key}"] = 100 * value
    return out
