import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from hessbook.curvature import HessianOperator, exact_spectra, hessian_matrix, logistic_hessian, slq, spectrum
from hessbook.data import logistic_blobs
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


def logistic_loss(out, y):
    return F.binary_cross_entropy_with_logits(out[:, 0], y.to(out.dtype))


@pytest.mark.parametrize("at_zero", [True, False])
def test_closed_form_logistic_hessian_matches_autograd(at_zero):
    x, y = logistic_blobs(30, 6, blobs=2, seed=3)
    model = nn.Linear(6, 1, bias=False)
    with torch.no_grad():
        model.weight.copy_(torch.zeros(1, 6) if at_zero else 0.3 * torch.randn(1, 6, generator=torch.Generator().manual_seed(0)))
    H = hessian_matrix(model, (x, y), loss_fn=logistic_loss)
    closed = logistic_hessian(x, model.weight.detach()[0])
    torch.testing.assert_close(H.cpu(), closed, rtol=1e-10, atol=1e-12)
    if at_zero:
        torch.testing.assert_close(closed, x.double().T @ x.double() / (4 * len(x)))


def _changes(model: nn.Module, form) -> list[str]:
    """What ``form(model)`` changed of the model: parameters' or buffers' dtype or values, modes."""
    before = {k: v.clone() for k, v in model.state_dict().items()}
    modes = [m.training for m in model.modules()]
    form(model)
    after = model.state_dict()
    changed = [k for k in before if before[k].dtype != after[k].dtype or not torch.equal(before[k], after[k])]
    return changed + (["modes"] if [m.training for m in model.modules()] != modes else [])


def _forms():
    from hessbook.curvature import (GaussNewtonOperator, InputHessianOperator, gauss_newton_matrix,
                                    input_gradient_norms, input_hessian_dense, input_hessian_exact,
                                    input_hessian_power)
    from _curv_models import image_data, tiny_cnn

    f64 = torch.float64
    return {
        "hessian_matrix": (tiny_mlp, data, lambda m, x, y: hessian_matrix(m, (x, y))),
        "gauss_newton_matrix": (tiny_mlp, data, lambda m, x, y: gauss_newton_matrix(m, (x, y))),
        "exact_spectra": (tiny_mlp, data, lambda m, x, y: exact_spectra(m, (x, y))),
        "HessianOperator": (tiny_mlp, data, lambda m, x, y: HessianOperator(m, (x, y), dtype=f64).to_dense()),
        "GaussNewtonOperator": (tiny_mlp, data, lambda m, x, y: GaussNewtonOperator(m, (x, y), dtype=f64).to_dense()),
        "input_hessian_dense": (tiny_cnn, image_data, lambda m, x, y: input_hessian_dense(m, x[0], y[0])),
        "input_hessian_exact": (tiny_cnn, image_data, lambda m, x, y: input_hessian_exact(m, (x, y), dtype=f64)),
        "input_hessian_power": (tiny_cnn, image_data, lambda m, x, y: input_hessian_power(m, (x, y), dtype=f64)),
        "input_gradient_norms": (tiny_cnn, image_data, lambda m, x, y: input_gradient_norms(m, (x, y), dtype=f64)),
        "InputHessianOperator": (tiny_cnn, image_data,
                                 lambda m, x, y: InputHessianOperator(m, x[0], y[0], dtype=f64).to_dense()),
    }


@pytest.mark.parametrize("name", sorted(_forms()))
def test_no_exact_form_changes_the_callers_model(name):
    """A float32 model in train mode (BN included) is left as it was: dtype, every parameter and
    buffer, every module's mode (a float64 form works on a copy, never converts the caller's model)."""
    make, sample, form = _forms()[name]
    x, y = sample()
    assert _changes(make().train(), lambda m: form(m, x, y)) == []


def test_the_check_sees_a_changed_model():
    """The check above can fail: a form that converts the model in place (as Y4's own dense input
    Hessian did) or leaves it in eval mode."""
    x, y = data()
    assert _changes(tiny_mlp().train(), lambda m: m.to(torch.float64)(x.double())) == ["0.weight", "0.bias",
                                                                                        "2.weight", "2.bias"]
    assert _changes(tiny_mlp().train(), lambda m: m.eval()) == ["modes"]


def _teacher_data(n: int, d: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Labels drawn from a logistic teacher: not separable when n is well above d."""
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(n, d, generator=gen, dtype=torch.float64)
    y = (torch.rand(n, generator=gen, dtype=torch.float64) < torch.sigmoid(x @ torch.ones(d, dtype=torch.float64))).to(torch.int64)
    return x, y


def test_logistic_fit_reaches_the_minimizer_scipy_finds():
    """Newton's minimizer against scipy's BFGS on the same convex loss (an independent optimizer)."""
    from scipy.optimize import minimize

    from hessbook.curvature.exact import logistic_fit

    x, y = _teacher_data(400, 6)
    fit = logistic_fit(x, y)
    assert fit.converged and not fit.separable and fit.grad_norm <= 1e-10 and 0.5 < fit.accuracy < 1.0
    X, Y = x.numpy(), y.numpy().astype(float)

    def loss_grad(w):
        z = X @ w
        return float(np.mean(np.logaddexp(0.0, z) - Y * z)), X.T @ (1 / (1 + np.exp(-z)) - Y) / len(Y)

    ref = minimize(loss_grad, np.zeros(6), jac=True, method="BFGS", options={"gtol": 1e-12, "maxiter": 1000})
    assert np.allclose(fit.w.numpy(), ref.x, atol=1e-6)
    assert fit.loss == pytest.approx(ref.fun, rel=1e-12)
    for _ in range(5):  # and it is a minimum: no nearby point is lower
        assert loss_grad(fit.w.numpy() + 1e-3 * np.random.default_rng(_).standard_normal(6))[0] > fit.loss


@pytest.mark.parametrize("n, d, separation", [(20, 30, 4.0), (200, 5, 40.0)])
def test_logistic_fit_stops_on_separable_data(n, d, separation):
    """N <= d (any labels) or blobs far apart: no minimizer; the fit says separable, not converged."""
    from hessbook.curvature.exact import logistic_fit

    x, y = logistic_blobs(n, d, blobs=2 if n > d else 1, separation=separation, seed=1)
    fit = logistic_fit(x, y)
    assert fit.separable and not fit.converged and fit.accuracy == 1.0
    assert bool((((x.double() @ fit.w) > 0) == (y > 0)).all())


def test_logistic_fit_rejects_bad_input():
    from hessbook.curvature.exact import logistic_fit

    x, y = _teacher_data(50, 3)
    with pytest.raises(ValueError, match=r"in \{0, 1\}"):
        logistic_fit(x, y + 1)
    with pytest.raises(ValueError, match="tol=0"):
        logistic_fit(x, y, tol=0)


def test_logistic_fit_reads_a_sample_on_the_boundary_as_wrong():
    """Review of 2026-12-06: at w = 0 every sample is on the boundary; with all labels 0 a tie
    counted as correct read 'separable' at once, though Gaussian data surround the origin and the
    loss has a minimizer."""
    from hessbook.curvature.exact import logistic_fit

    x, _ = _teacher_data(2000, 5)
    for label in (0, 1):
        fit = logistic_fit(x, torch.full((2000,), label))
        assert fit.converged and not fit.separable and fit.iterations > 0


def test_logistic_fit_stops_at_max_iter_neither_converged_nor_separable():
    from hessbook.curvature.exact import logistic_fit

    x, y = _teacher_data(400, 6)
    fit = logistic_fit(x, y, max_iter=1)
    assert fit.iterations == 1 and not fit.converged and not fit.separable and fit.grad_norm > 1e-10
