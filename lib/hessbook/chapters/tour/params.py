"""The tour's parameter schema."""

from __future__ import annotations

from dataclasses import dataclass, field

from hessbook.params import ChapterParams, ParameterError, spec


@dataclass(frozen=True)
class TourParams(ChapterParams):
    n_samples: int = field(metadata=spec(gt=1, doc="N, samples drawn"))
    dimension: int = field(metadata=spec(gt=0, doc="M, dimension of each sample"))
    variance: float = field(metadata=spec(gt=0.0, doc="sigma^2 of each coordinate"))

    def check(self) -> None:
        if self.dimension * self.n_samples > 50_000_000:
            raise ParameterError(
                f"n_samples * dimension = {self.n_samples * self.dimension}: "
                "must be at most 50,000,000 (the data matrix is held in memory)"
            )


Params = TourParams
"""The chapter's parameter schema (the chapter protocol's name for it)."""
