"""Y4's parameters: which of Y1's networks (given as Y1's own block, :class:`Y1Runs`) and what
is computed on them, and the smooth contrast network."""

from __future__ import annotations

from dataclasses import dataclass, field

from hessbook.papers.yao.networks import Y1Runs
from hessbook.papers.yao.paper import MODELS
from hessbook.params import ChapterParams, device_spec, spec


@dataclass(frozen=True)
class Y4Params(ChapterParams):
    y1_runs: Y1Runs = field(metadata=spec(
        doc="Y1's training runs: the values of params/<scale>/y1.yaml that determine its networks, so "
            "that the result store returns the networks Y1 trained"))
    y1_models: list[str] = field(metadata=spec(choices=MODELS, nonempty=True,
                                               doc="which of Y1's networks (among y1_runs.models)"))
    all_batches: bool = field(metadata=spec(doc="every Y1 batch size (true) or the smallest and largest"))
    n_samples: int = field(metadata=spec(gt=0, le=10000, doc="test samples for the exact path (per model)"))
    n_crosscheck: int = field(metadata=spec(gt=0, le_field="n_samples", doc="samples for the iterative cross-check (per model)"))
    rank_rtol: float = field(metadata=spec(gt=0.0, lt=1.0, doc="numerical rank: eigenvalues > rtol * lambda_max"))
    lanczos_tol: float = field(metadata=spec(gt=0.0, doc="Lanczos relative residual on the input Hessian"))
    power_tol: float = field(metadata=spec(gt=0.0, doc="Y's power-iteration relative change"))
    smooth_activation: str = field(metadata=spec(choices=("tanh",), doc="activation of the contrast MLP"))
    smooth_hidden: int = field(metadata=spec(gt=0, doc="hidden units of the contrast MLP 784-h-10"))
    smooth_n_train: int = field(metadata=spec(gt=0, doc="MNIST training subset of the contrast MLP"))
    smooth_batch_size: int = field(metadata=spec(gt=0, le_field="smooth_n_train", doc="its SGD batch size"))
    smooth_epochs: int = field(metadata=spec(gt=0, doc="its epochs"))
    smooth_lr: float = field(metadata=spec(gt=0.0, doc="its learning rate (momentum 0.9)"))
    device: str = field(metadata=device_spec("where to compute"))

    def check(self) -> None:
        self.y1_runs.check_selected(self.y1_models)

    def cases(self) -> list[tuple[str, int]]:
        """(model, batch) pairs of Y1 to examine."""
        out = []
        for model in self.y1_models:
            sizes = sorted(self.y1_runs.sizes(model))
            out += [(model, b) for b in (sizes if self.all_batches else sorted({sizes[0], sizes[-1]}))]
        return out


Params = Y4Params
"""The chapter's parameter schema (the chapter protocol's name for it)."""
