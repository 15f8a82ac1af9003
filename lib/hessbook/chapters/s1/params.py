"""S1's parameters and the names of its points and matrices."""

from __future__ import annotations

from dataclasses import dataclass, field

from hessbook.kit.seeds import Seeded, n_seeds_spec
from hessbook.params import ChapterParams, device_spec, spec

POINTS = ("init", "trained")
MATRICES = ("H", "G", "H-G")
MATRIX_LABELS = {"H": "Hessian H", "G": "Gauss-Newton G", "H-G": "residual H − G"}
RANK_TOLERANCES = (1e-8, 1e-10, 1e-12)
"""Tolerances the decomposition table counts the rank of G at."""


@dataclass(frozen=True)
class S1Params(Seeded, ChapterParams):
    k: int = field(metadata=spec(ge=2, doc="classes = Gaussian clusters = outputs (k = 50: 5510 parameters)"))
    n_samples: int = field(metadata=spec(gt=0, ge_field="k", doc="training points N (small, so that N (k-1) < M)"))
    dimension: int = field(metadata=spec(gt=0, doc="input dimension d (S2: 100)"))
    hidden: int = field(metadata=spec(gt=0, doc="units in each of the two hidden layers (S2: 30)"))
    activation: str = field(metadata=spec(choices=("relu", "tanh"), doc="hidden nonlinearity"))
    lr: float = field(metadata=spec(gt=0.0, doc="constant GD step size"))
    gd_iterations: int = field(metadata=spec(gt=0, doc="full-batch GD steps"))
    rank_tolerance: float = field(metadata=spec(gt=0.0, lt=1.0, doc="numerical rank: eigenvalues above tol * lambda_max"))
    bulk_tolerance: float = field(metadata=spec(gt=0.0, lt=1.0, doc="bulk: |eigenvalue| below tol * lambda_max"))
    n_seeds: int = field(metadata=n_seeds_spec("chapter", "S: one network"))
    device: str = field(metadata=device_spec("where to train and assemble"))

    @property
    def parameters(self) -> int:
        d, h, k = self.dimension, self.hidden, self.k
        return (d + 1) * h + (h + 1) * h + (h + 1) * k

    @property
    def rank_bound(self) -> int:
        """min(M, N (k - 1)): the rank G can have at most."""
        return min(self.parameters, self.n_samples * (self.k - 1))


Params = S1Params
"""The chapter's parameter schema (the chapter protocol's name for it)."""
