"""S4's library: exact spectrum against a dense reference, outlier comparison, verdicts, explorer."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pytest
import torch

from hessbook.chapters import s4
from hessbook.chapters.sagun_mnist import Spectrum
from hessbook.params import ParameterError, validate


def spec_(label, outliers, bulk=200, neg=-1e-3):
    eig = np.sort(np.concatenate([outliers, np.linspace(0.0, 0.01, bulk), np.linspace(neg, 0, 20)]))
    return Spectrum(label, eig, len(eig), 0.1, 1.0, 0.0)


def test_compare_counts_and_ratios():
    out = np.linspace(1.0, 10.0, 10)
    res = s4.BatchResults(spec_("SB", out), spec_("LB", 2 * out))
    c = s4.compare(res)
    assert c.larger_ranks == 10 and c.ratio_lambda1 == pytest.approx(2.0) and c.ratio_sum == pytest.approx(2.0)
    assert c.counts_small["gap"] == 1  # the largest gap (between 10 and 9) is above rank 1 only


def test_verdicts_grade_constructed_results():
    out = np.linspace(1.0, 10.0, 10)
    v = s4.verdicts(s4.BatchResults(spec_("SB", out), spec_("LB", 2 * out)), "gpu")
    assert [x.verdict for x in v] == ["held", "held", "held"]
    v = s4.verdicts(s4.BatchResults(spec_("SB", 2 * out, neg=-3.0), spec_("LB", out)), "cpu")
    assert v[0].verdict == "did not hold" and v[2].verdict == "did not hold"
    assert "Shrunk convnet" in v[0].evidence
    # a distinct set of outliers: two well-separated groups for LB, one for SB
    sb = spec_("SB", np.full(3, 5.0) + np.arange(3) * 1e-3)
    lb = spec_("LB", np.concatenate([np.full(3, 5.0), np.full(8, 50.0) + np.arange(8) * 1e-3]))
    v = s4.verdicts(s4.BatchResults(sb, lb), "cpu")
    assert v[1].verdict == "did not hold"


def test_exact_spectrum_matches_dense_hessian(tmp_path, monkeypatch):
    """The stored spectrum equals eigvalsh of torch.autograd.functional.hessian on the same data."""
    from hessbook.chapters.sagun_mnist import exact_spectrum
    from hessbook.store import ResultStore
    from hessbook.data import DataSpec, load_data
    from hessbook.train import TrainConfig, train

    monkeypatch.setenv("HESSBOOK_PROGRESS", "off")
    x = torch.randn(24, 1, 28, 28).clamp(0, 1)
    y = torch.arange(24) % 10
    import hessbook.data as hdata

    monkeypatch.setitem(hdata.SYNTHETIC, "s4_test", lambda: (x, y))
    spec = DataSpec("s4_test")
    config = TrainConfig(model="s_cnn", model_kwargs={"channels": [1, 1], "hidden": 3}, data=spec,
                         batch_size=8, lr=0.05, max_iterations=3, seed=0)
    store = ResultStore(tmp_path)
    s = exact_spectrum(config, "t", None, "cpu", store, "float64")
    model = train(config, store, device=torch.device("cpu")).model("cpu").double()
    data = load_data(spec)
    names = [n for n, _ in model.named_parameters()]
    shapes = [p.shape for p in model.parameters()]
    flat0 = torch.cat([p.detach().reshape(-1) for p in model.parameters()])

    def loss(flat):
        ps, i = {}, 0
        for n, sh in zip(names, shapes):
            ps[n] = flat[i:i + sh.numel()].reshape(sh)
            i += sh.numel()
        out = torch.func.functional_call(model, ps, (data.inputs().double(),))
        return torch.nn.functional.cross_entropy(out, data.targets())

    H = torch.autograd.functional.hessian(loss, flat0)
    ref = np.sort(torch.linalg.eigvalsh((H + H.T) / 2).numpy())
    assert s.num_params == len(ref)
    assert np.allclose(s.eigenvalues, ref, atol=1e-8 * max(1.0, abs(ref).max()))


def test_params_cross_checks():
    good = dict(scale="smoke", seed=0, small_batch=10, large_batch=50, channels=[2, 2], hidden=8, n_samples=100,
                lr=0.05, iterations=1, top_k=20, hessian_batch=100, hessian_dtype="float32", device="cpu")
    validate(s4.S4Params, good)
    with pytest.raises(ParameterError, match="large_batch = 512"):
        validate(s4.S4Params, {**good, "large_batch": 512})
    with pytest.raises(ParameterError, match="small_batch = 60"):
        validate(s4.S4Params, {**good, "small_batch": 60})
    with pytest.raises(ParameterError, match=r"channels = \[2\]"):
        validate(s4.S4Params, {**good, "channels": [2]})
    with pytest.raises(ParameterError, match="hessian_dtype"):
        validate(s4.S4Params, {**good, "hessian_dtype": "float16"})


def test_explorer_overlay_and_single():
    out = np.linspace(1.0, 10.0, 10)
    ex = s4.explorer(s4.BatchResults(spec_("SB", out), spec_("LB", 2 * out)))
    fig = ex.update(batch="both", top=10)
    assert len(fig.axes[0].lines) == 2
    fig = ex.update(batch="LB", part="negative")
    assert len([ln for ln in fig.axes[0].lines if len(ln.get_xdata()) == 19]) == 1
