import numpy as np
import pytest
import torch
import torch.nn.functional as F

from hessbook.curvature import (bulk_fraction, count_outliers, evaluate, frobenius, gap_outliers, loss_along,
                                loss_interpolation, loss_surface, numerical_rank, parameters_vector, random_direction)

from _curv_models import image_data, tiny_cnn


def manual_loss(model, theta, x, y):
    m = tiny_cnn()  # same architecture; load theta by hand
    with torch.no_grad():
        i = 0
        for p, q in zip(m.parameters(), model.parameters()):
            p.copy_(theta[i:i + p.numel()].reshape(p.shape))
            i += p.numel()
        for b, c in zip(m.buffers(), model.buffers()):
            b.copy_(c)
    m.eval()
    with torch.no_grad():
        out = m(x)
    return float(F.cross_entropy(out, y)), float((out.argmax(1) == y).double().mean())


def test_loss_along_and_surface_match_manual_evaluation():
    m = tiny_cnn()
    m.train()
    x, y = image_data(n=10)
    t0 = parameters_vector(m)
    d = random_direction(m, seed=1)
    e = random_direction(m, seed=2, filter_normalize=False)
    line = loss_along(m, (x, y), d, [-1.0, 0.0, 0.5], batch_size=3)
    for a, L, A in zip(line.alphas, line.losses, line.accuracies):
        rl, ra = manual_loss(m, (t0 + a * d).float(), x, y)
        assert abs(float(L) - rl) < 1e-5 and abs(float(A) - ra) < 1e-12
    surf = loss_surface(m, (x, y), d, e, [0.0, 0.3], [-0.2, 0.0, 0.2])
    assert surf.losses.shape == (2, 3)
    rl, _ = manual_loss(m, (t0 + 0.3 * d + 0.2 * e).float(), x, y)
    assert abs(float(surf.losses[1, 2]) - rl) < 1e-5
    assert abs(float(surf.losses[0, 1]) - evaluate(m, (x, y))[0]) < 1e-6
    assert m.training and m[1].training
    assert torch.equal(parameters_vector(m), t0)  # parameters untouched


def test_interpolation_endpoints():
    a, b = tiny_cnn(seed=0), tiny_cnn(seed=5)
    x, y = image_data(n=10)
    r = loss_interpolation(a, (x, y), parameters_vector(a), parameters_vector(b), [0.0, 1.0])
    assert abs(float(r.losses[0]) - evaluate(a, (x, y))[0]) < 1e-6
    la = manual_loss(a, parameters_vector(b).float(), x, y)[0]
    assert abs(float(r.losses[1]) - la) < 1e-5


def test_filter_normalized_direction():
    m = tiny_cnn()
    d = random_direction(m, seed=0)
    i = 0
    for p in m.parameters():
        di = d[i:i + p.numel()].reshape(p.shape)
        if p.dim() <= 1:
            assert (di == 0).all()
        else:
            assert torch.allclose(di.reshape(p.shape[0], -1).norm(dim=1),
                                  p.detach().double().reshape(p.shape[0], -1).norm(dim=1))
        i += p.numel()


def test_bad_direction_length():
    m = tiny_cnn()
    with pytest.raises(ValueError, match="direction of length 3"):
        loss_along(m, image_data(), torch.zeros(3), [0.0])


def test_outlier_counters_constructed_spectra():
    g = torch.Generator().manual_seed(0)
    bulk = torch.rand(500, generator=g).double() * 0.01 - 0.002
    # k = 5 well separated outliers, evenly spaced: gap, ratio and elbow agree
    lam = torch.cat([torch.tensor([1.0, 0.95, 0.9, 0.85, 0.8]).double(), bulk])
    c = count_outliers(lam)
    assert (c.gap, c.ratio, c.elbow) == (5, 5, 5)
    assert 0.0 < c.elbow_threshold < 0.01
    # spread outliers: the largest absolute gap falls between outliers (undercount), the ratio does not
    lam2 = torch.cat([torch.tensor([10.0, 2.0, 1.5, 1.2]).double(), bulk])
    c2 = count_outliers(lam2)
    assert c2.gap == 1 and c2.ratio == 4
    # near-zero bulk: without the floor the ratio would pick a tiny pair
    lam3 = torch.cat([torch.tensor([3.0, 2.0]).double(), torch.tensor([1e-9, 1e-15, -1e-9]).double(),
                      torch.full((50,), 1e-10).double()])
    c3 = count_outliers(lam3)
    assert c3.ratio == 2 and c3.ratio_floor >= 1e-9
    with pytest.raises(ValueError, match="at least 3"):
        count_outliers(torch.tensor([1.0, 2.0]))
    with pytest.raises(ValueError, match="top_m = 1"):
        count_outliers(lam, top_m=1)



def test_spectrum_measures():
    eig = np.array([10.0, 5.0, 0.001, 0.0, -0.002, 1e-13])
    assert numerical_rank(eig, 1e-10) == 3
    assert bulk_fraction(eig, 1e-3) == pytest.approx(4 / 6)
    assert frobenius(np.array([3.0, 4.0])) == pytest.approx(5.0)
    spread = np.array([-0.001, 0.0, 0.002, 0.003, 1.2, 1.5, 2.0, 10.0])  # ascending, as eigvalsh returns
    assert gap_outliers(spread) == gap_outliers(spread[::-1]) == count_outliers(torch.from_numpy(spread)).gap == 1

def kneedle_reference(values: np.ndarray) -> int:
    """Index of the point farthest below the chord of a descending curve, by the distance formula
    (not the normalized 1 - x - y of the library): the same point, as both are affine in it."""
    m = len(values)
    x, y = np.arange(m, dtype=float), values.astype(float)
    x0, y0, x1, y1 = 0.0, y[0], m - 1.0, y[-1]
    # signed distance below the chord through (x0, y0), (x1, y1)
    dist = ((y1 - y0) * x - (x1 - x0) * y + x1 * y0 - y1 * x0) / np.hypot(y1 - y0, x1 - x0)
    return int(np.argmax(dist))


def test_heur_is_the_kneedle_elbow_of_the_eigenvalues_above_the_noise_floor():
    g = torch.Generator().manual_seed(0)
    # 4 outliers; 400 bulk eigenvalues spread linearly from 0.6 down to the noise level, and a
    # negative part of size 0.02 (the floor). Both elbows are re-derived by the chord distance.
    outliers = torch.tensor([5.0, 4.6, 4.3, 4.0]).double()
    bulk = torch.linspace(0.6, 0.0, 400).double() ** 3
    neg = -0.02 * torch.rand(100, generator=g).double()
    lam = torch.cat([outliers, bulk, neg]).sort(descending=True).values
    c = count_outliers(lam)
    above = lam[lam > c.ratio_floor].numpy()
    e = kneedle_reference(above)
    assert c.heur_threshold == pytest.approx(float(above[e]))
    assert c.heur == int((lam > above[e]).sum()) == 4
    assert c.ratio_floor == pytest.approx(float(-neg.min()))
    # the same Kneedle over the top 200 (the plain elbow), re-derived
    top = lam[:200].numpy()
    assert c.elbow == int((lam > top[kneedle_reference(top)]).sum())
    # fewer than 3 eigenvalues above the floor: all of them count, the floor is the threshold
    c2 = count_outliers(torch.tensor([2.0, 1.0, 0.001, -0.5, -0.4]).double())
    assert (c2.heur, c2.heur_threshold) == (2, 0.5)


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_count_outliers_rejects_non_finite_eigenvalues(bad):
    lam = torch.cat([torch.tensor([1.0, 0.9, bad]).double(), torch.rand(50, generator=torch.Generator().manual_seed(0)).double() * 0.01])
    with pytest.raises(ValueError, match=r"1 non-finite value\(s\) \(NaN or inf\) of 53: accepted finite eigenvalues"):
        count_outliers(lam)
