"""S5's parameters and the names of its records."""

from __future__ import annotations

from dataclasses import dataclass, field

from hessbook.params import ChapterParams, device_spec, spec

METRICS = ("train_loss", "train_acc", "test_loss", "test_acc")
SPLITS = ("train", "test")


@dataclass(frozen=True)
class S5Params(ChapterParams):
    width: float = field(metadata=spec(gt=0.0, doc="channel multiplier of alexnet_bare (S: 1, 2.47M parameters)"))
    n_train: int | None = field(metadata=spec(gt=0, le=50000, doc="CIFAR-10 training examples (None: all 50,000)"))
    n_test: int | None = field(metadata=spec(gt=0, le=10000, doc="CIFAR-10 test examples (None: all 10,000)"))
    lr: float = field(metadata=spec(gt=0.0, doc="constant learning rate of both parts (S does not give it)"))
    large_batch: int = field(metadata=spec(gt=0, le_field="n_train", doc="Part I batch size (S: 1000)"))
    small_batch: int = field(metadata=spec(gt=0, lt_field="large_batch", doc="Part II batch size (S: 32)"))
    record_every: int = field(metadata=spec(gt=0, doc="steps per recording period (S: 100)"))
    periods_large: int = field(metadata=spec(gt=0, doc="Part I periods (S: 250)"))
    periods_small: int = field(metadata=spec(gt=0, doc="Part II periods (S: 250)"))
    alpha_min: float = field(metadata=spec(le=0.0, doc="left end of the interpolation line (0 = Part I end)"))
    alpha_max: float = field(metadata=spec(ge=1.0, doc="right end of the interpolation line (1 = Part II end)"))
    n_alphas: int = field(metadata=spec(ge=3, doc="evenly spaced interpolation points (0 and 1 always added)"))
    device: str = field(metadata=device_spec("where to train"))


Params = S5Params
"""The chapter's parameter schema (the chapter protocol's name for it)."""
