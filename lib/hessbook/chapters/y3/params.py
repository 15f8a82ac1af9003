"""Y3's parameters: the training runs (small and large batch, clean and robust) and how often
lambda1 is measured."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from hessbook.chapters.y3.paper import ATTACKS, DATASET, MODELS
from hessbook.kit.seeds import Seeded, n_seeds_spec
from hessbook.params import ChapterParams, ParameterError, device_spec, spec


@dataclass(frozen=True)
class Y3Params(Seeded, ChapterParams):
    models: list[str] = field(metadata=spec(choices=MODELS, nonempty=True,
                                            doc="networks (Y does not say; M1 on MNIST, C1 on CIFAR-10)"))
    c1_conv_stride: int = field(metadata=spec(choices=(1, 2), doc="C1 conv stride: 2 as printed, 1 as released"))
    n_train: int = field(metadata=spec(gt=0, doc="training subset; lambda1 and the gradient are over all of it "
                                                 "(Y: the whole training set)"))
    small_batch: int = field(metadata=spec(gt=0, lt_field="large_batch", doc="the small batch size (Y's is not given)"))
    large_batch: int = field(metadata=spec(gt=0, le_field="n_train", doc="the large batch size (Y's is not given)"))
    lr: float = field(metadata=spec(gt=0.0, doc="SGD learning rate, every run (Y1's choice)"))
    momentum: float = field(metadata=spec(ge=0.0, lt=1.0, doc="SGD momentum, every run"))
    epochs: int = field(metadata=spec(gt=0, doc="the epoch cap of every run"))
    loss_target: float = field(metadata=spec(
        gt=0.0,
        doc="each run stops at the first record whose clean training loss is at or below this (Y §2: every "
            "batch size 'trained until a training loss of 0.001 or better'; the verdicts read lambda1 where "
            "the loss first reaches 1e-3, so a lower target follows a run further without changing them, a "
            "higher one leaves them not judged)"))
    record_epochs: int = field(metadata=spec(
        gt=0, le_field="epochs",
        doc="measure lambda1 and the gradient every this many epochs (the verdicts read lambda1 where the "
            "training loss first reaches Y's 1e-3, between a record above it and one at or below it: a run "
            "whose first record is already below it leaves its ratios not judged)"))
    early_record_epochs: list[int] = field(metadata=spec(
        gt=0, lt_field="record_epochs",
        doc="epochs also recorded before the first of every record_epochs: a small batch can reach Y's 1e-3 "
            "within the first period, and its lambda1 is read only between a record on each side of that "
            "loss (a measurement need, the book's choice, not a verdict; empty: none)"))
    loss_records: list[float] = field(metadata=spec(
        gt=0.0,
        doc="training-loss levels that add a record at the end of the first epoch whose clean training loss "
            "reaches each (TrainConfig.record_below): the verdicts read lambda1 where the loss crosses Y's 1e-3, "
            "interpolated between the records on each side, and on the epoch schedule alone those were up to "
            "three decades of loss apart; levels a quarter decade apart down to 1e-3 keep the record above it "
            "within a quarter decade and one epoch's fall (a measurement need, not a verdict; empty: none)"))
    tail_records: int = field(metadata=spec(gt=0, doc="the last this many records are averaged, shown beside the "
                                                      "verdicts (not graded)"))
    robust_attack: str = field(metadata=spec(choices=ATTACKS, doc="robust training's inner maximisation"))
    eps_mnist: float = field(metadata=spec(gt=0.0, doc="its L-inf eps on MNIST (Y §3.4: 0.1)"))
    eps_cifar: float = field(metadata=spec(gt=0.0, doc="its L-inf eps on CIFAR-10 (Y §3.4: 0.02)"))
    n_seeds: int = field(metadata=n_seeds_spec("(model, batch size, clean or robust)",
                                               "Y repeated every experiment at least 3 times"))
    device: str = field(metadata=device_spec("where to train"))

    def check(self) -> None:
        below = [v for v in self.loss_records if v < self.loss_target]
        if below:
            raise ParameterError(f"loss_records = {tuple(self.loss_records)}: the levels {tuple(below)} lie below "
                                 f"loss_target = {self.loss_target:g}, where every run has stopped; accepted: "
                                 f"levels at or above loss_target")
        if self.tail_records > self.records:
            raise ParameterError(f"tail_records = {self.tail_records}: more than the {self.records} records of "
                                 f"a run (early ones and epochs // record_epochs); accepted: 1..{self.records}")

    @property
    def records(self) -> int:
        """Records of a run on its whole epoch schedule: the early ones and every ``record_epochs``-th
        epoch (the ``loss_records`` come on top, where a run reaches their levels). A run that stops
        at ``loss_target`` has fewer; its tail is then the mean of the records it has, at most
        ``tail_records``."""
        return len(set(self.early_record_epochs)) + self.epochs // self.record_epochs

    def eps(self, model: str) -> float:
        return self.eps_mnist if DATASET[model] == "mnist" else self.eps_cifar

    def record_every(self, batch: int) -> int:
        """Iterations between records: ``record_epochs`` whole epochs of this batch size."""
        return math.ceil(self.n_train / batch) * self.record_epochs

    def record_also(self, batch: int) -> tuple[int, ...]:
        """Iterations of the early records (:attr:`early_record_epochs`) at this batch size."""
        return tuple(math.ceil(self.n_train / batch) * e for e in self.early_record_epochs)

    def runs(self) -> list[tuple[str, int, bool]]:
        """(model, batch, robust) of every run."""
        return [(m, b, robust) for m in self.models for b in (self.small_batch, self.large_batch)
                for robust in (False, True)]


Params = Y3Params
"""The chapter's parameter schema (the chapter protocol's name for it)."""
