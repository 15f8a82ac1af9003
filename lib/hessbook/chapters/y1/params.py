"""Y1's parameters: the block that determines the trained networks (:class:`Y1Runs`, which Y4
takes as its own ``y1_runs`` block) and what is computed on them (:class:`Y1Params`)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Literal, Union

from hessbook.chapters.y1.paper import DATASET, MODELS
from hessbook.params import ChapterParams, ParameterError, device_spec, spec


Count = Union[int, Literal["all"]]
"""A number of samples per split, or 'all' (the whole split, Y's choice; the paper scale)."""


def first(n: Count) -> int | None:
    """``n`` as a slice end / subset size: None for 'all'."""
    return None if n == "all" else n


@dataclass(frozen=True)
class Y1Runs:
    """Exactly the parameters that determine Y1's trained networks (``train_config`` reads
    nothing else). A chapter that examines Y1's networks (Y4) holds a copy of this block, so
    that the result store hands it the very networks Y1 trained. Its cross-field rules
    (:meth:`check_runs`) are checked by the schema that holds it."""

    models: list[str] = field(metadata=spec(choices=MODELS, nonempty=True, doc="networks to train (Y: all four)"))
    batch_sizes: dict[str, list[int]] = field(metadata=spec(
        gt=0, doc="batch sizes per model; every model in `models` needs an entry "
                  "(Y: c1 16..2048, c2 256..2048, m1 64..2048, resnet18 64..512)"))
    c1_conv_stride: int = field(metadata=spec(choices=(1, 2), doc="C1 conv stride: 2 as printed, 1 as released"))
    resnet18_width: int = field(metadata=spec(gt=0, doc="ResNet18 base width (He et al.: 64)"))
    n_train_cifar: int = field(metadata=spec(gt=0, doc="CIFAR training subset (Y: 50000)"))
    n_train_mnist: int = field(metadata=spec(gt=0, doc="MNIST training subset (Y: 60000)"))
    lr: float = field(metadata=spec(gt=0.0, doc="SGD learning rate, every batch size (our choice)"))
    momentum: float = field(metadata=spec(ge=0.0, lt=1.0, doc="SGD momentum (our choice)"))
    lr_halve_every: int = field(metadata=spec(ge=0, doc="halve the lr every this many epochs; 0: constant "
                                                        "(our choice at every scale)"))
    max_epochs: int = field(metadata=spec(gt=0, doc="epoch cap when the loss target is not reached"))
    loss_target: float = field(metadata=spec(gt=0.0, doc="stop at this training loss (Y: 1e-3)"))
    seed: int = field(metadata=spec(ge=0, doc="seed of every random choice (subsets, initialization, batches)"))

    def sizes(self, model: str) -> tuple[int, ...]:
        """The batch sizes of ``model``, as given."""
        return tuple(self.batch_sizes.get(model, ()))

    def n_train(self, model: str) -> int:
        return self.n_train_mnist if DATASET[model] == "mnist" else self.n_train_cifar

    def check_runs(self, where: str = "") -> None:
        """The block's cross-field rules (batch sizes per model). Called by the schema that holds
        the block, with ``where`` naming it (``"y1_runs: "`` in Y4), so that the message says
        which key is wrong."""
        # KIT-CANDIDATE: hessbook.params.validate could prefix errors raised by a schema's
        # check() with `where` (the params file, the enclosing block), as it does for field errors.

        def fail(message: str) -> None:
            raise ParameterError(where + message)

        unknown = [m for m in self.batch_sizes if m not in MODELS]
        if unknown:
            fail(f"batch_sizes: unknown model {unknown[0]!r}; accepted: {', '.join(MODELS)}")
        for model in self.models:
            if model not in self.batch_sizes:
                fail(f"batch_sizes has no entry for {model!r}, which `models` selects; "
                     f"give one, e.g. batch_sizes: {{{model}: [64, 256]}}")
            sizes, n = self.sizes(model), self.n_train(model)
            if not sizes:
                fail(f"batch_sizes[{model!r}] = []: model {model!r} is selected, give a batch size")
            twice = sorted({b for b in sizes if sizes.count(b) > 1})
            if twice:
                fail(f"batch_sizes[{model!r}] lists {twice[0]} more than once")
            for b in sizes:
                if b > n:
                    key = "n_train_mnist" if DATASET[model] == "mnist" else "n_train_cifar"
                    fail(f"batch_sizes[{model!r}]: {b} is larger than {key} = {n}; accepted: 1..{n}")


    def check_selected(self, models: list[str], key: str = "y1_models") -> None:
        """For a chapter that holds this block as ``y1_runs`` and examines some of its networks,
        selected under ``key``: the block's own rules, then each selected model must be one it trains."""
        self.check_runs("y1_runs: ")
        absent = [m for m in models if m not in self.models]
        if absent:
            raise ParameterError(f"{key}: {absent[0]!r} is not among y1_runs.models = {list(self.models)}; "
                                 f"accepted: {', '.join(self.models)}")


@dataclass(frozen=True)
class Y1Params(Y1Runs, ChapterParams):
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
    lanczos_max_dim: int = field(metadata=spec(gt=0, doc="cap on the Krylov dimension (products) per Lanczos run"))
    topk_solver: str = field(metadata=spec(choices=("lanczos", "block"), doc=(
        "top-k eigensolver: lanczos (one product per step; the faster one on every model measured, bench/RESULTS.md "
        "issue 18) or block (block_lanczos, min(k, 8) products per pass)")))
    power_tol: float = field(metadata=spec(gt=0.0, doc="power iteration relative change (Y: 1e-4)"))
    power_max_iter: int = field(metadata=spec(gt=0, doc="cap on power-iteration products"))
    device: str = field(metadata=device_spec("where to train and compute"))

    @property
    def runs(self) -> Y1Runs:
        """The parameters that determine the trained networks."""
        return Y1Runs(**{f.name: getattr(self, f.name) for f in dataclasses.fields(Y1Runs)})

    def check(self) -> None:
        self.check_runs()
        smallest = min(self.n_train(m) for m in self.models)
        for name in ("n_eval", "n_hessian"):
            value = getattr(self, name)
            if value != "all" and (value > smallest or value > 10000):
                raise ParameterError(f"{name} = {value}: larger than the smallest training subset "
                                     f"({smallest}) or the test set (10000); accepted: 1..{min(smallest, 10000)}, "
                                     "or 'all' (every sample of each split)")
        if self.lanczos_max_dim < self.top_k:
            raise ParameterError(f"lanczos_max_dim = {self.lanczos_max_dim}: smaller than top_k = {self.top_k}; "
                                 f"accepted: >= {self.top_k}")
        for name in ("n_hessian", "n_input"):
            value = getattr(self, name)
            if self.n_eval != "all" and (value == "all" or value > self.n_eval):
                raise ParameterError(f"{name} = {value}: larger than n_eval = {self.n_eval}; "
                                     f"accepted: 1..{self.n_eval}")


Params = Y1Params
"""The chapter's parameter schema (the chapter protocol's name for it)."""
