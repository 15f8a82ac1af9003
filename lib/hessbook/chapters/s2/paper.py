"""S Table 1 as printed, and the chapter's parameter schema."""

from __future__ import annotations

from dataclasses import dataclass, field

from hessbook.params import ChapterParams, ParameterError, device_spec, spec

KS = (2, 5, 10, 20, 50)
METHODS = ("gap", "ratio", "elbow")
"""The three cutoffs of S Table 1 (:func:`hessbook.curvature.count_outliers`)."""


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
    cutoff: float | None


# S Table 1 as printed. The paper's text of the k = 2 rows is garbled ("~UΓ", "ɪ", "3^~");
# where a digit is legible we keep it, otherwise None (shown as "?" in the book).
PAPER_TABLE1: tuple[PaperRow, ...] = (
    PaperRow("gd", "tanh", 4022, 1.0, 2, 2, 3, None, None),
    PaperRow("gd", "tanh", 4115, 1.0, 5, 2, 17, None, None),
    PaperRow("gd", "tanh", 4270, 1.0, 10, 2, 4, None, None),
    PaperRow("gd", "tanh", 4580, 1.0, 20, 3, 4, None, None),
    PaperRow("gd", "relu", 4022, 1.0, 2, 3, None, 2, 0.003),
    PaperRow("gd", "relu", 4115, 1.0, 5, 6, 7, 5, 0.003),
    PaperRow("gd", "relu", 4270, 1.0, 10, 11, 12, 10, 0.003),
    PaperRow("gd", "relu", 4580, 1.0, 20, 4, 21, 21, 0.003),
    PaperRow("gd", "relu", 5510, 1.0, 50, 50, 51, 49, 0.003),
    PaperRow("sgd", "relu", 4022, 1.0, 2, 3, None, 2, 0.002),
    PaperRow("sgd", "relu", 4115, 1.0, 5, 6, 7, 7, 0.002),
    PaperRow("sgd", "relu", 4270, 1.0, 10, 2, 14, 15, 0.002),
    PaperRow("sgd", "relu", 4580, 1.0, 20, 2, 3, 21, 0.002),
    PaperRow("sgd", "relu", 5510, 1.0, 50, 50, 51, 49, 0.002),
    PaperRow("sgd", "relu", 4022, 10.0, 2, 2, None, 2, 0.015),
    PaperRow("sgd", "relu", 4115, 10.0, 5, 5, 6, 5, 0.015),
    PaperRow("sgd", "relu", 4270, 10.0, 10, 2, 11, 9, 0.015),
    PaperRow("sgd", "relu", 4580, 10.0, 20, 20, 21, 19, 0.015),
    PaperRow("sgd", "relu", 5510, 10.0, 50, 50, 51, 49, 0.005),
)

FIG2_SETTING = ("sgd", "relu", 1.0)
"""(algorithm, nonlinearity, cov) of the networks S Fig 2 shows."""


def row_label(row: PaperRow) -> str:
    return f"{row.algorithm.upper()} {row.nonlinearity} cov {row.cov:g} k={row.k}"


def in_fig2(row: PaperRow) -> bool:
    return (row.algorithm, row.nonlinearity, row.cov) == FIG2_SETTING


@dataclass(frozen=True)
class S2Params(ChapterParams):
    ks: list[int] = field(metadata=spec(choices=KS, nonempty=True, doc="which k of Table 1 to compute"))
    n_samples: int = field(metadata=spec(gt=0, doc="training points (S does not say; our choice)"))
    dimension: int = field(metadata=spec(gt=0, doc="input dimension d (S: 100)"))
    hidden: int = field(metadata=spec(gt=0, doc="units in each of the two hidden layers (S: 30)"))
    lr: float = field(metadata=spec(gt=0.0, doc="constant step size of GD and SGD"))
    gd_iterations: int = field(metadata=spec(gt=0, doc="GD steps (full batch)"))
    sgd_iterations: int = field(metadata=spec(gt=0, doc="SGD steps"))
    sgd_batch_size: int = field(metadata=spec(gt=0, doc="SGD minibatch size"))
    n_seeds: int = field(metadata=spec(gt=0, doc="independent data+init seeds per row"))
    device: str = field(metadata=device_spec("where to train"))

    def check(self) -> None:
        if self.sgd_batch_size > self.n_samples:
            raise ParameterError(
                f"sgd_batch_size = {self.sgd_batch_size}: larger than n_samples = {self.n_samples}; "
                f"accepted: 1..{self.n_samples}"
            )
        if self.n_samples < max(self.ks):
            raise ParameterError(f"n_samples = {self.n_samples}: need at least max(ks) = {max(self.ks)} points")


def rows(P: S2Params) -> tuple[PaperRow, ...]:
    """The Table 1 rows this run computes (those whose k is in ``P.ks``)."""
    return tuple(r for r in PAPER_TABLE1 if r.k in P.ks)
