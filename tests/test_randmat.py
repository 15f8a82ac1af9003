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
