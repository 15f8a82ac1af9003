"""S2's computation: independent stored jobs, one per (Table 1 row, seed).

``jobs(P)`` lists them; ``case(row, P, seed, store)`` runs one (train through the store, then
the exact spectrum, stored under :data:`SPECTRUM_KIND`); ``assemble(P, cases)`` gathers the
cases into the chapter's :class:`Results`. ``run`` maps the jobs onto the Dask sweep: each job
is the store entry ``(SPECTRUM_KIND, spectrum_key(row, P, seed))`` computed by the top-level
``compute_spectrum(row, P, seed, store)`` (a :class:`CaseSpectrum`), from which
``case_result(row, seed, spectrum)`` derives the case's counts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial

import numpy as np
import torch

from hessbook import kit
from hessbook.chapters.s2.paper import PaperRow, S2Params, rows

SPECTRUM_KIND = "s2-case-spectrum"


@dataclass(frozen=True)
class CaseSpectrum:
    """What the store keeps for one (row, seed): the exact spectrum and the training summary.
    The outlier counts are derived from it on loading, so a change to the cutoffs needs no
    recomputation."""

    eigenvalues: np.ndarray
    """All eigenvalues of the exact float64 Hessian, descending."""
    final_loss: float
    train_accuracy: float
    asymmetry: float
    """max |H - H^T| before symmetrizing: a check on the Hessian's assembly."""


@dataclass(frozen=True)
class CaseResult:
    """One (row, seed): the exact spectrum and the three counts."""

    row: PaperRow
    seed: int
    eigenvalues: np.ndarray
    """All eigenvalues of the exact float64 Hessian, descending."""
    gap: int
    ratio: int
    elbow: int
    elbow_threshold: float
    final_loss: float
    train_accuracy: float
    asymmetry: float
    """max |H - H^T| before symmetrizing: a check on the Hessian's assembly."""


@dataclass(frozen=True)
class CaseJob:
    """One independent job of the chapter: a Table 1 row and a seed."""

    row: PaperRow
    seed: int


@dataclass(frozen=True)
class Results:
    """Everything S2 computed: one case per (row, seed), rows in Table 1's order."""

    params: S2Params
    cases: tuple[CaseResult, ...]

    @property
    def rows(self) -> tuple[PaperRow, ...]:
        return rows(self.params)


def jobs(P: S2Params) -> list[CaseJob]:
    """Every selected row of Table 1 for every seed (``P.seed``, ``P.seed + 1``, ...)."""
    return [CaseJob(row, P.seed + s) for row in rows(P) for s in range(P.n_seeds)]


def train_config(row: PaperRow, P: S2Params, seed: int):
    from hessbook.data import DataSpec
    from hessbook.train import TrainConfig

    gd = row.algorithm == "gd"
    return TrainConfig(
        model="s_mlp",
        model_kwargs={"d": P.dimension, "k": row.k, "hidden": [P.hidden, P.hidden], "activation": row.nonlinearity},
        data=DataSpec("gaussian_clusters", options={
            "k": row.k, "d": P.dimension, "n": P.n_samples, "cov_scale": row.cov, "seed": seed}),
        batch_size=P.n_samples if gd else P.sgd_batch_size,
        lr=P.lr,
        max_iterations=P.gd_iterations if gd else P.sgd_iterations,
        seed=seed,
    )


def spectrum_key(row: PaperRow, P: S2Params, seed: int) -> dict:
    """The inputs that determine a case's spectrum: its training configuration."""
    return {"train": train_config(row, P, seed)}


def compute_spectrum(row: PaperRow, P: S2Params, seed: int, store=None,
                     device: torch.device | None = None) -> CaseSpectrum:
    """Train one row's network (through the store) and compute its exact spectrum."""
    from hessbook.curvature import hessian_matrix, spectrum
    from hessbook.data import gaussian_clusters, tensor_data
    from hessbook.device import pick_device
    from hessbook.train import evaluate, train

    device = device or pick_device(P.device)
    trained = train(train_config(row, P, seed), store, device=device)
    model = trained.model(device)
    x, y = gaussian_clusters(row.k, P.dimension, P.n_samples, row.cov, seed)
    H = hessian_matrix(model, (x.to(device), y.to(device)))
    asymmetry = float((H - H.T).abs().max())
    eigenvalues = spectrum((H + H.T) / 2)
    loss, acc = evaluate(model, tensor_data(x, y, "gaussian_clusters", num_classes=row.k), device)
    return CaseSpectrum(eigenvalues.cpu().numpy(), float(loss), float(acc), asymmetry)


def case_result(row: PaperRow, seed: int, s: CaseSpectrum) -> CaseResult:
    """A case's counts by the three cutoffs, from its stored spectrum."""
    from hessbook.curvature import count_outliers

    counts = count_outliers(torch.from_numpy(s.eigenvalues))
    return CaseResult(row=row, seed=seed, eigenvalues=s.eigenvalues, gap=counts.gap, ratio=counts.ratio,
                      elbow=counts.elbow, elbow_threshold=counts.elbow_threshold, final_loss=s.final_loss,
                      train_accuracy=s.train_accuracy, asymmetry=s.asymmetry)


def case(row: PaperRow, P: S2Params, seed: int, store=None) -> CaseResult:
    """One (row, seed): its spectrum loaded from the store, or computed and stored."""
    from hessbook.device import pick_device
    from hessbook.store import default_store

    store = store or default_store()
    compute = partial(compute_spectrum, row, P, seed, store, pick_device(P.device))
    return case_result(row, seed, kit.cached(SPECTRUM_KIND, spectrum_key(row, P, seed), compute, CaseSpectrum, store))


def assemble(P: S2Params, cases: Iterable[CaseResult]) -> Results:
    """The chapter's results from its cases (in :func:`jobs` order)."""
    return Results(P, tuple(cases))


def run(P: S2Params, store=None) -> Results:
    """Every job of :func:`jobs`, on the Dask sweep (:mod:`hessbook.sweep`; ``HESSBOOK_CLUSTER``
    says where: by default an embedded LocalCluster)."""
    from hessbook.kit.swept import cached_all, stored_job
    from hessbook.store import default_store

    store = store or default_store()
    grid = [stored_job(SPECTRUM_KIND, spectrum_key(j.row, P, j.seed), partial(compute_spectrum, j.row, P, j.seed, store),
                       CaseSpectrum, label=f"S2 {j.row.algorithm} {j.row.nonlinearity} cov {j.row.cov:g} k={j.row.k} "
                                           f"seed {j.seed}") for j in jobs(P)]
    spectra = cached_all(grid, CaseSpectrum, store)
    return assemble(P, (case_result(j.row, j.seed, s) for j, s in zip(jobs(P), spectra)))
