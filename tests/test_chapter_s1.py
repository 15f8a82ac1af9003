"""S1's library: rank bound, measurements, verdicts and explorer on a tiny network."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pytest

from hessbook.chapters import s1
from hessbook.models import build_model, num_parameters
from hessbook.params import ParameterError, validate
from hessbook.store import ResultStore


def params(**kw):
    base = dict(scale="smoke", seed=0, k=4, n_samples=12, dimension=8, hidden=6, activation="relu", lr=0.2,
                gd_iterations=150, rank_tolerance=1e-10, bulk_tolerance=1e-2, device="cpu")
    return validate(s1.S1Params, {**base, **kw})


def test_parameter_count_and_bound():
    P = params(k=50, n_samples=100, dimension=100, hidden=30)
    assert P.parameters == 5510 == num_parameters(build_model("s_mlp", d=100, k=50, hidden=[30, 30]))
    assert P.rank_bound == 4900
    with pytest.raises(ParameterError, match="n_samples = 3"):
        params(n_samples=3)


@pytest.fixture(scope="module")
def spectra(tmp_path_factory):
    P = params()
    return P, s1.run(P, ResultStore(tmp_path_factory.mktemp("store")))


def test_decomposition_on_a_tiny_network(spectra):
    P, sp = spectra
    for point in s1.POINTS:
        s = sp[point]
        np.testing.assert_allclose(np.sort(s.hessian).sum(), np.sort(s.gauss_newton).sum() + s.residual.sum(),
                                   atol=1e-10)  # traces add up: tr H = tr G + tr(H - G)
        d = s1.decomposition(s, P)
        assert d.g_min_relative > -1e-12  # G PSD
        assert d.rank <= P.rank_bound == 12 * 3 < P.parameters
        assert d.weyl_holds
        assert d.zeros >= P.parameters - P.rank_bound
    assert sp["trained"].loss < sp["init"].loss
    table = s1.decomposition_table(sp, P)
    assert set(table["point"]) == set(s1.POINTS)


def test_verdicts_and_explorer(spectra):
    P, sp = spectra
    vs = s1.verdicts(sp, P)
    assert [v.item for v in vs] == ["S-Fig1", "S-Eq2-5"]
    assert vs[1].verdict in ("held", "partly")
    ex = s1.explorer(sp, P)
    fig = ex.update(point="trained", matrix="G", view="|λ| log scale")
    assert "Gauss-Newton" in fig.axes[0].get_title()
    fig = ex.update(point="init", matrix="H-G", view="ordered (all)")
    assert "residual" in fig.axes[0].get_title()


def test_measurements():
    eig = np.array([10.0, 5.0, 0.001, 0.0, -0.002, 1e-13])
    assert s1.numerical_rank(eig, 1e-10) == 3
    assert s1.bulk_fraction(eig, 1e-3) == pytest.approx(4 / 6)
    assert s1.frobenius(np.array([3.0, 4.0])) == pytest.approx(5.0)
