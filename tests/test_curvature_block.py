"""Block Lanczos against dense eigh (float64) and against single-vector Lanczos."""
import pytest
import torch
from torch import nn

from hessbook.curvature import HessianOperator, block_lanczos, lanczos

from _curv_models import flat_loss_hessian, image_data, tiny_cnn
from test_curvature_eigen import SPECTRA, sym_with_spectrum


@pytest.mark.parametrize("name", list(SPECTRA))
@pytest.mark.parametrize("which", ["LA", "SA"])
@pytest.mark.parametrize("block", [2, 4])
def test_block_lanczos_known_spectra(name, which, block):
    eigs = SPECTRA[name]
    A = sym_with_spectrum(eigs)
    k = 4
    r = block_lanczos(A, k, which=which, tol=1e-8, block_size=block, max_dim=300)
    ref = eigs.to(torch.float64).sort(descending=which == "LA").values[:k]
    assert r.converged and r.method == "block_lanczos" and r.block_size == block
    assert torch.allclose(r.eigenvalues, ref, atol=1e-7 * eigs.abs().max())
    res = (A @ r.eigenvectors - r.eigenvectors * r.eigenvalues).norm(dim=0)  # reported = true residuals
    assert torch.allclose(res, r.residuals, atol=1e-10)
    assert (res <= 1e-8 * r.scale * 1.0001).all()
    assert torch.allclose(r.eigenvectors.T @ r.eigenvectors, torch.eye(k, dtype=torch.float64), atol=1e-7)
    assert r.n_products >= r.iterations * 1 and r.seconds > 0


def test_exact_multiplicity_found_where_single_vector_lanczos_misses_copies():
    """A top eigenvalue of multiplicity 4 above a bulk: one Krylov vector spans one direction of
    the eigenspace (the other copies enter only through round-off), a block of 4 spans it all."""
    eigs = torch.cat([torch.full((4,), 3.0), torch.rand(396, generator=torch.Generator().manual_seed(1))])
    A = sym_with_spectrum(eigs, seed=1)
    ref = torch.full((4,), 3.0, dtype=torch.float64)
    single = lanczos(A, 4, tol=1e-8, max_dim=44)
    block = block_lanczos(A, 4, tol=1e-8, max_dim=44, block_size=4)
    assert not single.converged and (single.eigenvalues - ref).abs().max() > 0.5
    assert block.converged and torch.allclose(block.eigenvalues, ref, atol=1e-10)


def test_near_degenerate_cluster_matches_eigh():
    eigs = torch.cat([torch.tensor([5.0, 5 + 1e-6, 5 + 2e-6, 5 + 3e-6, 4.0]), torch.linspace(0, 1, 295)])
    A = sym_with_spectrum(eigs, seed=2)
    ref = torch.linalg.eigvalsh(A).flip(0)[:5]
    r = block_lanczos(A, 5, tol=1e-9, block_size=4)
    assert r.converged and torch.allclose(r.eigenvalues, ref, atol=1e-9)


@pytest.mark.parametrize("which", ["LA", "SA"])
def test_block_lanczos_on_a_network_hessian_matches_dense_eigh(which):
    """A small CNN with BN (eval mode): the operator's products against autograd's dense Hessian."""
    model = tiny_cnn()
    x, y = image_data(n=16)
    H = flat_loss_hessian(model, x, y)
    ref = torch.linalg.eigvalsh(H)
    ref = ref.flip(0)[:5] if which == "LA" else ref[:5]
    op = HessianOperator(model, (x, y), dtype=torch.float64)
    r = block_lanczos(op, 5, which=which, tol=1e-9, block_size=3)
    assert r.converged
    assert torch.allclose(r.eigenvalues, ref, atol=1e-8 * float(ref.abs().max()))
    assert r.n_products == op.n_products


def test_float32_basis_still_certified_by_the_true_residual():
    eigs = SPECTRA["decaying"]
    A = sym_with_spectrum(eigs)
    r = block_lanczos(A, 5, tol=1e-5, block_size=2)  # tol >= 1e-6: float32 basis
    res = (A @ r.eigenvectors - r.eigenvectors * r.eigenvalues).norm(dim=0)
    assert r.converged and (res <= 1e-5 * r.scale).all()
    assert torch.allclose(r.eigenvalues, eigs[:5].double(), rtol=1e-6)


def test_cap_reached_is_reported_not_converged():
    A = sym_with_spectrum(SPECTRA["clustered"])
    r = block_lanczos(A, 4, tol=1e-12, max_dim=8, block_size=4)
    assert not r.converged and r.n_products <= 8 + 4


@pytest.mark.parametrize("kwargs, fragment", [
    ({"block_size": 0}, "block_size = 0"),
    ({"block_size": 2.5}, "block_size = 2.5"),
    ({"which": "LM"}, "which = 'LM'"),
    ({"max_dim": 2}, "max_dim = 2"),
])
def test_bad_settings_are_named(kwargs, fragment):
    with pytest.raises(ValueError, match=fragment.replace("(", r"\(")):
        block_lanczos(torch.eye(10, dtype=torch.float64), 3, **kwargs)


def _symmetric_softmax_regression():
    """A linear softmax model at W = 0 on inputs with covariance diag(s): H = diag(s) (x) (I/c -
    11^T/c^2), so every s_i/c has multiplicity c - 1 = 3 and the top nine eigenvalues lie within
    2e-5 of each other (class symmetry makes the copies exact)."""
    d, c, n = 6, 4, 48
    g = torch.Generator().manual_seed(0)
    Q, _ = torch.linalg.qr(torch.randn(n, d, generator=g, dtype=torch.float64))
    s = torch.tensor([1, 1 - 1e-5, 1 - 2e-5, 0.5, 0.3, 0.2], dtype=torch.float64)
    x, y = Q * (n * s).sqrt(), torch.arange(n) % c
    model = nn.Linear(d, c, bias=False).double()
    nn.init.zeros_(model.weight)
    return model, x, y


def test_near_degenerate_top_cluster_of_a_network_block_finds_it_single_vector_misses_copies():
    model, x, y = _symmetric_softmax_regression()
    ref = torch.linalg.eigvalsh(flat_loss_hessian(model, x, y)).flip(0)[:9]
    assert float(ref[0] - ref[-1]) <= 2.1e-5 * float(ref[0])  # the cluster is real
    block = block_lanczos(HessianOperator(model, (x, y), dtype=torch.float64), 9, tol=1e-10, block_size=4)
    assert block.converged and torch.allclose(block.eigenvalues, ref, atol=1e-12)
    # One Krylov vector sees each distinct eigenvalue once: its pairs are true eigenpairs
    # (certified residuals) but not the top nine, copies are missing.
    single = lanczos(HessianOperator(model, (x, y), dtype=torch.float64), 9, tol=1e-10)
    assert single.converged and (single.relative_residuals <= 1e-10).all()
    assert float((single.eigenvalues - ref).abs().max()) > 0.1
