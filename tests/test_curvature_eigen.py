import pytest
import torch

from hessbook.curvature import HessianOperator, lanczos, power_iteration
from hessbook.curvature.operators import LinearOperator

from _curv_models import flat_loss_hessian, tiny_cnn, image_data


def sym_with_spectrum(eigs: torch.Tensor, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    Q, _ = torch.linalg.qr(torch.randn(len(eigs), len(eigs), generator=g, dtype=torch.float64))
    return Q @ torch.diag(eigs.to(torch.float64)) @ Q.T


SPECTRA = {
    "decaying": torch.cat([torch.tensor([50.0, 30, 20, 10, 8]), torch.linspace(1, 0, 295)]),
    "clustered": torch.cat([torch.tensor([10.0, 9.99, 9.98, 9.97, 5.0]), torch.rand(295, generator=torch.Generator().manual_seed(3))]),
    "negative": torch.cat([torch.tensor([7.0, 4, -9, -6, -3]), torch.linspace(-1, 1, 295)]),
    "repeated": torch.cat([torch.tensor([6.0, 6, 6, 3]), torch.linspace(0, 1, 96)]),
}


@pytest.mark.parametrize("name", list(SPECTRA))
@pytest.mark.parametrize("which", ["LA", "SA"])
def test_lanczos_known_spectra(name, which):
    eigs = SPECTRA[name]
    A = sym_with_spectrum(eigs)
    k = 4
    r = lanczos(A, k, which=which, tol=1e-8)
    ref = eigs.to(torch.float64).sort(descending=which == "LA").values[:k]
    assert r.converged
    assert torch.allclose(r.eigenvalues, ref, atol=1e-6 * eigs.abs().max())
    # true residuals as reported
    res = (A @ r.eigenvectors - r.eigenvectors * r.eigenvalues).norm(dim=0)
    assert torch.allclose(res, r.residuals, atol=1e-10)
    assert (res <= 1e-8 * eigs.abs().max() * 1.0001).all()
    assert torch.allclose(r.eigenvectors.T @ r.eigenvectors, torch.eye(k, dtype=torch.float64), atol=1e-8)


def test_lanczos_uses_far_fewer_products_than_power():
    eigs = SPECTRA["decaying"]
    A = sym_with_spectrum(eigs)
    lz = lanczos(A, 5, tol=1e-6)
    pw = power_iteration(A, 5, tol=1e-4, max_iter=5000)
    assert lz.converged and lz.n_products < pw.n_products
    assert torch.allclose(pw.eigenvalues, eigs[:5].double(), rtol=1e-3)


def test_power_iteration_known_and_negative():
    A = sym_with_spectrum(torch.cat([torch.tensor([10.0, -8.0, 5.0]), torch.linspace(0, 1, 47)]))
    r = power_iteration(A, 3, tol=1e-10, max_iter=5000)
    assert r.converged
    # largest magnitude first: 10, -8, 5
    assert torch.allclose(r.eigenvalues, torch.tensor([10.0, -8.0, 5.0], dtype=torch.float64), atol=1e-6)
    res = (A @ r.eigenvectors - r.eigenvectors * r.eigenvalues).norm(dim=0)
    assert torch.allclose(res, r.residuals, atol=1e-12)
    assert r.n_products == r.iterations


def test_power_relative_change_stop_is_not_a_residual():
    # two close eigenvalues: relative change is small long before the vector converges
    A = sym_with_spectrum(torch.cat([torch.tensor([1.0, 0.99]), torch.linspace(0, 0.5, 48)]))
    r = power_iteration(A, 1, tol=1e-4)
    assert r.converged and r.residuals[0] > 1e-4  # the paper's stop, a loose residual


def test_eigensolvers_on_network_hessian():
    m = tiny_cnn()
    x, y = image_data(n=10)
    H = flat_loss_hessian(m, x, y)
    ev = torch.linalg.eigvalsh(H)
    op = HessianOperator(m, (x, y), batch_size=4, dtype=torch.float64)
    r = lanczos(op, 3, tol=1e-6)
    assert r.converged
    assert torch.allclose(r.eigenvalues, ev.flip(0)[:3], atol=1e-5 * ev.abs().max())
    s = lanczos(op, 2, which="SA", tol=1e-6)
    assert torch.allclose(s.eigenvalues, ev[:2], atol=1e-5 * ev.abs().max())
    p = power_iteration(HessianOperator(m, (x, y), batch_size=4, dtype=torch.float32), 1, tol=1e-4)
    top = ev.abs().max()
    assert abs(abs(p.eigenvalues[0]) - top) < 1e-2 * top
    assert p.n_products > 0


def test_bad_arguments():
    A = torch.eye(5)
    with pytest.raises(ValueError, match="k = 6"):
        lanczos(A, 6)
    with pytest.raises(ValueError, match="tol = -1"):
        lanczos(A, 1, tol=-1)
    with pytest.raises(ValueError, match="which = 'LR'"):
        lanczos(A, 1, which="LR")
    with pytest.raises(ValueError, match="n_smallest = -1"):
        lanczos(A, 1, n_smallest=-1)
    with pytest.raises(ValueError, match="k = 0"):
        power_iteration(A, 0)
    with pytest.raises(ValueError, match="square"):
        lanczos(torch.zeros(3, 4))


def test_lanczos_not_converged_reported():
    A = sym_with_spectrum(torch.linspace(0, 1, 200))  # no gap: slow
    r = lanczos(A, 3, tol=1e-12, max_dim=10)
    assert not r.converged and r.iterations == 10


def test_orthogonalize_second_pass_only_when_needed():
    from hessbook.curvature.lanczos import _orthogonalize

    g = torch.Generator().manual_seed(0)
    B = torch.linalg.qr(torch.randn(500, 20, generator=g, dtype=torch.float64))[0].T.contiguous()
    # nearly inside span(B): one pass leaves a component far above rounding; DGKS adds a second
    inside = B.T @ torch.randn(20, generator=g, dtype=torch.float64) + 1e-9 * torch.randn(500, generator=g, dtype=torch.float64)
    w, norm = _orthogonalize(inside, B)
    assert norm == pytest.approx(float(w.norm()), rel=1e-12)
    assert (B @ w).abs().max() / w.norm() < 1e-12
    # mostly outside: one pass is enough
    outside = torch.randn(500, generator=g, dtype=torch.float64)
    w, _ = _orthogonalize(outside, B)
    assert (B @ w).abs().max() / w.norm() < 1e-14


def test_lanczos_grows_its_basis_past_the_first_block():
    # a spectrum with a dense top: many steps before the top 5 converge (buffer starts at 32 rows)
    eigs = torch.cat([torch.linspace(1.0, 0.9, 40), torch.linspace(0.5, -0.5, 260)]).double()
    A = sym_with_spectrum(eigs, seed=3)
    res = lanczos(A, k=5, tol=1e-8, max_dim=300)
    assert res.converged and res.iterations > 32
    ref = torch.linalg.eigvalsh(A).flip(0)[:5]
    assert torch.allclose(res.eigenvalues, ref, atol=1e-10, rtol=0)
    Y = res.eigenvectors
    assert torch.allclose(Y.T @ Y, torch.eye(5, dtype=torch.float64), atol=1e-10)


def test_numpy_integers_are_accepted_where_integers_are():
    import numpy as np

    from hessbook.curvature import count_outliers, slq

    A = sym_with_spectrum(SPECTRA["decaying"][:50])
    k = np.arange(5)[2]  # np.int64, as from an array
    assert len(lanczos(A, k, tol=1e-8).eigenvalues) == 2
    assert len(power_iteration(A, np.int64(1), max_iter=np.int64(500)).eigenvalues) == 1
    assert slq(A, n_vectors=np.int64(2), m=np.int32(5)).nodes.shape == (2, 5)
    assert count_outliers(SPECTRA["decaying"], top_m=np.int64(20), elbow_m=np.int64(50)).gap >= 1
    with pytest.raises(ValueError, match=r"k = 2.5: must be an integer"):
        lanczos(A, 2.5)
    with pytest.raises(ValueError, match=r"k = True: must be an integer"):
        lanczos(A, True)


def test_float32_basis_for_a_float32_network_operator_still_gives_float64_accurate_eigenvalues():
    """A float32 operator at tol >= 1e-6 gets a float32 basis; the eigenvalues reported are the
    Rayleigh quotients of the certified vectors, so their error is far below the tolerance."""
    from hessbook.curvature.lanczos import basis_dtype_for

    model = tiny_cnn()
    x, y = image_data(n=16)
    ref = torch.linalg.eigvalsh(flat_loss_hessian(model, x, y)).flip(0)[:5]
    op = HessianOperator(model, (x, y))  # float32 products
    assert basis_dtype_for(op, 1e-4) == torch.float32 and basis_dtype_for(op, 1e-7) == torch.float64
    assert basis_dtype_for(HessianOperator(model, (x, y), dtype=torch.float64), 1e-4) == torch.float64
    r = lanczos(op, 5, tol=1e-4)
    assert r.converged and (r.relative_residuals <= 1e-4).all()
    assert float((r.eigenvalues - ref).abs().max()) <= 1e-5 * float(ref[0])
    V = r.eigenvectors
    assert torch.allclose(r.eigenvalues, (V * (flat_loss_hessian(model, x, y) @ V)).sum(0), rtol=1e-5)


@pytest.mark.parametrize("name", list(SPECTRA))
def test_lanczos_largest_magnitude_is_the_window_of_eigh(name):
    """"LM": the k largest |lambda| of dense eigh in float64, ordered by magnitude (Y's top-20
    window of a power iteration with deflation), negative ones included."""
    eigs = SPECTRA[name].to(torch.float64)
    A = sym_with_spectrum(eigs, seed=1)
    k = 5
    r = lanczos(A, k, which="LM", tol=1e-9)
    ev = torch.linalg.eigvalsh(A)
    ref = ev[torch.argsort(ev.abs(), descending=True)][:k]
    assert r.converged
    assert torch.allclose(r.eigenvalues, ref, atol=1e-7 * ev.abs().max())
    res = (A @ r.eigenvectors - r.eigenvectors * r.eigenvalues).norm(dim=0)
    assert torch.allclose(res, r.residuals, atol=1e-10)
    if name == "negative":
        assert (r.eigenvalues < 0).sum() == 3  # -9, -6 and... the window holds 7, -9, -6, 4, -3
    assert r.smallest is None


def test_lanczos_smallest_of_the_same_krylov_space():
    """n_smallest: lambda_min beside the LM window from one run: certified residuals, an upper bound
    on the true lambda_min (Ritz values interlace), equal to eigh's once converged."""
    eigs = torch.cat([torch.tensor([40.0, 30, 20, 15, 12]), torch.linspace(-0.5, 1, 395)]).double()
    A = sym_with_spectrum(eigs, seed=2)
    ev = torch.linalg.eigvalsh(A)
    short = lanczos(A, 3, which="LM", tol=1e-6, n_smallest=2)
    assert short.converged and short.smallest is not None and short.smallest.n_products == 2
    low = short.smallest
    assert (low.eigenvalues >= ev[:2] - 1e-12).all()  # bounds from above
    res = (A @ low.eigenvectors - low.eigenvectors * low.eigenvalues).norm(dim=0)
    assert torch.allclose(res, low.residuals, atol=1e-10)
    one = lanczos(A, 3, which="LM", tol=1e-6, n_smallest=1)
    assert one.n_products == short.n_products - 1 and one.iterations == short.iterations
    # an isolated negative eigenvalue outside the window converges in the same space
    iso = torch.cat([torch.tensor([40.0, 30, 20, -10]), torch.linspace(-0.5, 1, 396)]).double()
    B = sym_with_spectrum(iso, seed=3)
    r = lanczos(B, 3, which="LM", tol=1e-6, n_smallest=1, max_dim=100)
    low = r.smallest
    assert r.converged and low.converged == bool(low.residuals[0] <= 1e-6 * low.scale)
    assert abs(float(low.eigenvalues[0]) + 10) < 1e-6


class _Noisy(LinearOperator):
    """A float64 operator plus a fixed relative noise per product: the Ritz estimates pass long
    before the true residuals can (a float32 network product's noise floor)."""

    def __init__(self, A, noise):
        self.A, self.noise, self.num_params, self.n_products = A, noise, A.shape[0], 0
        self.device, self.dtype = A.device, A.dtype
        self.g = torch.Generator().manual_seed(0)

    def matmat(self, V):
        self.n_products += V.shape[1]
        out = self.A @ V.to(torch.float64)
        return out + self.noise * out.norm(dim=0) * torch.randn(out.shape, generator=self.g, dtype=torch.float64)


def test_failed_certification_is_not_repeated_every_step():
    A = sym_with_spectrum(SPECTRA["decaying"], seed=4)
    op = _Noisy(A, 1e-4)
    k, cap = 5, 60
    r = lanczos(op, k, tol=1e-7, max_dim=cap)  # below the noise floor: never certified
    assert not r.converged and r.iterations == cap
    assert r.n_products <= cap + (cap // k + 1) * k  # one certification per k steps at most
