"""S1's computation: train by GD (through the store) and the exact spectra at both points (stored),
in each network seed; what the store keeps for one point (:class:`PointSpectra`) and the
Gauss-Newton decomposition of Eq. 2-5 measured on it (:class:`Decomposition`)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np
import torch

from hessbook.chapters.s1.params import POINTS, RANK_TOLERANCES, S1Params
from hessbook.curvature.outliers import frobenius, numerical_rank
from hessbook.kit.jobs import Context, StoredJob, context, run_jobs
from hessbook.kit.seeds import SeededResults
from hessbook.train import TrainConfig


@dataclass(frozen=True)
class PointSpectra:
    """What the store keeps for one point: every eigenvalue of H, G and H - G (descending)
    and the training state there."""

    point: str
    hessian: np.ndarray
    gauss_newton: np.ndarray
    residual: np.ndarray
    loss: float
    accuracy: float
    asymmetry: float

    def eigenvalues(self, matrix: str) -> np.ndarray:
        return {"H": self.hessian, "G": self.gauss_newton, "H-G": self.residual}[matrix]


@dataclass(frozen=True)
class Decomposition:
    """What Eq. 2-5 predict, measured at one point."""

    point: str
    parameters: int
    bound: int
    """min(M, N (k - 1))."""
    rank: int
    """numerical rank of G at the chapter's tolerance."""
    ranks: dict[float, int]
    """tolerance -> numerical rank of G."""
    zeros: int
    """M - rank."""
    g_min_relative: float
    """lambda_min(G) / lambda_max(G): negative only by rounding when G is PSD."""
    residual_ratio: float
    """||H - G||_F / ||H||_F."""
    residual_spectral_ratio: float
    """max |lambda(H - G)| / max |lambda(H)|."""
    negative_h: int
    negative_r: int
    h_min: float
    r_min: float
    weyl_holds: bool
    """lambda_i(H) >= lambda_i(H - G) for every i (G PSD: H dominates H - G)."""
    negative_mass_ratio: float
    """sum of |negative eigenvalues of H| / sum of |negative eigenvalues of H - G| (<= 1 by Weyl);
    NaN (not computed) when H - G has none."""


def decomposition(s: PointSpectra, P: S1Params) -> Decomposition:
    H, G, R = s.hessian, s.gauss_newton, s.residual
    scale_h = np.abs(H).max()
    neg_tol = P.rank_tolerance * scale_h
    rank = numerical_rank(G, P.rank_tolerance)
    # G PSD => H = G + R dominates R, so sorted eigenvalues satisfy lambda_i(H) >= lambda_i(R)
    weyl = bool(np.all(np.sort(H) >= np.sort(R) - 1e3 * np.finfo(float).eps * scale_h * len(H)))
    neg_h = H[H < -neg_tol]
    neg_r = R[R < -neg_tol]
    return Decomposition(
        point=s.point, parameters=len(G), bound=P.rank_bound, rank=rank,
        ranks={t: numerical_rank(G, t) for t in RANK_TOLERANCES}, zeros=len(G) - rank,
        g_min_relative=float(G.min() / G.max()),
        residual_ratio=frobenius(R) / frobenius(H),
        residual_spectral_ratio=float(np.abs(R).max() / scale_h),
        negative_h=len(neg_h), negative_r=len(neg_r), h_min=float(H.min()), r_min=float(R.min()),
        weyl_holds=weyl,
        negative_mass_ratio=float(np.abs(neg_h).sum() / np.abs(neg_r).sum()) if len(neg_r) else float("nan"),
    )


@dataclass(frozen=True)
class Results(SeededResults):
    """One network seed's spectra at both points and what Eq. 2-5 predict there; the first seed's
    (what the figures draw and the prose cites) carries the other seeds' in ``others``."""

    params: S1Params
    spectra: dict[str, PointSpectra]
    decompositions: dict[str, Decomposition]
    seed: int = 0
    """The network's seed (its initialization); the Gaussian clusters are the chapter seed's."""
    others: tuple[Results, ...] = field(default=(), compare=False)
    """The other network seeds' results (``params.seeds[1:]``), in order."""

    @property
    def init(self) -> PointSpectra:
        return self.spectra["init"]

    @property
    def trained(self) -> PointSpectra:
        return self.spectra["trained"]

    @property
    def by_seed(self) -> tuple[Results, ...]:
        """Every seed's results, the first seed's first."""
        return (self, *self.others)


def results(P: S1Params, spectra: dict[str, PointSpectra], seed: int | None = None) -> Results:
    """One seed's results from its stored spectra (``seed`` None: the chapter's)."""
    return Results(P, dict(spectra), {p: decomposition(s, P) for p, s in spectra.items()},
                   P.seed if seed is None else seed)


def train_config(P: S1Params, seed: int | None = None) -> TrainConfig:
    """The GD run of network seed ``seed`` (None: the chapter's ``seed``, the first) on the chapter
    seed's Gaussian clusters."""
    from hessbook.data import DataSpec

    return TrainConfig(
        model="s_mlp",
        model_kwargs={"d": P.dimension, "k": P.k, "hidden": [P.hidden, P.hidden], "activation": P.activation},
        data=DataSpec("gaussian_clusters", options={
            "k": P.k, "d": P.dimension, "n": P.n_samples, "cov_scale": 1.0, "seed": P.seed}),
        batch_size=P.n_samples, lr=P.lr, max_iterations=P.gd_iterations, seed=P.seed if seed is None else seed,
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
    """The spectra at both points in every network seed, seed by seed (each trains through the store)."""
    return [S1Spectra(train_config(P, s), point) for s in P.seeds for point in POINTS]


def run(P: S1Params, store=None) -> Results:
    """Train (through the store) and compute the exact spectra at init and after GD (stored), in
    every network seed: the first seed's results, with the others'."""
    todo = jobs(P)
    table = run_jobs(todo, context(P.device, store))
    per_seed = [results(P, {job.point: sp for job, sp in zip(todo, table.results, strict=True)
                            if job.train.seed == s}, s) for s in P.seeds]
    return dataclasses.replace(per_seed[0], others=tuple(per_seed[1:]))
