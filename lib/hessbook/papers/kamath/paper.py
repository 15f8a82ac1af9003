"""Kamath et al.'s setup as data: the three learning-rate settings, the model/dataset cases,
the attack radii, and K's claims in its own words (K gives its numbers only as plots)."""

from __future__ import annotations

from dataclasses import dataclass

LR = 0.01
"""K's "LR" setting: the learning rate is 0.01 whatever the batch size."""
LR_BS_RATIO = 0.00015625
"""K's "LR/BS" setting: learning rate = 0.00015625 x batch size (0.01 at B = 64)."""
BENCHMARK_MOMENTUM, BENCHMARK_HALVE_EVERY = 0.9, 5
"""K's "Benchmark" (Y's schedule): lr 0.01, momentum 0.9, halved every 5 epochs."""

SETTINGS = ("lr", "lr_bs", "benchmark")
SETTING_LABEL = {"lr": "LR", "lr_bs": "LR/BS", "benchmark": "Benchmark"}
SETTING_COLOR = {"lr": "#56B4E9", "lr_bs": "#7B3294", "benchmark": "#D7191C"}
"""K's colours: LR light blue, LR/BS purple, Benchmark red."""


@dataclass(frozen=True)
class Case:
    """One model on one dataset, as K trains it."""

    name: str
    model: str
    dataset: str
    label: str


CASES: dict[str, Case] = {c.name: c for c in (
    Case("m1k-mnist", "m1k", "mnist", "M1-K on MNIST"),
    Case("stdcnn-mnist", "stdcnn", "mnist", "StdCNN on MNIST"),
    Case("m1k-fashion", "m1k", "fashion_mnist", "M1-K on Fashion-MNIST"),
    Case("stdcnn-fashion", "stdcnn", "fashion_mnist", "StdCNN on Fashion-MNIST"),
    Case("c1-cifar10", "c1", "cifar10", "C1 on CIFAR-10"),
    Case("resnet18-cifar10", "resnet18", "cifar10", "ResNet18 on CIFAR-10"),
)}
EPS = {"mnist": 0.3, "fashion_mnist": 0.3, "cifar10": 0.02}
"""K's FGSM and PGD radius (L-inf, inputs in [0, 1])."""
K_TRAIN_SIZE = {"mnist": 55000, "fashion_mnist": 55000, "cifar10": 40000}

COUNTEREXAMPLE = "stdcnn-fashion"
"""K §3.2: StdCNN on Fashion-MNIST under LR."""

K1_ITEMS: dict[str, tuple[str, ...]] = {
    "K-Fig1-2-15": ("m1k-mnist", "stdcnn-mnist"),
    "K-Fig3-16": ("m1k-fashion",),
    "K-Fig4-5-17": ("c1-cifar10", "resnet18-cifar10"),
}
"""K1's batch-size figures: which cases each plots (Fig 6/18 is the counterexample)."""
K2_ITEMS: dict[str, str] = {"K-Fig7-10": "lr", "K-Fig11-14": "lr_bs"}
"""K2's momentum figures: which setting each varies the momentum under."""
K2_CASES = ("m1k-mnist", "stdcnn-mnist", "c1-cifar10", "resnet18-cifar10")
"""The cases of K's momentum figures (Figs 7-14)."""
K_MOMENTA: dict[str, tuple[tuple[float, ...], ...]] = {"lr": ((0.0, 0.2, 0.5, 0.9),),
                                                      "lr_bs": ((0.0, 0.5), (0.0, 0.9))}
"""The momenta K's momentum figures draw per setting, as alternatives (any one set in full is K's):
under LR K §4.1 'we plot the natural accuracy
and adversarial accuracy with momentum values set to 0.0, 0.2, 0.5 and 0.9' (Figs 7-10); under
LR/BS K §4.2 'with momentum values set to 0 and 0.5 or 0.9' (Figs 11-14; the workshop version K'
draws 0 and 0.9)."""

WORDS = {
    "flat": "K §3.1 (ii): 'the purple line [LR/BS] whether its generalization, FGSM/PGD accuracy or principle "
            "curvature of parameter space (top Hessian eigenvalue) there is very little variation across all "
            "models!'",
    "lose_lr": "K §3.1 (ii): 'This is not true for FGSM/PGD accuracy of models trained with constant LR' (robustness "
               "falls with the batch size under LR; of LR's clean accuracy K states no trend of its own, only §3.1 "
               "(i)'s confirmation of Y's Benchmark finding)",
    "lose_benchmark": "K §3: 'From the benchmark plots in Figures 1(left) and 4(left) it is clear that as the batch "
                      "size increases the test accuracy decreases, and similarly the associated FGSM test accuracy "
                      "also drops with increase in batch size'; §3.1 (ii): '... nor is it true for benchmark, where "
                      "one sees a drop in accuracy with increase in the batch-size'",
    "lambda": "K §3: 'as batch size increases principle curvature increases. This can be seen in the benchmark "
              "plots in Figure 1(right), Figure 4(right)'; §3.1 (i): the LR/BS lines of the top-eigenvalue plots "
              "'are almost flat'",
    "counter": "K §3.2: 'the FGSM accuracy increases with batch size (the light blue line in the plots). As "
               "expected the curvature also increases ... the PGD accuracy also increases with increasing batch "
               "size.'",
    "momentum_lr": "K §4.1: 'in Figures 7(right), 8(right), 9(right) and 10(right) its seen that the curvature "
                   "reduces with larger momentum.'",
    "momentum_lr_bs": "K §4.2: 'in most cases the curvature reduces with larger momentum' (graded), 'but as "
                      "compared to fixed LR training there is no significant role of momentum with constant "
                      "learning rate and batch size ratio' (not graded: K gives no measure of significant; its "
                      "numbers are in the evidence).",
    "momentum_acc_lr": "K §4.1: 'with larger momentum there is better generalization. This in turn leads to better "
                       "FGSM adversarial robustness as seen in Figures 7(left) and 8(left) for MNIST and Figures "
                       "9(left) and 10(left) for CIFAR-10.'",
    "momentum_acc_lr_bs": "K §4.2: 'there is no significant role of momentum with constant learning rate and batch "
                          "size ratio. As the mild change in curvature or generalization does not always convert "
                          "into better generalization or adversarial robustness as seen in Figures 11(left), "
                          "12(left), 13(left) and 14(left) for FGSM attack or Figures 21 and 22 for PGD attack ... "
                          "momentum in the LR/BS setting doesnot play a significant role in the training and the "
                          "resultant accuracy and adversarial robustness of the network.'",
}
"""K's claims in its own words, shown beside ours."""


# ----------------------------------------------------------------------------- what K's text states

RISES, FALLS, FLAT = 1, -1, 0


@dataclass(frozen=True)
class Stated:
    """A direction K's text states for one measure along one line: ``RISES``, ``FALLS`` or
    ``FLAT`` ("very little variation") as the batch size (``against="batch"``) or the momentum
    grows, under ``setting``, for ``cases`` (None: every case of the figures it cites)."""

    setting: str
    measure: str
    direction: int
    where: str
    """K's words, with the section."""
    against: str = "batch"
    cases: tuple[str, ...] | None = None


_FLAT = ("K §3.1 (ii): 'the purple line whether its generalization, FGSM/PGD accuracy or principle curvature "
         "... there is very little variation across all models!'")
_LR_DROP = "K §3.1 (ii): 'This is not true for FGSM/PGD accuracy of models trained with constant LR'"
_BENCH = ("K §3: 'From the benchmark plots in Figures 1(left) and 4(left) it is clear that as the batch size "
          "increases the test accuracy decreases, and similarly the associated FGSM test accuracy also drops'")
_COUNTER = WORDS["counter"]
STATED: tuple[Stated, ...] = (
    Stated("lr_bs", "test_acc", FLAT, _FLAT),
    Stated("lr_bs", "fgsm_acc", FLAT, _FLAT),
    Stated("lr_bs", "pgd_acc", FLAT, _FLAT),
    Stated("lr_bs", "lambda1", FLAT, _FLAT + "; §3.1 (i): the purple lines of the top-eigenvalue plots 'are "
                                             "almost flat'"),
    Stated("lr", "fgsm_acc", FALLS, _LR_DROP),
    Stated("lr", "pgd_acc", FALLS, _LR_DROP),
    Stated("benchmark", "test_acc", FALLS, _BENCH),
    Stated("benchmark", "fgsm_acc", FALLS, _BENCH),
    Stated("benchmark", "lambda1", RISES, "K §3: 'It's clear from the top eigen value plots that as batch size "
                                          "increases principle curvature increases. This can be seen in the "
                                          "benchmark plots in Figure 1(right), Figure 4(right).'"),
    Stated("lr", "fgsm_acc", RISES, _COUNTER, cases=(COUNTEREXAMPLE,)),
    Stated("lr", "pgd_acc", RISES, _COUNTER, cases=(COUNTEREXAMPLE,)),
    Stated("lr", "lambda1", RISES, _COUNTER, cases=(COUNTEREXAMPLE,)),
    Stated("lr", "lambda1", FALLS, WORDS["momentum_lr"], against="momentum"),
    Stated("lr", "test_acc", RISES, "K §4.1: 'with larger momentum there is better generalization'",
           against="momentum"),
    Stated("lr", "fgsm_acc", RISES, "K §4.1: 'This in turn leads to better FGSM adversarial robustness'",
           against="momentum"),
    Stated("lr_bs", "lambda1", FALLS, "K §5: 'momentum plays a role in reducing the spectrum of the parameters "
                                      "irrespective of the ratio maintained between learning rate and batch size' "
                                      "(§4.2: 'in most cases')", against="momentum"),
    Stated("lr_bs", "test_acc", FLAT, "K §4.2: 'momentum in the LR/BS setting doesnot play a significant role in "
                                      "the training and the resultant accuracy and adversarial robustness'",
           against="momentum"),
    Stated("lr_bs", "fgsm_acc", FLAT, "K §4.2 (as for accuracy): no significant role of momentum for "
                                      "adversarial robustness under LR/BS", against="momentum"),
    Stated("lr_bs", "pgd_acc", FLAT, "K §4.2: 'does not always convert into better generalization or adversarial "
                                     "robustness as seen in ... Figures 21 and 22 for PGD attack'",
           against="momentum"),
)
"""Every direction K's text states (K prints no numbers): the claims are graded on K's own
statements by ``paper_claims()`` in K1 and K2, and must come out held (``tests/
test_paper_grades_itself_k.py``). A direction the book does not read as K's statement is absent,
so a rule that needs it cannot grade K's own text: clean accuracy and λ1 under LR against the batch
size, of which K says only §3.1 (i) 'Our observations confirm what [18] observe that as batch size
increases natural accuracy drops. We also confirm their observation that as batch size increases
principle curvature increases' (Y's observation, shown 'in the benchmark plots', §3; the same item
calls LR/BS flat, so it is not said of every setting) and, of the counterexample's LR line alone
(stated here for that case), §3.2 'As expected the curvature also increases'. Not grading LR's
λ1 and clean accuracy trends in general is the book's choice."""
K_POINTS = 7
"""Batch sizes along each of K's curves, for K's own statements: K lists none and plots up to
1024; we read its axis as the powers of 2 from 16 (``params/paper``). Only the rules'
precondition "at least 3 batch sizes" reads it."""


def stated(setting: str, measure: str, case: str, against: str = "batch") -> int | None:
    """The direction K's text states for ``measure`` under ``setting`` for ``case`` (a statement
    naming the case wins over a general one), or None where K's text says nothing."""
    found = [s for s in STATED if (s.setting, s.measure, s.against) == (setting, measure, against)
             and (s.cases is None or case in s.cases)]
    named = [s for s in found if s.cases is not None]
    return (named or found)[0].direction if found else None
