"""Y2's stored computations: for each of Y1's networks (taken through the store from the
``y1_runs`` block; every (model, batch size) in each of ``n_seeds`` network seeds), v1 and v2 of
the training Hessian by Lanczos, then the loss along v1 and on the plane of v1 and v2, each point
evaluated directly at theta + eps v1 (+ eps2 v2), in eval mode, on the same samples at every point.
One stored result per network, on the Dask sweep."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

from hessbook.chapters.y2.paper import RANDOM_BATCH_MODELS
from hessbook.chapters.y2.params import Y2Params
from hessbook.data import TEST_SIZES, TRAIN_SIZES
from hessbook.kit.jobs import Context, StoredJob, Table, context, run_jobs
from hessbook.kit.swept import NetworkWork, Planned
from hessbook.kit.seeds import SeededResults, seed_case
from hessbook.papers.yao.networks import Count, Missing, first, missing_models, train_config
from hessbook.papers.yao.regime import short_of_target
from hessbook.train import STORE_KIND, TrainConfig

KIND = "y2-landscape"
EVAL_BATCH = 1000
FD_STEP = 2e-3
"""h of the curvature check: near a minimum of a ReLU network at a loss of 1e-3 the loss along v1
stops being quadratic already at eps ~ 0.03, so the line's own step (0.1) cannot check lambda1.
The check runs in float64, where lambda1 h^2 is far above the round-off of the mean loss."""


@dataclass(frozen=True)
class Landscape:
    """One network: its top two Hessian eigenpairs and the loss along them (stored)."""

    model: str
    batch: int
    seed: int
    """The network's seed (Y1's numbering: initialization and batch order; the training subset and
    the samples measured on are the chapter's in every seed)."""
    eigenvalues: np.ndarray
    """(2,) lambda1, lambda2 of the Hessian of the mean training loss on ``n_hessian`` samples."""
    relative_residuals: np.ndarray
    """(2,) ||H v - lambda v|| / |lambda1| of each (our Lanczos)."""
    lanczos_products: int
    lanczos_converged: bool
    theta_norm: float
    """||theta|| of the trainable parameters: the scale the unit steps along v1 are taken against."""
    alphas: np.ndarray
    """(T,) steps eps along v1 (unit norm)."""
    line_train: np.ndarray
    """(T,) mean loss on ``n_eval`` training samples at theta + eps v1."""
    line_test: np.ndarray
    line_batch: np.ndarray | None
    """(T,) the loss of one random training batch (``random_batch`` samples; M1 only, as Y Fig 7)."""
    hessian_line: np.ndarray
    """(3,) loss on the Hessian's samples at eps = -h, 0, h (h = ``fd_step``): the curvature
    check, whose second difference must match lambda1."""
    fd_step: float
    surface_alphas: np.ndarray
    """(G,) steps along v1 and along v2."""
    surface_train: np.ndarray
    """(G, G) mean training loss at theta + e1 v1 + e2 v2 (rows: e1, columns: e2)."""
    surface_test: np.ndarray
    hessian_line_test: np.ndarray | None = None
    """(3,) the same on the first ``n_hessian`` test samples: the curvature of the test loss along
    v1, v1^T H_test v1 (None: stored before version 3)."""

    @property
    def label(self) -> str:
        """The network's (model, batch size); :meth:`Results.name` adds the seed where several ran."""
        return f"{self.model.upper()} B={self.batch}"

    @property
    def step(self) -> float:
        return float(self.alphas[1] - self.alphas[0])

    def line(self, split: str) -> np.ndarray:
        return {"train": self.line_train, "test": self.line_test, "batch": self.line_batch}[split]

    def rise(self, split: str, eps: float) -> float:
        """Mean loss rise at +-eps along v1 over the loss at theta (eps a point of the line)."""
        line, a = self.line(split), self.alphas
        at = [int(np.argmin(np.abs(a - s))) for s in (-eps, eps)]
        return float(np.mean(line[at]) - line[len(a) // 2])

    def surface_rise(self, split: str) -> float:
        """Mean over the plane's grid of the loss rise over the loss at theta."""
        s = self.surface_train if split == "train" else self.surface_test
        g = len(self.surface_alphas) // 2
        return float(np.mean(s) - s[g, g])

    @property
    def curvature_fd(self) -> float:
        """Second difference of the loss along v1 on the Hessian's samples: v1^T H v1 = lambda1
        up to O(h^2) and float32 round-off."""
        lo, mid, hi = self.hessian_line
        return float((lo + hi - 2 * mid) / self.fd_step ** 2)

    @property
    def curvature_test_fd(self) -> float:
        """The same second difference of the test loss (its first ``n_hessian`` samples) along the
        training Hessian's v1: the test loss's curvature there (NaN: not stored)."""
        if self.hessian_line_test is None:
            return float("nan")
        lo, mid, hi = self.hessian_line_test
        return float((lo + hi - 2 * mid) / self.fd_step ** 2)


@dataclass(frozen=True)
class Trained:
    """How one examined network's training ended (its training run's store entry, Y1's): what
    decides whether it reached Y's training loss."""

    stop_reason: str
    """``"loss_target"``, ``"max_epochs"``, ... (:class:`hessbook.train.TrainResult`)."""
    final_loss: float
    """The last epoch's training loss."""


Network = tuple[str, int, int]
"""(model, batch size, seed): one of Y1's networks."""


@dataclass(frozen=True)
class Results(SeededResults):
    """Everything Y2 computed at one set of parameters."""

    params: Y2Params
    table: Table
    """Every examined network, by model, batch size and seed, with its :class:`Landscape` or why it
    has none (:mod:`hessbook.kit.jobs`)."""
    trained: Mapping[Network, Trained] = field(default_factory=dict)
    """How each examined network's training ended (:func:`trained_of`); a network absent here has
    no training record in the store and is read as in the regime (named in the evidence)."""

    @property
    def networks(self) -> tuple[Landscape, ...]:
        return self.table.results

    @property
    def missing(self) -> tuple[Missing, ...]:
        """Models with a network not examined, each once, with the first reason (no data here)."""
        return missing_models(self.table.missing)

    def name(self, r: Landscape) -> str:
        """``r``'s name in tables and cases: ``"M1 B=64"``, with ``" · seed 1"`` where several seeds ran."""
        return seed_case(r.label, r.seed, self.seeds)

    def of(self, model: str, seed: int | None = None) -> list[Landscape]:
        """``model``'s networks (of network seed ``seed`` when given), by batch size then seed."""
        return sorted((r for r in self.networks if r.model == model and seed in (None, r.seed)),
                      key=lambda r: (r.batch, r.seed))

    def usable(self, model: str, seed: int | None = None) -> list[Landscape]:
        """``model``'s networks (of ``seed`` when given) that left their initial plateau, have a
        finite loss at θ (:func:`run_flag`) and were not stopped by the epoch cap above Y's
        training loss (:meth:`capped`): the only ones a graded statistic reads."""
        return [r for r in self.of(model, seed) if not run_flag(r) and not self.capped(r)]

    def capped(self, r: Landscape) -> bool:
        """``r``'s network stopped on the epoch cap with its training loss above ``loss_target``
        (:func:`hessbook.papers.yao.regime.short_of_target`: not at Y's training loss), as Y1
        reads it; a network flagged by :func:`run_flag` carries that flag instead."""
        t = self.trained.get((r.model, r.batch, r.seed))
        return (t is not None and not run_flag(r)
                and short_of_target(t.stop_reason, t.final_loss, self.params.y1_runs.loss_target))

    def capped_networks(self, models: Sequence[str]) -> list[Landscape]:
        return [r for m in models for r in self.of(m) if self.capped(r)]

    def untracked(self, models: Sequence[str]) -> list[Landscape]:
        """The networks of ``models`` whose training record was not found (:attr:`trained`)."""
        return [r for m in models for r in self.of(m) if (r.model, r.batch, r.seed) not in self.trained]

    def flagged(self, models: Sequence[str]) -> list[Landscape]:
        return [r for m in models for r in self.of(m) if run_flag(r)]

    @property
    def models(self) -> list[str]:
        return [m for m in self.params.y1_models if self.of(m)]


def run_flag(r: Landscape) -> str:
    """The regime flag (:func:`hessbook.regime.flag`) of the network at θ: its mean training loss on
    the ``n_eval`` samples (the line's middle point) within 10 % of ln 10, or not finite."""
    from hessbook import regime

    loss = float(r.line_train[len(r.alphas) // 2])
    return regime.flag(loss, 10, not np.isfinite(loss))


# ----------------------------------------------------------------------------- computing


@dataclass(frozen=True)
class Y2Landscape(StoredJob):
    """One of Y1's networks (its training run, ``train``: loaded through the store, or trained as
    Y1 would) and the grids its landscape is evaluated on (a job on the sweep)."""

    KIND = KIND
    RESULT = Landscape
    VERSION = 3
    """2: the landscape records its network's seed (Y2 examines every seed of Y1's, issue 29); 3: and
    the curvature of the test loss along v1 (:attr:`Landscape.curvature_test_fd`, Fig 7's remark)."""
    train: TrainConfig
    n_eval: Count
    n_hessian: Count
    random_batch: int | None
    """Fig 7's random training batch (M1 only, :data:`~hessbook.chapters.y2.paper.RANDOM_BATCH_MODELS`)."""
    lanczos_tol: float
    lanczos_max_dim: int
    alphas: tuple[float, ...]
    surface: tuple[float, ...]
    fd_step: float
    seed: int

    def label(self) -> str:
        return f"Y2 {self.train.model.upper()} B={self.train.batch_size} seed {self.train.seed}"

    def planned(self) -> Planned:
        """The plan's line, with the work of :func:`landscape_of` on the network (priced by probes)."""
        return dataclasses.replace(super().planned(), network_work=(self.work(),))

    def work(self) -> NetworkWork:
        """What :func:`landscape_of` evaluates: the line on the training, test (and random-batch)
        samples, the surface on the training and test samples, the float64 curvature checks (3
        points on each split's first ``n_hessian`` samples, counted twice: float64 costs about two
        float32 passes on a CPU), and the Lanczos run counted at its ``max_dim`` products (the cap;
        the cpu runs stored on 2026-12-06 used 8 to 21 of 60, a negligible term there beside the
        surface)."""
        data = self.train.data
        n_train = first(self.n_eval) or data.n or TRAIN_SIZES.get(data.name, 0)
        n_test = first(self.n_eval) or TEST_SIZES.get(data.name, 0)
        n_hessian = min(first(self.n_hessian) or n_train, n_train)
        line = len(self.alphas) * (n_train + n_test + (self.random_batch or 0))
        surface = len(self.surface) ** 2 * (n_train + n_test)
        checks = 2 * 3 * (n_hessian + min(n_hessian, n_test))
        return NetworkWork(self.train, forwards=line + surface + checks, products=self.lanczos_max_dim,
                           product_samples=n_hessian, product_batch=EVAL_BATCH)

    def compute(self, ctx: Context) -> Landscape:
        """Y1's network, then its landscape, on the chapter's device."""
        from hessbook.train import train

        net = train(self.train, ctx.store, ctx.device).model(ctx.device).eval()
        return landscape_of(net, self, ctx.device)


def _splits(job: Y2Landscape, device: torch.device):
    """(training samples, test samples, random batch or None) as (x, y) tensor pairs."""
    from hessbook import data as hdata

    data = job.train.data
    train = hdata.subset(hdata.load(data.name, "train"), data.n, data.subset_seed)  # what the network saw
    parts = [hdata.subset(train, first(job.n_eval), job.seed + 1),
             hdata.subset(hdata.load(data.name, "test"), first(job.n_eval), job.seed + 1)]
    if job.random_batch is not None:
        parts.append(hdata.subset(train, job.random_batch, job.seed + 2))
    pairs = [(p.inputs(device=device), p.targets(device=device)) for p in parts]
    return pairs[0], pairs[1], (pairs[2] if len(pairs) > 2 else None)


def _curvature_check(net, x, y, v1, h: float) -> np.ndarray:
    """The loss on the Hessian's samples at eps = -h, 0, h along v1, in float64."""
    import copy

    from hessbook.curvature import loss_along

    net64 = copy.deepcopy(net).to(torch.float64)
    return loss_along(net64, (x.to(torch.float64), y), v1, [-h, 0.0, h],
                      batch_size=EVAL_BATCH).losses.numpy()


def landscape_of(net, job: Y2Landscape, device: torch.device) -> Landscape:
    """v1, v2 by Lanczos on the training Hessian, then the line and the plane (direct evaluation)."""
    from hessbook.curvature import HessianOperator, lanczos, loss_along, loss_surface, parameters_vector

    train, test, batch_data = _splits(job, device)
    xh, yh = train[0][:first(job.n_hessian)], train[1][:first(job.n_hessian)]
    op = HessianOperator(net, (xh, yh), batch_size=EVAL_BATCH)
    eig = lanczos(op, k=2, tol=job.lanczos_tol, max_dim=min(job.lanczos_max_dim, op.num_params), seed=job.seed)
    v1, v2 = eig.eigenvectors[:, 0], eig.eigenvectors[:, 1]
    alphas, grid = (torch.tensor(a, dtype=torch.float64) for a in (job.alphas, job.surface))

    def line(data):
        return loss_along(net, data, v1, alphas, batch_size=EVAL_BATCH).losses.numpy()

    def plane(data):
        return loss_surface(net, data, v1, v2, grid, grid, batch_size=EVAL_BATCH).losses.numpy()

    return Landscape(
        model=job.train.model, batch=job.train.batch_size, seed=job.train.seed, eigenvalues=eig.eigenvalues.cpu().numpy(),
        relative_residuals=eig.relative_residuals.cpu().numpy(), lanczos_products=int(eig.n_products),
        lanczos_converged=bool(eig.converged), theta_norm=float(parameters_vector(net).norm()),
        alphas=alphas.numpy(), line_train=line(train), line_test=line(test),
        line_batch=line(batch_data) if batch_data is not None else None,
        hessian_line=_curvature_check(net, xh, yh, v1, job.fd_step), fd_step=job.fd_step,
        surface_alphas=grid.numpy(), surface_train=plane(train), surface_test=plane(test),
        hessian_line_test=_curvature_check(net, test[0][:first(job.n_hessian)], test[1][:first(job.n_hessian)], v1,
                                           job.fd_step),
    )


def landscape_job(model: str, batch: int, P: Y2Params, seed: int | None = None) -> Y2Landscape:
    """The job of Y1's network of (model, batch) in network seed ``seed`` (None: Y1's first)."""
    return Y2Landscape(train_config(model, batch, P.y1_runs, seed), P.n_eval, P.n_hessian,
                       P.random_batch if model in RANDOM_BATCH_MODELS else None, P.lanczos_tol, P.lanczos_max_dim,
                       tuple(P.alphas().tolist()), tuple(P.surface_alphas().tolist()), FD_STEP, P.seed)


def jobs(P: Y2Params) -> list[Y2Landscape]:
    """Every selected network of Y1, by model, batch size (:meth:`Y2Params.cases`), then seed."""
    return [landscape_job(m, b, P, s) for m, b in P.cases() for s in P.seeds]


def trained_of(table: Table, store) -> dict[Network, Trained]:
    """How the training of each network of ``table`` with a landscape ended, read from its
    training run's store entry (loaded, never trained: a network without one is left out)."""
    out = {}
    for row in table:
        if not row.ok:
            continue
        record = store.load(STORE_KIND, row.job.train)
        if record is None:
            continue
        history = record.metrics.get("history") or [{}]
        out[(row.result.model, row.result.batch, row.result.seed)] = Trained(
            str(record.metrics.get("stop_reason", "")), float(history[-1].get("train_loss", float("nan"))))
    return out


def run(P: Y2Params, store=None) -> Results:
    """Every selected network of Y1 whose data is here (jobs on the sweep), on the device
    ``P.device`` names, with how each one's training ended (:func:`trained_of`)."""
    ctx = context(P.device, store)
    table = run_jobs(jobs(P), ctx)
    return Results(P, table, trained_of(table, ctx.store))
