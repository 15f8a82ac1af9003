"""S6's parameters."""

from __future__ import annotations

from dataclasses import dataclass, field

from hessbook.params import ChapterParams, ParameterError, spec


@dataclass(frozen=True)
class S6Params(ChapterParams):
    dimension: int = field(metadata=spec(ge=2, doc="input dimension d = M (fixed; N = d / alpha)"))
    alphas: list[float] = field(metadata=spec(gt=0.0, nonempty=True, doc="alpha = M / N (S: 0.02, 1, 2)"))
    separation: float = field(metadata=spec(gt=0.0, doc="distance between the two blob means (S does not say)"))
    null_draws: int = field(metadata=spec(ge=1, doc="draws of the null at the trained w (the same weights on fresh "
                                                    "Gaussian inputs); an outlier tops every draw, so 19 draws make "
                                                    "the largest eigenvalue's test a 5 % one"))

    def check(self) -> None:
        for a in self.alphas:
            if round(self.dimension / a) < 2:
                raise ParameterError(f"alphas: {a} gives N = d / alpha < 2 samples at dimension = {self.dimension}")

    def n_samples(self, alpha: float) -> int:
        return int(round(self.dimension / alpha))

    @property
    def spike(self) -> float:
        """Population spike of the two-blob second moment: 1 + (separation / 2)^2."""
        return 1.0 + (self.separation / 2.0) ** 2


Params = S6Params
"""The chapter's parameter schema (the chapter protocol's name for it)."""
