"""Y4's stored computations, on Y1's trained networks (taken through the store from the
``y1_runs`` block) and on a smooth contrast network trained here."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from hessbook import regime
from hessbook.chapters.y4.params import Y4Params
from hessbook.kit.jobs import Context, StoredJob, Table, context, run_jobs
from hessbook.papers.yao.networks import Missing, missing_models, train_config
from hessbook.train import TrainConfig


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
    cc_converged: np.ndarray | None = None
    """(n_cc,) whether both cross-check Lanczos runs of a sample (largest c + 1, smallest) met
    ``lanczos_tol``: an unconverged smallest Ritz value lies above the true one (biased toward PSD)
    and an unconverged near-zero one is off by up to its residual, so the claims read only the
    samples whose runs converged (None: stored before it was recorded)."""
    lanczos_tol: float = float("nan")
    """The relative residual the Lanczos runs were asked for."""

    @property
    def n(self) -> int:
        return len(self.lambda_max)

    @property
    def relative_min(self) -> np.ndarray:
        return self.lambda_min / np.maximum(self.lambda_max, 1e-300)

    @property
    def cc_ok(self) -> np.ndarray:
        """(n_cc,) the cross-check samples whose Lanczos runs converged (all, for a result stored
        before convergence was recorded)."""
        n = len(self.cc_lanczos_min)
        return np.ones(n, bool) if self.cc_converged is None else np.asarray(self.cc_converged, bool)

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
        """max over the converged cross-check samples (:attr:`cc_ok`, as the claims' other bounds) of
        |lambda_c| / lambda_1 from Lanczos (about 0 when rank <= c - 1; NaN when no sample converged)."""
        c, ok = self.num_classes, self.cc_ok
        top = self.cc_lanczos_top[ok]
        if not len(top):
            return float("nan")
        return float(np.max(np.abs(top[:, c - 1]) / np.maximum(top[:, 0], 1e-300)))


@dataclass(frozen=True)
class Results:
    """Everything Y4 computed at one set of parameters."""

    params: Y4Params
    table: Table
    """Y1's ReLU networks, then the tanh contrast, each with its :class:`CaseResult` or why it has
    none (:mod:`hessbook.kit.jobs`)."""
    smooth_run: regime.TrainedRun | None = None
    """How the tanh contrast's training ended (:meth:`Y4Smooth.trained_run`): the one network Y4
    trains itself, the row of its run table (None when MNIST is not here)."""

    @property
    def networks(self) -> tuple[CaseResult, ...]:
        """Y1's ReLU networks whose data is here."""
        return tuple(r.result for r in self.table if r.ok and isinstance(r.job, Y4Relu))

    @property
    def smooth(self) -> CaseResult | None:
        """The tanh contrast (None when MNIST is not here)."""
        return next((r.result for r in self.table if r.ok and isinstance(r.job, Y4Smooth)), None)

    @property
    def missing(self) -> tuple[Missing, ...]:
        """Networks not examined (a ReLU model once), each with the first reason (no data here)."""
        return missing_models(self.table.missing, lambda job: job.name)

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
    converged: np.ndarray
    """(n,) whether both of a sample's Lanczos runs met the tolerance."""


def _iterative(net, x, y, c: int, job: Y4Job) -> _Iterative:
    """Lanczos (largest c+1, smallest 1) and Y's power iteration on the true input Hessian."""
    from hessbook.curvature import InputHessianOperator, input_hessian_power, lanczos

    tops, mins, converged = [], [], []
    for i in range(len(x)):
        op = InputHessianOperator(net, x[i], y[i], dtype=torch.float64)
        k = min(c + 1, op.num_params)
        top = lanczos(op, k=k, which="LA", tol=job.lanczos_tol, seed=job.seed)
        tops.append(top.eigenvalues.cpu().numpy())
        op = InputHessianOperator(net, x[i], y[i], dtype=torch.float64)
        low = lanczos(op, k=1, which="SA", tol=job.lanczos_tol, seed=job.seed)
        mins.append(float(low.eigenvalues[0]))
        converged.append(bool(top.converged) and bool(low.converged))
    pw = input_hessian_power(net, (x, y), batch_size=len(x), tol=job.power_tol, dtype=torch.float64, seed=job.seed)
    return _Iterative(np.stack(tops), np.array(mins), pw.lambda1.numpy(), int(pw.n_products), np.array(converged))


@dataclass(frozen=True)
class Y4Job(StoredJob):
    """One network examined (a job computed in the kernel, one after another): its training run
    and what is computed on it."""

    RESULT = CaseResult
    INLINE = True
    VERSION = 3
    """3: each cross-check sample's Lanczos convergence is stored (:attr:`CaseResult.cc_converged`)."""
    train: TrainConfig
    n_samples: int
    n_crosscheck: int
    rank_rtol: float
    lanczos_tol: float
    power_tol: float
    seed: int

    @property
    def name(self) -> str:
        """What the chapter calls the network when it is missing: its model."""
        return self.train.model



@dataclass(frozen=True)
class Y4Relu(Y4Job):
    """One of Y1's trained networks (loaded through the store, or trained as Y1 would)."""

    KIND = "y4-relu"

    def label(self) -> str:
        return f"Y4 {self.train.model.upper()} B={self.train.batch_size}"

    def compute(self, ctx: Context) -> CaseResult:
        """The exact path on ``n_samples`` test samples, the iterative one on the first ``n_crosscheck``."""
        from hessbook.curvature import input_hessian_exact
        from hessbook.train import train

        model, batch, device = self.train.model, self.train.batch_size, ctx.device
        net = train(self.train, ctx.store, device).model(device).eval()
        x, y = _test_samples(self.train.data.name, self.n_samples, self.seed, device)
        ih = input_hessian_exact(net, (x, y), batch_size=50, rtol=self.rank_rtol)
        s_min, err = _logit_checks(net, x, y, self.n_crosscheck)
        n, c = self.n_crosscheck, int(ih.eigenvalues.shape[1])
        it = _iterative(net, x[:n], y[:n], c, self)
        return CaseResult(
            label=f"{model.upper()} B={batch}", model=model, batch=batch, smooth=False, num_classes=c,
            input_dim=int(x[0].numel()), lambda_max=ih.lambda_max.numpy(), lambda_min=ih.lambda_min.numpy(),
            rank=ih.rank.numpy(), s_min=s_min, lemma3_autograd_error=err, cc_exact_top=ih.lambda_max[:n].numpy(),
            cc_lanczos_top=it.cc_lanczos_top, cc_lanczos_min=it.cc_lanczos_min, cc_power=it.cc_power,
            power_products=it.power_products, cc_converged=it.converged, lanczos_tol=self.lanczos_tol,
        )


@dataclass(frozen=True)
class Y4Smooth(Y4Job):
    """The contrast: a tanh MLP on MNIST, trained here; dense input Hessians (d = 784) on ``n_samples``."""

    KIND = "y4-smooth"

    @property
    def activation(self) -> str:
        return self.train.model_kwargs["activation"]

    @property
    def name(self) -> str:
        return f"MLP-{self.activation} contrast"

    def label(self) -> str:
        return f"Y4 {self.name}"

    def compute(self, ctx: Context) -> CaseResult:
        """Train the MLP through the store, then its dense input Hessians and the same checks."""
        import copy

        from hessbook.curvature import input_hessian_dense, input_hessian_exact
        from hessbook.train import train

        device = ctx.device
        net = train(self.train, ctx.store, device=device).model(device).eval()
        x, y = _test_samples("mnist", self.n_samples, self.seed, device)
        net64 = copy.deepcopy(net).to(torch.float64)
        lmax, lmin, rank, neg = [], [], [], []
        for i in range(len(x)):
            ev = torch.linalg.eigvalsh(input_hessian_dense(net64, x[i], y[i]))
            top = float(ev.abs().max())
            lmax.append(float(ev[-1])); lmin.append(float(ev[0]))
            rank.append(int((ev.abs() > self.rank_rtol * top).sum()))
            neg.append(int((ev < -self.rank_rtol * top).sum()))
        n = self.n_crosscheck
        # J^T S J on purpose: the Gauss-Newton part of the smooth network's input Hessian
        gn = input_hessian_exact(net, (x[:n], y[:n]), rtol=self.rank_rtol, assume_piecewise_linear=True)
        s_min, err = _logit_checks(net, x, y, n)
        it = _iterative(net, x[:n], y[:n], 10, self)
        return CaseResult(
            label=f"MLP-{self.activation} (contrast)", model="s_fc_mnist", batch=None, smooth=True,
            num_classes=10, input_dim=int(x[0].numel()), lambda_max=np.array(lmax), lambda_min=np.array(lmin),
            rank=np.array(rank), s_min=s_min, lemma3_autograd_error=err, cc_exact_top=gn.lambda_max.numpy(),
            cc_lanczos_top=it.cc_lanczos_top, cc_lanczos_min=it.cc_lanczos_min, cc_power=it.cc_power,
            power_products=it.power_products, cc_converged=it.converged, lanczos_tol=self.lanczos_tol,
            n_negative=np.array(neg),
        )

    def trained_run(self, ctx: Context) -> regime.TrainedRun:
        """The contrast's training run (loaded through the store: :meth:`compute` trained it) as a row
        of the run table: SGD steps, the mean minibatch loss of its last epoch (the configuration
        records no other; the MLP has no dropout or BN, so it is the training loss as it trained),
        flag. It measures no test accuracy."""
        from hessbook.train import train

        t = train(self.train, ctx.store, device=ctx.device)
        last = t.history[-1] if t.history else {}
        return regime.TrainedRun(f"MLP-{self.activation} (contrast)", int(t.iterations),
                                 float(last.get("train_loss_running", float("nan"))), 10, diverged=t.diverged)


def smooth_config(P: Y4Params) -> TrainConfig:
    """The tanh contrast's training run (on MNIST, as M1)."""
    from hessbook.data import DataSpec

    return TrainConfig(
        model="s_fc_mnist", model_kwargs={"hidden": P.smooth_hidden, "activation": P.smooth_activation},
        data=DataSpec("mnist", n=P.smooth_n_train, subset_seed=P.seed), batch_size=P.smooth_batch_size,
        lr=P.smooth_lr, momentum=0.9, max_epochs=P.smooth_epochs, seed=P.seed,
    )


def jobs(P: Y4Params) -> list[Y4Job]:
    """Each selected ReLU network of Y1 (:meth:`Y4Params.cases`), then the smooth contrast."""
    def job(cls: type[Y4Job], config: TrainConfig) -> Y4Job:
        return cls(config, P.n_samples, P.n_crosscheck, P.rank_rtol, P.lanczos_tol, P.power_tol, P.seed)

    return ([job(Y4Relu, train_config(m, b, P.y1_runs)) for m, b in P.cases()]
            + [job(Y4Smooth, smooth_config(P))])


def run(P: Y4Params, store=None) -> Results:
    """Every selected ReLU network of Y1 (those whose data is here) and the smooth contrast, in the
    kernel, on the device ``P.device`` names."""
    ctx = context(P.device, store)
    table = run_jobs(jobs(P), ctx, desc="Y4 networks")
    contrast = next(r for r in table if isinstance(r.job, Y4Smooth))
    return Results(P, table, contrast.job.trained_run(ctx) if contrast.ok else None)
