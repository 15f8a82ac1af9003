"""K2: the momentum claim's grading on constructed results, its parameters' errors, figures."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import pytest

from hessbook.chapters import k2
from hessbook.chapters.kamath.grid import Grid, Run, RunResult
from hessbook.params import ParameterError, validate

GRID = dict(batch_sizes=[16, 64, 256], n_train_mnist=512, n_train_cifar=512, epochs_mnist=1, epochs_cifar=1,
            c1_conv_stride=2, resnet18_width=4, eps_mnist=0.1, eps_cifar=0.01, n_test=100, n_pgd=20, pgd_steps=5,
            n_hessian=64, lanczos_tol=1e-6, lanczos_max_dim=50)

GOOD = dict(scale="smoke", seed=0, cases=["m1k-mnist"], momenta_lr=[0.0, 0.5, 0.9], momenta_lr_bs=[0.0, 0.9],
            device="cpu", **GRID)


def result(case, setting, momentum, batch, lam) -> RunResult:
    return RunResult(Run(case, setting, momentum, batch), 90.0, 50.0, 10.0, lam, 1e-4, True, 10, 0.1, 1, False)


def results(lam_of) -> k2.Results:
    """Every (setting, momentum, batch) of GOOD with λ1 = lam_of(setting, momentum, batch)."""
    P = validate(k2.K2Params, GOOD)
    return k2.Results(P, Grid(tuple(result(r.case, r.setting, r.momentum, r.batch, lam_of(r.setting, r.momentum, r.batch))
                                    for r in k2.runs(P, P.cases))), {})


def test_momentum_lowers_lambda1_grading():
    lower = results(lambda s, m, b: 10 * (1 - m) + b / 100)
    assert [c.grade for c in k2.claims(lower)] == ["held", "held"]
    higher = results(lambda s, m, b: 10 * (1 + m))
    assert [c.grade for c in k2.claims(higher)] == ["did not hold", "did not hold"]
    mixed = results(lambda s, m, b: 10 * (1 - m) if b < 256 else 10 * (1 + m))  # 2 of 3 batch sizes
    assert [c.grade for c in k2.claims(mixed)] == ["partly", "partly"]
    assert "share of batch sizes" in k2.claims(lower)[0].why and "≥ 80%" in k2.claims(lower)[0].why
    assert k2.numbers(lower)["share_lr"] == 100.0


def test_params_need_momentum_zero():
    with pytest.raises(ParameterError, match=r"momenta_lr = \[0.5, 0.9\]: needs 0"):
        validate(k2.K2Params, {**GOOD, "momenta_lr": [0.5, 0.9]})
    with pytest.raises(ParameterError, match="listed twice"):
        validate(k2.K2Params, {**GOOD, "momenta_lr_bs": [0.0, 0.9, 0.9]})


def test_figures_and_explorer():
    R = results(lambda s, m, b: 10 * (1 - m) + 1)
    fig = k2.figure_item(R, "K-Fig7-10")
    assert len(fig.axes[3].lines) == 3  # one λ1 line per momentum under LR
    assert len(k2.explorer(R).update(case="m1k-mnist", setting="lr_bs", momentum=0.9).axes[3].lines) == 5


def test_training_losses_give_each_cases_median_at_the_extreme_momenta():
    from test_chapter_k1 import GRID, result

    import dataclasses

    from hessbook.chapters.kamath.grid import Grid
    from hessbook.params import validate

    P = validate(k2.K2Params, dict(scale="smoke", seed=0, cases=["m1k-mnist"], device="cpu",
                                   momenta_lr=[0.0, 0.9], momenta_lr_bs=[0.0, 0.9], **GRID))
    runs = [dataclasses.replace(result("m1k-mnist", "lr", m, b), train_loss=loss)
            for m, losses in ((0.0, (2.0, 1.0, 3.0)), (0.9, (0.5, 0.1, 0.2))) for b, loss in zip((16, 64, 256), losses)]
    R = k2.Results(P, Grid(tuple(runs)), {})
    assert k2.numbers(R)["losses_lr"] == "M1-K on MNIST: 2.00 at m = 0, 0.20 at m = 0.9"
