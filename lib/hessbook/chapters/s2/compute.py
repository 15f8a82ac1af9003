"""S2's computation: one stored job per :class:`Case` (a Table 1 row and seed, or a case beyond
the table: :data:`GROUPS`).

``cases(P)`` lists the cases and ``jobs(P)`` their :class:`SpectrumJob` s (train through the
store, then the exact spectrum and class structure, stored under :data:`SPECTRUM_KIND`; the
training configuration is the whole key); ``case_result(case, spectrum, P)`` derives a case's
counts from its :class:`CaseSpectrum`, and ``assemble(P, results)`` gathers them into the
chapter's :class:`Results`. ``run`` computes the jobs on the sweep (:func:`hessbook.kit.jobs.run_jobs`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import torch

from hessbook import kit
from hessbook.chapters.s2.paper import PaperRow, fig2_row, in_fig2, rows, s_mlp_parameters, setting_row
from hessbook.chapters.s2.params import S2Params, parse_variation, replace_sizes
from hessbook.kit.jobs import Context, StoredJob, context, run_jobs
from hessbook.kit.swept import DenseHessian, Planned
from hessbook.train import TrainConfig

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
class Case:
    """One case of the chapter: a row (of Table 1, or made for a k it lacks), a seed, and what the
    case is for (:data:`GROUPS`) with its cluster separation and step count. Its spectrum is the
    :class:`SpectrumJob` of :func:`spectrum_job`; what the case is for is not part of the key."""

    row: PaperRow
    seed: int
    group: str = "table"
    separation: float = 1.0
    iterations: int | None = None
    """None: the chapter's ``gd_iterations`` / ``sgd_iterations``."""
    variation: str = ""
    """``"name:value"`` (:func:`~hessbook.chapters.s2.params.parse_variation`); empty: none."""


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


def cases(P: S2Params) -> list[Case]:
    """Every selected row of Table 1 for every seed (``P.seed``, ``P.seed + 1``, ...), then the
    unseen k in each of ``P.unseen_settings`` (every seed), the separation sweep and the
    longer-trained Fig 2 rows (first seed)."""
    out = [Case(row, P.seed + s) for row in rows(P) for s in range(P.n_seeds)]
    out += [Case(setting_row(setting, k, P), P.seed + s, "unseen-k")
            for setting in P.unseen_settings for k in P.unseen_ks for s in range(P.n_seeds)]
    sep_row = fig2_row(P.separation_k, P)
    out += [Case(sep_row, P.seed, "separation", separation=float(sv)) for sv in P.separations]
    if P.converge_factor > 0:
        out += [Case(row, P.seed, "training", iterations=P.converge_factor * P.sgd_iterations)
                for row in rows(P) if in_fig2(row)]
    out += [variation_case(setting, k, text, P) for text in P.variations for setting in P.unseen_settings
            for k in P.variation_ks]
    return out


def variation_case(setting: str, k: int, text: str, P: S2Params) -> Case:
    """The case of ``setting`` at ``k`` under one variation (first seed). Its row carries no paper
    counts (the paper ran none of these conditions) and the varied network's parameter count;
    ``steps:f`` scales the setting's step count by f."""
    v = parse_variation(text)
    varied = replace_sizes(P, v)
    algorithm, nonlinearity, cov = setting.split("-")
    row = PaperRow(algorithm, nonlinearity, s_mlp_parameters(k, varied.dimension, varied.hidden), float(cov), k,
                   None, None, None, None)
    iterations = max(1, round(v.value * steps(row, P))) if v.name == "steps" else None
    return Case(row, P.seed, "variation", iterations=iterations, variation=text)


def case_params(case: Case, P: S2Params) -> S2Params:
    """The chapter's parameters with the case's variation applied (``P`` itself when none)."""
    return replace_sizes(P, parse_variation(case.variation)) if case.variation else P


def steps(row: PaperRow, P: S2Params, iterations: int | None = None) -> int:
    """A case's training steps: ``iterations`` if given, else the chapter's GD or SGD count."""
    return iterations or (P.gd_iterations if row.algorithm == "gd" else P.sgd_iterations)


def train_config(row: PaperRow, P: S2Params, seed: int, separation: float = 1.0,
                 iterations: int | None = None) -> TrainConfig:
    from hessbook.data import DataSpec

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


@dataclass(frozen=True)
class SpectrumJob(StoredJob):
    """A case's network trained through the store, then its exact spectrum and class structure.
    The training configuration is the whole key: it names the clusters (k, d, n, covariance,
    seed, separation) the spectrum is computed on."""

    KIND = SPECTRUM_KIND
    RESULT = CaseSpectrum
    train: TrainConfig

    def label(self) -> str:
        c, o = self.train, self.train.data.options
        algorithm = "gd" if c.batch_size == o["n"] else "sgd"
        extra = f", separation {o['separation']:g}" if "separation" in o else ""
        return (f"S2 {algorithm} {c.model_kwargs['activation']} cov {o['cov_scale']:g} k={o['k']}{extra}, "
                f"hidden {c.model_kwargs['hidden'][0]}, {c.max_iterations} steps seed {o['seed']}")

    def planned(self) -> Planned:
        """The plan's line, with the float64 Hessian it assembles on the clusters (priced by a probe)."""
        hessian = DenseHessian(self.train, int(self.train.data.options["n"]))
        return dataclasses.replace(super().planned(), dense_hessians=(hessian,))

    def compute(self, ctx: Context) -> CaseSpectrum:
        """Train the network (through the store); its exact spectrum and class structure, on the
        chapter's device."""
        from hessbook.curvature import hessian_matrix, spectrum
        from hessbook.curvature.class_structure import class_structure
        from hessbook.data import gaussian_clusters, tensor_data
        from hessbook.train import evaluate, full_gradient_norm, train

        device, o = ctx.device, self.train.data.options
        model = train(self.train, ctx.store, device=device).model(device)
        x, y = gaussian_clusters(o["k"], o["d"], o["n"], o["cov_scale"], o["seed"], o.get("separation", 1.0))
        xd, yd = x.to(device), y.to(device)
        H = hessian_matrix(model, (xd, yd))
        asymmetry = float((H - H.T).abs().max())
        H = (H + H.T) / 2
        eigenvalues = spectrum(H)
        cs = class_structure(model, xd, yd, o["k"], H, seed=o["seed"])
        data = tensor_data(x, y, "gaussian_clusters", num_classes=o["k"])
        loss, acc = evaluate(model, data, device)
        grad = full_gradient_norm(model, data.to(device), device)
        return CaseSpectrum(eigenvalues.cpu().numpy(), float(loss), float(acc), asymmetry, grad,
                            cs.class_eigenvalues.numpy(), cs.rest_max, cs.rest_min)


def spectrum_job(case: Case, P: S2Params) -> SpectrumJob:
    """The job of a case's spectrum: its training configuration (the case's variation applied)."""
    return SpectrumJob(train_config(case.row, case_params(case, P), case.seed, case.separation, case.iterations))


def jobs(P: S2Params) -> list[SpectrumJob]:
    """The spectrum job of every case of :func:`cases`, in order."""
    return [spectrum_job(c, P) for c in cases(P)]


def case_result(case: Case, s: CaseSpectrum, P: S2Params) -> CaseResult:
    """A case's counts by the four cutoffs and the class-structure prediction, from its stored spectrum."""
    from hessbook.curvature import count_outliers
    from hessbook.curvature.class_structure import predicted_count

    counts = count_outliers(torch.from_numpy(s.eigenvalues))
    return CaseResult(row=case.row, seed=case.seed, eigenvalues=s.eigenvalues, gap=counts.gap, ratio=counts.ratio,
                      elbow=counts.elbow, elbow_threshold=counts.elbow_threshold, final_loss=s.final_loss,
                      train_accuracy=s.train_accuracy, asymmetry=s.asymmetry, heur=counts.heur,
                      heur_threshold=counts.heur_threshold,
                      predicted=predicted_count(torch.from_numpy(s.class_eigenvalues), s.rest_max),
                      class_eigenvalues=s.class_eigenvalues, rest_max=s.rest_max, grad_norm=s.grad_norm,
                      group=case.group, separation=case.separation,
                      iterations=steps(case.row, P, case.iterations), variation=case.variation)


def load_case(case: Case, P: S2Params, ctx: Context) -> CaseResult:
    """One case computed here (the explorer's): its spectrum loaded from the store, or computed
    on the context's device and stored."""
    job = spectrum_job(case, P)
    return case_result(case, kit.cached(job.KIND, job.store_key(), lambda: job.compute(ctx), CaseSpectrum,
                                        ctx.store), P)


def assemble(P: S2Params, results: Iterable[CaseResult]) -> Results:
    """The chapter's results from its cases' (in :func:`cases` order)."""
    return Results(P, tuple(results))


def run(P: S2Params, store=None) -> Results:
    """Every case's spectrum job on the sweep (``HESSBOOK_CLUSTER`` says where), on the device
    ``P.device`` names; the cases' counts from their spectra."""
    table = run_jobs(jobs(P), context(P.device, store))
    return assemble(P, (case_result(c, s, P) for c, s in zip(cases(P), table.results, strict=True)))
