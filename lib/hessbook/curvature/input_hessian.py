"""The Hessian of the per-sample loss w.r.t. the input (Y Theorem 1, Prop. 2, Table 1's lambda1^x).

Exact path (``input_hessian_exact``), for piecewise-linear networks (ReLU, max-pool, linear and
conv layers, BN in eval mode) with softmax cross-entropy. It refuses a network that is not:
one with a smooth activation or normalization module (tanh, sigmoid, SiLU, GELU, softplus,
ELU, LayerNorm, ...) or whose input-Hessian-vector product on the first samples (double
backward, float64) differs from J^T S J v; there J^T S J is only the Gauss-Newton part, which
``assume_piecewise_linear=True`` returns on purpose. Such a network is linear in x around
almost every x, so with logits z = f(x), J = dz/dx (c x d), p = softmax(z):

    H_x = J^T S J,   S = diag(p) - p p^T   (the logit-space Hessian of CE; PSD, Y Lemma 3)

S = L L^T with L = diag(sqrt p) - p sqrt(p)^T (check: L L^T = diag(p) - 2 p p^T + p p^T,
as sum p = 1), so the nonzero eigenvalues of the d x d matrix H_x are those of the c x c
matrix L^T (J J^T) L: rank <= c (Prop. 2) and PSD (Theorem 1). Per batch: J by
``vmap(jacrev)``, then a batched c x c ``eigvalsh`` in float64. The input gradient comes free:
grad_x l = J^T (p - e_y).

Iterative path (``input_hessian_power``, and ``InputHessianOperator`` for Lanczos on one
sample): input Hessian-vector products by double backward, which is exact for any network,
smooth activations included; it is how Y computed lambda1^x and serves as the cross-check.
The summed per-sample loss makes the input Hessian of a batch block-diagonal (eval mode: no
coupling between samples), so one batched product gives every sample's product and power
iteration runs for all samples of a batch at once, each stopping on its own relative change.

Dense path (``input_hessian_dense``): the whole d x d input Hessian of one sample by
``torch.func.hessian``, float64, for any network (Y4's smooth contrast, d = 784).

None of these changes the caller's model: a float64 path works on a float64 copy
(:func:`hessbook.curvature.operators.model_in`), and modes are restored.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.func import jacrev, vmap

from hessbook.curvature.operators import (Batches, Data, LinearOperator, LossFn, cross_entropy,
                                          TrackedModel, eval_mode, model_in, precision)

SMOOTH_MODULES: tuple[type[nn.Module], ...] = (
    nn.Tanh, nn.Sigmoid, nn.SiLU, nn.GELU, nn.Softplus, nn.ELU, nn.SELU, nn.CELU, nn.Mish, nn.Hardswish,
    nn.LogSigmoid, nn.Softsign, nn.Tanhshrink, nn.Softmax, nn.LogSoftmax, nn.Softmin, nn.LayerNorm,
    nn.GroupNorm, nn.LocalResponseNorm, nn.modules.instancenorm._InstanceNorm,
)
"""Modules that make a network smooth (not piecewise linear) in its input."""

PIECEWISE_LINEAR_RTOL = 1e-6
"""Largest relative difference, in float64, between the input-Hessian-vector product and the
Gauss-Newton form J^T S J v that still counts as piecewise linear (round-off is ~1e-13)."""

_REFUSE_HINT = ("input_hessian_exact is exact only for piecewise-linear networks (ReLU, leaky ReLU, max-pool, "
                "linear and conv layers, BN in eval mode); for this network use input_hessian_power or "
                "InputHessianOperator (exact for any network), or pass assume_piecewise_linear=True to get "
                "the Gauss-Newton part J^T S J on purpose")


def _smooth_modules(model: nn.Module) -> list[str]:
    return [f"{name or 'model'} ({type(m).__name__})" for name, m in model.named_modules()
            if isinstance(m, SMOOTH_MODULES)]


def _gauss_newton_gap(model: nn.Module, x: Tensor, y: Tensor) -> Tensor:
    """Per sample: || H_x v - J^T S J v || / (|| H_x v || + || J^T S J v || + || J^T diag(p) J v ||)
    for a random v, in float64 (0 up to round-off for a piecewise-linear network). The last term
    is the size of S J v before the cancellation ``p Jv - p (p . Jv)``: for a confident sample
    (p_max = 1 - 1e-12) both products are tiny differences of O(|Jv|) terms, and their round-off,
    relative to the tiny result, would otherwise pass for curvature of the network."""
    model = model_in(model, torch.float64)
    x = x.detach().to(torch.float64)
    B = len(x)
    v = torch.randn(x.shape, generator=torch.Generator().manual_seed(0), dtype=torch.float64).to(x.device)
    with torch.enable_grad():
        xl = x.clone().requires_grad_(True)
        z = model(xl)
        (g,) = torch.autograd.grad(F.cross_entropy(z, y, reduction="sum"), xl, create_graph=True)
        (hv,) = torch.autograd.grad(g, xl, v, retain_graph=True)
        u = torch.zeros_like(z, requires_grad=True)  # J v by the double-vjp trick (no forward AD)
        (jtu,) = torch.autograd.grad(z, xl, u, create_graph=True)
        (Jv,) = torch.autograd.grad(jtu, u, v, retain_graph=True)
        p = torch.softmax(z.detach(), 1)
        sjv = p * Jv - p * (p * Jv).sum(1, keepdim=True)
        (gv,) = torch.autograd.grad(z, xl, sjv, retain_graph=True)
        (gp,) = torch.autograd.grad(z, xl, p * Jv)
    hv, gv, gp = hv.reshape(B, -1), gv.reshape(B, -1), gp.reshape(B, -1)
    return (hv - gv).norm(dim=1) / (hv.norm(dim=1) + gv.norm(dim=1) + gp.norm(dim=1)).clamp_min(1e-300)


@dataclass(frozen=True)
class InputHessianResult:
    eigenvalues: Tensor
    """(N, c) the c eigenvalues of each sample's input Hessian that can be nonzero, descending
    (all others are exactly 0)."""
    grad_norms: Tensor
    """(N,) ||grad_x l_i||."""
    rtol: float

    @property
    def lambda_max(self) -> Tensor:
        return self.eigenvalues[:, 0]

    @property
    def lambda_min(self) -> Tensor:
        return self.eigenvalues[:, -1]

    @property
    def rank(self) -> Tensor:
        """Numerical rank: eigenvalues > rtol * max(lambda_max, tiny)."""
        cut = self.rtol * self.lambda_max.clamp_min(1e-300)
        return (self.eigenvalues > cut[:, None]).sum(1)


def input_hessian_exact(model: nn.Module, data: Data, *, batch_size: int | None = None,
                        dtype: torch.dtype = torch.float32, rtol: float = 1e-6,
                        assume_piecewise_linear: bool = False) -> InputHessianResult:
    """Per-sample input-Hessian eigenvalues and input-gradient norms (exact for piecewise-linear
    networks with softmax cross-entropy; see the module docstring).

    Raises ValueError for a network with a smooth activation or normalization module, or whose
    input Hessian on the first samples is not J^T S J; ``assume_piecewise_linear=True`` skips
    both checks and returns the eigenvalues of J^T S J (the Gauss-Newton part) for any network.
    """
    if not assume_piecewise_linear:
        smooth = _smooth_modules(model)
        if smooth:
            raise ValueError(f"the model has smooth (not piecewise-linear) modules: {', '.join(smooth[:5])}"
                             f"{' ...' if len(smooth) > 5 else ''}. {_REFUSE_HINT}")
    model = model_in(model, dtype)
    device = next(model.parameters()).device
    batches = Batches(data, batch_size, device=device, dtype=dtype)
    if not assume_piecewise_linear:
        x0, y0 = next(iter(batches))
        with eval_mode(model):
            gap = _gauss_newton_gap(model, x0[:4], y0[:4])
        if bool((gap > PIECEWISE_LINEAR_RTOL).any()):
            raise ValueError(
                f"the model is not piecewise linear in its input: on sample(s) "
                f"{[int(i) for i in (gap > PIECEWISE_LINEAR_RTOL).nonzero().flatten()]} of the first batch the "
                f"input-Hessian-vector product differs from J^T S J v by {float(gap.max()):.2g} (relative; "
                f"accepted <= {PIECEWISE_LINEAR_RTOL:g}). {_REFUSE_HINT}"
            )

    def f1(xi: Tensor) -> Tensor:
        return model(xi[None])[0]

    eigs, gnorms = [], []
    with eval_mode(model), precision(dtype), torch.no_grad():
        for x, y in batches:
            B = len(x)
            z = model(x).to(torch.float64)
            J = vmap(jacrev(f1))(x).reshape(B, z.shape[1], -1).to(torch.float64)
            p = torch.softmax(z, 1)
            sp = p.sqrt()
            L = torch.diag_embed(sp) - p[:, :, None] * sp[:, None, :]
            A = J @ J.transpose(1, 2)
            M = L.transpose(1, 2) @ A @ L
            eigs.append(torch.linalg.eigvalsh((M + M.transpose(1, 2)) / 2).flip(1).cpu())
            r = p - F.one_hot(y, z.shape[1]).to(torch.float64)
            gnorms.append((J.transpose(1, 2) @ r[:, :, None]).norm(dim=(1, 2)).cpu())
    return InputHessianResult(torch.cat(eigs), torch.cat(gnorms), rtol)


def input_gradient_norms(model: nn.Module, data: Data, *, batch_size: int | None = None,
                         loss_fn: LossFn | None = None, dtype: torch.dtype = torch.float32) -> Tensor:
    """(N,) ||grad_x l(f(x_i), y_i)|| of each sample's own loss (any network, any loss that
    reduces by mean: it is evaluated one sample at a time through vmap)."""
    loss_fn = loss_fn or cross_entropy
    model = model_in(model, dtype)
    device = next(model.parameters()).device

    def l1(xi: Tensor, yi: Tensor) -> Tensor:
        return loss_fn(model(xi[None]), yi[None])

    out = []
    with eval_mode(model), precision(dtype):
        for x, y in Batches(data, batch_size, device=device, dtype=dtype):
            g = vmap(torch.func.grad(l1))(x, y).detach()  # no graph kept alive by the result
            out.append(g.reshape(len(x), -1).norm(dim=1).to(torch.float64).cpu())
    return torch.cat(out)


@dataclass(frozen=True)
class InputPowerResult:
    lambda1: Tensor
    """(N,) dominant (largest-magnitude) input-Hessian eigenvalue per sample."""
    residuals: Tensor
    """(N,) ||H_x v - lambda v|| at the last iteration."""
    iterations: Tensor
    """(N,) input-Hessian-vector products spent on each sample."""
    converged: Tensor
    n_products: int


def input_hessian_power(model: nn.Module, data: Data, *, batch_size: int | None = None,
                        loss_fn: LossFn | None = None, tol: float = 1e-4, max_iter: int = 1000,
                        dtype: torch.dtype = torch.float32, seed: int = 0) -> InputPowerResult:
    """Per-sample power iteration on input-Hessian-vector products (double backward), as Y did;
    stops each sample at relative change < ``tol``. Works for any network."""
    if not tol > 0:
        raise ValueError(f"tol = {tol!r}: must be a positive number")
    loss_fn = loss_fn or cross_entropy
    model = model_in(model, dtype)
    device = next(model.parameters()).device
    gen = torch.Generator().manual_seed(seed)
    lams, ress, its, convs = [], [], [], []
    with eval_mode(model), precision(dtype):
        for x, y in Batches(data, batch_size, device=device, dtype=dtype):
            B = len(x)
            x = x.detach().requires_grad_(True)
            losses = torch.stack([loss_fn(o[None], t[None]) for o, t in zip(model(x), y)]) \
                if loss_fn is not cross_entropy else F.cross_entropy(model(x), y, reduction="none")
            (g,) = torch.autograd.grad(losses.sum(), x, create_graph=True)
            v = torch.randn(x.shape, generator=gen, dtype=torch.float64).to(device)
            v = v / v.reshape(B, -1).norm(dim=1).reshape(B, *[1] * (x.dim() - 1))
            lam = torch.full((B,), float("nan"), dtype=torch.float64, device=device)
            active = torch.ones(B, dtype=torch.bool, device=device)
            it = torch.zeros(B, dtype=torch.long, device=device)
            res = torch.zeros(B, dtype=torch.float64, device=device)
            for step in range(max_iter):
                (Hv,) = torch.autograd.grad(g, x, grad_outputs=v.to(dtype), retain_graph=True)
                Hv = Hv.to(torch.float64)
                new = (v * Hv).reshape(B, -1).sum(1)
                it += active
                res = torch.where(active, (Hv - new.reshape(-1, *[1] * (x.dim() - 1)) * v).reshape(B, -1).norm(dim=1), res)
                done = active & (step > 0) & ((new - lam).abs() / (lam.abs() + 1e-6) < tol)
                lam = torch.where(active, new, lam)
                active = active & ~done
                if not bool(active.any()):
                    break
                nrm = Hv.reshape(B, -1).norm(dim=1).clamp_min(1e-300).reshape(-1, *[1] * (x.dim() - 1))
                v = torch.where(active.reshape(-1, *[1] * (x.dim() - 1)), Hv / nrm, v)
            lams.append(lam.cpu()); ress.append(res.cpu()); its.append(it.cpu()); convs.append((~active).cpu())
    it_all = torch.cat(its)
    return InputPowerResult(torch.cat(lams), torch.cat(ress), it_all, torch.cat(convs), int(it_all.sum()))


def input_hessian_dense(model: nn.Module, x: Tensor, y: Tensor) -> Tensor:
    """(d, d) Hessian of one sample's cross-entropy w.r.t. its input ``x`` (no batch dimension;
    ``y`` its label), float64, by ``torch.func.hessian``, symmetrized. Exact for any network; in
    eval mode (the modes restored after), on a float64 copy unless the model is float64 already."""
    model = model_in(model, torch.float64)
    shape = x.shape

    def loss(v: Tensor) -> Tensor:
        return F.cross_entropy(model(v.reshape(1, *shape)), y.reshape(1))

    with eval_mode(model):
        H = torch.func.hessian(loss)(x.reshape(-1).to(torch.float64))
    H = H.detach()
    return (H + H.T) / 2


class InputHessianOperator(LinearOperator):
    """``v -> H_x v`` for one sample ``(x, y)`` (no batch dimension), by double backward; plug
    into :func:`hessbook.curvature.lanczos` for the full top of the input spectrum."""

    def __init__(self, model: nn.Module, x: Tensor, y: Tensor, *, loss_fn: LossFn | None = None,
                 dtype: torch.dtype = torch.float32):
        self.tracked = TrackedModel(model, dtype)  # products at the model's current parameters
        self.model = self.tracked.model
        self.dtype = dtype
        self.device = next(self.model.parameters()).device
        self.loss_fn = loss_fn or cross_entropy
        if y.numel() != 1:
            raise ValueError(
                f"InputHessianOperator takes one sample: x without a batch dimension and one label; got x of "
                f"shape {tuple(x.shape)} and y of shape {tuple(y.shape)}. For a batch, use one operator per "
                "sample (x[i], y[i]) or input_hessian_power"
            )
        self.x = x.to(self.device, dtype)[None]
        self.y = y.to(self.device).reshape(1)
        with torch.no_grad(), eval_mode(self.model):
            out = self.model(self.x)
        if out.dim() != 2 or out.shape[0] != 1:
            raise ValueError(
                f"InputHessianOperator takes one sample without a batch dimension: x of shape {tuple(x.shape)} "
                f"gives outputs of shape {tuple(out.shape)} for the batch x[None] of one sample (expected "
                "(1, classes)); pass x[i] of a batch x, not x"
            )
        self.num_params = self.x.numel()
        self.n_products = 0

    def matmat(self, V: Tensor) -> Tensor:
        self.tracked.refresh()
        with eval_mode(self.model), precision(self.dtype):
            x = self.x.detach().requires_grad_(True)
            (g,) = torch.autograd.grad(self.loss_fn(self.model(x), self.y), x, create_graph=True)
            cols = []
            for j in range(V.shape[1]):
                (h,) = torch.autograd.grad(g, x, V[:, j].to(self.dtype).reshape(x.shape),
                                           retain_graph=j < V.shape[1] - 1)
                cols.append(h.reshape(-1).to(torch.float64))
        self.n_products += V.shape[1]
        return torch.stack(cols, 1)
