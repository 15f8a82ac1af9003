"""Y6's parameters: the training subset, the batch sizes as fractions of it, and the three
ways of training (baseline, Goyal et al.'s linear scaling "FB", robust training)."""

from __future__ import annotations

from dataclasses import dataclass, field

from hessbook.chapters.y6.paper import METHODS
from hessbook.kit.seeds import Seeded, n_seeds_spec
from hessbook.params import ChapterParams, ParameterError, device_spec, spec

ADVERSARIES = ("fgsm", "fgsm10", "l2grad")
"""Attacks robust training may use (first-order, one eps each; Y's Table 8 does not say which)."""
TEST_SET = 10000


@dataclass(frozen=True)
class Y6Params(Seeded, ChapterParams):
    n_train: int = field(metadata=spec(gt=0, doc="CIFAR-10 training subset (Y: 50000)"))
    n_test: int = field(metadata=spec(gt=0, le=TEST_SET, doc="test images for accuracy (Y: 10000)"))
    batch_fractions: list[float] = field(metadata=spec(
        gt=0.0, le=1.0, nonempty=True, doc="batch sizes as fractions of n_train (Y: 0.16, 0.2, 0.5, 1.0, "
                                           "i.e. B = 8000..50000 of 50000)"))
    methods: list[str] = field(metadata=spec(choices=METHODS, nonempty=True, distinct=True,
                                             doc="ways of training compared"))
    c1_conv_stride: int = field(metadata=spec(choices=(1, 2), doc="C1 conv stride: 2 as printed, 1 as released"))
    lr: float = field(metadata=spec(gt=0.0, doc="SGD learning rate of the baseline and robust runs, and "
                                                "FB's rate at fb_base_batch (Y §3.4: 0.01)"))
    momentum: float = field(metadata=spec(ge=0.0, lt=1.0, doc="SGD momentum, every run (Y §3.4: 0.9)"))
    lr_halve_every: int = field(metadata=spec(ge=0, doc="halve the lr every this many epochs, every run; "
                                                        "0: constant (Y §3.4: 5)"))
    epochs: int = field(metadata=spec(gt=0, doc="epochs of every run (Y: not given)"))
    check_epochs: int = field(metadata=spec(ge=0, doc="a test of the book's explanation, not graded: the baseline "
                                                      "and robust runs at the largest batch trained again for this "
                                                      "many epochs (0: none; else more than epochs)"))
    fb_base_batch: float = field(metadata=spec(gt=0, le_field="n_train", doc="FB: the batch size at which the rate is `lr`; "
                                                         "B uses lr * B / fb_base_batch (Goyal: 0.1 per 256 "
                                                         "samples, i.e. lr 0.01 per 25.6)"))
    fb_warmup_epochs: float = field(metadata=spec(ge=0.0, doc="FB: linear warm-up from lr to the scaled "
                                                              "rate over this many epochs (Goyal: 5)"))
    adversary: str = field(metadata=spec(choices=ADVERSARIES, doc="robust training's attack (Y: not given)"))
    eps: float = field(metadata=spec(gt=0.0, doc="its perturbation size on [0, 1] inputs (Y §3.4, CIFAR-10: "
                                                 "0.02 L-inf, 1.2 L2)"))
    adversary_mix: float = field(metadata=spec(ge=0.0, le=1.0, doc="weight of the adversarial loss, the "
                                                                   "rest on clean inputs (Y eq. 3: 1)"))
    n_seeds: int = field(metadata=n_seeds_spec("(method, batch fraction)", "Y repeated every experiment at least "
                                               "3 times"))
    device: str = field(metadata=device_spec("where to train"))

    @property
    def batch_sizes(self) -> tuple[int, ...]:
        """The batch sizes, ascending: round(fraction * n_train)."""
        return tuple(sorted(round(f * self.n_train) for f in self.batch_fractions))

    def check(self) -> None:
        sizes = [round(f * self.n_train) for f in self.batch_fractions]
        if min(sizes) < 1:
            raise ParameterError(f"batch_fractions: {min(self.batch_fractions)} of n_train = {self.n_train} is "
                                 f"less than one example; accepted: fractions >= {1 / self.n_train:.2g}")
        twice = sorted({b for b in sizes if sizes.count(b) > 1})
        if twice:
            raise ParameterError(f"batch_fractions give the batch size {twice[0]} more than once at "
                                 f"n_train = {self.n_train}; accepted: fractions giving distinct batch sizes")
        if self.check_epochs and self.check_epochs <= self.epochs:
            raise ParameterError(f"check_epochs = {self.check_epochs}: the check trains longer than the grid's "
                                 f"epochs = {self.epochs}; accepted: 0 (no check) or more than {self.epochs}")


Params = Y6Params
"""The chapter's parameter schema (the chapter protocol's name for it)."""
