"""S5's library: barrier height, the joined curves, summaries, verdict grading, the explorer."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pytest

from hessbook.chapters import s5
from hessbook.chapters import load_params
from hessbook.params import ParameterError, params_file, validate

GOOD = dict(scale="smoke", seed=0, width=0.125, n_train=512, n_test=256, lr=0.1, large_batch=128,
            small_batch=16, record_every=10, periods_large=3, periods_small=3, alpha_min=-0.5,
            alpha_max=1.5, n_alphas=9, device="cpu")


def fake_result(bump: float = 0.0, gain: float = 0.01, jump: float = 0.2) -> s5.S5Result:
    a = np.linspace(-0.5, 1.5, 21)
    base = 0.5 + 0.8 * (a - 0.5) ** 2 + bump * np.exp(-((a - 0.5) / 0.1) ** 2)
    acc = 0.7 + gain * a - 0.1 * (a - 0.5) ** 2
    line = s5.Line(a, base, acc, base + 0.3, acc - 0.1)
    it = np.arange(10, 70, 10)
    loss = np.array([1.0, 0.71, 0.7, 0.7 + jump, 0.75, 0.7])
    acc8 = np.array([0.5, 0.6, 0.65, 0.6, 0.62, 0.66])
    curves = s5.Curves(it, loss, acc8, loss + 0.2, acc8 - 0.1, switch=30)
    return s5.S5Result(curves, line, 1000, 1.0, 1.0)


def test_barrier_height_on_constructed_curves():
    a = np.array([-0.5, 0.0, 0.25, 0.5, 0.75, 1.0, 1.5])
    convex = (a - 0.5) ** 2
    assert s5.barrier_height(a, convex) == 0.0  # the segment dips below both ends
    monotone = 1.0 - 0.5 * a
    assert s5.barrier_height(a, monotone) == pytest.approx(0.0)
    bump = np.array([5.0, 1.0, 1.2, 1.5, 1.1, 0.8, 4.0])
    assert s5.barrier_height(a, bump) == pytest.approx(0.5)  # 1.5 - max(1.0, 0.8); outside ignored
    assert s5.outside_rise(a, bump) == pytest.approx((4.0, 3.2))
    with pytest.raises(ValueError, match="alpha = 0 and alpha = 1"):
        s5.barrier_height(np.array([0.1, 0.5, 1.0]), np.ones(3))


def test_alphas_always_contain_the_end_points():
    P = validate(s5.S5Params, {**GOOD, "n_alphas": 4})  # -0.5, 1/6, 5/6, 1.5 + {0, 1}
    grid = s5.alphas(P)
    assert np.any(np.isclose(grid, 0.0)) and np.any(np.isclose(grid, 1.0))
    assert len(grid) == 6 and np.all(np.diff(grid) > 0)


def test_curves_join_parts_on_one_iteration_axis():
    h1 = [{"iteration": 10, **{m: 1.0 for m in s5.METRICS}}, {"iteration": 20, **{m: 0.5 for m in s5.METRICS}}]
    h2 = [{"iteration": 10, **{m: 0.7 for m in s5.METRICS}}]
    c = s5.curves_from_histories(h1, h2)
    assert list(c.iterations) == [10, 20, 30] and c.switch == 20
    assert list(c.train_loss) == [1.0, 0.5, 0.7]


def test_part_configs_chain_part_two_on_part_one():
    P = validate(s5.S5Params, GOOD)
    p1, p2 = s5.part_configs(P)
    assert p2.init_from == p1 and p1.init_from is None
    assert (p1.batch_size, p2.batch_size) == (128, 16)
    assert p1.max_iterations == p2.max_iterations == 30 and p1.record_every == 10
    assert p1.model_kwargs == {"width": 0.125} and p1.momentum == 0 and p1.lr_rule == "constant"


def test_summary_and_verdicts_when_the_claims_hold():
    s = s5.summarize(fake_result())
    assert s.jump_train_loss == pytest.approx(0.2) and s.jump_test_loss == pytest.approx(0.2)
    assert s.accuracy_gain == pytest.approx(0.01)
    assert s.barrier_train == 0 and s.rise_left > 0 and s.rise_right > 0
    v = s5.verdicts(s, "smoke")
    assert [x.verdict for x in v] == ["held", "held", "held"]
    assert all(x.item == "S-Fig8-9" for x in v)


def test_verdicts_when_the_claims_fail():
    s = s5.summarize(fake_result(bump=1.0, gain=-0.02, jump=-0.1))
    assert s.barrier_train > 0.3
    v = s5.verdicts(s, "smoke")
    assert [x.verdict for x in v] == ["did not hold", "did not hold", "did not hold"]
    small = s5.summarize(fake_result(gain=0.002))
    assert s5.verdicts(small, "smoke")[1].verdict == "partly"


def test_params_cross_checks_and_files():
    validate(s5.S5Params, GOOD)
    with pytest.raises(ParameterError, match="small_batch = 128: must be smaller than large_batch = 128"):
        validate(s5.S5Params, {**GOOD, "small_batch": 128})
    with pytest.raises(ParameterError, match="large_batch = 1000: larger than n_train = 512"):
        validate(s5.S5Params, {**GOOD, "large_batch": 1000})
    with pytest.raises(ParameterError, match="alpha_max = 0.5"):
        validate(s5.S5Params, {**GOOD, "alpha_max": 0.5})
    for scale in ("smoke", "cpu", "gpu", "paper"):
        P = load_params("s5", params_file("s5", scale))
        assert P.scale == scale
    paper = load_params("s5", params_file("s5", "paper"))
    assert (paper.large_batch, paper.small_batch, paper.record_every, paper.periods_large,
            paper.periods_small, paper.width, paper.n_train) == (1000, 32, 100, 250, 250, 1.0, None)


def test_explorer_slides_along_the_line():
    ex = s5.explorer(fake_result())
    fig = ex.update(alpha=0.5, split="train")
    assert "alpha = 0.5" in fig._suptitle.get_text() and "train: loss" in fig._suptitle.get_text()
    assert "test" not in fig._suptitle.get_text()
    fig = ex.update(split="both", alpha=1.5)
    assert "test: loss" in fig._suptitle.get_text()
    assert fig.axes[0].get_xlabel() == "interpolation coefficient"


def test_figures_use_the_papers_axes():
    r = fake_result()
    assert s5.plot_fig8(r).axes[0].get_xlabel() == "iterations"
    assert s5.plot_fig9(r).axes[1].get_xlabel() == "interpolation coefficient"


def test_barrier_is_not_graded_when_part_one_stayed_at_chance():
    r = fake_result()
    chance = np.full_like(r.line.alphas, np.log(10))
    flat = s5.S5Result(r.curves, s5.Line(r.line.alphas, chance, r.line.train_acc, chance, r.line.test_acc),
                       1000, 1.0, 1.0)
    v = s5.verdicts(s5.summarize(flat), "smoke")
    assert v[2].verdict == "not computed" and "still at chance" in v[2].evidence


def test_gain_is_partly_when_part_one_was_still_improving():
    r = fake_result()
    c = r.curves
    falling = np.array([1.0, 0.9, 0.7, 0.9, 0.75, 0.7])  # Part I still dropping 22% at its end
    still = s5.S5Result(s5.Curves(c.iterations, falling, c.train_acc, c.test_loss, c.test_acc, c.switch),
                        r.line, 1000, 1.0, 1.0)
    s = s5.summarize(still)
    assert s.lb_late_drop == pytest.approx(0.2 / 0.9)
    v = s5.verdicts(s, "smoke")[1]
    assert v.verdict == "partly" and "not reached a plateau" in v.evidence


def test_jump_within_part_two_noise_is_partly():
    r = fake_result(jump=0.05)
    c = r.curves
    noisy = c.train_loss.copy()
    noisy[4:] = [0.5, 1.0]  # Part II swings by 0.5 between records
    s = s5.summarize(s5.S5Result(s5.Curves(c.iterations, noisy, c.train_acc, c.test_loss, c.test_acc, c.switch),
                                 r.line, 1000, 1.0, 1.0))
    assert s.sb_fluctuation > s.jump_train_loss > 0
    assert s5.verdicts(s, "smoke")[0].verdict == "partly"
