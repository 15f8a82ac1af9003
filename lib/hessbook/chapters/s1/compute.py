"""S1's computation: train by GD (through the store) and the exact spectra at both points (stored)."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from hessbook.chapters.s1.measure import Decomposition, PointSpectra, decomposition
from hessbook.chapters.s1.params import POINTS, S1Params
from hessbook.kit.jobs import Context, StoredJob, context, run_jobs
from hessbook.train import TrainConfig


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


def train_config(P: S1Params) -> TrainConfig:
    from hessbook.data import DataSpec

    return TrainConfig(
        model="s_mlp",
        model_kwargs={"d": P.dimension, "k": P.k, "hidden": [P.hidden, P.hidden], "activation": P.activation},
        data=DataSpec("gaussian_clusters", options={
            "k": P.k, "d": P.dimension, "n": P.n_samples, "cov_scale": 1.0, "seed": P.seed}),
        batch_size=P.n_samples, lr=P.lr, max_iterations=P.gd_iterations, seed=P.seed,
    )


@dataclass(frozen=True)
class S1Spectra(StoredJob):
    """The exact spectra at one point of GD (``init``: the weights train() starts from;
    ``trained``: its end, trained through the store), computed in the kernel."""

    KIND = "s1-spectra"
    RESULT = PointSpectra
    INLINE = True
    train: TrainConfig
    point: str

    def label(self) -> str:
        return f"S1 spectra at {self.point}"

    def compute(self, ctx: Context) -> PointSpectra:
        from hessbook.curvature import exact_spectra
        from hessbook.data import gaussian_clusters, tensor_data
        from hessbook.models import build_model
        from hessbook.train import evaluate, train

        c, o, device = self.train, self.train.data.options, ctx.device
        x, y = gaussian_clusters(o["k"], o["d"], o["n"], o["cov_scale"], o["seed"])
        if self.point == "init":  # same seed, same builder as train()
            torch.manual_seed(c.seed)
            model = build_model(c.model, **dict(c.model_kwargs)).to(device).eval()
        else:
            model = train(c, ctx.store, device=device).model(device)
        sp = exact_spectra(model, (x.to(device), y.to(device)))
        loss, acc = evaluate(model, tensor_data(x, y, "gaussian_clusters", num_classes=o["k"]), device)
        return PointSpectra(self.point, sp.hessian.numpy(), sp.gauss_newton.numpy(), sp.residual.numpy(),
                            float(loss), float(acc), float(sp.asymmetry))


def jobs(P: S1Params) -> list[S1Spectra]:
    """The spectra at both points (each trains through the store)."""
    return [S1Spectra(train_config(P), point) for point in POINTS]


def run(P: S1Params, store=None) -> Results:
    """Train (through the store) and compute the exact spectra at init and after GD (stored)."""
    table = run_jobs(jobs(P), context(P.device, store))
    return results(P, {job.point: spectra for job, spectra in zip(jobs(P), table.results, strict=True)})
