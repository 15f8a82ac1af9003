"""S1's computation: train by GD (through the store) and the exact spectra at both points (stored)."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from hessbook.chapters.s1.measure import Decomposition, PointSpectra, decomposition
from hessbook.chapters.s1.params import POINTS, S1Params
from hessbook.kit import cached


@dataclass(frozen=True)
class Results:
    """Everything the chapter computed: the spectra at both points and what Eq. 2-5 predict there."""

    params: S1Params
    spectra: dict[str, PointSpectra]
    decompositions: dict[str, Decomposition]

    @property
    def init(self) -> PointSpectra:
        return self.spectra["init"]

    @property
    def trained(self) -> PointSpectra:
        return self.spectra["trained"]


def results(P: S1Params, spectra: dict[str, PointSpectra]) -> Results:
    """The chapter's results from its stored spectra."""
    return Results(P, dict(spectra), {p: decomposition(s, P) for p, s in spectra.items()})


def train_config(P: S1Params):
    from hessbook.data import DataSpec
    from hessbook.train import TrainConfig

    return TrainConfig(
        model="s_mlp",
        model_kwargs={"d": P.dimension, "k": P.k, "hidden": [P.hidden, P.hidden], "activation": P.activation},
        data=DataSpec("gaussian_clusters", options={
            "k": P.k, "d": P.dimension, "n": P.n_samples, "cov_scale": 1.0, "seed": P.seed}),
        batch_size=P.n_samples, lr=P.lr, max_iterations=P.gd_iterations, seed=P.seed,
    )


def point_spectra(P: S1Params, point: str, store, device) -> PointSpectra:
    """Exact spectra at the initial weights train() starts from, or at the end of GD."""
    from hessbook.curvature import exact_spectra
    from hessbook.data import gaussian_clusters, tensor_data
    from hessbook.models import build_model
    from hessbook.train import evaluate, train

    config = train_config(P)
    x, y = gaussian_clusters(P.k, P.dimension, P.n_samples, 1.0, P.seed)
    if point == "init":  # same seed, same builder as train()
        torch.manual_seed(config.seed)
        model = build_model(config.model, **dict(config.model_kwargs)).to(device).eval()
    else:
        model = train(config, store, device=device).model(device)
    sp = exact_spectra(model, (x.to(device), y.to(device)))
    loss, acc = evaluate(model, tensor_data(x, y, "gaussian_clusters", num_classes=P.k), device)
    return PointSpectra(point, sp.hessian.numpy(), sp.gauss_newton.numpy(), sp.residual.numpy(),
                        float(loss), float(acc), float(sp.asymmetry))


def plan_jobs(P: S1Params) -> list:
    """The two spectra :func:`run` computes in the kernel (each trains through the store)."""
    from hessbook.kit.swept import Planned

    return [Planned("s1-spectra", {"train": train_config(P), "point": point}, f"S1 spectra at {point}", inline=True)
            for point in POINTS]


def run(P: S1Params, store=None) -> Results:
    """Train (through the store) and compute the exact spectra at init and after GD (stored)."""
    from hessbook.device import pick_device
    from hessbook.progress import progress
    from hessbook.store import default_store

    store = store or default_store()
    device = pick_device(P.device)
    key = {"train": train_config(P)}
    spectra = {point: cached("s1-spectra", {**key, "point": point},
                             lambda point=point: point_spectra(P, point, store, device), PointSpectra, store)
               for point in progress(POINTS, desc="S1 exact spectra")}
    return results(P, spectra)
