"""Y4's library: Lemma 3 and the exact/iterative paths on tiny networks, the dense input
Hessian, verdict grading on constructed results, the explorer and parameter cross-checks."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pytest
import torch
from torch import nn

from hessbook.chapters import y4
from hessbook.curvature import input_hessian_exact
from hessbook.params import ParameterError, validate

GOOD = dict(scale="smoke", seed=0, y1_models=["m1"], all_batches=False, n_samples=8, n_crosscheck=2,
            rank_rtol=1e-6, lanczos_tol=1e-6, power_tol=1e-4, smooth_activation="tanh", smooth_hidden=8,
            smooth_n_train=64, smooth_batch_size=16, smooth_epochs=1, smooth_lr=0.05, device="cpu")


def tiny(activation: nn.Module, d: int = 12, c: int = 4) -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(d, 16), activation, nn.Linear(16, 16), activation, nn.Linear(16, c)).double()


def case(rel_min: float, rank: int, smooth: bool = False, agree: float = 1e-6, c: int = 10):
    n = 5
    lmax = np.ones(n)
    top = np.zeros((2, c + 1))
    top[:, 0] = 1.0
    top[:, c - 1] = 0.0 if rank < c else 0.5
    return y4.CaseResult("tanh" if smooth else "M1 B=32", "m1", 32, smooth, c, 784, lmax, rel_min * lmax,
                         np.full(n, rank), np.zeros(n), 1e-17, np.ones(2) * (1 + agree), top,
                         np.full(2, rel_min), np.ones(2), 20)


def test_params_cross_checks():
    validate(y4.Y4Params, GOOD)
    with pytest.raises(ParameterError, match="n_crosscheck = 20: larger than n_samples = 8"):
        validate(y4.Y4Params, {**GOOD, "n_crosscheck": 20})
    with pytest.raises(ParameterError, match="smooth_batch_size = 128: larger than smooth_n_train = 64"):
        validate(y4.Y4Params, {**GOOD, "smooth_batch_size": 128})
    with pytest.raises(ParameterError, match="smooth_activation = 'relu'"):
        validate(y4.Y4Params, {**GOOD, "smooth_activation": "relu"})


def test_relu_net_exact_and_iterative_paths_agree_and_rank_is_c_minus_1():
    net = tiny(nn.ReLU())
    x, y = torch.randn(3, 12, dtype=torch.float64), torch.tensor([0, 1, 2])
    ih = input_hessian_exact(net, (x, y), dtype=torch.float64)
    P = validate(y4.Y4Params, GOOD)
    it = y4._iterative(net, x, y, 4, P)
    assert np.allclose(it["cc_lanczos_top"][:, 0], ih.lambda_max.numpy(), rtol=1e-6)
    assert (it["cc_lanczos_min"] >= -1e-10).all()
    assert (ih.rank.numpy() <= 3).all()  # c - 1: S 1 = 0
    for i in range(3):
        H = y4.dense_input_hessian(net, x[i], y[i])
        ev = torch.linalg.eigvalsh(H)
        assert float(ev[0]) > -1e-10 and int((ev > 1e-8 * ev[-1]).sum()) <= 3


def test_tanh_net_has_negative_input_curvature_and_lemma3_holds():
    net = tiny(nn.Tanh())
    x, y = 3 * torch.randn(6, 12, dtype=torch.float64), torch.tensor([0, 1, 2, 3, 0, 1])
    mins = [float(torch.linalg.eigvalsh(y4.dense_input_hessian(net, x[i], y[i]))[0]) for i in range(6)]
    assert min(mins) < -1e-6
    s_min, err = y4._logit_checks(net, x, y, 3)
    assert (s_min >= -1e-14).all() and err < 1e-12


def test_verdicts_grade_psd_and_rank():
    ok = y4.verdicts([case(0.0, 9), case(-0.5, 16, smooth=True)], [], "smoke")
    assert [v.verdict for v in ok] == ["held", "held"]
    assert "c − 1" in ok[1].ours and "tanh" in ok[0].evidence
    neg = y4.verdicts([case(-0.1, 9)], [], "smoke")
    assert neg[0].verdict == "did not hold"
    off = y4.verdicts([case(0.0, 9, agree=0.5)], [], "smoke")
    assert off[0].verdict == "partly"
    high = y4.verdicts([case(0.0, 11)], [], "smoke")
    assert high[1].verdict == "did not hold"
    none = y4.verdicts([case(-0.5, 16, smooth=True)], [], "smoke")
    assert [v.verdict for v in none] == ["not computed", "not computed"]


def test_cases_pick_y1_batch_sizes():
    from hessbook.chapters import y1

    Y1 = y4.y1_params("cpu")
    P = validate(y4.Y4Params, {**GOOD, "y1_models": ["m1", "c2"]})
    assert y4.cases(P, Y1) == [("m1", min(Y1.m1_batch_sizes)), ("m1", max(Y1.m1_batch_sizes))]
    P = validate(y4.Y4Params, {**GOOD, "all_batches": True})
    assert y4.cases(P, Y1) == [("m1", b) for b in sorted(Y1.m1_batch_sizes)]
    assert y1.train_config("m1", 32, Y1) == y1.train_config("m1", 32, Y1)  # same key -> same stored model


def test_summary_and_explorer():
    rs = [case(0.0, 9), case(-0.5, 16, smooth=True)]
    table = y4.summary_table(rs)
    assert list(table["max rank"]) == [9, 16]
    ex = y4.explorer(rs)
    fig = ex.update(network="tanh", sample=1)
    assert "tanh" in fig.axes[0].get_title()
