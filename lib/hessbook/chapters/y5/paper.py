"""Y's setup for §3.4 and its printed Tables 3, 4 and 5, as data.

Source: /work/shared/papers/yao2018_hessian_large_batch_adversarial.txt (Y, NeurIPS 2018):
Table 3 and Table 4 in §3.3 ("Large Batch Training and Robustness", printed before §3.4 whose
setup they report), Table 5 in App. A.2 ("Attacks Mentioned in Paper"), the setup in §3.4
("Adversarial Training and Hessian Spectrum", paragraph "Setup").
"""

from __future__ import annotations

from dataclasses import dataclass

STUDIES = ("m1", "c3")
"""Y's two robust-training studies: M1 on MNIST (Table 3), C3 on CIFAR-10 (Table 4)."""
DATASET = {"m1": "mnist", "c3": "cifar10"}
TABLE_ITEM = {"m1": "Y-Table3", "c3": "Y-Table4"}
STUDY_LABEL = {"m1": "M1 / MNIST", "c3": "C3 / CIFAR-10"}
TRAIN_SIZE = {"mnist": 60000, "cifar10": 50000}
TEST_SIZE = {"mnist": 10000, "cifar10": 10000}

ROBUST = ("fgsm", "fgsm10", "l2grad", "fhsm", "l2hess")
"""The five adversarial-training methods, in Y's row order (also the adversarial test sets)."""
MODELS = ("ori", *ROBUST)
"""Rows of Tables 3 and 4: M_ORI, then one robust model per attack."""
SECOND_ORDER = {"fhsm": "fgsm", "l2hess": "l2grad"}
"""Each second-order attack and its first-order counterpart (same norm ball)."""
L2_ATTACKS = ("l2grad", "l2hess")
"""Attacks whose eps is the L2 radius (the others: L-inf)."""

CONTROL = "clean"
"""Not Y's: M_ORI fine-tuned on clean images with the robust models' rate, schedule and epochs, the
control that tells adversarial training from training further (review of 2026-12-06)."""

Y_NAME = {"ori": "ORI", "fgsm": "FGSM", "fgsm10": "FGSM10", "l2grad": "L2GRAD", "fhsm": "FHSM",
          "l2hess": "L2HESS", "pgd": "PGD", CONTROL: "CLEAN"}
"""Y's names (M_<name> for models, D_<name> for test sets)."""


def model_label(name: str) -> str:
    return f"M_{Y_NAME[name]}"


def set_label(name: str) -> str:
    return f"D_{Y_NAME.get(name, name)}"


TABLE5 = {
    "fgsm": ("FGSM", "ε · sign(g_x)"),
    "fgsm10": ("FGSM-10", "ε · sign(g_x) (iterate 10 times)"),
    "l2grad": ("L2GRAD", "ε · g_x / ‖g_x‖"),
    "fhsm": ("FHSM", "ε · sign(H_x⁻¹ g_x)"),
    "l2hess": ("L2HESS", "ε · H_x⁻¹ g_x / ‖H_x⁻¹ g_x‖"),
}
"""Y Table 5 (App. A.2) as printed: name and Δx, with g_x = ∂J/∂x and H_x = ∂²J/∂x². PGD is
not in Y's table (K uses it)."""


@dataclass(frozen=True)
class PaperTable:
    """One of Y's transfer tables as printed: accuracy in percent, rows ``MODELS``, columns
    ``clean`` and ``ROBUST`` (the test sets made on M_ORI), and Y's "MEAN of Adv"."""

    item: str
    where: str
    accuracy: tuple[tuple[float, ...], ...]
    mean_adv: tuple[float, ...]
    note: str = ""

    def value(self, model: str, column: str) -> float:
        return self.accuracy[MODELS.index(model)][("clean", *ROBUST).index(column)]


PAPER_TABLE3 = PaperTable(
    "Y-Table3", "Y §3.3, Table 3 (setup in §3.4)",
    accuracy=(
        (99.32, 60.37, 77.27, 14.32, 82.04, 33.21),
        (99.49, 96.18, 97.44, 63.46, 97.56, 83.33),
        (99.5, 96.52, 97.63, 66.15, 97.66, 84.64),
        (98.91, 96.88, 97.39, 86.23, 97.66, 92.56),
        (99.45, 94.41, 96.48, 52.67, 96.89, 77.58),
        (98.72, 95.02, 96.49, 77.18, 97.43, 90.33),
    ),
    mean_adv=(53.44, 87.59, 88.52, 94.14, 83.60, 91.29),
)
"""Y Table 3: M1 on MNIST, eps 0.1 (L-inf) and 2.8 (L2)."""

PAPER_TABLE4 = PaperTable(
    "Y-Table4", "Y §3.3, Table 4 (setup in §3.4)",
    accuracy=(
        (79.46, 15.25, 4.46, 12.37, 29.64, 22.93),
        (71.82, 63.05, 63.44, 57.68, 66.04, 62.36),
        (71.14, 63.32, 63.88, 58.25, 65.95, 62.70),
        (63.52, 59.33, 59.73, 57.35, 60.44, 58.98),
        (74.34, 47.65, 43.95, 38.45, 62.75, 55.77),
        (71.59, 50.05, 46.66, 42.95, 62.87, 58.42),
    ),
    mean_adv=(16.93, 62.51, 62.82, 59.16, 49.71, 52.19),
    note=("The M_L2HESS row is scattered in our copy of the text: the numbers 42.95, 62.87, 58.42, 52.19, "
          "46.66, 71.59, 50.05 appear outside the table. 71.59 is the clean accuracy (the others lie below "
          "the clean column of every row) and 52.19 the mean (it is the mean of the other five); the order "
          "of the five adversarial columns is our reconstruction, following the M_FHSM row's pattern "
          "(FGSM > FGSM10 > L2GRAD, FHSM > L2HESS)."),
)
"""Y Table 4: C3 on CIFAR-10, eps 0.02 (L-inf) and 1.2 (L2)."""

PAPER_TABLES = {"m1": PAPER_TABLE3, "c3": PAPER_TABLE4}

EPS = {"m1": (0.1, 2.8), "c3": (0.02, 1.2)}
"""Y §3.4: (L-inf eps, L2 eps) per study, inputs in [0, 1]."""
