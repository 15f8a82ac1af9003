"""Y1's parameters: the block that determines the trained networks
(:class:`hessbook.papers.yao.networks.Y1Runs`, which Y2 and Y4 take as their own ``y1_runs``
block) and what is computed on them (:class:`Y1Params`)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from hessbook.papers.yao.networks import Count, Y1Runs
from hessbook.kit.seeds import Seeded, n_seeds_spec
from hessbook.params import ChapterParams, ParameterError, device_spec, spec


@dataclass(frozen=True)
class Y1Params(Seeded, Y1Runs, ChapterParams):
    """Y1's schema: flat, so that the notebook's parameters cell lists one value a line and
    ``-p lr 0.05`` overrides one of them; :attr:`runs` is the block Y4 copies."""

    n_eval: Count = field(metadata=spec(gt=0, doc="train and test samples for accuracy and FGSM; 'all': the "
                                                  "whole training subset and the whole test set (Y: all)"))
    n_hessian: Count = field(metadata=spec(gt=0, doc="B_H: samples of the weight Hessian, train and test, the first "
                                                     "of the n_eval; 'all': every one of them (Y: all)"))
    n_input: Count = field(metadata=spec(gt=0, doc="samples for lambda1^x and the input-gradient norm, the first of "
                                                   "the n_eval; 'all': every one of them (Y: all)"))
    top_k: int = field(metadata=spec(gt=0, doc="top eigenvalues of the weight Hessian (Y Fig 1: 20)"))
    lanczos_tol: float = field(metadata=spec(gt=0.0, doc="Lanczos relative residual"))
    lanczos_max_dim: int = field(metadata=spec(gt=0, ge_field="top_k", doc="cap on the Krylov dimension (products) per Lanczos run"))
    topk_solver: str = field(metadata=spec(choices=("lanczos", "block"), doc=(
        "top-k eigensolver: lanczos (one product per step; the faster one on every model measured, bench/RESULTS.md "
        "issue 18) or block (block_lanczos, min(k, 8) products per pass)")))
    power_tol: float = field(metadata=spec(gt=0.0, doc="power iteration relative change (Y: 1e-4)"))
    power_max_iter: int = field(metadata=spec(gt=0, doc="cap on power-iteration products"))
    n_seeds: int = field(metadata=n_seeds_spec("(model, batch size)", "Y repeated every experiment at least 3 "
                                               "times", "Not part of the y1_runs block: Y2 examines as many of "
                                               "these seeds as its own n_seeds, Y4 the first seed's networks"))
    device: str = field(metadata=device_spec("where to train and compute"))

    @property
    def runs(self) -> Y1Runs:
        """The parameters that determine the trained networks."""
        return Y1Runs(**{f.name: getattr(self, f.name) for f in dataclasses.fields(Y1Runs)})

    def check(self) -> None:
        Y1Runs.check(self)
        smallest = min(self.n_train(m) for m in self.models)
        for name in ("n_eval", "n_hessian"):
            value = getattr(self, name)
            if value != "all" and (value > smallest or value > 10000):
                raise ParameterError(f"{name} = {value}: larger than the smallest training subset "
                                     f"({smallest}) or the test set (10000); accepted: 1..{min(smallest, 10000)}, "
                                     "or 'all' (every sample of each split)")
        for name in ("n_hessian", "n_input"):
            value = getattr(self, name)
            if self.n_eval != "all" and (value == "all" or value > self.n_eval):
                raise ParameterError(f"{name} = {value}: larger than n_eval = {self.n_eval}; "
                                     f"accepted: 1..{self.n_eval}")


Params = Y1Params
"""The chapter's parameter schema (the chapter protocol's name for it)."""
