"""S3's parameters."""

from __future__ import annotations

from dataclasses import dataclass, field

from hessbook.kit.seeds import Seeded, n_seeds_spec
from hessbook.params import ChapterParams, ParameterError, device_spec, spec
from hessbook.papers.sagun.mnist_spectra import HESSIAN_DTYPES


@dataclass(frozen=True)
class S3Params(Seeded, ChapterParams):
    widths: list[int] = field(metadata=spec(nonempty=True, gt=0, distinct=True,
                                            doc="hidden units per network (S: 10, 30, 50, 70)"))
    input_size: int = field(metadata=spec(choices=(7, 14, 28), doc="side of the pooled input (S: 28; ours: smaller at cpu scale)"))
    n_samples: int = field(metadata=spec(gt=0, doc="MNIST training samples (S: 1000)"))
    lr: float = field(metadata=spec(gt=0.0, doc="constant step size, the same for every width"))
    iterations: int = field(metadata=spec(gt=0, doc="training steps, the same for every width"))
    batch_size: int = field(metadata=spec(gt=0, le_field="n_samples", doc="minibatch size (n_samples: gradient descent)"))
    top_k: int = field(metadata=spec(gt=0, doc="largest eigenvalues shown (S: 120)"))
    hessian_batch: int = field(metadata=spec(gt=0, doc="samples per Hessian-vector pass: memory, and the rounding of the float64 batch sums (part of the store key)"))
    hessian_dtype: str = field(metadata=spec(choices=HESSIAN_DTYPES, doc="precision of the Hessian-vector products (H itself is float64)"))
    n_seeds: int = field(metadata=n_seeds_spec("width", "S trains one network per width"))
    device: str = field(metadata=device_spec("where to train and assemble H"))

    def check(self) -> None:
        smallest = min(self.widths) * (self.input_size ** 2 + 11) + 10
        if self.top_k > smallest:
            raise ParameterError(
                f"top_k = {self.top_k}: more than the {smallest} eigenvalues of the narrowest network; "
                f"accepted: 1..{smallest}")


Params = S3Params
"""The chapter's parameter schema (the chapter protocol's name for it)."""
