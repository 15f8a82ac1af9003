"""S2's computation: independent stored jobs, one per :class:`CaseJob` (a Table 1 row and seed,
or a case beyond the table: :data:`GROUPS`).

``jobs(P)`` lists them; ``case(job, P, store, device=...)`` runs one (train through the store,
then the exact spectrum and class structure, stored under :data:`SPECTRUM_KIND`); ``assemble(P, cases)``
gathers the cases into the chapter's :class:`Results`. ``run`` maps the jobs onto the Dask
sweep: each job is the store entry ``(SPECTRUM_KIND, spectrum_key(job, P))`` computed by the
top-level ``compute_spectrum(job, P, store, device)`` (a :class:`CaseSpectrum`), from which
``case_result(job, spectrum, P)`` derives the case's counts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial

import numpy as np
import torch

from hessbook import kit
from hessbook.chapters.s2.paper import PaperRow, fig2_row, in_fig2, rows, s_mlp_parameters, setting_row
from hessbook.chapters.s2.params import S2Params, parse_variation, replace_sizes

SPECTRUM_KIND = "s2-case-spectrum-v2"
"""v2: the spectrum carries the gradient norm and the class structure (:mod:`hessbook.curvature.class_structure`)."""

GROUPS = ("table", "unseen-k", "separation", "training", "variation")
"""What a case is for: a row of S Table 1; a k the table does not have; a cluster separation
other than ours; a Fig 2 row trained ``converge_factor`` times longer; a network, data size or
training length other than the chapter's (``P.variations``)."""


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
    grad_norm: float
    """Norm of the full-batch gradient at the end of training (how stationary the point is)."""
    class_eigenvalues: np.ndarray
    """Eigenvalues of G_class, descending (k^2; :func:`hessbook.curvature.class_structure`)."""
    rest_max: float
    """lambda_max(H - G_class): the bulk edge G_class's eigenvalues must clear to be outliers."""
    rest_min: float


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
    heur: int = 0
    heur_threshold: float = float("nan")
    predicted: int = 0
    """Outliers predicted from the class structure (see :func:`predicted_count`)."""
    class_eigenvalues: np.ndarray | None = None
    rest_max: float = float("nan")
    grad_norm: float = float("nan")
    group: str = "table"
    separation: float = 1.0
    iterations: int = 0
    """SGD/GD steps this case was trained for."""
    variation: str = ""
    """The case's variation (``"hidden:15"``; empty: the chapter's own sizes and length)."""


@dataclass(frozen=True)
class CaseJob:
    """One independent job of the chapter: a row (of Table 1, or made for a k it lacks), a seed, and
    what the case is for (:data:`GROUPS`) with its cluster separation and step count."""

    row: PaperRow
    seed: int
    group: str = "table"
    separation: float = 1.0
    iterations: int | None = None
    """None: the chapter's ``gd_iterations`` / ``sgd_iterations``."""
    variation: str = ""
    """``"name:value"`` (:func:`~hessbook.chapters.s2.params.parse_variation`); empty: none."""

    @property
    def label(self) -> str:
        extra = (f", separation {self.separation:g}" if self.separation != 1.0 else "") + (
            f", {self.iterations} steps" if self.iterations else "") + (
            f", {self.variation}" if self.variation else "")
        return f"S2 {self.row.algorithm} {self.row.nonlinearity} cov {self.row.cov:g} k={self.row.k}{extra} seed {self.seed}"


@dataclass(frozen=True)
class Results:
    """Everything S2 computed: one case per job, Table 1's rows first (in the table's order)."""

    params: S2Params
    cases: tuple[CaseResult, ...]

    @property
    def rows(self) -> tuple[PaperRow, ...]:
        return rows(self.params)

    def group(self, name: str) -> tuple[CaseResult, ...]:
        """The cases of one :data:`GROUPS` entry."""
        if name not in GROUPS:
            raise ValueError(f"group {name!r}: accepted {', '.join(GROUPS)}")
        return tuple(r for r in self.cases if r.group == name)

    @property
    def table(self) -> tuple[CaseResult, ...]:
        return self.group("table")


def jobs(P: S2Params) -> list[CaseJob]:
    """Every selected row of Table 1 for every seed (``P.seed``, ``P.seed + 1``, ...), then the
    unseen k in each of ``P.unseen_settings`` (every seed), the separation sweep and the
    longer-trained Fig 2 rows (first seed)."""
    out = [CaseJob(row, P.seed + s) for row in rows(P) for s in range(P.n_seeds)]
    out += [CaseJob(setting_row(setting, k, P), P.seed + s, "unseen-k")
            for setting in P.unseen_settings for k in P.unseen_ks for s in range(P.n_seeds)]
    sep_row = fig2_row(P.separation_k, P)
    out += [CaseJob(sep_row, P.seed, "separation", separation=float(sv)) for sv in P.separations]
    if P.converge_factor > 0:
        out += [CaseJob(row, P.seed, "training", iterations=P.converge_factor * P.sgd_iterations)
                for row in rows(P) if in_fig2(row)]
    out += [variation_job(setting, k, text, P) for text in P.variations for setting in P.unseen_settings
            for k in P.variation_ks]
    return out


def variation_job(setting: str, k: int, text: str, P: S2Params) -> CaseJob:
    """The case of ``setting`` at ``k`` under one variation (first seed). Its row carries no paper
    counts (the paper ran none of these conditions) and the varied network's parameter count;
    ``steps:f`` scales the setting's step count by f."""
    v = parse_variation(text)
    varied = replace_sizes(P, v)
    algorithm, nonlinearity, cov = setting.split("-")
    row = PaperRow(algorithm, nonlinearity, s_mlp_parameters(k, varied.dimension, varied.hidden), float(cov), k,
                   None, None, None, None)
    iterations = max(1, round(v.value * steps(row, P))) if v.name == "steps" else None
    return CaseJob(row, P.seed, "variation", iterations=iterations, variation=text)


def case_params(job: CaseJob, P: S2Params) -> S2Params:
    """The chapter's parameters with the job's variation applied (``P`` itself when none)."""
    return replace_sizes(P, parse_variation(job.variation)) if job.variation else P


def steps(row: PaperRow, P: S2Params, iterations: int | None = None) -> int:
    """A case's training steps: ``iterations`` if given, else the chapter's GD or SGD count."""
    return iterations or (P.gd_iterations if row.algorithm == "gd" else P.sgd_iterations)


def train_config(row: PaperRow, P: S2Params, seed: int, separation: float = 1.0, iterations: int | None = None):
    from hessbook.data import DataSpec
    from hessbook.train import TrainConfig

    gd = row.algorithm == "gd"
    options = {"k": row.k, "d": P.dimension, "n": P.n_samples, "cov_scale": row.cov, "seed": seed}
    if separation != 1.0:  # only when set, so the chapter's own cases keep their store keys
        options["separation"] = float(separation)
    return TrainConfig(
        model="s_mlp",
        model_kwargs={"d": P.dimension, "k": row.k, "hidden": [P.hidden, P.hidden], "activation": row.nonlinearity},
        data=DataSpec("gaussian_clusters", options=options),
        batch_size=P.n_samples if gd else P.sgd_batch_size,
        lr=P.lr,
        max_iterations=steps(row, P, iterations),
        seed=seed,
    )


def spectrum_key(job: CaseJob, P: S2Params) -> dict:
    """The inputs that determine a case's spectrum: its training configuration."""
    return {"train": train_config(job.row, case_params(job, P), job.seed, job.separation, job.iterations)}


def compute_spectrum(job: CaseJob, P: S2Params, store, device: torch.device) -> CaseSpectrum:
    """Train one case's network (through the store); its exact spectrum and class structure, on
    ``device`` (the chapter's)."""
    from hessbook.curvature import hessian_matrix, spectrum
    from hessbook.curvature.class_structure import class_structure
    from hessbook.data import gaussian_clusters, tensor_data
    from hessbook.train import evaluate, full_gradient_norm, train

    P = case_params(job, P)
    trained = train(train_config(job.row, P, job.seed, job.separation, job.iterations), store, device=device)
    model = trained.model(device)
    x, y = gaussian_clusters(job.row.k, P.dimension, P.n_samples, job.row.cov, job.seed, job.separation)
    xd, yd = x.to(device), y.to(device)
    H = hessian_matrix(model, (xd, yd))
    asymmetry = float((H - H.T).abs().max())
    H = (H + H.T) / 2
    eigenvalues = spectrum(H)
    cs = class_structure(model, xd, yd, job.row.k, H, seed=job.seed)
    data = tensor_data(x, y, "gaussian_clusters", num_classes=job.row.k)
    loss, acc = evaluate(model, data, device)
    grad = full_gradient_norm(model, data.to(device), device)
    return CaseSpectrum(eigenvalues.cpu().numpy(), float(loss), float(acc), asymmetry, grad,
                        cs.class_eigenvalues.numpy(), cs.rest_max, cs.rest_min)


def case_result(job: CaseJob, s: CaseSpectrum, P: S2Params) -> CaseResult:
    """A case's counts by the four cutoffs and the class-structure prediction, from its stored spectrum."""
    from hessbook.curvature import count_outliers
    from hessbook.curvature.class_structure import predicted_count

    counts = count_outliers(torch.from_numpy(s.eigenvalues))
    return CaseResult(row=job.row, seed=job.seed, eigenvalues=s.eigenvalues, gap=counts.gap, ratio=counts.ratio,
                      elbow=counts.elbow, elbow_threshold=counts.elbow_threshold, final_loss=s.final_loss,
                      train_accuracy=s.train_accuracy, asymmetry=s.asymmetry, heur=counts.heur,
                      heur_threshold=counts.heur_threshold,
                      predicted=predicted_count(torch.from_numpy(s.class_eigenvalues), s.rest_max),
                      class_eigenvalues=s.class_eigenvalues, rest_max=s.rest_max, grad_norm=s.grad_norm,
                      group=job.group, separation=job.separation,
                      iterations=steps(job.row, P, job.iterations), variation=job.variation)


def case(job: CaseJob, P: S2Params, store=None, *, device: torch.device) -> CaseResult:
    """One case: its spectrum loaded from the store, or computed on ``device`` and stored."""
    from hessbook.store import default_store

    store = store or default_store()
    compute = partial(compute_spectrum, job, P, store, device)
    return case_result(job, kit.cached(SPECTRUM_KIND, spectrum_key(job, P), compute, CaseSpectrum, store), P)


def assemble(P: S2Params, cases: Iterable[CaseResult]) -> Results:
    """The chapter's results from its cases (in :func:`jobs` order)."""
    return Results(P, tuple(cases))


def plan_jobs(P: S2Params) -> list:
    """Every case job :func:`run` sweeps."""
    from hessbook.kit.swept import Planned

    return [Planned(SPECTRUM_KIND, spectrum_key(j, P), j.label) for j in jobs(P)]


def run(P: S2Params, store=None) -> Results:
    """Every job of :func:`jobs`, on the Dask sweep (:mod:`hessbook.sweep`; ``HESSBOOK_CLUSTER``
    says where: by default chosen from the machine, :func:`hessbook.cluster.auto_placement`), on the device
    ``P.device`` names."""
    from hessbook.device import pick_device
    from hessbook.kit.swept import cached_all, stored_job
    from hessbook.store import default_store

    store = store or default_store()
    device = pick_device(P.device)
    todo = jobs(P)
    grid = [stored_job(SPECTRUM_KIND, spectrum_key(j, P), partial(compute_spectrum, j, P, store), CaseSpectrum,
                       label=j.label, device=device) for j in todo]
    spectra = cached_all(grid, CaseSpectrum, store)
    return assemble(P, (case_result(j, s, P) for j, s in zip(todo, spectra)))
