"""Y2's parameters: Y1's networks (given as Y1's own block, :class:`~hessbook.papers.yao.networks.Y1Runs`)
and the grids the loss is evaluated on along their top Hessian eigenvectors."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from hessbook.chapters.y2.paper import MODELS
from hessbook.kit.seeds import n_seeds_spec, network_seeds
from hessbook.papers.yao.networks import Count, Y1Runs
from hessbook.params import ChapterParams, ParameterError, device_spec, spec


@dataclass(frozen=True)
class Y2Params(ChapterParams):
    y1_runs: Y1Runs = field(metadata=spec(
        doc="Y1's training runs: the values of params/<scale>/y1.yaml that determine its networks, so "
            "that the result store returns the networks Y1 trained"))
    y1_models: list[str] = field(metadata=spec(choices=MODELS, nonempty=True,
                                               doc="which of Y1's networks (among y1_runs.models; Y: c1, c2, m1)"))
    n_eval: Count = field(metadata=spec(gt=0, doc="training and test samples the loss is evaluated on; 'all': the "
                                                  "whole training subset and the whole test set (Y: all)"))
    n_hessian: Count = field(metadata=spec(gt=0, doc="training samples of the Hessian, the first of the n_eval; "
                                                     "'all': every one of them (Y: all)"))
    random_batch: int = field(metadata=spec(gt=0, doc="M1's random training batch of Fig 7 (Y: 320)"))
    lanczos_tol: float = field(metadata=spec(gt=0.0, doc="Lanczos relative residual of v1 and v2"))
    lanczos_max_dim: int = field(metadata=spec(ge=2, doc="cap on the Krylov dimension (products)"))
    line_radius: float = field(metadata=spec(gt=0.0, doc="the line is theta + eps v1 for eps in [-r, r]"))
    line_points: int = field(metadata=spec(ge=3, odd=True, doc="points of the line, odd (eps = 0 among them)"))
    grade_step: float = field(metadata=spec(gt=0.0, doc="eps at which the loss rise is graded (a point of the line)"))
    surface_radius: float = field(metadata=spec(gt=0.0, doc="the surface is theta + e1 v1 + e2 v2, |e1|, |e2| <= r"))
    surface_points: int = field(metadata=spec(ge=3, odd=True, doc="points per axis of the surface, odd"))
    n_seeds: int = field(metadata=n_seeds_spec(
        "(model, batch size) examined", "Y repeated every experiment at least 3 times",
        "The network seeds are Y1's: y1_runs.seed and the next ones, the networks Y1 trained where Y1's own "
        "n_seeds covers them (trained here as Y1 would, where it does not)"))
    device: str = field(metadata=device_spec("where to compute"))

    def check(self) -> None:
        self.y1_runs.check_selected(self.y1_models)
        smallest = min(self.y1_runs.n_train(m) for m in self.y1_models)
        if self.n_eval != "all" and self.n_eval > min(smallest, 10000):
            raise ParameterError(f"n_eval = {self.n_eval}: larger than the smallest training subset ({smallest}) "
                                 f"or the test set (10000); accepted: 1..{min(smallest, 10000)}, or 'all' (every "
                                 "sample of each split)")
        if self.n_eval != "all" and (self.n_hessian == "all" or self.n_hessian > self.n_eval):
            raise ParameterError(f"n_hessian = {self.n_hessian}: larger than n_eval = {self.n_eval}; "
                                 f"accepted: 1..{self.n_eval}")
        if "m1" in self.y1_models and self.random_batch > self.y1_runs.n_train("m1"):
            raise ParameterError(f"random_batch = {self.random_batch}: larger than n_train_mnist = "
                                 f"{self.y1_runs.n_train('m1')}; accepted: 1..{self.y1_runs.n_train('m1')}")
        grid = self.alphas()
        if not np.isclose(grid, self.grade_step, rtol=0, atol=1e-9 * self.line_radius).any():
            steps = ", ".join(f"{a:g}" for a in grid[grid > 0])
            raise ParameterError(f"grade_step = {self.grade_step}: not a point of the line; accepted: {steps}")

    def alphas(self) -> np.ndarray:
        """The steps eps of the line along v1."""
        return np.linspace(-self.line_radius, self.line_radius, self.line_points)

    def surface_alphas(self) -> np.ndarray:
        """The steps of the surface along v1 and along v2 (the same grid)."""
        return np.linspace(-self.surface_radius, self.surface_radius, self.surface_points)

    @property
    def seeds(self) -> list[int]:
        """The network seeds examined for every (model, batch size): Y1's first (``y1_runs.seed``)
        and the next ``n_seeds - 1``, as Y1 numbers them."""
        return network_seeds(self.y1_runs.seed, self.n_seeds)

    def cases(self) -> list[tuple[str, int]]:
        """Every (model, batch) of Y1 that Y2 examines, by model then batch size."""
        return [(m, b) for m in self.y1_models for b in sorted(self.y1_runs.sizes(m))]


Params = Y2Params
"""The chapter's parameter schema (the chapter protocol's name for it)."""
