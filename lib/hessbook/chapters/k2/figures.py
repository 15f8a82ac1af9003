"""K2's figures in K's layout (a row per case, a line per momentum), the runs table and the explorer."""

from __future__ import annotations

from hessbook.chapters.k2.compute import Results
from hessbook.papers.kamath import figures as kf
from hessbook.papers.kamath.paper import CASES, K2_CASES, K2_ITEMS


def _eps(R: Results):
    return lambda case: R.params.eps(CASES[case].dataset)


def figure_item(R: Results, item: str):
    """K Figs 7-10 (``"K-Fig7-10"``, under LR) or 11-14 (``"K-Fig11-14"``, under LR/BS): a row per
    model of K's figures, a row saying "not computed" and why for one not run here (then any
    further case selected)."""
    setting = K2_ITEMS[item]
    lines = [(setting, m) for m in R.momenta(setting)]
    cases = list(dict.fromkeys([*K2_CASES, *R.params.cases]))
    return kf.figure_rows(R.grid, cases, lambda case: lines, kf.by_momentum, _eps(R), R.why_absent)


def runs_table(R: Results):
    return kf.runs_table(R.grid, R.params.n_train)


def explorer(R: Results):
    return kf.explorer(R.grid, kf.by_momentum, _eps(R), "K2: pick a model and dataset, a setting and a momentum")
