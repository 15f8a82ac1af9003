"""hessbook.randmat: Marchenko-Pastur distribution function, BBP outlier location and spread."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from hessbook.randmat import MarchenkoPastur, bbp_outlier, bbp_outlier_sd, tracy_widom_scale


@pytest.mark.parametrize("alpha", [0.02, 0.5, 1.0, 2.0])
def test_mp_cdf_is_a_distribution_with_the_atom(alpha):
    law = MarchenkoPastur(alpha, 0.25)
    lo, hi = law.edges
    x = np.linspace(-0.1, hi * 1.1, 500)
    F = law.cdf(x)
    assert np.all(np.diff(F) >= -1e-12)
    assert law.cdf(np.array([hi * 1.01]))[0] == pytest.approx(1.0)
    assert law.cdf(np.array([-1e-3]))[0] == 0.0
    assert law.cdf(np.array([0.0]))[0] == pytest.approx(max(0.0, 1 - 1 / alpha))


def test_mp_cdf_matches_a_simulation():
    n, d = 2000, 1000
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(n, d, generator=gen, dtype=torch.float64)
    eig = np.sort(torch.linalg.eigvalsh(x.T @ x / n).numpy())
    law = MarchenkoPastur(d / n)
    assert np.max(np.abs(np.arange(1, d + 1) / d - law.cdf(eig))) < 0.01


def test_bbp_formula_is_continuous_at_the_threshold():
    alpha = 0.7
    c = 1 + np.sqrt(alpha)
    assert bbp_outlier(c, alpha) == pytest.approx((1 + np.sqrt(alpha)) ** 2)
    assert bbp_outlier(c + 1e-9, alpha) == pytest.approx((1 + np.sqrt(alpha)) ** 2, rel=1e-6)
    assert bbp_outlier(1.5, alpha) == pytest.approx(MarchenkoPastur(alpha).edges[1])  # below: the edge
    assert bbp_outlier(4.0, alpha, sigma2=0.25) == pytest.approx(0.25 * 4 * (1 + alpha / 3))
    assert bbp_outlier_sd(1.2, alpha, 100) == 0.0


def test_bbp_outlier_and_its_spread_against_a_simulation():
    """Spike ell = 4 at alpha = 0.5: the top eigenvalue's mean and sd over 40 draws."""
    n, d, ell = 400, 200, 4.0
    gen = torch.Generator().manual_seed(1)
    tops = []
    for _ in range(40):
        x = torch.randn(n, d, generator=gen, dtype=torch.float64)
        x[:, 0] *= np.sqrt(ell)
        tops.append(float(torch.linalg.eigvalsh(x.T @ x / n)[-1]))
    mean, sd = np.mean(tops), np.std(tops, ddof=1)
    pred, pred_sd = bbp_outlier(ell, d / n), bbp_outlier_sd(ell, d / n, n)
    assert abs(mean - pred) < 3 * pred_sd / np.sqrt(40) + 0.02 * pred
    assert 0.6 * pred_sd < sd < 1.5 * pred_sd


def test_no_outlier_below_the_threshold_and_tracy_widom_margin():
    n, d = 400, 200
    gen = torch.Generator().manual_seed(2)
    x = torch.randn(n, d, generator=gen, dtype=torch.float64)
    x[:, 0] *= np.sqrt(1.3)  # below 1 + sqrt(0.5)
    top = float(torch.linalg.eigvalsh(x.T @ x / n)[-1])
    edge = MarchenkoPastur(d / n).edges[1]
    assert top < edge + 4 * tracy_widom_scale(n, d)


def test_weighted_null_with_equal_weights_is_marchenko_pastur():
    from hessbook.randmat import weighted_null_spectra
    from hessbook.stats import kolmogorov_distance

    spectra = weighted_null_spectra(torch.full((4000,), 0.25, dtype=torch.float64), 200, draws=2, seed=0)
    assert spectra.shape == (2, 200) and np.all(np.diff(spectra, axis=1) >= 0)
    assert all(kolmogorov_distance(s, MarchenkoPastur(200 / 4000, 0.25)) < 0.03 for s in spectra)
    assert not np.array_equal(spectra[0], spectra[1])  # fresh inputs for each draw


def generalized_right_edge(weights: np.ndarray, gamma: float) -> float:
    """The right edge of the limit law of (1/N) Z^T diag(c) Z, gamma = d / N (Silverstein and Choi
    1995): the minimum of z(m) = -1/m + mean(c / (1 + gamma c m)) over -1/(gamma max c) < m < 0."""
    m = np.linspace(-1 / (gamma * weights.max()), 0.0, 20001)[1:-1]
    return float(min(-1 / mm + np.mean(weights / (1 + gamma * weights * mm)) for mm in m))


def test_generalized_edge_reference_is_marchenko_pastur_for_equal_weights():
    assert generalized_right_edge(np.full(100, 0.25), 0.1) == pytest.approx(MarchenkoPastur(0.1, 0.25).edges[1],
                                                                            rel=1e-6)


def test_weighted_null_with_unequal_weights_has_the_generalized_edge():
    """Half the samples weigh 0.01, half 0.49: the trace (mean eigenvalue = mean weight) is kept,
    the top eigenvalue sits at the generalized law's edge (0.518), not at Marchenko-Pastur's at the
    mean weight (0.433), and the bulk is far from that Marchenko-Pastur law."""
    from hessbook.randmat import weighted_null_spectra
    from hessbook.stats import kolmogorov_distance

    weights = torch.tensor([0.01, 0.49], dtype=torch.float64).repeat(2000)
    (spectrum,) = weighted_null_spectra(weights, 400, draws=1, seed=0)
    assert spectrum.mean() == pytest.approx(0.25, rel=0.02)
    edge, law = generalized_right_edge(weights.numpy(), 0.1), MarchenkoPastur(400 / 4000, 0.25)
    assert spectrum.max() == pytest.approx(edge, rel=0.03) and edge > 1.15 * law.edges[1]
    assert kolmogorov_distance(spectrum, law) > 0.1


def test_weighted_null_rejects_bad_input():
    from hessbook.randmat import weighted_null_spectra

    with pytest.raises(ValueError, match="draws=0"):
        weighted_null_spectra(torch.ones(10), 5, draws=0, seed=0)
