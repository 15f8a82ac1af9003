"""S2's summaries: how often each cutoff (and the class-structure prediction) finds k, ours and
the paper's, the cases of Fig 2 and of the separation and training sweeps, the paper's cutoff
carried over, the predicted outliers' location error: what the claims, numbers and tables read."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from hessbook.chapters.s2.compute import CaseResult, Results
from hessbook.chapters.s2.paper import METHODS, in_fig2

COUNTERS = (*METHODS, "predicted")
"""Our four cutoffs and the class-structure prediction: every way the chapter counts outliers."""
PAPER_COLUMN = {"gap": "gap", "ratio": "ratio", "elbow": "elbow", "heur": "elbow"}
"""The paper's column each of ours is compared with: S's ``heur`` column (``PaperRow.elbow``) is
the paper's elbow, which both our Kneedle ``elbow`` and our ``heur`` read."""


PREDICTION_GROUPS = ("table", "unseen-k", "variation")
"""The groups the class-structure prediction is graded and summarized on: Table 1's networks, the
unseen k and the variations (the separation sweep and the longer training rerun Table 1's
networks to explain the cutoffs, and enter neither)."""
PREDICTION_SET = "Table 1's, the unseen k's and the variations' networks"
""":data:`PREDICTION_GROUPS` in words, where a number over them is cited."""


def prediction_cases(R: Results) -> list[CaseResult]:
    """The cases of :data:`PREDICTION_GROUPS`, in that order."""
    return [r for group in PREDICTION_GROUPS for r in R.group(group)]


def location_errors(cases: Sequence[CaseResult]) -> list[float]:
    """:func:`location_error` of every case that has one (a finite value: a predicted count > 0)."""
    return [e for e in (location_error(r) for r in cases) if np.isfinite(e)]


def exact_fraction(values: Sequence[tuple[int, int]], tolerance: int = 0) -> float:
    """Fraction of (count, k) pairs with |count - k| <= tolerance."""
    if not values:
        return float("nan")
    return float(np.mean([abs(c - k) <= tolerance for c, k in values]))


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
