"""Where the Hessian's outliers come from: the class/cross-class structure of the Gauss-Newton matrix.

For softmax cross-entropy, with sample i's label y_i, probabilities p_i and logit Jacobian J_i,

    G = (1/N) sum_i J_i^T (diag p_i - p_i p_i^T) J_i = (1/N) sum_i sum_c' p_ic' h_ic' h_ic'^T,
    h_ic' = J_i^T (e_c' - p_i)        (the loss gradient sample i would have if its label were c').

Grouping the terms by (c, c') = (true class, logit), after Papyan 2019 ("Measurements of
three-level hierarchical structure in the outliers in the spectrum of deepnet Hessians", ICML,
Sec. 2) and Papyan 2020 ("Traces of class/cross-class structure pervade deep learning spectra",
JMLR, Sec. 3), G splits exactly into a between part and a within part:

    G = G_class + G_within,   G_class = sum_{c,c'} w_cc' delta_cc' delta_cc'^T,
    w_cc' = (1/N) sum_{i in c} p_ic',   delta_cc' = sum_{i in c} p_ic' h_ic' / (N w_cc'),

and G_within (the weighted scatter of the h_ic' about their class/cross-class means) is PSD.
Since sum_c' p_ic' h_ic' = 0 for every sample, G_class has rank at most k (k - 1).

The prediction: H = G_class + rest, rest = G_within + (H - G). By Weyl's inequality
``mu_j + lambda_min(rest) <= lambda_j(H) <= mu_j + lambda_max(rest)`` (mu_j: the eigenvalues of
G_class), and every eigenvalue of H past G_class's rank is at most lambda_max(rest). So the
eigenvalues mu_j of G_class above lambda_max(rest) predict outliers at mu_j; G_class's spectrum
is itself layered (Papyan 2019: k class outliers, then up to k (k - 1) cross-class ones), and
the *predicted count* is its top layer (:func:`predicted_count`). Cost: k Jacobian passes (one per class,
``jacrev`` over k logit sums) for the k^2 vectors w^(1/2) delta, a k^2 x k^2 Gram matrix, and a
few dozen products with ``H - G_class`` for lambda_max(rest) and lambda_min(rest).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor, nn
from torch.func import functional_call, jacrev

from hessbook.curvature.lanczos import lanczos
from hessbook.curvature.operators import DenseOperator, eval_mode, model_in, precision, trainable


@dataclass(frozen=True)
class ClassStructure:
    """G_class's spectrum against the rest of the Hessian, and the outliers they predict."""

    class_eigenvalues: Tensor
    """Eigenvalues of G_class, descending (k^2 of them, at most k (k - 1) nonzero), float64."""
    rest_max: float
    """lambda_max(H - G_class): the edge below which G_class's eigenvalues would sink into the bulk."""
    rest_min: float
    """lambda_min(H - G_class)."""
    predicted: int
    """The predicted number of outliers (:func:`predicted_count`)."""
    weights: Tensor
    """(k, k) w_cc': the share of G's weight on true class c, logit c'."""
    rest_converged: bool
    rest_products: int

    @property
    def predicted_locations(self) -> Tensor:
        """The predicted outliers' eigenvalues (the top ``predicted`` mu_j)."""
        return self.class_eigenvalues[: self.predicted]


def check_labels(x: Tensor, y: Tensor, num_classes: int) -> None:
    """``y``: one integer label in ``0 .. num_classes - 1`` per sample of ``x``. A label outside
    would fall in no class's group and silently leave the split (and its count) short."""
    if num_classes < 2:
        raise ValueError(f"num_classes = {num_classes}: need at least 2 classes")
    if y.dim() != 1 or len(y) != len(x):
        raise ValueError(f"y of shape {tuple(y.shape)}: expected one integer label per sample of x ({len(x)})")
    if y.is_floating_point() or y.is_complex() or y.dtype == torch.bool:
        raise ValueError(f"y of dtype {y.dtype}: expected integer class labels 0 .. {num_classes - 1}")
    outside = y[(y < 0) | (y >= num_classes)]
    if len(outside):
        bad = sorted({int(v) for v in outside.tolist()})
        shown = bad[:10] + (["..."] if len(bad) > 10 else [])
        raise ValueError(f"labels {shown} ({len(outside)} sample(s)) outside the classes; "
                         f"accepted: 0 .. {num_classes - 1} (num_classes = {num_classes})")


def check_outputs(num_classes: int, logits: Tensor) -> None:
    """The model must give one logit per class: otherwise the Jacobian's rows would be regrouped
    by the wrong k (a raw reshape error, or for some sizes a silent wrong split)."""
    if logits.dim() != 2 or logits.shape[1] != num_classes:
        width = logits.shape[1] if logits.dim() == 2 else f"an output of shape {tuple(logits.shape)}, not"
        raise ValueError(f"num_classes = {num_classes} but the model gives {width} logits per sample; "
                         f"accepted: {width} (the model's number of outputs)")


def class_mean_vectors(model: nn.Module, x: Tensor, y: Tensor, num_classes: int,
                       dtype: torch.dtype = torch.float64) -> tuple[Tensor, Tensor]:
    """(U, w): the k^2 rows u_cc' = w_cc'^(1/2) delta_cc' (so G_class = U^T U), shape (k^2, P) with
    row c k + c', and the (k, k) weights w_cc'. Parameters in ``named_parameters`` order.

    sum_{i in c} p_ic' h_ic' is the gradient of sum_{i in c} p_ic' (z_ic' - p_i . z_i) with p held
    fixed, so one ``jacrev`` over the k logit sums of class c gives all of class c's rows.

    Raises ValueError for a label outside ``0 .. num_classes - 1`` or a model whose number of
    outputs is not ``num_classes``."""
    check_labels(x, y, num_classes)
    model = model_in(model, dtype)
    p0 = {n: p.detach() for n, p in trainable(model).items()}
    n, k = len(x), num_classes
    x = x.to(next(iter(p0.values())).device, dtype)
    y = y.to(x.device)
    rows, weights = [], torch.zeros(k, k, dtype=torch.float64, device=x.device)
    with eval_mode(model), precision(dtype):
        with torch.no_grad():
            logits = functional_call(model, p0, (x,))
            check_outputs(k, logits)
            probs = torch.softmax(logits, 1)
        for c in range(k):
            xc, pc = x[y == c], probs[y == c]

            def sums(params: dict[str, Tensor]) -> Tensor:
                z = functional_call(model, params, (xc,))
                return (pc * (z - (pc * z).sum(1, keepdim=True))).sum(0)

            jac = jacrev(sums)(p0)
            S = torch.cat([jac[name].reshape(k, -1) for name in p0], 1).to(torch.float64)
            w = pc.sum(0).to(torch.float64) / n
            weights[c] = w
            scale = torch.where(w > 0, 1.0 / (n * w.clamp_min(1e-300).sqrt()), torch.zeros_like(w))
            rows.append(S * scale[:, None])
    return torch.cat(rows, 0), weights


class _RestOperator(DenseOperator):
    """v -> H v - U^T (U v), without forming U^T U (k^2 P^2 flops for k = 50)."""

    def __init__(self, H: Tensor, U: Tensor):
        super().__init__(H)
        self.U = U.to(torch.float64)

    def matmat(self, V: Tensor) -> Tensor:
        V = V.to(torch.float64)
        return super().matmat(V) - self.U.T @ (self.U @ V)


def class_structure(model: nn.Module, x: Tensor, y: Tensor, num_classes: int, H: Tensor, *,
                    tol: float = 1e-6, seed: int = 0) -> ClassStructure:
    """G_class's eigenvalues, lambda_max and lambda_min of ``H - G_class`` (Lanczos on the dense
    ``H``, P x P, symmetric), and the predicted outliers (see module)."""
    if H.dim() != 2 or H.shape[0] != H.shape[1]:
        raise ValueError(f"H of shape {tuple(H.shape)}: expected the square P x P Hessian")
    U, w = class_mean_vectors(model, x, y, num_classes)
    if U.shape[1] != H.shape[0]:
        raise ValueError(f"H is {H.shape[0]} x {H.shape[0]} but the model has {U.shape[1]} parameters")
    U = U.to(H.device)
    mu = torch.linalg.eigvalsh(U @ U.T).flip(0).clamp_min(0.0)
    rest = _RestOperator(H, U)
    top = lanczos(rest, 1, which="LA", tol=tol, seed=seed)
    bottom = lanczos(rest, 1, which="SA", tol=tol, seed=seed)
    rest_max, rest_min = float(top.eigenvalues[0]), float(bottom.eigenvalues[0])
    return ClassStructure(class_eigenvalues=mu.cpu(), rest_max=rest_max, rest_min=rest_min,
                          predicted=predicted_count(mu, rest_max), weights=w.cpu(),
                          rest_converged=bool(top.converged and bottom.converged), rest_products=rest.n_products)


def predicted_count(class_eigenvalues: Tensor, rest_max: float) -> int:
    """The predicted number of outliers: G_class's eigenvalues above the bulk edge ``rest_max``, cut
    at their largest consecutive ratio (the last one taken against the edge).

    G_class's spectrum is itself layered (Papyan 2019: a top level of class outliers, then up to
    k (k - 1) smaller cross-class ones); every layer above the edge stands out of the bulk, and
    the largest ratio separates the top layer from the next.

    Raises ValueError for a non-finite ``rest_max`` (a NaN edge compares false with every
    eigenvalue and would read as "no outlier") or non-finite eigenvalues."""
    if not math.isfinite(rest_max):
        raise ValueError(f"rest_max = {rest_max}: the bulk edge lambda_max(H - G_class) must be a finite number")
    mu = torch.as_tensor(class_eigenvalues, dtype=torch.float64)
    bad = (~torch.isfinite(mu)).nonzero().reshape(-1)
    if len(bad):
        where = ", ".join(f"{float(mu[i])} at {int(i)}" for i in bad[:5])
        raise ValueError(f"class_eigenvalues: {len(bad)} not finite ({where}); accepted: finite eigenvalues of "
                         "G_class")
    mu = mu.sort(descending=True).values
    above = mu[mu > rest_max]
    m = len(above)
    if m == 0:
        return 0
    below = torch.cat([above[1:], above.new_tensor([rest_max])]).clamp_min(max(rest_max, 1e-300))
    return int((above / below).argmax()) + 1
