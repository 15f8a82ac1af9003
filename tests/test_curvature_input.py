import pytest
import torch
import torch.nn.functional as F
from torch import nn

from hessbook.curvature import (InputHessianOperator, input_gradient_norms, input_hessian_exact,
                                input_hessian_power, lanczos)

from _curv_models import data, image_data, tiny_cnn, tiny_mlp


def dense_input_hessian(model, x, y):
    m = model.double().eval() if False else model
    return torch.autograd.functional.hessian(lambda z: F.cross_entropy(m(z[None]), y[None]), x)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_exact_input_hessian_against_dense(dtype):
    m = tiny_cnn()
    x, y = image_data(n=6)
    m.train()
    r = input_hessian_exact(m, (x, y), batch_size=4, dtype=dtype)
    assert m.training and m[1].training  # mode restored
    m64 = tiny_cnn().double().eval()
    for i in range(6):
        H = dense_input_hessian(m64, x[i].double(), y[i]).reshape(36, 36)
        ev = torch.linalg.eigvalsh(H).flip(0)
        tol = 1e-10 if dtype == torch.float64 else 1e-5
        assert torch.allclose(r.eigenvalues[i], ev[:4], atol=tol * max(1.0, float(ev[0])))
        assert ev[4:].abs().max() < 1e-10  # rank <= c (Prop. 2)
        assert ev.min() > -1e-10  # PSD (Theorem 1)
        g = torch.autograd.functional.jacobian(lambda z: F.cross_entropy(m64(z[None]), y[i][None]), x[i].double())
        assert abs(float(r.grad_norms[i]) - float(g.norm())) < tol * 10
    assert (r.rank <= 3).all()  # S has the all-ones null vector: rank <= c - 1
    assert torch.equal(r.lambda_max, r.eigenvalues[:, 0])


def test_power_and_lanczos_cross_check_exact():
    m = tiny_cnn()
    x, y = image_data(n=8)
    ex = input_hessian_exact(m, (x, y), dtype=torch.float64)
    pw = input_hessian_power(m, (x, y), batch_size=5, tol=1e-10, max_iter=2000, dtype=torch.float64)
    assert pw.converged.all()
    assert torch.allclose(pw.lambda1, ex.lambda_max, rtol=1e-6, atol=1e-12)
    assert pw.n_products == int(pw.iterations.sum())
    op = InputHessianOperator(m, x[0], y[0], dtype=torch.float64)
    lz = lanczos(op, 2, tol=1e-8)
    assert torch.allclose(lz.eigenvalues, ex.eigenvalues[0, :2], rtol=1e-6, atol=1e-12)


def test_iterative_path_on_smooth_network_differs_from_gauss_newton_form():
    m = tiny_mlp(act=nn.Tanh, d=6, h=5, c=3).double()
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(4, 6, generator=g, dtype=torch.float64), torch.tensor([0, 1, 2, 0])
    for i in range(4):
        H = dense_input_hessian(m.eval(), x[i], y[i])
        ev = torch.linalg.eigvalsh(H)
        op = InputHessianOperator(m, x[i], y[i], dtype=torch.float64)
        top = lanczos(op, 1, tol=1e-10).eigenvalues[0]
        assert abs(float(top) - float(ev[-1])) < 1e-8
    norms = input_gradient_norms(m, (x, y), dtype=torch.float64)
    ref = torch.stack([torch.autograd.functional.jacobian(lambda z: F.cross_entropy(m(z[None]), y[i][None]), x[i]).norm()
                       for i in range(4)])
    assert torch.allclose(norms, ref, atol=1e-12)


def test_input_gradient_norms_hold_no_autograd_graph():
    m = tiny_mlp(act=nn.Tanh, d=6, h=5, c=3)
    x, y = torch.randn(4, 6), torch.tensor([0, 1, 2, 0])
    norms = input_gradient_norms(m, (x, y))
    assert not norms.requires_grad and norms.grad_fn is None
    assert norms.numpy().shape == (4,)


class FunctionalTanh(nn.Module):
    """Smooth without an activation module: only the numerical check can tell."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.a, self.b = nn.Linear(5, 8), nn.Linear(8, 3)

    def forward(self, x):
        return self.b(torch.tanh(self.a(x)))


@pytest.mark.parametrize("act", [nn.Tanh, nn.SiLU, nn.GELU, nn.Sigmoid, nn.Softplus, nn.ELU])
def test_exact_input_hessian_refuses_smooth_networks(act):
    m = tiny_mlp(act=act, d=5, h=8, c=3)
    x, y = torch.randn(6, 5, generator=torch.Generator().manual_seed(0)), torch.tensor([0, 1, 2, 0, 1, 2])
    with pytest.raises(ValueError, match=rf"smooth .*\(({act.__name__})\).*input_hessian_power.*assume_piecewise_linear=True"):
        input_hessian_exact(m, (x, y))
    gn = input_hessian_exact(m, (x, y), assume_piecewise_linear=True)  # J^T S J on purpose
    assert gn.eigenvalues.shape == (6, 3)


def test_exact_input_hessian_checks_piecewise_linearity_numerically():
    x, y = torch.randn(6, 5, generator=torch.Generator().manual_seed(0)), torch.tensor([0, 1, 2, 0, 1, 2])
    with pytest.raises(ValueError, match=r"not piecewise linear in its input.*differs from J\^T S J v"):
        input_hessian_exact(FunctionalTanh(), (x, y))
    for act in (nn.ReLU, nn.LeakyReLU):  # piecewise linear: accepted
        input_hessian_exact(tiny_mlp(act=act, d=5, h=8, c=3), (x, y))


def test_input_hessian_operator_wants_one_sample():
    m = tiny_mlp(act=nn.ReLU, d=5, h=4, c=3)
    x, y = data(n=4)
    with pytest.raises(ValueError, match=r"one sample.*got x of shape \(4, 5\) and y of shape \(4,\)"):
        InputHessianOperator(m, x, y)
    with pytest.raises(ValueError, match=r"one sample without a batch dimension: x of shape \(1, 5\)"):
        InputHessianOperator(m, x[:1], y[0])
    assert InputHessianOperator(m, x[0], y[0]).num_params == 5


def test_input_hessian_operator_follows_the_model_it_was_built_on():
    """Issue 27 (1): a float64 operator on a float32 model works on a copy; a change of the
    model's parameters after construction reaches the products (no stale copy)."""
    m = tiny_mlp()
    x, y = data(n=1)
    op = InputHessianOperator(m, x[0], y[0], dtype=torch.float64)
    v = torch.randn(x[0].numel(), dtype=torch.float64)
    op.matvec(v)
    with torch.no_grad():
        for p in m.parameters():
            p.data.mul_(1.5)
    m64 = tiny_mlp().double().eval()
    m64.load_state_dict(m.state_dict())
    H = torch.autograd.functional.hessian(lambda z: F.cross_entropy(m64(z[None]), y[:1]), x[0].double())
    assert torch.allclose(op.matvec(v), H @ v, atol=1e-10)
