"""Y4's stored computations, on Y1's trained networks (taken through the store from the
``y1_runs`` block) and on a smooth contrast network trained here."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from hessbook import regime
from hessbook.chapters.y4.params import Y4Params
from hessbook.kit import cached
from hessbook.papers.yao.networks import Missing, data_missing, train_config, trained_model
from hessbook.papers.yao.paper import DATASET


@dataclass(frozen=True)
class CaseResult:
    """One network: exact path on ``n_samples``, iterative path on the first ``n_crosscheck`` (stored)."""

    label: str
    model: str
    batch: int | None
    smooth: bool
    num_classes: int
    input_dim: int
    lambda_max: np.ndarray
    """(N,) largest input-Hessian eigenvalue per sample."""
    lambda_min: np.ndarray
    """(N,) smallest eigenvalue per sample (exact path: of the c x c block; dense: of H_x)."""
    rank: np.ndarray
    """(N,) numerical rank (eigenvalues > rank_rtol * lambda_max)."""
    s_min: np.ndarray
    """(N,) smallest eigenvalue of the logit-space Hessian S = diag(p) - p p^T (Lemma 3)."""
    lemma3_autograd_error: float
    """max |autograd Hessian of CE w.r.t. the logits - S| on the cross-check samples."""
    cc_exact_top: np.ndarray
    """(n_cc,) exact-path lambda_max on the cross-check samples (J^T S J; for a smooth net this
    is only the Gauss-Newton part)."""
    cc_lanczos_top: np.ndarray
    """(n_cc, c + 1) Lanczos largest eigenvalues of the true input Hessian (double backward)."""
    cc_lanczos_min: np.ndarray
    """(n_cc,) Lanczos smallest eigenvalue of the true input Hessian."""
    cc_power: np.ndarray
    """(n_cc,) Y's power iteration (dominant eigenvalue) per sample."""
    power_products: int
    n_negative: np.ndarray | None = None
    """Smooth net only: (N,) eigenvalues below -rank_rtol * lambda_max of the dense H_x."""

    @property
    def n(self) -> int:
        return len(self.lambda_max)

    @property
    def relative_min(self) -> np.ndarray:
        return self.lambda_min / np.maximum(self.lambda_max, 1e-300)

    @property
    def cc_relative_min(self) -> np.ndarray:
        return self.cc_lanczos_min / np.maximum(self.cc_lanczos_top[:, 0], 1e-300)

    @property
    def cc_agreement(self) -> float:
        """max relative difference of lambda_max: exact path vs Lanczos and vs power iteration."""
        top = self.cc_lanczos_top[:, 0]
        a = np.abs(self.cc_exact_top - top) / np.maximum(np.abs(top), 1e-300)
        b = np.abs(self.cc_power - top) / np.maximum(np.abs(top), 1e-300)
        return float(max(a.max(), b.max()))

    @property
    def cc_rank_gap(self) -> float:
        """max over samples of lambda_c / lambda_1 from Lanczos (0 when rank <= c - 1)."""
        c = self.num_classes
        return float(np.max(np.abs(self.cc_lanczos_top[:, c - 1]) / np.maximum(self.cc_lanczos_top[:, 0], 1e-300)))


@dataclass(frozen=True)
class Results:
    """Everything Y4 computed at one set of parameters."""

    params: Y4Params
    networks: tuple[CaseResult, ...]
    """Y1's ReLU networks whose data is here."""
    smooth: CaseResult | None
    """The tanh contrast (None when MNIST is not here)."""
    missing: tuple[Missing, ...]
    smooth_run: regime.TrainedRun | None = None
    """How the tanh contrast's training ended (:func:`smooth_trained`): the one network Y4 trains
    itself, the row of its run table (None when MNIST is not here)."""

    @property
    def cases(self) -> tuple[CaseResult, ...]:
        """The ReLU networks, then the contrast: the rows of the figures and the table."""
        return self.networks + ((self.smooth,) if self.smooth is not None else ())


# ----------------------------------------------------------------------------- computing


def _test_samples(dataset: str, n: int, seed: int, device):
    from hessbook import data as hdata

    part = hdata.subset(hdata.load(dataset, "test"), n, seed + 2)
    return part.inputs(device=device), part.targets(device=device)


def _logit_checks(net, x, y, n_cc: int) -> tuple[np.ndarray, float]:
    """Lemma 3: eigenvalues of S per sample, and S against autograd's Hessian on n_cc samples."""
    import torch.nn.functional as F

    with torch.no_grad():
        z = net(x).to(torch.float64)
    p = torch.softmax(z, 1)
    S = torch.diag_embed(p) - p[:, :, None] * p[:, None, :]
    s_min = torch.linalg.eigvalsh(S)[:, 0]
    err = 0.0
    for i in range(min(n_cc, len(z))):
        H = torch.func.hessian(lambda zi: F.cross_entropy(zi[None], y[i:i + 1]))(z[i])
        err = max(err, float((H - S[i]).abs().max()))
    return s_min.cpu().numpy(), err


@dataclass(frozen=True)
class _Iterative:
    cc_lanczos_top: np.ndarray
    cc_lanczos_min: np.ndarray
    cc_power: np.ndarray
    power_products: int


def _iterative(net, x, y, c: int, P: Y4Params) -> _Iterative:
    """Lanczos (largest c+1, smallest 1) and Y's power iteration on the true input Hessian."""
    from hessbook.curvature import InputHessianOperator, input_hessian_power, lanczos

    tops, mins = [], []
    for i in range(len(x)):
        op = InputHessianOperator(net, x[i], y[i], dtype=torch.float64)
        k = min(c + 1, op.num_params)
        tops.append(lanczos(op, k=k, which="LA", tol=P.lanczos_tol, seed=P.seed).eigenvalues.cpu().numpy())
        op = InputHessianOperator(net, x[i], y[i], dtype=torch.float64)
        mins.append(float(lanczos(op, k=1, which="SA", tol=P.lanczos_tol, seed=P.seed).eigenvalues[0]))
    pw = input_hessian_power(net, (x, y), batch_size=len(x), tol=P.power_tol, dtype=torch.float64, seed=P.seed)
    return _Iterative(np.stack(tops), np.array(mins), pw.lambda1.numpy(), int(pw.n_products))


def _key(P: Y4Params, config) -> dict:
    return {"train": config, "n_samples": P.n_samples, "n_crosscheck": P.n_crosscheck, "rank_rtol": P.rank_rtol,
            "lanczos_tol": P.lanczos_tol, "power_tol": P.power_tol, "seed": P.seed}


def run_relu(model: str, batch: int, P: Y4Params, store, device: torch.device) -> CaseResult:
    """One of Y1's trained networks (loaded through the store, or trained as Y1 would), examined
    on ``device`` (the chapter's)."""
    from hessbook.curvature import input_hessian_exact
    from hessbook.store import default_store

    store = store or default_store()

    def compute() -> CaseResult:
        net = trained_model(P.y1_runs, model, batch, store, device)
        x, y = _test_samples(DATASET[model], P.n_samples, P.seed, device)
        ih = input_hessian_exact(net, (x, y), batch_size=50, rtol=P.rank_rtol)
        s_min, err = _logit_checks(net, x, y, P.n_crosscheck)
        n, c = P.n_crosscheck, int(ih.eigenvalues.shape[1])
        it = _iterative(net, x[:n], y[:n], c, P)
        return CaseResult(
            label=f"{model.upper()} B={batch}", model=model, batch=batch, smooth=False, num_classes=c,
            input_dim=int(x[0].numel()), lambda_max=ih.lambda_max.numpy(), lambda_min=ih.lambda_min.numpy(),
            rank=ih.rank.numpy(), s_min=s_min, lemma3_autograd_error=err, cc_exact_top=ih.lambda_max[:n].numpy(),
            cc_lanczos_top=it.cc_lanczos_top, cc_lanczos_min=it.cc_lanczos_min, cc_power=it.cc_power,
            power_products=it.power_products,
        )

    return cached("y4-relu", _key(P, train_config(model, batch, P.y1_runs)), compute, CaseResult, store)


def smooth_config(P: Y4Params):
    from hessbook.data import DataSpec
    from hessbook.train import TrainConfig

    return TrainConfig(
        model="s_fc_mnist", model_kwargs={"hidden": P.smooth_hidden, "activation": P.smooth_activation},
        data=DataSpec("mnist", n=P.smooth_n_train, subset_seed=P.seed), batch_size=P.smooth_batch_size,
        lr=P.smooth_lr, momentum=0.9, max_epochs=P.smooth_epochs, seed=P.seed,
    )


def run_smooth(P: Y4Params, store, device: torch.device) -> CaseResult:
    """The contrast: a tanh MLP on MNIST; dense input Hessians (d = 784) on ``n_samples``, on
    ``device`` (the chapter's)."""
    import copy

    from hessbook.curvature import input_hessian_dense, input_hessian_exact
    from hessbook.store import default_store
    from hessbook.train import train

    store = store or default_store()
    config = smooth_config(P)

    def compute() -> CaseResult:
        net = train(config, store, device=device).model(device).eval()
        x, y = _test_samples("mnist", P.n_samples, P.seed, device)
        net64 = copy.deepcopy(net).to(torch.float64)
        lmax, lmin, rank, neg = [], [], [], []
        for i in range(len(x)):
            ev = torch.linalg.eigvalsh(input_hessian_dense(net64, x[i], y[i]))
            top = float(ev.abs().max())
            lmax.append(float(ev[-1])); lmin.append(float(ev[0]))
            rank.append(int((ev.abs() > P.rank_rtol * top).sum()))
            neg.append(int((ev < -P.rank_rtol * top).sum()))
        n = P.n_crosscheck
        # J^T S J on purpose: the Gauss-Newton part of the smooth network's input Hessian
        gn = input_hessian_exact(net, (x[:n], y[:n]), rtol=P.rank_rtol, assume_piecewise_linear=True)
        s_min, err = _logit_checks(net, x, y, n)
        it = _iterative(net, x[:n], y[:n], 10, P)
        return CaseResult(
            label=f"MLP-{P.smooth_activation} (contrast)", model="s_fc_mnist", batch=None, smooth=True,
            num_classes=10, input_dim=int(x[0].numel()), lambda_max=np.array(lmax), lambda_min=np.array(lmin),
            rank=np.array(rank), s_min=s_min, lemma3_autograd_error=err, cc_exact_top=gn.lambda_max.numpy(),
            cc_lanczos_top=it.cc_lanczos_top, cc_lanczos_min=it.cc_lanczos_min, cc_power=it.cc_power,
            power_products=it.power_products, n_negative=np.array(neg),
        )

    return cached("y4-smooth", _key(P, config), compute, CaseResult, store)


def smooth_trained(P: Y4Params, store, device: torch.device):
    """The tanh contrast's training run (loaded through the store: :func:`run_smooth` trained it) as a
    row of the run table: SGD steps, the mean minibatch loss of its last epoch (the configuration
    records no other; the MLP has no dropout or BN, so it is the training loss as it trained), flag.
    It measures no test accuracy."""
    from hessbook import regime
    from hessbook.store import default_store
    from hessbook.train import train

    t = train(smooth_config(P), store or default_store(), device=device)
    last = t.history[-1] if t.history else {}
    return regime.TrainedRun(f"MLP-{P.smooth_activation} (contrast)", int(t.iterations),
                             float(last.get("train_loss_running", float("nan"))), 10, diverged=t.diverged)


def plan_jobs(P: Y4Params) -> list:
    """What :func:`run` computes in the kernel, one after another: each ReLU network's entry,
    then the smooth contrast's (data present or not: the plan checks)."""
    from hessbook.kit.swept import Planned

    return ([Planned("y4-relu", _key(P, train_config(m, b, P.y1_runs)), f"Y4 {m.upper()} B={b}", inline=True)
             for m, b in P.cases()]
            + [Planned("y4-smooth", _key(P, smooth_config(P)), f"Y4 MLP-{P.smooth_activation} contrast", inline=True)])


def run(P: Y4Params, store=None) -> Results:
    """Every selected ReLU network of Y1 (those whose data is here) and the smooth contrast."""
    from hessbook.device import pick_device
    from hessbook.progress import progress

    device = pick_device(P.device)
    missing, jobs = [], []
    for model, batch in P.cases():
        gone = data_missing(model)
        if gone is not None:
            if not any(m.model == model for m in missing):
                missing.append(gone)
            continue
        jobs.append((model, batch))
    networks = [run_relu(m, b, P, store, device) for m, b in progress(jobs, desc="Y4 networks")]
    gone = data_missing("m1")  # the contrast trains on MNIST, as M1 does
    smooth = run_smooth(P, store, device) if gone is None else None
    smooth_run = smooth_trained(P, store, device) if gone is None else None
    if gone is not None:
        missing.append(Missing(f"MLP-{P.smooth_activation} contrast", gone.reason, gone.message))
    return Results(P, tuple(networks), smooth, tuple(missing), smooth_run)
