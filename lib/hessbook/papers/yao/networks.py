"""Y's trained networks, shared by the Y chapters: the block of parameters that determines them
(:class:`Y1Runs`: Y1 trains them; Y2 and Y4 hold a copy as their ``y1_runs`` block, so that the
result store hands them the very networks Y1 trained), their training run (:func:`train_config`),
and which of Y's datasets is on this machine (:func:`data_missing`, :class:`Missing`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, Union

from hessbook.papers.yao.paper import DATASET, MODELS
from hessbook.params import ParameterError, spec


Count = Union[int, Literal["all"]]
"""A number of samples per split, or 'all' (the whole split, Y's choice; the paper scale)."""


def first(n: Count) -> int | None:
    """``n`` as a slice end / subset size: None for 'all'."""
    return None if n == "all" else n


@dataclass(frozen=True)
class Y1Runs:
    """Exactly the parameters that determine Y1's trained networks (``train_config`` reads
    nothing else). A chapter that examines Y1's networks (Y2, Y4) holds this block, so that the
    result store hands it the very networks Y1 trained; its parameter files give it as ``y1``
    (:data:`SOURCE_CHAPTER`: the values of Y1's own file at the same scale, read, not copied).
    Its cross-field rules (:meth:`check`) are checked wherever it is validated: as Y1's own
    parameters, or as the ``y1_runs`` block of a chapter that holds it (the error then names the
    block)."""

    SOURCE_CHAPTER: ClassVar[str] = "y1"

    models: list[str] = field(metadata=spec(choices=MODELS, nonempty=True, doc="networks to train (Y: all four)"))
    batch_sizes: dict[str, list[int]] = field(metadata=spec(
        gt=0, keys=MODELS, keys_field="models", distinct=True,
        doc="batch sizes per model; every model in `models` needs an entry "
            "(Y: c1 16..2048, c2 256..2048, m1 64..2048, resnet18 64..512)"))
    c1_conv_stride: int = field(metadata=spec(choices=(1, 2), doc="C1 conv stride: 2 as printed, 1 as released"))
    c2_width: float = field(metadata=spec(gt=0.0, le=1.0, doc="C2's conv channels times this (Y: 1, as printed)"))
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

    def check(self) -> None:
        """The block's cross-field rules: a batch size for each model selected, none larger than
        its training subset (:func:`hessbook.params.validate` prefixes where the values came from)."""
        for model in self.models:
            sizes, n = self.sizes(model), self.n_train(model)
            if not sizes:
                raise ParameterError(f"batch_sizes[{model!r}] = []: model {model!r} is selected, give a batch size")
            for b in sizes:
                if b > n:
                    key = "n_train_mnist" if DATASET[model] == "mnist" else "n_train_cifar"
                    raise ParameterError(f"batch_sizes[{model!r}]: {b} is larger than {key} = {n}; accepted: 1..{n}")

    def check_selected(self, models: list[str], key: str = "y1_models") -> None:
        """For a chapter that holds this block as ``y1_runs`` and examines some of its networks,
        selected under ``key``: each must be one the block trains (the block's own rules are
        checked where it is validated, :meth:`check`)."""
        absent = [m for m in models if m not in self.models]
        if absent:
            raise ParameterError(f"{key}: {absent[0]!r} is not among y1_runs.models = {list(self.models)}; "
                                 f"accepted: {', '.join(self.models)}")


def model_kwargs(model: str, runs: Y1Runs) -> dict:
    if model == "c1":
        return {"conv_stride": runs.c1_conv_stride}
    if model == "c2" and runs.c2_width != 1.0:
        return {"width": runs.c2_width}
    if model == "resnet18":
        return {"num_classes": 100, "width": runs.resnet18_width}
    return {}


def train_config(model: str, batch: int, runs: Y1Runs, seed: int | None = None):
    """The training run of one (model, batch size): the same conditions for every batch size.

    ``seed``: the network's own seed (initialization, batch order); None is the block's
    ``seed``, the first of Y1's seeds, whose configuration (and store key) is the one Y4
    examines (Y2 examines as many of Y1's seeds as its ``n_seeds``). The training subset is drawn with the block's ``seed`` whatever the network's seed,
    so Y1's seeds of one (model, batch size) differ only in the network."""
    from hessbook.data import DataSpec
    from hessbook.train import TrainConfig

    rule, rule_params = ("halve", {"every": runs.lr_halve_every}) if runs.lr_halve_every else ("constant", {})
    return TrainConfig(
        model=model, model_kwargs=model_kwargs(model, runs),
        data=DataSpec(DATASET[model], n=runs.n_train(model), subset_seed=runs.seed),
        batch_size=batch, lr=runs.lr, momentum=runs.momentum, lr_rule=rule, lr_params=rule_params,
        max_epochs=runs.max_epochs, loss_target=runs.loss_target, seed=runs.seed if seed is None else seed,
    )


@dataclass(frozen=True)
class Missing:
    """A model whose data is not on this machine."""

    model: str
    reason: str
    """The data layer's first sentence (which dataset, which data root)."""
    message: str = ""
    """Its whole message: the files expected, and the environment variable that points at them."""

    @property
    def detail(self) -> str:
        return self.message or self.reason


def missing_models(rows: Iterable[Any], name: Callable[[Any], str] = lambda job: job.train.model
                   ) -> tuple[Missing, ...]:
    """The :class:`Missing` of the rows of a jobs table that have no result
    (:attr:`hessbook.kit.jobs.Table.missing`): each network's ``name`` (of its job; default: the
    model it trains) once, with the first row's reason."""
    out: dict[str, Missing] = {}
    for row in rows:
        out.setdefault(name(row.job), Missing(name(row.job), row.why.split(". ")[0], row.why))
    return tuple(out.values())


def data_missing(model: str) -> Missing | None:
    """Why ``model``'s dataset cannot be loaded here, or None when it can."""
    from hessbook.data import DataMissingError, load

    try:
        load(DATASET[model], "test")
    except DataMissingError as exc:
        return Missing(model, str(exc).split(". ")[0], str(exc))
    return None
