"""Y's Table 8 as data: C1 on CIFAR-10 at very large batch sizes, three ways of training."""

from __future__ import annotations

from dataclasses import dataclass

N_TRAIN = 50000
"""CIFAR-10's training set: Y's batch sizes are fractions of it (50000 is gradient descent)."""
METHODS = ("baseline", "fb", "robust")
LABELS = {"baseline": "baseline", "fb": "FB (linear lr scaling + warm-up)", "robust": "robust (adversarial)"}
SOURCE = "Y Appendix A.5, Table 8 (printed as Table 10 in the alternative numbering of the appendix)"


@dataclass(frozen=True)
class PaperRow:
    """One row of Y Table 8 as printed: test accuracy as a fraction (0.1 is chance, 10 classes)."""

    batch: int
    baseline: float
    fb: float
    robust: float

    @property
    def fraction(self) -> float:
        return self.batch / N_TRAIN

    def acc(self, method: str) -> float:
        return getattr(self, method)


PAPER_TABLE8: tuple[PaperRow, ...] = (
    PaperRow(8000, 0.7559, 0.752, 0.7612),
    PaperRow(10000, 0.7561, 0.1, 0.7597),
    PaperRow(25000, 0.7023, 0.1, 0.7409),
    PaperRow(50000, 0.5523, 0.1, 0.7116),
)
"""Y Table 8 (Baseline Acc, FB Acc, Robust Acc), typed from the paper's Appendix A.5."""

PAPER_WORDS = ("Y §3.4: 'robust optimization performs better for large batch size training as opposed to the "
               "baseline, or when we use the method proposed by [17]' (Goyal et al.), with the caveat 'More "
               "extensive tests are needed before one could claim that robust optimization performs better'.")
