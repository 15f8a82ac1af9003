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

WORDS = {
    "flat": "K §3.1 (ii): 'the purple line [LR/BS] whether its generalization, FGSM/PGD accuracy or principle "
            "curvature of parameter space (top Hessian eigenvalue) there is very little variation across all "
            "models!'",
    "lose": "K §3.1 (ii): 'This is not true for FGSM/PGD accuracy of models trained with constant LR nor is it "
            "true for benchmark, where one sees a drop in accuracy with increase in the batch-size'",
    "lambda": "K §3.1 (i): 'as batch size increases principle curvature increases' (Benchmark), while the LR/BS "
              "lines of the top-eigenvalue plots 'are almost flat'",
    "counter": "K §3.2: 'the FGSM accuracy increases with batch size (the light blue line in the plots). As "
               "expected the curvature also increases ... the PGD accuracy also increases with increasing batch "
               "size.'",
    "momentum_lr": "K §4.1: 'in Figures 7(right), 8(right), 9(right) and 10(right) its seen that the curvature "
                   "reduces with larger momentum.'",
    "momentum_lr_bs": "K §4.2: 'in most cases the curvature reduces with larger momentum, but as compared to "
                      "fixed LR training there is no significant role of momentum with constant learning rate "
                      "and batch size ratio.'",
}
"""K's claims in its own words, shown beside ours."""
