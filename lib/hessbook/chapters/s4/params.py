"""S4's parameters and the full-size convnet (our choice of S's layer sizes)."""

from __future__ import annotations

from dataclasses import dataclass, field

from hessbook.kit.seeds import Seeded, n_seeds_spec
from hessbook.params import ChapterParams, ParameterError, device_spec, spec
from hessbook.papers.sagun.mnist_spectra import HESSIAN_DTYPES

FULL_CHANNELS, FULL_HIDDEN = (10, 20), 50
"""The full-size convnet (our choice of S's layer sizes; the gpu and paper scales)."""


@dataclass(frozen=True)
class S4Params(Seeded, ChapterParams):
    small_batch: int = field(metadata=spec(gt=0, doc="SB minibatch size (S: 10)"))
    large_batch: int = field(metadata=spec(gt=0, doc="LB minibatch size (S: 512)"))
    channels: list[int] = field(metadata=spec(gt=0, doc="channels of the two conv layers (ours: 10, 20 at full size)"))
    hidden: int = field(metadata=spec(gt=0, doc="units of the first fully connected layer (ours: 50 at full size)"))
    n_samples: int = field(metadata=spec(gt=0, doc="MNIST training samples (S: 1000)"))
    lr: float = field(metadata=spec(gt=0.0, doc="constant learning rate, the same for SB and LB"))
    iterations: int = field(metadata=spec(gt=0, doc="training steps, the same for SB and LB"))
    top_k: int = field(metadata=spec(gt=0, doc="largest eigenvalues shown in the Fig 4 plot"))
    hessian_batch: int = field(metadata=spec(gt=0, doc="samples per Hessian-vector pass: memory, and the rounding of the float64 batch sums (part of the store key)"))
    hessian_dtype: str = field(metadata=spec(choices=HESSIAN_DTYPES, doc="precision of the Hessian-vector products (H itself is float64)"))
    n_seeds: int = field(metadata=n_seeds_spec("batch size (SB, LB)", "S trains one SB and one LB network"))
    device: str = field(metadata=device_spec("where to train and assemble H"))

    def check(self) -> None:
        if len(self.channels) != 2:
            raise ParameterError(f"channels = {list(self.channels)}: accepted two positive integers (conv1, conv2)")
        if not self.small_batch < self.large_batch <= self.n_samples:
            raise ParameterError(
                f"small_batch = {self.small_batch}, large_batch = {self.large_batch}: accepted "
                f"small_batch < large_batch <= n_samples = {self.n_samples}")


Params = S4Params
"""The chapter's parameter schema (the chapter protocol's name for it)."""
