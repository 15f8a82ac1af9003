"""S2's parameter schema, and the variations beyond S's sizes it accepts."""

from __future__ import annotations

from dataclasses import dataclass, field

from hessbook.chapters.s2.paper import KS, SETTINGS
from hessbook.params import ChapterParams, ParameterError, device_spec, spec

VARIED = {"hidden": "units in each hidden layer", "n_samples": "training points", "dimension": "input dimension d",
          "steps": "multiplier of the GD/SGD step counts"}
"""What a variation (``"name:value"``) may change from the chapter's setting: the network's
width, the data's size and dimension, the training length."""


@dataclass(frozen=True)
class Variation:
    """One condition other than the chapter's own: ``name`` (:data:`VARIED`) set to ``value``."""

    name: str
    value: float

    @property
    def label(self) -> str:
        return f"{self.name} ×{self.value:g}" if self.name == "steps" else f"{self.name} {self.value:g}"


def parse_variation(text: str) -> Variation:
    """``"hidden:15"`` -> ``Variation("hidden", 15)``; a clear error for anything else."""
    name, sep, value = text.partition(":")
    name = name.strip()
    if not sep or name not in VARIED:
        raise ParameterError(f"variation {text!r}: accepted 'name:value' with name one of "
                             + ", ".join(f"{n} ({d})" for n, d in VARIED.items()))
    try:
        number = float(value)
    except ValueError:
        raise ParameterError(f"variation {text!r}: value {value.strip()!r} is not a number") from None
    if not number > 0 or (name != "steps" and number != int(number)):
        raise ParameterError(f"variation {text!r}: accepted a positive {'number' if name == 'steps' else 'integer'}")
    return Variation(name, number)


@dataclass(frozen=True)
class S2Params(ChapterParams):
    ks: list[int] = field(metadata=spec(choices=KS, nonempty=True, doc="which k of Table 1 to compute"))
    n_samples: int = field(metadata=spec(gt=0, doc="training points (S does not say; our choice)"))
    dimension: int = field(metadata=spec(gt=0, doc="input dimension d (S: 100)"))
    hidden: int = field(metadata=spec(gt=0, doc="units in each of the two hidden layers (S: 30)"))
    lr: float = field(metadata=spec(gt=0.0, doc="constant step size of GD and SGD"))
    gd_iterations: int = field(metadata=spec(gt=0, doc="GD steps (full batch)"))
    sgd_iterations: int = field(metadata=spec(gt=0, doc="SGD steps"))
    sgd_batch_size: int = field(metadata=spec(gt=0, le_field="n_samples", doc="SGD minibatch size"))
    n_seeds: int = field(metadata=spec(gt=0, doc="independent data+init seeds per row"))
    device: str = field(metadata=device_spec("where to train"))
    unseen_ks: list[int] = field(metadata=spec(
        ge=2, doc="k values Table 1 lacks, run in each of unseen_settings: the counting is "
                  "judged on them too, so it cannot be tuned to k in {2, 5, 10, 20, 50}"))
    unseen_settings: list[str] = field(metadata=spec(
        choices=SETTINGS, nonempty=True,
        doc="Table 1 settings (algorithm-nonlinearity-cov) the unseen k are run in; sgd-relu-1 is Fig 2's"))
    separation_k: int = field(metadata=spec(ge=2, doc="k of the separation sweep (Fig 2's setting)"))
    separations: list[float] = field(metadata=spec(
        gt=0.0, doc="cluster-centre scales s of the separation sweep (centres ~ N(0, s^2 I); 1 is the "
                    "chapter's setting, always included); empty: no sweep"))
    converge_factor: int = field(metadata=spec(
        ge=0, doc="Fig 2's rows retrained converge_factor x sgd_iterations steps, to show the count "
                  "against the final loss and gradient norm (0: off)"))
    variations: list[str] = field(metadata=spec(
        doc="conditions other than S's sizes and training length, each 'name:value': hidden:<units>, "
            "n_samples:<points>, dimension:<d>, steps:<multiplier of the step counts>; each is run in every "
            "unseen_setting at every variation_k (empty: none)"))
    variation_ks: list[int] = field(metadata=spec(
        ge=2, doc="the k of the variations (empty: no variation is run)"))

    @property
    def parsed_variations(self) -> tuple[Variation, ...]:
        return tuple(parse_variation(v) for v in self.variations)

    def check(self) -> None:
        biggest = max([*self.ks, *self.unseen_ks, self.separation_k])
        if self.n_samples < biggest:
            raise ParameterError(f"n_samples = {self.n_samples}: need at least {biggest} points (the largest k "
                                 "of ks, unseen_ks and separation_k)")
        for v in self.parsed_variations:
            varied = replace_sizes(self, v)
            if varied.sgd_batch_size > varied.n_samples or varied.n_samples < max(self.variation_ks, default=2):
                raise ParameterError(f"variation {v.name}:{v.value:g}: n_samples {varied.n_samples} is smaller than "
                                     f"sgd_batch_size {self.sgd_batch_size} or the largest of variation_ks")


def replace_sizes(P: "S2Params", v: Variation) -> "S2Params":
    """``P`` with a variation's size applied (``steps`` leaves ``P`` as is: see
    :func:`hessbook.chapters.s2.compute.steps`)."""
    import dataclasses

    return P if v.name == "steps" else dataclasses.replace(P, **{v.name: int(v.value)})


Params = S2Params
"""The chapter's parameter schema (the chapter protocol's name for it)."""
