import torch
from torch import nn

from hessbook.curvature import HessianOperator, exact_spectra, slq, spectrum
from hessbook.curvature.exact import gauss_newton_matrix

from _curv_models import data, flat_loss_hessian, tiny_mlp


def test_exact_spectra_against_autograd_hessian():
    m = tiny_mlp(act=nn.Tanh)
    x, y = data(n=15)
    r = exact_spectra(m, (x, y), batch_size=4)
    H_ref = flat_loss_hessian(m, x, y)
    assert torch.allclose(r.H, H_ref, atol=1e-12)
    assert torch.allclose(r.hessian, torch.linalg.eigvalsh(H_ref).flip(0), atol=1e-12)
    assert r.asymmetry < 1e-12
    # G is PSD with rank <= N * (c - 1) (softmax: S has the all-ones null vector)
    assert r.gauss_newton.min() > -1e-12
    rank = int((r.gauss_newton > 1e-10 * r.gauss_newton[0]).sum())
    assert rank <= 15 * 2
    assert torch.allclose(r.residual, spectrum(r.H - r.G), atol=1e-12)
    assert torch.allclose(r.R, r.H - r.G)


def test_gauss_newton_equals_hessian_for_linear_model_ce():
    torch.manual_seed(0)
    m = nn.Linear(4, 3)
    x, y = data(n=20, d=4)
    r = exact_spectra(m, (x, y))
    assert torch.allclose(r.H, r.G, atol=1e-12)
    assert r.residual.abs().max() < 1e-12


def test_gauss_newton_matrix_float32_close():
    m = tiny_mlp(act=nn.ReLU)
    x, y = data(n=10)
    G64 = gauss_newton_matrix(m, (x, y))
    G32 = gauss_newton_matrix(m, (x, y), dtype=torch.float32, batch_size=3)
    assert torch.allclose(G32, G64, atol=1e-5)


def test_slq_matches_exact_spectrum_of_a_network():
    m = tiny_mlp(act=nn.Tanh, d=8, h=10, c=4)
    x, y = data(n=40, d=8, c=4)
    op = HessianOperator(m, (x, y), dtype=torch.float64)
    ev = torch.linalg.eigvalsh(op.to_dense())
    P = len(ev)
    d = slq(op, n_vectors=20, m=40, seed=0)
    assert d.n_products == 20 * 40
    # moments: exact per vector up to degree 2m-1, so only the trace estimator's noise remains
    for p in (1, 2):
        true = float((ev ** p).mean())
        assert abs(d.moment(p) - true) < 0.25 * abs(true) + 1e-12
    grid = torch.linspace(float(ev.min()) - 0.1, float(ev.max()) + 0.1, 400)
    cdf_true = (ev[None, :] <= grid[:, None]).double().mean(1)
    assert (d.cdf(grid) - cdf_true).abs().max() < 0.15
    dens = d.density(grid, sigma=0.02 * float(ev.abs().max()))
    integral = float(torch.trapezoid(dens, grid))
    assert abs(integral - 1) < 0.05
    assert P == op.num_params


def test_slq_on_known_matrix():
    g = torch.Generator().manual_seed(0)
    eigs = torch.cat([torch.full((150,), -1.0), torch.full((150,), 2.0)]).double()
    Q, _ = torch.linalg.qr(torch.randn(300, 300, generator=g, dtype=torch.float64))
    A = Q @ torch.diag(eigs) @ Q.T
    d = slq(A, n_vectors=8, m=10)
    assert abs(d.cdf(torch.tensor([0.5]))[0] - 0.5) < 0.1
    assert abs(d.moment(1) - 0.5) < 0.15
