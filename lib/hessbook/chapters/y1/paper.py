"""Y1's part of Y: its printed tables (Tables 1, 2, 7) as data, and the FGSM epsilons of those tables.
Y's setup, which every Y chapter shares, is :mod:`hessbook.papers.yao.paper`."""

from __future__ import annotations

from dataclasses import dataclass

EPS = {"cifar10": (0.02, 0.01), "cifar100": (0.02, 0.01), "mnist": (0.2, 0.1)}
"""Y's two FGSM epsilons per dataset, larger first (inputs in [0, 1])."""
TABLE_OF = {"c1": "Y-Table1", "c2": "Y-Table1", "m1": "Y-Table7", "resnet18": "Y-Table2"}
TEST_SIZE = {"cifar10": 10000, "cifar100": 10000, "mnist": 10000}

Pair = tuple[float | None, float | None]
"""(train, test): Y prints the test value in parentheses."""


@dataclass(frozen=True)
class PaperRow:
    """One row of Y Table 1, 2 or 7 as printed. ``None``: a column the table lacks.

    ``fgsm_unit``: Table 1's C1 rows print FGSM accuracy in percent; Table 7 (and, by the
    look of them, Table 1's C2 rows: 0.57, 0.34, ...) print fractions. We keep the printed
    numbers and the unit, and compare only trends across batch sizes.
    """

    model: str
    batch: int
    acc: Pair
    lambda_theta: Pair
    lambda_x: Pair | None
    grad_x: Pair | None
    fgsm_hi: Pair
    fgsm_lo: Pair
    fgsm_unit: str = "percent"


def _r(model, batch, acc, lt, lx, gx, hi, lo, unit="percent"):
    return PaperRow(model, batch, acc, lt, lx, gx, hi, lo, unit)


PAPER_TABLE1: tuple[PaperRow, ...] = (
    _r("c1", 16, (100, 77.68), (0.64, 32.78), (2.69, 200.7), (0.05, 20.41), (48.07, 30.38), (72.67, 42.70)),
    _r("c1", 32, (100, 76.77), (0.97, 45.28), (3.43, 234.5), (0.05, 23.55), (49.04, 31.23), (72.63, 43.30)),
    _r("c1", 64, (100, 77.32), (0.77, 48.06), (3.14, 195.0), (0.04, 21.47), (50.40, 32.59), (73.85, 44.76)),
    _r("c1", 128, (100, 78.84), (1.33, 137.5), (1.41, 128.1), (0.02, 13.98), (33.15, 25.2), (57.69, 39.09)),
    _r("c1", 256, (100, 78.54), (3.34, 338.3), (1.51, 132.4), (0.02, 14.08), (25.33, 19.99), (50.10, 34.94)),
    _r("c1", 512, (100, 79.25), (16.88, 885.6), (1.97, 100.0), (0.04, 10.42), (14.17, 12.94), (28.54, 25.08)),
    _r("c1", 1024, (100, 78.50), (51.67, 2372), (3.11, 146.9), (0.05, 13.33), (8.80, 8.40), (23.99, 21.57)),
    _r("c1", 2048, (100, 77.31), (80.18, 3769), (5.18, 240.2), (0.06, 18.08), (4.14, 3.77), (17.42, 16.31)),
    _r("c2", 256, (100, 79.20), (0.62, 28), (12.10, 704.0), (0.10, 41.95), (0.57, 0.38), (0.73, 0.47), "fraction"),
    _r("c2", 512, (100, 80.44), (0.75, 57), (4.82, 425.2), (0.03, 26.14), (0.34, 0.25), (0.54, 0.38), "fraction"),
    _r("c2", 1024, (100, 79.61), (2.36, 142), (0.523, 229.9), (0.04, 17.16), (0.27, 0.22), (0.46, 0.35), "fraction"),
    _r("c2", 2048, (100, 78.99), (4.30, 307), (0.145, 260.0), (0.50, 17.94), (0.18, 0.16), (0.33, 0.28), "fraction"),
)
"""Y Table 1 (C1 and C2 on CIFAR-10), eps 0.02 / 0.01."""

# Y Table 2 prints identical rows for B = 256 and 512 except the FGSM train column (a copy
# error in the paper, we think); we keep them as printed.
PAPER_TABLE2: tuple[PaperRow, ...] = (
    _r("resnet18", 64, (99.98, 70.81), (0.022, 10.43), None, None, (61.54, 34.48), (78.57, 39.94)),
    _r("resnet18", 128, (99.97, 70.9), (0.055, 26.50), None, None, (58.15, 33.73), (77.41, 38.77)),
    _r("resnet18", 256, (99.98, 68.6), (1.090, 148.29), None, None, (39.96, 28.37), (66.12, 35.02)),
    _r("resnet18", 512, (99.98, 68.6), (1.090, 148.29), None, None, (40.48, 28.37), (66.09, 35.02)),
)
"""Y Table 2 (ResNet18 on CIFAR-100), eps 0.02 / 0.01."""

PAPER_TABLE7: tuple[PaperRow, ...] = (
    _r("m1", 64, (100, 99.21), (0.49, 2.96), (0.07, 0.41), (0.007, 0.10), (0.53, 0.53), (0.85, 0.85), "fraction"),
    _r("m1", 128, (100, 99.18), (1.44, 8.10), (0.10, 0.51), (0.009, 0.12), (0.50, 0.51), (0.83, 0.83), "fraction"),
    _r("m1", 256, (100, 99.04), (2.71, 13.54), (0.09, 0.50), (0.008, 0.12), (0.45, 0.46), (0.81, 0.82), "fraction"),
    _r("m1", 512, (100, 99.04), (5.84, 26.35), (0.12, 0.52), (0.010, 0.13), (0.42, 0.42), (0.79, 0.80), "fraction"),
    _r("m1", 1024, (100, 99.05), (21.24, 36.96), (0.25, 0.42), (0.032, 0.11), (0.32, 0.33), (0.73, 0.74), "fraction"),
    _r("m1", 2048, (100, 98.99), (44.30, 49.36), (0.36, 0.39), (0.075, 0.11), (0.19, 0.19), (0.72, 0.73), "fraction"),
)
"""Y Table 7 (M1 on MNIST), eps 0.2 / 0.1 (the caption says three epsilons; two are printed)."""

PAPER_ROWS: tuple[PaperRow, ...] = PAPER_TABLE1 + PAPER_TABLE2 + PAPER_TABLE7


def paper_row(model: str, batch: int) -> PaperRow | None:
    return next((r for r in PAPER_ROWS if r.model == model and r.batch == batch), None)
