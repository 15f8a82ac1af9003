"""Every figure and table the book reproduces, and the chapter that reproduces it.

This is ``../shared/REPRODUCTION.md`` in machine-readable form. The status page has one row
per :data:`ITEMS` entry; a chapter reports a verdict for an item by its ``key``.
"""

from __future__ import annotations

from dataclasses import dataclass

PAPERS = {
    "Y": "Yao, Gholami, Lei, Keutzer, Mahoney (2018), Hessian-based Analysis of Large Batch "
    "Training and Robustness to Adversaries, NeurIPS 2018",
    "K": "Kamath, Deshpande, Subrahmanyam, How do SGD hyperparameters in natural training "
    "affect adversarial robustness?",
    "S": "Sagun, Evci, Güney, Dauphin, Bottou (2017), Empirical Analysis of the Hessian of "
    "Over-Parametrized Neural Networks, ICLR 2018 workshop",
}


@dataclass(frozen=True)
class Chapter:
    id: str
    paper: str
    title: str
    path: str
    """Notebook path relative to the project root (exists once the chapter is written)."""


@dataclass(frozen=True)
class Item:
    key: str
    paper: str
    shows: str
    chapter: str


CHAPTERS: tuple[Chapter, ...] = (
    Chapter("y1", "Y", "Large batch: Hessian spectrum and robustness", "book/yao/y1_large_batch.md"),
    Chapter("y2", "Y", "Loss landscapes along eigenvectors", "book/yao/y2_landscapes.md"),
    Chapter("y3", "Y", "Curvature during training", "book/yao/y3_training_dynamics.md"),
    Chapter("y4", "Y", "The saddle-free inner problem", "book/yao/y4_saddle_free.md"),
    Chapter("y5", "Y", "Adversarial training and the Hessian", "book/yao/y5_adversarial_training.md"),
    Chapter("y6", "Y", "Very large batches", "book/yao/y6_very_large_batch.md"),
    Chapter("k1", "K", "Batch size, learning-rate rules and robustness", "book/kamath/k1_batch_size.md"),
    Chapter("k2", "K", "Momentum", "book/kamath/k2_momentum.md"),
    Chapter("s1", "S", "Spectrum and the Gauss-Newton decomposition", "book/sagun/s1_spectrum.md"),
    Chapter("s2", "S", "Gaussian clusters: do outliers count classes?", "book/sagun/s2_gaussian_clusters.md"),
    Chapter("s3", "S", "Width on MNIST", "book/sagun/s3_width.md"),
    Chapter("s4", "S", "Small and large batch on MNIST", "book/sagun/s4_batch.md"),
    Chapter("s5", "S", "From large to small batch: a barrier between them?", "book/sagun/s5_no_barrier.md"),
    Chapter("s6", "S", "Logistic regression and random matrices", "book/sagun/s6_logistic.md"),
)

ITEMS: tuple[Item, ...] = (
    # Yao et al.
    Item("Y-Table1", "Y", "C1 and C2 on CIFAR-10: accuracy, λ1(θ), λ1(x), ‖∇x J‖, FGSM accuracy", "y1"),
    Item("Y-Table2", "Y", "ResNet18 on CIFAR-100: accuracy, λ1(θ), FGSM accuracy", "y1"),
    Item("Y-Table7", "Y", "M1 on MNIST: the columns of Table 1", "y1"),
    Item("Y-Fig1", "Y", "top-20 Hessian eigenvalues per batch size, C1 and M1", "y1"),
    Item("Y-Fig2-15", "Y", "loss along v1 per batch size, C1 and C2", "y2"),
    Item("Y-Fig7", "Y", "loss along v1 for M1 (log scale) with a random batch of 320", "y2"),
    Item("Y-Fig3-13-14", "Y", "2-D loss surface along v1 and v2, C1, C2, M1", "y2"),
    Item("Y-Fig4-16", "Y", "λ1 and gradient norm per epoch, small vs large batch, with robust training", "y3"),
    Item("Y-Thm1", "Y", "input Hessian PSD almost everywhere (Theorem 1, Lemma 3)", "y4"),
    Item("Y-Prop2", "Y", "input Hessian rank ≤ number of classes (Proposition 2)", "y4"),
    Item("Y-Table5", "Y", "attack definitions FGSM, FGSM-10, L2GRAD, FHSM, L2HESS", "y5"),
    Item("Y-Table3", "Y", "MNIST M1: robust models × adversarial test sets", "y5"),
    Item("Y-Table4", "Y", "CIFAR-10 C3: robust models × adversarial test sets", "y5"),
    Item("Y-Fig5-10-11", "Y", "1-D interpolation from M_ORI to each robust model", "y5"),
    Item("Y-Fig6-12", "Y", "sub-sampled Hessian spectra for B_H = 1, 320, full", "y5"),
    Item("Y-Fig8-9", "Y", "loss along v1 of the B_H=320 Hessian for robust models", "y5"),
    Item("Y-Table8", "Y", "C1 at B = 8000..50000: baseline vs linear scaling vs robust training", "y6"),
    # Kamath et al.
    Item("K-Fig1-2-15", "K", "M1-K and StdCNN on MNIST vs batch size: LR, LR/BS, Benchmark", "k1"),
    Item("K-Fig3-16", "K", "M1-K on Fashion-MNIST vs batch size", "k1"),
    Item("K-Fig4-5-17", "K", "C1 and ResNet18 on CIFAR-10 vs batch size", "k1"),
    Item("K-Fig6-18", "K", "counterexample: StdCNN on Fashion-MNIST, robustness and λ1 both rise", "k1"),
    Item("K-Fig7-10", "K", "momentum under LR: accuracy, robustness, λ1 vs batch size", "k2"),
    Item("K-Fig11-14", "K", "momentum under LR/BS", "k2"),
    # Sagun et al.
    Item("S-Fig1", "S", "full spectrum at initialization and after GD, ~5K parameters", "s1"),
    Item("S-Eq2-5", "S", "Gauss-Newton decomposition: spectra of H, G and H − G; rank of G", "s1"),
    Item("S-Fig2", "S", "Gaussian clusters: outliers above the gap equal the number of classes", "s2"),
    Item("S-Table1", "S", "outlier counts: GD/SGD × tanh/ReLU × covariance × k, three cutoffs", "s2"),
    Item("S-Fig3-5", "S", "MNIST FC width 10..70: top-120 eigenvalues, negative eigenvalues", "s3"),
    Item("S-Fig4-6", "S", "MNIST conv net, batch 10 vs 512: outliers and negative eigenvalues", "s4"),
    Item("S-Fig8-9", "S", "AlexNet-bare: large then small batch, no barrier on the line", "s5"),
    Item("S-Fig10", "S", "logistic regression: Marchenko-Pastur bulk, BBP outliers", "s6"),
    Item("S-Fig10-beyond", "S", "beyond S: the logistic-regression Hessian at the trained w", "s6"),
    Item("S-beyond", "S", "beyond S: outlier counting on unseen k, class-structure prediction", "s2"),
)

VERDICTS = ("held", "partly", "did not hold", "not judged", "not computed")
"""Allowed verdicts: the claim held, held in part, did not hold; *not judged*: its values were
computed but the rule's precondition for judging fails at this scale (e.g. two batch sizes where
a trend needs three); *not computed*: the values are missing (no data, not selected, failed)."""


def chapter(chapter_id: str) -> Chapter:
    for c in CHAPTERS:
        if c.id == chapter_id:
            return c
    raise KeyError(f"unknown chapter {chapter_id!r}; known: {', '.join(c.id for c in CHAPTERS)}")


def item(key: str) -> Item:
    for i in ITEMS:
        if i.key == key:
            return i
    raise KeyError(f"unknown item {key!r}; known: {', '.join(i.key for i in ITEMS)}")
