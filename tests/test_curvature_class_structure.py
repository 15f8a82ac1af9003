"""The class/cross-class split of the Gauss-Newton matrix against references built another way:
per-sample Jacobians by ``torch.autograd.functional.jacobian`` (one sample at a time, float64),
the Gauss-Newton matrix of :func:`gauss_newton_matrix`, dense ``eigvalsh`` of H - G_class."""

from __future__ import annotations

import pytest
import torch
from _curv_models import data, flat_loss_hessian, tiny_mlp
from torch import nn

from hessbook.curvature import gauss_newton_matrix
from hessbook.curvature.class_structure import class_mean_vectors, class_structure, predicted_count


def per_sample_h(model: nn.Module, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(J, p): logit Jacobians (n, k, P) one sample at a time, and the softmax probabilities."""
    m = model.double().eval()
    params = list(m.parameters())
    shapes = [p.shape for p in params]
    flat0 = torch.cat([p.detach().reshape(-1) for p in params])

    def logits(flat: torch.Tensor, xi: torch.Tensor) -> torch.Tensor:
        out, i = xi[None], 0
        chunks = []
        for s in shapes:
            n = int(torch.tensor(s).prod())
            chunks.append(flat[i:i + n].reshape(s))
            i += n
        return torch.func.functional_call(m, dict(zip([n for n, _ in m.named_parameters()], chunks)), (out,))[0]

    J = torch.stack([torch.autograd.functional.jacobian(lambda f: logits(f, xi), flat0) for xi in x.double()])
    with torch.no_grad():
        p = torch.softmax(m(x.double()), 1)
    return J, p


def reference_split(model: nn.Module, x: torch.Tensor, y: torch.Tensor, k: int):
    """G_class and G_within from the definitions, sample by sample."""
    J, p = per_sample_h(model, x)
    n, _, P = J.shape
    E = torch.eye(k, dtype=torch.float64)
    G_class = torch.zeros(P, P, dtype=torch.float64)
    G_within = torch.zeros(P, P, dtype=torch.float64)
    for c in range(k):
        idx = (y == c).nonzero().reshape(-1)
        for cp in range(k):
            h = torch.stack([J[i].T @ (E[cp] - p[i]) for i in idx])  # (n_c, P)
            wts = p[idx, cp]
            w = float(wts.sum()) / n
            delta = (wts[:, None] * h).sum(0) / (n * w)
            G_class += w * torch.outer(delta, delta)
            dev = h - delta
            G_within += (wts[:, None] * dev).T @ dev / n
    return G_class, G_within


def test_class_split_matches_the_definition_and_sums_to_the_gauss_newton_matrix():
    torch.manual_seed(0)
    k = 3
    model = tiny_mlp(nn.Tanh, c=k)
    x, y = data(n=15, c=k)
    U, w = class_mean_vectors(model, x, y, k)
    G_class_ref, G_within_ref = reference_split(model, x, y, k)
    assert torch.allclose(U.T @ U, G_class_ref, atol=1e-10)
    G = gauss_newton_matrix(model, (x, y))
    assert torch.allclose(G_class_ref + G_within_ref, G, atol=1e-10)  # the split is exact
    assert float(torch.linalg.eigvalsh(G_within_ref).min()) > -1e-10  # the within part is PSD
    assert torch.allclose(w.sum(1), torch.bincount(y, minlength=k).double() / len(y), atol=1e-12)
    # sum_c' p_ic' h_ic' = 0 for every sample: G_class has rank <= k (k - 1)
    assert int((torch.linalg.eigvalsh(U @ U.T) > 1e-12).sum()) <= k * (k - 1)


def test_rest_edges_are_the_dense_extremes_and_weyl_brackets_the_hessian():
    k = 3
    model = tiny_mlp(nn.Tanh, c=k)
    x, y = data(n=15, c=k)
    H = flat_loss_hessian(model, x, y)
    cs = class_structure(model, x, y, k, H, tol=1e-10)
    U, _ = class_mean_vectors(model, x, y, k)
    rest = torch.linalg.eigvalsh(H - U.T @ U)
    assert abs(cs.rest_max - float(rest[-1])) < 1e-8 and abs(cs.rest_min - float(rest[0])) < 1e-8
    lam = torch.linalg.eigvalsh(H).flip(0)
    mu = cs.class_eigenvalues
    r = len(mu)
    # Weyl: mu_j + lambda_min(rest) <= lambda_j(H) <= mu_j + lambda_max(rest)
    assert bool((lam[:r] <= mu + cs.rest_max + 1e-9).all()) and bool((lam[:r] >= mu + cs.rest_min - 1e-9).all())


def test_predicted_count_is_the_top_level_of_a_two_level_spectrum():
    mu = torch.tensor([10.0, 9.0, 8.5, 1.0, 0.9, 0.8, 0.0, 0.0, 0.0])
    assert predicted_count(mu, rest_max=0.1) == 3
    # nothing clears the bulk edge: no outlier predicted
    assert predicted_count(mu, rest_max=20.0) == 0
    # the bulk edge between the second and third: the top two, whose ratio to the edge is the largest
    assert predicted_count(torch.tensor([10.0, 9.5, 3.0, 2.9, 0.0]), rest_max=5.0) == 2


def test_a_label_outside_the_classes_is_named_not_counted():
    k = 3
    model = tiny_mlp(nn.Tanh, c=k)
    x, y = data(n=15, c=k)
    H = flat_loss_hessian(model, x, y)
    bad = y.clone()
    bad[4] = k  # one label past the last class
    with pytest.raises(ValueError, match=r"labels \[3\].*accepted: 0 \.\. 2 \(num_classes = 3\)"):
        class_structure(model, x, bad, k, H)
    bad[4] = -1
    with pytest.raises(ValueError, match=r"labels \[-1\].*accepted: 0 \.\. 2"):
        class_mean_vectors(model, x, bad, k)
    with pytest.raises(ValueError, match=r"y of shape \(14,\).*one integer label per sample of x \(15\)"):
        class_mean_vectors(model, x, y[:14], k)
    with pytest.raises(ValueError, match=r"y of dtype torch.float32.*integer class labels"):
        class_mean_vectors(model, x, y.float(), k)


@pytest.mark.parametrize("num_classes", [2, 4, 6])
def test_num_classes_that_does_not_match_the_model_is_named(num_classes):
    model = tiny_mlp(nn.Tanh, c=3)  # 3 logits; 2 would reshape silently (3 P = 2 (3 P / 2) for even P)
    x, y = data(n=15, c=2)
    H = flat_loss_hessian(model, x, y)
    with pytest.raises(ValueError, match=rf"num_classes = {num_classes}.*the model gives 3 logits.*accepted: 3"):
        class_structure(model, x, y, num_classes, H)


@pytest.mark.parametrize("rest_max", [float("nan"), float("inf"), float("-inf")])
def test_predicted_count_refuses_a_bulk_edge_that_is_not_a_number(rest_max):
    with pytest.raises(ValueError, match=rf"rest_max = {rest_max}: .*a finite number"):
        predicted_count(torch.tensor([10.0, 1.0]), rest_max)


def test_predicted_count_refuses_eigenvalues_that_are_not_finite():
    with pytest.raises(ValueError, match=r"class_eigenvalues: 1 not finite \(nan at 1\).*accepted: finite"):
        predicted_count(torch.tensor([10.0, float("nan"), 1.0]), 0.5)
