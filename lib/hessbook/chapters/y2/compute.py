"""Y2's stored computations: for each of Y1's networks (taken through the store from the
``y1_runs`` block), v1 and v2 of the training Hessian by Lanczos, then the loss along v1 and on
the plane of v1 and v2, each point evaluated directly at theta + eps v1 (+ eps2 v2), in eval mode,
on the same samples at every point. One stored result per network, on the Dask sweep."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np
import torch

from hessbook.chapters.y2.paper import RANDOM_BATCH_MODELS
from hessbook.chapters.y2.params import Y2Params
from hessbook.papers.yao.networks import Missing, data_missing, first, train_config, trained_model
from hessbook.papers.yao.paper import DATASET

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

    @property
    def label(self) -> str:
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


@dataclass(frozen=True)
class Results:
    """Everything Y2 computed at one set of parameters."""

    params: Y2Params
    networks: tuple[Landscape, ...]
    """Every examined network whose data is here, by model then batch size."""
    missing: tuple[Missing, ...]

    def of(self, model: str) -> list[Landscape]:
        return sorted((r for r in self.networks if r.model == model), key=lambda r: r.batch)

    @property
    def models(self) -> list[str]:
        return [m for m in self.params.y1_models if self.of(m)]


# ----------------------------------------------------------------------------- computing


def _splits(model: str, P: Y2Params, device):
    """(training samples, test samples, random batch or None) as (x, y) tensor pairs."""
    from hessbook import data as hdata

    runs, ds = P.y1_runs, DATASET[model]
    train = hdata.subset(hdata.load(ds, "train"), runs.n_train(model), runs.seed)  # what the network saw
    parts = [hdata.subset(train, first(P.n_eval), P.seed + 1),
             hdata.subset(hdata.load(ds, "test"), first(P.n_eval), P.seed + 1)]
    if model in RANDOM_BATCH_MODELS:
        parts.append(hdata.subset(train, P.random_batch, P.seed + 2))
    pairs = [(p.inputs(device=device), p.targets(device=device)) for p in parts]
    return pairs[0], pairs[1], (pairs[2] if len(pairs) > 2 else None)


def _curvature_check(net, x, y, v1) -> np.ndarray:
    """The loss on the Hessian's samples at eps = -h, 0, h along v1, in float64."""
    import copy

    import torch

    from hessbook.curvature import loss_along

    net64 = copy.deepcopy(net).to(torch.float64)
    return loss_along(net64, (x.to(torch.float64), y), v1, [-FD_STEP, 0.0, FD_STEP],
                      batch_size=EVAL_BATCH).losses.numpy()


def landscape_of(net, model: str, batch: int, P: Y2Params, device) -> Landscape:
    """v1, v2 by Lanczos on the training Hessian, then the line and the plane (direct evaluation)."""
    import torch

    from hessbook.curvature import HessianOperator, lanczos, loss_along, loss_surface, parameters_vector

    train, test, batch_data = _splits(model, P, device)
    xh, yh = train[0][:first(P.n_hessian)], train[1][:first(P.n_hessian)]
    op = HessianOperator(net, (xh, yh), batch_size=EVAL_BATCH)
    eig = lanczos(op, k=2, tol=P.lanczos_tol, max_dim=min(P.lanczos_max_dim, op.num_params), seed=P.seed)
    v1, v2 = eig.eigenvectors[:, 0], eig.eigenvectors[:, 1]
    alphas, grid = torch.as_tensor(P.alphas()), torch.as_tensor(P.surface_alphas())

    def line(data):
        return loss_along(net, data, v1, alphas, batch_size=EVAL_BATCH).losses.numpy()

    def plane(data):
        return loss_surface(net, data, v1, v2, grid, grid, batch_size=EVAL_BATCH).losses.numpy()

    return Landscape(
        model=model, batch=batch, eigenvalues=eig.eigenvalues.cpu().numpy(),
        relative_residuals=eig.relative_residuals.cpu().numpy(), lanczos_products=int(eig.n_products),
        lanczos_converged=bool(eig.converged), theta_norm=float(parameters_vector(net).norm()),
        alphas=alphas.numpy(), line_train=line(train), line_test=line(test),
        line_batch=line(batch_data) if batch_data is not None else None,
        hessian_line=_curvature_check(net, xh, yh, v1), fd_step=FD_STEP,
        surface_alphas=grid.numpy(), surface_train=plane(train), surface_test=plane(test),
    )


def key(model: str, batch: int, P: Y2Params) -> dict:
    """The inputs that determine one network's landscape (the store key)."""
    return {"train": train_config(model, batch, P.y1_runs), "n_eval": P.n_eval, "n_hessian": P.n_hessian,
            "random_batch": P.random_batch if model in RANDOM_BATCH_MODELS else None,
            "lanczos_tol": P.lanczos_tol, "lanczos_max_dim": P.lanczos_max_dim, "alphas": P.alphas().tolist(),
            "surface": P.surface_alphas().tolist(), "fd_step": FD_STEP, "seed": P.seed}


def compute_landscape(model: str, batch: int, P: Y2Params, store, device: torch.device) -> Landscape:
    """Y1's network of (model, batch) (loaded through the store, or trained as Y1 would), then its
    landscape, on ``device`` (the chapter's). Top-level, so a sweep can send it to a worker."""
    net = trained_model(P.y1_runs, model, batch, store, device)
    return landscape_of(net, model, batch, P, device)


def plan_jobs(P: Y2Params) -> list:
    """Every landscape job :func:`run` sweeps (data present or not: the plan checks)."""
    from hessbook.kit.swept import Planned

    return [Planned(KIND, key(m, b, P), f"Y2 {m.upper()} B={b}") for m, b in P.cases()]


def run(P: Y2Params, store=None) -> Results:
    """Every selected network of Y1 whose data is here, as independent jobs on the Dask sweep,
    on the device ``P.device`` names."""
    from hessbook.device import pick_device
    from hessbook.kit.swept import cached_all, stored_job
    from hessbook.store import default_store

    store = store or default_store()
    device = pick_device(P.device)
    missing, cases = [], []
    for model in P.y1_models:
        gone = data_missing(model)
        if gone is not None:
            missing.append(gone)
            continue
        cases += [(m, b) for m, b in P.cases() if m == model]
    jobs = [stored_job(KIND, key(m, b, P), partial(compute_landscape, m, b, P, store), Landscape,
                       label=f"Y2 {m.upper()} B={b}", device=device) for m, b in cases]
    return Results(P, tuple(cached_all(jobs, Landscape, store)), tuple(missing))
