"""K2's parameters: the shared grid block (the same values as K1's at every scale), the cases,
and the momenta under LR and under LR/BS."""

from __future__ import annotations

from dataclasses import dataclass, field

from hessbook.papers.kamath.grid import KGrid
from hessbook.papers.kamath.paper import CASES
from hessbook.params import ChapterParams, ParameterError, device_spec, spec


@dataclass(frozen=True)
class K2Params(KGrid, ChapterParams):
    cases: list[str] = field(metadata=spec(choices=tuple(CASES), nonempty=True, doc=(
        "model-dataset cases (K Figs 7-14: M1-K and StdCNN on MNIST, C1 and ResNet18 on CIFAR-10)")))
    momenta_lr: list[float] = field(metadata=spec(ge=0.0, lt=1.0, nonempty=True, distinct=True,
                                                  doc="momenta under LR (K: 0, 0.2, 0.5, 0.9)"))
    momenta_lr_bs: list[float] = field(metadata=spec(ge=0.0, lt=1.0, nonempty=True, distinct=True,
                                                     doc="momenta under LR/BS (K: 0 and 0.9)"))
    device: str = field(metadata=device_spec("where to train and measure"))

    def check(self) -> None:
        self.check_grid(self.cases)
        for name in ("momenta_lr", "momenta_lr_bs"):
            momenta = getattr(self, name)
            if 0.0 not in momenta or len(momenta) < 2:
                raise ParameterError(f"{name} = {list(momenta)}: needs 0 and at least one larger momentum "
                                     "(the comparison is against momentum 0), e.g. [0.0, 0.9]")


Params = K2Params
"""The chapter's parameter schema (the chapter protocol's name for it)."""
