"""Batched CG, the singular input Hessian, and FHSM/L2HESS against dense solves."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from attack_fixtures import CLASSES, TinyCNN, TinyMLP, data, trained

from hessbook.attacks import conjugate_gradient, fhsm, input_hvp, l2hess, newton_direction
from hessbook.attacks._common import project
from hessbook.curvature import input_hessian_exact


def _spd_batch(n: int, d: int, conds, seed: int = 0, rank: int | None = None):
    g = torch.Generator().manual_seed(seed)
    mats = []
    for i in range(n):
        q, _ = torch.linalg.qr(torch.randn(d, d, generator=g, dtype=torch.float64))
        lam = torch.logspace(0, -torch.log10(torch.tensor(float(conds[i]))).item(), d, dtype=torch.float64)
        if rank is not None:
            lam[rank:] = 0
        mats.append(q @ torch.diag(lam) @ q.T)
    return torch.stack(mats)


def _matvec(a):
    return lambda v: (a @ v[:, :, None])[:, :, 0]


def test_cg_solves_spd_batch_to_per_sample_tolerance():
    a = _spd_batch(4, 30, conds=[1, 10, 1e3, 1e4])
    b = torch.randn(4, 30, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    rtol = torch.tensor([1e-2, 1e-6, 1e-8, 1e-10], dtype=torch.float64)
    res = conjugate_gradient(_matvec(a), b, rtol=rtol, max_iter=200)
    assert bool(res.converged.all()) and not bool(res.breakdown.any())
    true = (b - (a @ res.solution[:, :, None])[:, :, 0]).norm(dim=1)
    torch.testing.assert_close(res.residual_norms, true)
    assert bool((true <= rtol * b.norm(dim=1)).all())
    exact = torch.linalg.solve(a, b)
    err = (res.solution - exact).norm(dim=1) / exact.norm(dim=1)
    assert float(err[1:].max()) < 1e-3 and float(err[3]) < 1e-6
    assert res.iterations[0] < res.iterations[3]  # per-sample stopping
    # each sample alone gives the same answer
    for i in range(4):
        one = conjugate_gradient(_matvec(a[i : i + 1]), b[i : i + 1], rtol=rtol[i].item(), max_iter=200)
        torch.testing.assert_close(one.solution[0], res.solution[i], rtol=1e-8, atol=1e-10)
        assert abs(int(one.iterations[0]) - int(res.iterations[i])) <= max(1, int(res.iterations[i]) // 10)


def test_cg_flags_non_convergence_at_the_iteration_cap():
    a = torch.stack([torch.eye(50, dtype=torch.float64), _spd_batch(1, 50, conds=[1e6])[0]])
    b = torch.ones(2, 50, dtype=torch.float64)
    res = conjugate_gradient(_matvec(a), b, rtol=1e-10, max_iter=3)
    assert res.converged.tolist() == [True, False]
    assert res.hit_cap.tolist() == [False, True]
    assert res.iterations.tolist() == [1, 3]
    assert float(res.residual_norms[1]) > 1e-10 * float(b[1].norm())
    assert res.summary()["hit_cap"] == 1


def test_cg_zero_rhs_is_zero_and_converged():
    a = _spd_batch(2, 5, conds=[1, 1])
    b = torch.zeros(2, 5, dtype=torch.float64)
    res = conjugate_gradient(_matvec(a), b, rtol=1e-6)
    assert torch.equal(res.solution, b) and bool(res.converged.all()) and res.iterations.tolist() == [0, 0]


def test_cg_singular_consistent_system_gives_minimum_norm_solution():
    """From x0 = 0 the iterates stay in range(A): CG returns A^+ b, in <= rank steps."""
    a = _spd_batch(3, 40, conds=[10, 100, 1000], rank=4)
    z = torch.randn(3, 40, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    b = (a @ z[:, :, None])[:, :, 0]
    res = conjugate_gradient(_matvec(a), b, rtol=1e-10, max_iter=50)
    assert bool(res.converged.all()) and int(res.iterations.max()) <= 4 + 1
    pinv = (torch.linalg.pinv(a, hermitian=True, rtol=1e-10) @ b[:, :, None])[:, :, 0]
    torch.testing.assert_close(res.solution, pinv, rtol=1e-7, atol=1e-9)


def test_cg_singular_inconsistent_system_is_flagged_not_converged():
    """A right-hand side with a null-space part n: the residual cannot drop below ||n||, so
    the sample is never flagged converged, and the reported residual is the true one."""
    a = _spd_batch(1, 30, conds=[100], rank=3)
    evals, evecs = torch.linalg.eigh(a[0])
    null = evecs[:, 0]  # eigenvalue 0
    b = (a[0] @ torch.ones(30, dtype=torch.float64) + 0.5 * null)[None]
    res = conjugate_gradient(_matvec(a), b, rtol=1e-6, max_iter=10)
    assert res.converged.tolist() == [False]
    assert bool(res.hit_cap[0] or res.breakdown[0])
    true = float((b[0] - a[0] @ res.solution[0]).norm())
    assert float(res.residual_norms[0]) == pytest.approx(true)
    assert true >= 0.5 * (1 - 1e-9)


def _dense_input_hessian(model, x1, y1):
    def f(z):
        return F.cross_entropy(model(z[None]), y1[None], reduction="sum")

    d = x1.numel()
    h = torch.autograd.functional.hessian(f, x1).reshape(d, d)
    xg = x1.clone().requires_grad_(True)
    (g,) = torch.autograd.grad(f(xg), xg)
    return h, g.reshape(d)


@pytest.mark.parametrize("kind", ["mlp", "cnn"])
@pytest.mark.parametrize("state", ["trained", "random"])
def test_input_hessian_psd_low_rank_and_cg_matches_pseudo_inverse(kind, state):
    torch.manual_seed(3)
    model = trained(kind, torch.float64) if state == "trained" else \
        {"mlp": TinyMLP, "cnn": TinyCNN}[kind]().double().eval()
    x, y = data(8, seed=4)
    x = x.double()
    # a trained (saturated) model has eigenvalues down to ~1e-9 of the top one: asking 1e-10
    # there lets rounding drift the iterate into the null space (module docstring)
    rtol = 1e-10 if state == "random" else 1e-6
    d, g, _, cg = newton_direction(model, x, y, rtol=rtol, max_iter=50)
    _, _, hvp = input_hvp(model, x, y)
    v = torch.randn_like(x)
    hv = hvp(v)
    for i in range(len(y)):
        h, gi = _dense_input_hessian(model, x[i], y[i])
        torch.testing.assert_close(h, h.T, rtol=1e-10, atol=1e-12)
        evals = torch.linalg.eigvalsh(h)
        top = float(evals.abs().max())
        assert float(evals.min()) >= -1e-7 * top  # Y Theorem 1: PSD
        rank = int((evals > 1e-7 * top).sum())
        assert rank <= CLASSES - 1 <= CLASSES  # Y Prop. 2 (<= c; S 1 = 0 gives <= c - 1)
        if state == "random":  # <= rank in exact arithmetic; a trained (saturated) model's
            assert int(cg.iterations[i]) <= rank + 2  # tiny eigenvalues cost a few more at rtol 1e-10
        torch.testing.assert_close(hv[i].reshape(-1), h @ v[i].reshape(-1), rtol=1e-9, atol=1e-12)
        torch.testing.assert_close(g[i].reshape(-1), gi, rtol=1e-10, atol=1e-14)
        di = d[i].reshape(-1)
        # the dense Hessian confirms the solve: small residual, no null-space component
        assert float((h @ di - gi).norm()) <= 10 * rtol * float(gi.norm())
        w, q = torch.linalg.eigh(h)
        null = q[:, w.abs() <= 1e-12 * top]
        assert float((null.T @ di).norm()) <= 1e-4 * float(di.norm())
        if state == "random":  # well-conditioned: equal to the pseudo-inverse solution
            pinv = torch.linalg.pinv(h, hermitian=True, rtol=1e-7) @ gi
            err = float((di - pinv).norm() / pinv.norm())
            assert err < 1e-6, (i, err, cg.summary())
    # converged, or stopped on vanishing curvature with a tiny true residual
    assert bool((cg.converged | (cg.residual_norms <= 1e-6 * cg.rhs_norms)).all())
    if state == "random":
        assert bool(cg.converged.all())


def test_fhsm_and_l2hess_follow_the_dense_newton_direction():
    model = trained("cnn", torch.float64)
    x, y = data(6, seed=5)
    x = x.double()
    eps_inf, eps_2 = 0.1, 1.0
    a = fhsm(model, x, y, eps=eps_inf, rtol=1e-10)
    b = l2hess(model, x, y, eps=eps_2, rtol=1e-10)
    for i in range(len(y)):
        h, gi = _dense_input_hessian(model, x[i], y[i])
        n = torch.linalg.pinv(h, hermitian=True, rtol=1e-9) @ gi
        n = n.reshape(x[i].shape)[None]
        big = n.abs() > 1e-6 * n.abs().max()  # signs of numerically-zero components may differ
        expect = project(x[i : i + 1] + eps_inf * n.sign(), x[i : i + 1], eps_inf, "linf")
        assert torch.equal(a.x_adv[i : i + 1][big], expect[big])
        expect2 = project(x[i : i + 1] + eps_2 * n / n.norm(), x[i : i + 1], eps_2, "l2")
        torch.testing.assert_close(b.x_adv[i : i + 1], expect2, rtol=0, atol=1e-6)
    assert not bool(a.fallback.any())


def test_forcing_sqrt_sets_per_sample_tolerance():
    model = trained("mlp", torch.float64)
    x, y = data(10, seed=6)
    _, g, _, cg = newton_direction(model, x.double(), y, rtol=0.1, forcing="sqrt")
    gn = g.reshape(10, -1).norm(dim=1)
    expected = torch.clamp(gn.sqrt(), max=0.1).clamp_min(torch.finfo(torch.float64).eps) * gn
    torch.testing.assert_close(cg.tolerance, expected)


def test_float64_solve_rescues_saturated_float32_models():
    """The finding documented in second_order: a confident float32 model breaks CG in float32
    (the gradient leaves range(H_x) by rounding); the default float64 solve converges."""
    model = trained("mlp")
    x, y = data(60)
    r32 = l2hess(model, x, y, eps=1.0, solve_dtype="model")
    r64 = l2hess(model, x, y, eps=1.0)
    assert bool(r64.cg.converged.all()) and int(r64.cg.iterations.max()) <= CLASSES
    assert int(r32.cg.converged.sum()) < 60
    assert r64.x_adv.dtype == torch.float32
    assert {n: m.training for n, m in model.named_modules()} == {n: False for n, _ in model.named_modules()}


def test_cg_iterations_bounded_by_exact_low_rank_of_the_curvature_library():
    """The curvature library's exact low-rank input Hessian: its per-sample rank bounds the CG
    iterations and its top eigenvalue matches the dense Hessian's."""
    model = trained("mlp", torch.float64)
    x, y = data(8, seed=7)
    x = x.double()
    exact = input_hessian_exact(model, (x, y), dtype=torch.float64, rtol=1e-9)
    _, _, _, cg = newton_direction(model, x, y, rtol=1e-10)
    assert bool((cg.iterations <= exact.rank + 1).all())
    for i in range(len(y)):
        h, _ = _dense_input_hessian(model, x[i], y[i])
        top = torch.linalg.eigvalsh(h)[-1]
        torch.testing.assert_close(exact.lambda_max[i], top, rtol=1e-6, atol=1e-12)
