"""K1's parameters: the shared grid block (:class:`~hessbook.papers.kamath.grid.KGrid`, the
same values as K2's at every scale) and which cases (model, dataset) to run."""

from __future__ import annotations

from dataclasses import dataclass, field

from hessbook.papers.kamath.grid import KGrid
from hessbook.papers.kamath.paper import CASES
from hessbook.params import ChapterParams, device_spec, spec


@dataclass(frozen=True)
class K1Params(KGrid, ChapterParams):
    cases: list[str] = field(metadata=spec(choices=tuple(CASES), nonempty=True,
                                           doc="model-dataset cases (K: all six)"))
    device: str = field(metadata=device_spec("where to train and measure"))

    def check(self) -> None:
        self.check_grid(self.cases)


Params = K1Params
"""The chapter's parameter schema (the chapter protocol's name for it)."""
