"""S Table 1 as printed: its rows, settings and cutoffs (the schema is :mod:`.params`)."""

from __future__ import annotations

from dataclasses import dataclass

from typing import Any

KS = (2, 5, 10, 20, 50)
PAPER_METHODS = ("gap", "ratio", "elbow")
"""The three cutoffs of S Table 1 (its ``heur`` column is our ``elbow``)."""
METHODS = ("gap", "ratio", "elbow", "heur")
"""Our four cutoffs (:func:`hessbook.curvature.count_outliers`): S's three, and ``heur``, our reading
of S's heuristic threshold (the elbow of the log scree plot above the noise floor)."""


@dataclass(frozen=True)
class PaperRow:
    """One row of S Table 1. ``None``: "N/A" in the paper, or a cell the text garbles."""

    algorithm: str
    nonlinearity: str
    params: int
    cov: float
    k: int
    gap: int | None
    ratio: int | None
    elbow: int | None
    """S's ``heur`` column (the heuristic elbow)."""
    cutoff: float | None
    """S's ``cutoff``: the eigenvalue threshold of its heuristic."""
    mean: float | None = None
    """S's ``mean&std`` column (both numbers are equal in the paper): the spectrum's mean eigenvalue."""


# S Table 1 as printed. The paper's text of the k = 2 rows is garbled ("~UΓ", "ɪ", "3^~");
# where a digit is legible we keep it, otherwise None (shown as "?" in the book). The mean&std column
# is legible in every row; it prints one number twice, which we read as the mean.
PAPER_TABLE1: tuple[PaperRow, ...] = (
    PaperRow("gd", "tanh", 4022, 1.0, 2, 2, 3, None, None, 1.19e-05),
    PaperRow("gd", "tanh", 4115, 1.0, 5, 2, 17, None, None, 2.52e-05),
    PaperRow("gd", "tanh", 4270, 1.0, 10, 2, 4, None, None, 3.75e-05),
    PaperRow("gd", "tanh", 4580, 1.0, 20, 3, 4, None, None, 5.37e-05),
    PaperRow("gd", "relu", 4022, 1.0, 2, 3, None, 2, 0.003, 7.13e-06),
    PaperRow("gd", "relu", 4115, 1.0, 5, 6, 7, 5, 0.003, 1.55e-05),
    PaperRow("gd", "relu", 4270, 1.0, 10, 11, 12, 10, 0.003, 3.04e-05),
    PaperRow("gd", "relu", 4580, 1.0, 20, 4, 21, 21, 0.003, 5.65e-05),
    PaperRow("gd", "relu", 5510, 1.0, 50, 50, 51, 49, 0.003, 1.16e-04),
    PaperRow("sgd", "relu", 4022, 1.0, 2, 3, None, 2, 0.002, 8.96e-06),
    PaperRow("sgd", "relu", 4115, 1.0, 5, 6, 7, 7, 0.002, 1.62e-05),
    PaperRow("sgd", "relu", 4270, 1.0, 10, 2, 14, 15, 0.002, 2.97e-05),
    PaperRow("sgd", "relu", 4580, 1.0, 20, 2, 3, 21, 0.002, 4.53e-05),
    PaperRow("sgd", "relu", 5510, 1.0, 50, 50, 51, 49, 0.002, 6.78e-05),
    PaperRow("sgd", "relu", 4022, 10.0, 2, 2, None, 2, 0.015, 9.49e-05),
    PaperRow("sgd", "relu", 4115, 10.0, 5, 5, 6, 5, 0.015, 1.68e-04),
    PaperRow("sgd", "relu", 4270, 10.0, 10, 2, 11, 9, 0.015, 1.92e-04),
    PaperRow("sgd", "relu", 4580, 10.0, 20, 20, 21, 19, 0.015, 3.10e-04),
    PaperRow("sgd", "relu", 5510, 10.0, 50, 50, 51, 49, 0.005, 1.67e-04),
)

FIG2_SETTING = ("sgd", "relu", 1.0)
"""(algorithm, nonlinearity, cov) of the networks S Fig 2 shows."""

SETTINGS = ("gd-tanh-1", "gd-relu-1", "sgd-relu-1", "sgd-relu-10")
"""The four settings (algorithm-nonlinearity-cov) of S Table 1, in the table's order."""

def setting_of(row: PaperRow) -> str:
    """A row's setting name (:data:`SETTINGS`), e.g. ``"sgd-relu-1"``."""
    return f"{row.algorithm}-{row.nonlinearity}-{row.cov:g}"


def setting_label(setting: str) -> str:
    """``"sgd-relu-1"`` -> ``"SGD relu cov 1"``."""
    algorithm, nonlinearity, cov = setting.split("-")
    return f"{algorithm.upper()} {nonlinearity} cov {cov}"


def setting_row(setting: str, k: int, P: Any = None) -> PaperRow:
    """The Table 1 row of ``setting`` for ``k``, or one made for a k the table lacks (no paper counts)."""
    algorithm, nonlinearity, cov = setting.split("-")
    for row in PAPER_TABLE1:
        if setting_of(row) == setting and row.k == k:
            return row
    d, h = (P.dimension, P.hidden) if P is not None else (100, 30)
    return PaperRow(algorithm, nonlinearity, s_mlp_parameters(k, d, h), float(cov), k, None, None, None, None)


def row_label(row: PaperRow) -> str:
    return f"{row.algorithm.upper()} {row.nonlinearity} cov {row.cov:g} k={row.k}"


def in_fig2(row: PaperRow) -> bool:
    return (row.algorithm, row.nonlinearity, row.cov) == FIG2_SETTING


def s_mlp_parameters(k: int, d: int = 100, hidden: int = 30) -> int:
    """Parameters of S's d-h-h-k MLP (31 k + 3960 at d = 100, h = 30)."""
    return d * hidden + hidden + hidden * hidden + hidden + hidden * k + k


def fig2_row(k: int, P: Any = None) -> PaperRow:
    """The Table 1 row of S Fig 2's setting (SGD, ReLU, cov 1) for ``k``, or one made for a k the
    table lacks (no paper counts)."""
    for row in PAPER_TABLE1:
        if in_fig2(row) and row.k == k:
            return row
    d, h = (P.dimension, P.hidden) if P is not None else (100, 30)
    return PaperRow(*FIG2_SETTING[:2], s_mlp_parameters(k, d, h), FIG2_SETTING[2], k, None, None, None, None)


def rows(P: Any) -> tuple[PaperRow, ...]:
    """The Table 1 rows this run computes (those whose k is in ``P.ks``)."""
    return tuple(r for r in PAPER_TABLE1 if r.k in P.ks)
