"""K2: the momentum claim's grading on constructed results, its parameters' errors, figures."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import pytest

from hessbook.chapters import k2
from hessbook.chapters.k2.claims import graded_claims
from hessbook.chapters.k2.compute import runs as k2_runs
from hessbook.chapters.k2.params import K2Params
from hessbook.papers.kamath.grid import Grid, Run, RunResult
from hessbook.params import ParameterError, validate

GRID = dict(batch_sizes=[16, 64, 256], n_train_mnist=512, n_train_cifar=512, epochs_mnist=1, epochs_cifar=1,
            c1_conv_stride=2, resnet18_width=4, eps_mnist=0.1, eps_cifar=0.01, n_test=1000, n_pgd=20, pgd_steps=5,
            n_hessian=64, lanczos_tol=1e-6, lanczos_max_dim=50, width=1.0, n_seeds=1)

GOOD = dict(scale="smoke", seed=0, cases=["m1k-mnist"], momenta_lr=[0.0, 0.2, 0.5, 0.9], momenta_lr_bs=[0.0, 0.9],
            device="cpu", **GRID)
"""K's momenta (K §4.1: 0, 0.2, 0.5 and 0.9 under LR; §4.2: 0 and 0.9 under LR/BS). The claims are
graded ungated (:func:`graded_claims`): the smoke block is outside K's regime, where ``k2.claims``
reads not judged."""


FOUR = ["m1k-mnist", "stdcnn-mnist", "c1-cifar10", "resnet18-cifar10"]  # K's momentum figures


def result(case, setting, momentum, batch, lam, acc=90.0, fgsm=50.0, pgd=10.0) -> RunResult:
    return RunResult(Run(case, setting, momentum, batch), acc, fgsm, pgd, lam, 1e-4, True, 10, 0.1, 1, False)


def results(lam_of, cases=FOUR, acc_of=lambda s, m, b: 90.0, fgsm_of=lambda s, m, b: 50.0,
            batch_sizes=(16, 64, 256), pgd_of=lambda s, m, b: 10.0, **params) -> k2.Results:
    """Every (case, setting, momentum, batch) of GOOD with λ1 = lam_of(setting, momentum, batch)
    (accuracies likewise); ``params``: GOOD's values to replace."""
    P = validate(K2Params, {**GOOD, "cases": list(cases), "batch_sizes": list(batch_sizes), **params})
    return k2.Results(P, Grid(tuple(result(r.case, r.setting, r.momentum, r.batch, lam_of(r.setting, r.momentum, r.batch),
                                           acc_of(r.setting, r.momentum, r.batch), fgsm_of(r.setting, r.momentum, r.batch),
                                           pgd_of(r.setting, r.momentum, r.batch))
                                    for r in k2_runs(P, P.cases))), {})


def lam_grades(R):
    return [c.grade for c in graded_claims(R) if "λ1" in c.statement]


def test_momentum_lowers_lambda1_grading():
    lower = results(lambda s, m, b: 10 * (1 - m) + b / 100)
    assert lam_grades(lower) == ["held", "held"]
    higher = results(lambda s, m, b: 10 * (1 + m))
    assert lam_grades(higher) == ["did not hold", "did not hold"]
    mixed = results(lambda s, m, b: 10 * (1 - m) if b < 256 else 10 * (1 + m))  # 2 of 3 batch sizes
    assert lam_grades(mixed) == ["partly", "partly"]
    assert "share of batch sizes" in graded_claims(lower)[0].why and "≥ 80%" in graded_claims(lower)[0].why
    assert k2.numbers(lower)["share_lr"] == 100.0
    assert k2.numbers(lower)["weakest_rho_lr"] == -1.0  # every momentum in order: ρ(momentum, λ1) = −1 everywhere
    assert k2.numbers(mixed)["weakest_rho_lr"] == pytest.approx(-1 / 3) and k2.numbers(higher)["weakest_rho_lr"] == 1.0


def test_two_of_four_models_is_partly_with_its_coverage():
    two = results(lambda s, m, b: 10 * (1 - m) + b / 100, cases=["m1k-mnist", "c1-cifar10"],
                  acc_of=lambda s, m, b: 80 + 10 * m * (s == "lr"), fgsm_of=lambda s, m, b: 30 + 20 * m * (s == "lr"))
    for c in graded_claims(two):
        assert c.coverage == (2, 4) and c.grade == "partly", c.statement
        assert "not computed: StdCNN on MNIST, ResNet18 on CIFAR-10" in c.why
    fig = k2.figure_item(two, "K-Fig7-10")  # a row per model of K's figures: absent ones say so
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert any("StdCNN on MNIST: not computed" in t for t in texts) and any("ResNet18" in t for t in texts)


def test_momentum_accuracy_claims():
    """K §4.1: under LR, accuracy and FGSM accuracy rise with momentum; K §4.2: under LR/BS momentum
    plays no significant role in either."""
    lam = lambda s, m, b: 10 * (1 - m) + 1
    better_lr = results(lam, acc_of=lambda s, m, b: 80 + 10 * m * (s == "lr"), fgsm_of=lambda s, m, b: 30 + 20 * m * (s == "lr"))
    acc = {c.item: c for c in graded_claims(better_lr) if "λ1" not in c.statement}
    assert acc["K-Fig7-10"].grade == "held" and acc["K-Fig11-14"].grade == "held"
    worse = results(lam, acc_of=lambda s, m, b: 80 - 10 * m, fgsm_of=lambda s, m, b: 30 - 20 * m,
                    pgd_of=lambda s, m, b: 30 - 20 * m)
    acc = {c.item: c for c in graded_claims(worse) if "λ1" not in c.statement}
    assert acc["K-Fig7-10"].grade == "did not hold"  # LR: momentum lowers accuracy here
    assert acc["K-Fig11-14"].grade == "did not hold"  # LR/BS: 9 and 18 points: a significant role
    assert "≤ 5" in acc["K-Fig11-14"].why and "§4.2" in acc["K-Fig11-14"].why


def test_a_rise_within_the_test_sets_noise_is_no_rise():
    """Under LR a momentum that adds 0.5 points (5 of 1,000 test images) at every batch size read
    held before; a rise counts only beyond 2 standard errors of the difference (about 2.7 points
    at 90 %), so it does not hold now, and a 9-point rise still counts. On 100 test images the same
    9 points are within the noise (2 SE of 80 % against 89 %: 10.2 points)."""
    from hessbook.papers.kamath.trends import momentum_accuracy
    from hessbook.stats import accuracy_difference_se

    assert accuracy_difference_se(90, 90, 1000) == pytest.approx(100 * (2 * 0.09 / 1000) ** 0.5)
    lam = lambda s, m, b: 10 * (1 - m) + 1
    tiny = results(lam, acc_of=lambda s, m, b: 90 + (0.5 if m == 0.9 else 0.0),
                   fgsm_of=lambda s, m, b: 30 + (0.5 if m == 0.9 else 0.0))
    lr = [c for c in graded_claims(tiny) if "λ1" not in c.statement][0]
    assert lr.cases["M1-K on MNIST"]["acc_share"] == 0.0 and lr.grade == "did not hold"
    assert "standard errors" in lr.why
    clear = results(lam, acc_of=lambda s, m, b: 80 + 10 * m, fgsm_of=lambda s, m, b: 30 + 20 * m)
    v = momentum_accuracy(clear.grid, "m1k-mnist", "lr", [0.0, 0.9], 0, 1000)
    assert v["acc_share"] == v["fgsm_share"] == 1.0
    assert momentum_accuracy(clear.grid, "m1k-mnist", "lr", [0.0, 0.9], 0, 100)["acc_share"] == 0.0


def test_a_diverged_run_in_the_momentum_grid_enters_no_statistic():
    """A diverged run at the largest momentum: NaN < x is False, so it used to count against 'lower
    λ1'. Its batch size is now left out for every momentum and the run is named."""
    import dataclasses

    nan = float("nan")
    R = results(lambda s, m, b: 10 * (1 - m) + b / 100, cases=FOUR, acc_of=lambda s, m, b: 80 + 10 * m,
                batch_sizes=(16, 32, 64, 256))
    bad = [dataclasses.replace(r, test_acc=nan, fgsm_acc=nan, pgd_acc=nan, lambda1=nan, train_loss=nan, diverged=True)
           if (r.run.case, r.run.setting, r.run.momentum, r.run.batch) == ("m1k-mnist", "lr", 0.9, 16) else r
           for r in R.grid.results]
    D = k2.Results(R.params, Grid(tuple(bad)), {})
    clean, diverged = graded_claims(R), graded_claims(D)
    assert [c.grade for c in diverged] == [c.grade for c in clean]
    lam = diverged[0]
    assert {k: lam.cases["M1-K on MNIST"][k] for k in ("share", "n_batches")} == {"share": 1.0, "n_batches": 3}
    assert "1 diverged run: M1-K on MNIST, LR m=0.9, B=16, seed 0" in lam.why
    assert diverged[1].cases["M1-K on MNIST"]["acc_share"] == 1.0
    assert k2.numbers(D)["diverged"] == 1 and k2.numbers(D)["share_lr"] == 100.0


def test_params_need_momentum_zero():
    with pytest.raises(ParameterError, match=r"momenta_lr = \[0.5, 0.9\]: needs 0"):
        validate(K2Params, {**GOOD, "momenta_lr": [0.5, 0.9]})
    with pytest.raises(ParameterError, match="listed twice"):
        validate(K2Params, {**GOOD, "momenta_lr_bs": [0.0, 0.9, 0.9]})


def test_figures_and_explorer():
    R = results(lambda s, m, b: 10 * (1 - m) + 1, cases=["m1k-mnist"])
    fig = k2.figure_item(R, "K-Fig7-10")
    assert len(fig.axes[3].lines) == 4  # one λ1 line per momentum under LR
    assert len(k2.explorer(R).update(case="m1k-mnist", setting="lr_bs", momentum=0.9).axes[3].lines) == 6


def test_training_losses_give_each_cases_median_at_the_extreme_momenta():
    from test_chapter_k1 import GRID, result

    import dataclasses

    from hessbook.papers.kamath.grid import Grid
    from hessbook.params import validate

    P = validate(K2Params, dict(scale="smoke", seed=0, cases=["m1k-mnist"], device="cpu",
                                momenta_lr=[0.0, 0.9], momenta_lr_bs=[0.0, 0.9], **GRID))
    runs = [dataclasses.replace(result("m1k-mnist", "lr", m, b), train_loss=loss)
            for m, losses in ((0.0, (2.0, 1.0, 3.0)), (0.9, (0.5, 0.1, 0.2))) for b, loss in zip((16, 64, 256), losses)]
    R = k2.Results(P, Grid(tuple(runs)), {})
    # 3.0 is on the plateau (out of every statistic): the median of 2.0 and 1.0
    assert k2.numbers(R)["losses_lr"] == "M1-K on MNIST: 1.5 at m = 0, 0.2 at m = 0.9"


def test_fgsm_at_the_floor_leaves_the_fgsm_half_untested():
    """FGSM accuracy at or below 5 % in every run at momentum 0 and at the largest momentum: under LR/BS
    'momentum changes it little' holds by construction, under LR a rise of a point is noise; each
    claim is then at most partly."""
    lam = lambda s, m, b: 10 * (1 - m) + 1
    floor = results(lam, acc_of=lambda s, m, b: 80 + 10 * m * (s == "lr"), fgsm_of=lambda s, m, b: 1 + 2 * m * (s == "lr"))
    acc = {c.item: c for c in graded_claims(floor) if "λ1" not in c.statement}
    assert acc["K-Fig7-10"].grade == "partly" and acc["K-Fig11-14"].grade == "partly"
    assert "at the floor, its half untested" in acc["K-Fig11-14"].ours
    assert "FGSM accuracy at or below 5 % in every run at m=0 and m=0.9" in acc["K-Fig11-14"].ours


def test_fgsm_pairs_both_under_the_floor_are_neither_higher_nor_lower():
    """Off the floor somewhere, under it at the other batch sizes: FGSM's share and change read only
    the batch sizes where a run is off the floor (before, 1 % against 2 % counted as 'momentum
    raises FGSM accuracy' there)."""
    from hessbook.papers.kamath.trends import momentum_accuracy

    lam = lambda s, m, b: 10 * (1 - m) + 1
    fg = lambda s, m, b: (20 + 10 * m) if b == 16 else (1 + 2 * m)  # B = 16 off the floor, the rest under it
    R = results(lam, acc_of=lambda s, m, b: 80 + 10 * m, fgsm_of=fg, cases=["m1k-mnist"])
    v = momentum_accuracy(R.grid, "m1k-mnist", "lr", [0.0, 0.9], 0)
    assert v["n_batches"] == 3 and v["fgsm_share"] == 1.0 and v["fgsm_change"] == pytest.approx(9.0)
    # one batch size off the floor is too few for the FGSM half: untested, the claim at most partly
    assert v["fgsm_compared"] == 1
    lr = [c for c in graded_claims(R) if "λ1" not in c.statement][0]
    assert lr.grades["M1-K on MNIST"] == "partly" and "FGSM half reads only those" in lr.why
    # a run off the floor compares its own value: 0.5 % -> 6 % is a rise of 5.5 points, not 1
    rise = results(lam, acc_of=lambda s, m, b: 80 + 10 * m, cases=["m1k-mnist"],
                   fgsm_of=lambda s, m, b: 6.0 if m == 0.9 else 0.5)
    r = momentum_accuracy(rise.grid, "m1k-mnist", "lr", [0.0, 0.9], 0, 1000)
    assert r["fgsm_change"] == pytest.approx(5.5) and r["fgsm_share"] == 1.0 and r["fgsm_compared"] == 3
    down = results(lam, acc_of=lambda s, m, b: 80 + 10 * m, cases=["m1k-mnist"],
                   fgsm_of=lambda s, m, b: (20 - 10 * m) if b == 16 else (1 + 2 * m))
    assert momentum_accuracy(down.grid, "m1k-mnist", "lr", [0.0, 0.9], 0)["fgsm_share"] == 0.0


def test_fgsm_at_the_floor_cannot_make_an_accuracy_claim_partly():
    """At the floor the FGSM half is untested in every branch: where the accuracy half fails (LR:
    accuracy falls with momentum; LR/BS: it moves 10 points), FGSM values near 0 % (a 'rise' of two
    points under LR, no change under LR/BS) leave the case did not hold, not partly."""
    lam = lambda s, m, b: 10 * (1 - m) + 1
    floor = results(lam, acc_of=lambda s, m, b: 90 - 10 * m, fgsm_of=lambda s, m, b: 1 + 2 * m * (s == "lr"),
                    pgd_of=lambda s, m, b: 1.0)
    acc = {c.item: c for c in graded_claims(floor) if "λ1" not in c.statement}
    assert acc["K-Fig7-10"].grade == "did not hold" and acc["K-Fig11-14"].grade == "did not hold"
    off = results(lam, acc_of=lambda s, m, b: 90 - 10 * m, fgsm_of=lambda s, m, b: 30 + 10 * m * (s == "lr"))
    acc = {c.item: c for c in graded_claims(off) if "λ1" not in c.statement}
    assert acc["K-Fig7-10"].grade == "partly" and acc["K-Fig11-14"].grade == "partly"  # FGSM off the floor: read


def test_little_change_under_lr_bs_needs_every_fgsm_value_off_the_floor():
    """Under LR/BS, FGSM 6 % at momentum 0 and 1.5 % at 0.9 at every batch size: a change of 4.5
    points (within 5) with a run at 5 % or above at each B read 'changes little', held, before.
    'Little' now needs every run it reads off the floor: both runs (momentum 0 and the largest) at
    every batch size compared, which the label says (it said 'every compared run', a name FGSM's
    share uses for fewer batch sizes); otherwise at most partly."""
    lam = lambda s, m, b: 10 * (1 - m) + 1
    collapse = results(lam, acc_of=lambda s, m, b: 80 + 10 * m * (s == "lr"),
                       fgsm_of=lambda s, m, b: 30 + 20 * m if s == "lr" else (1.5 if m == 0.9 else 6.0))
    lr_bs = [c for c in graded_claims(collapse) if c.item == "K-Fig11-14" and "λ1" not in c.statement][0]
    assert lr_bs.grade == "partly" and lr_bs.cases["M1-K on MNIST"]["fgsm_every_off_floor"] == 0.0
    assert ("FGSM accuracy above 5 % in every run at momentum 0 and at the largest momentum, at every batch "
            "size compared") in lr_bs.why
    assert "every compared run" not in lr_bs.why
    off = results(lam, acc_of=lambda s, m, b: 80 + 10 * m * (s == "lr"),
                  fgsm_of=lambda s, m, b: 30 + 20 * m if s == "lr" else (7.0 if m == 0.9 else 10.0))
    assert [c for c in graded_claims(off) if c.item == "K-Fig11-14" and "λ1" not in c.statement][0].grade == "held"


def test_the_fgsm_share_names_the_batch_sizes_it_reads():
    """FGSM's share reads only the batch sizes with a run off the floor (``fgsm_compared``); the
    evidence said 'of 3 batch sizes' where it read one."""
    lam = lambda s, m, b: 10 * (1 - m) + 1
    fg = lambda s, m, b: (20 + 10 * m) if b == 16 else (1 + 2 * m)  # B = 16 off the floor, the rest under it
    R = results(lam, acc_of=lambda s, m, b: 80 + 10 * m, fgsm_of=fg, cases=["m1k-mnist"])
    lr = [c for c in graded_claims(R) if "λ1" not in c.statement][0]
    assert "test accuracy higher for 100% of 3 batch sizes" in lr.ours
    assert "FGSM accuracy for 100% of the 1 with a run off the floor" in lr.ours


def test_every_off_floor_reads_the_runs_fgsms_share_leaves_out():
    """'Changes little' reads every run at momentum 0 and at the largest momentum, at every batch
    size compared (``n_batches``), including those FGSM's share leaves out (both runs at the
    floor): one helper (``all_off_floor``) decides it for K1's flatness and K2 alike."""
    from hessbook.papers.kamath.trends import all_off_floor, momentum_accuracy

    assert all_off_floor([5.1, 30.0]) and not all_off_floor([5.0, 30.0]) and not all_off_floor([5.1, 4.9]) and not all_off_floor([])
    lam = lambda s, m, b: 10 * (1 - m) + 1
    fg = lambda s, m, b: (20 + 10 * m) if b == 16 else (1 + 2 * m)  # B = 16 off the floor, the rest under it
    R = results(lam, acc_of=lambda s, m, b: 80 + 10 * m, fgsm_of=fg, cases=["m1k-mnist"])
    v = momentum_accuracy(R.grid, "m1k-mnist", "lr_bs", R.momenta("lr_bs"), 0, R.params.n_test)
    assert v["fgsm_compared"] == 1 and v["n_batches"] == 3
    assert v["fgsm_off_floor"] == 1.0 and v["fgsm_every_off_floor"] == 0.0


def test_k2_criteria_leave_out_the_benchmark_k1s_keep_it():
    """K2 trains no Benchmark network: its criteria (and the glued text) do not list the Benchmark's
    first rate (review of 2026-12-06); K1's do."""
    from hessbook.chapters import k1
    from hessbook.chapters.k1.params import K1Params

    P = validate(K2Params, GOOD)
    assert not any("Benchmark" in c.name for c in k2.criteria(P))
    assert "Benchmark" not in k2.numbers(results(lambda s, m, b: 1.0))["criteria"]
    k1_params = validate(K1Params, {**GRID, "scale": "smoke", "seed": 0, "cases": ["m1k-mnist"], "device": "cpu"})
    assert any("Benchmark" in c.name for c in k1.criteria(k1_params))


def test_summed_rate_is_lr_times_steps_and_constant_under_lr_bs():
    """lr x SGD steps: LR at B = 64 on 512 images for 100 epochs, 0.01 x 800 = 8; LR/BS, 0.00015625 x
    epochs x images at every B (8 here, about 860 on K's 55,000 MNIST images)."""
    from hessbook.papers.kamath.regime import summed_rate, summed_rate_text

    assert summed_rate("lr", 64, 100, 512) == pytest.approx(8.0)
    assert summed_rate("lr", 16, 100, 512) == pytest.approx(32.0)
    assert [summed_rate("lr_bs", b, 100, 512) for b in (16, 32, 64)] == pytest.approx([8.0] * 3)
    assert summed_rate("lr_bs", 1024, 100, 55000) == pytest.approx(0.00015625 * 1024 * 100 * 54)
    P = validate(K2Params, {**GOOD, "batch_sizes": [16, 32, 64], "epochs_mnist": 100, "epochs_cifar": 100})
    text = summed_rate_text(P)
    assert text.startswith("LR on MNIST 8–32, 1/107 of K's at the same B (K's 54–3,438 over B = 16–1,024); "
                           "LR/BS on MNIST 8, 1/107 of K's at the same B (K's 860–864 over B = 16–1,024)"), text
    full = validate(K2Params, {**GOOD, "batch_sizes": [16, 1024], "epochs_mnist": 100, "epochs_cifar": 100,
                               "n_train_mnist": 55000, "n_train_cifar": 40000})
    assert summed_rate_text(full, settings=("lr",)) == ("LR on MNIST 54–3,438, K's at the same B (K's 54–3,438 over "
                                                        "B = 16–1,024); LR on CIFAR-10 40–2,500, K's at the same B "
                                                        "(K's 40–2,500 over B = 16–1,024)")


def test_verdicts_say_how_far_the_compared_networks_trained():
    """Each claim's evidence gives the summed rates and the median final losses; the λ1 claims also
    ρ(final loss, λ1); under LR/BS at B = 64 the runs are LR's (one rate, 0.01), and the evidence
    says so (review of 2026-12-06: the page said so only in a section apart from the verdicts)."""
    R = results(lambda s, m, b: 10 * (1 - m) + b / 100, batch_sizes=(16, 32, 64))
    for c in graded_claims(R):
        assert "Graded at equal epochs, as K compares; not separated from training progress" in c.why
        assert ("LR/BS on MNIST" in c.why) == ("LR/BS" in c.statement)  # each claim its own setting's rate
        assert "summed learning rate" in c.why and "median final training loss" in c.why
        assert ("ρ(final training loss, λ1)" in c.why) == ("λ1" in c.statement)
        assert ("those runs are LR's networks" in c.why) == ("LR/BS" in c.statement)
    no_64 = results(lambda s, m, b: 10 * (1 - m) + b / 100, batch_sizes=(16, 32, 128))
    assert not any("those runs are LR's networks" in c.why for c in graded_claims(no_64))


NOISE = (0.05, -0.05, 0.03, -0.02, 0.04, -0.04, 0.01, -0.03, 0.02)
"""A fixed multiplicative scatter (in log λ1) so the fit has residuals and its interval a width."""


def _runs(losses: dict, lam, setting="lr"):
    """Runs of M1-K, one per (level, batch size) with the given losses, λ1 = lam(loss, m, B) e^noise."""
    import dataclasses
    import math

    out = []
    for (m, b_losses) in losses.items():
        for b, loss in b_losses.items():
            i = len(out)
            out.append(dataclasses.replace(result("m1k-mnist", setting, m, b, lam(loss, m, b) * math.exp(NOISE[i % 9])),
                                           train_loss=loss, run=Run("m1k-mnist", setting, m, b, i // 9)))
    return out


def test_equal_loss_factor_separates_momentum_from_training_progress():
    """λ1 = 100 loss at every momentum, overlapping losses: the interval holds 1 (inconclusive);
    λ1 = 100 loss e^(−2m): the factor is about e^(−1.8) and its interval excludes 1; the two ends'
    losses never meeting: not separable; one momentum: no fit. Overlap counts the largest
    momentum's runs inside the *smallest* momentum's loss range (not any other's)."""
    import math

    from hessbook.papers.kamath.grid import Grid
    from hessbook.papers.kamath.trends import equal_loss_factor, equal_loss_text

    by_m, by_b = (lambda r: r.run.momentum), (lambda r: math.log2(r.run.batch))
    losses = {0.0: {16: 0.1, 32: 0.3, 64: 0.2}, 0.5: {16: 0.15, 32: 0.12, 64: 0.4}, 0.9: {16: 0.2, 32: 0.25, 64: 0.11}}
    progress = equal_loss_factor(_runs(losses, lambda l, m, b: 100 * l), by_m, by_b)
    assert progress.low < 1 < progress.high and not progress.conclusive and progress.overlap == 3
    momentum = equal_loss_factor(_runs(losses, lambda l, m, b: 100 * l * math.exp(-2 * m)), by_m, by_b)
    assert momentum.factor == pytest.approx(math.exp(-1.8), rel=0.3) and momentum.high < 1 and momentum.conclusive
    middle_only = {0.0: {16: 0.1, 32: 0.12, 64: 0.14}, 0.5: {16: 0.05, 32: 0.3, 64: 0.03},
                   0.9: {16: 0.02, 32: 0.04, 64: 0.05}}  # 0.9's losses meet 0.5's range, never 0's
    fit = equal_loss_factor(_runs(middle_only, lambda l, m, b: 100 * l), by_m, by_b)
    assert fit.overlap == 0 and not fit.separable
    text = equal_loss_text(Grid(tuple(_runs(middle_only, lambda l, m, b: 100 * l))), "lr", [0.0, 0.5, 0.9])
    assert text == ("not separable for M1-K on MNIST (no run at m = 0.9 has a loss within the range of the runs "
                    "at m = 0: the fit would extrapolate)"), text
    one = {0.0: {16: 0.1, 32: 0.3, 64: 0.2, 128: 0.4, 256: 0.5, 512: 0.6, 1024: 0.7, 8: 0.05}}
    assert math.isnan(equal_loss_factor(_runs(one, lambda l, m, b: 100 * l), by_m).factor)
    shown = equal_loss_text(Grid(tuple(_runs(losses, lambda l, m, b: 100 * l * math.exp(-2 * m)))), "lr",
                            [0.0, 0.5, 0.9])
    assert "×0.2 (" in shown and "at ±2 SE;" in shown and "3 of 3 runs at m = 0.9" in shown, shown


def test_equal_loss_across_batch_sizes_reads_log2_b():
    """K1's diagnostic: λ1 = 100 loss B^0.5 over B = 16, 32, 64 (overlapping losses): at equal
    loss λ1 rises by about (64/16)^0.5 = 2 from the smallest B to the largest; λ1 = 100 loss: an
    interval around 1, inconclusive."""
    import math

    from hessbook.papers.kamath.grid import Grid
    from hessbook.papers.kamath.trends import equal_loss_batch_text, equal_loss_factor

    losses = {0.0: {16: 0.1, 32: 0.15, 64: 0.2}}
    seeds = [_runs({0.0: {b: l * k for b, l in losses[0.0].items()}}, lam) for k in (1, 2, 1.5)
             for lam in [lambda l, m, b: 100 * l * b ** 0.5]]
    rising = [r for rs in seeds for r in rs]
    fit = equal_loss_factor(rising, lambda r: math.log2(r.run.batch))
    assert fit.factor == pytest.approx(2.0, rel=0.2) and fit.low > 1 and fit.overlap == 1  # B = 64 at 0.2 only
    flat = [r for k in (1, 2, 1.5) for r in _runs({0.0: {b: l * k for b, l in losses[0.0].items()}},
                                                   lambda l, m, b: 100 * l)]
    text = equal_loss_batch_text(Grid(tuple(flat)), "lr", 0.0)
    assert "inconclusive: the interval holds 1" in text and "runs at B = 64 within the loss range of those at B = 16" \
        in text, text


def test_equal_loss_summary_groups_the_cases_it_cannot_separate():
    from hessbook.papers.kamath.trends import NO_FIT, EqualLoss, equal_loss_summary

    apart = EqualLoss(0.5, 0.2, 1.2, 0, 3)
    shown = EqualLoss(0.3, 0.1, 0.6, 2, 3)
    text = equal_loss_summary([("A", apart, "m = 0.9", "m = 0"), ("B", shown, "m = 0.9", "m = 0"),
                               ("C", apart, "m = 0.9", "m = 0"), ("D", NO_FIT, "m = 0.9", "m = 0")])
    assert text == ("B ×0.3 (×0.1 to ×0.6 at ±2 SE; 2 of 3 runs at m = 0.9 within the loss range of those at m = 0); "
                    "not separable for A, C (no run at m = 0.9 has a loss within the range of the runs at m = 0: the "
                    "fit would extrapolate); n/a for D (too few runs to fit)"), text
    assert "inconclusive" in equal_loss_summary([("E", EqualLoss(0.5, 0.2, 1.2, 1, 3), "m = 0.9", "m = 0")])


def test_pooled_signs_count_the_largest_momentums_wins_and_skip_ties():
    """Test accuracy 1 point higher at m = 0.9 at every batch size: 3 of 3 (p = 0.25 two-sided); FGSM
    the same at every momentum: no untied pair; lower at m = 0.9 at one B: 2 of 3."""
    from hessbook.papers.kamath.trends import momentum_signs, momentum_signs_text

    R = results(lambda s, m, b: 1.0, cases=["m1k-mnist"], acc_of=lambda s, m, b: 90.0 + m)
    assert momentum_signs(R.grid, "m1k-mnist", "lr", [0.0, 0.2, 0.5, 0.9], "test_acc") == (3, 3)
    assert momentum_signs_text(R.grid, "lr", [0.0, 0.2, 0.5, 0.9]) == (
        "M1-K on MNIST: test 3 of 3 (p = 0.25), FGSM none untied")
    mixed = results(lambda s, m, b: 1.0, cases=["m1k-mnist"], acc_of=lambda s, m, b: 90.0 + (m if b < 256 else -m))
    assert momentum_signs(mixed.grid, "m1k-mnist", "lr", [0.0, 0.9], "test_acc") == (2, 3)
    claim = next(c for c in graded_claims(R) if c.statement.startswith("Under LR, a higher momentum gives a higher"))
    assert "test 3 of 3 (p = 0.25)" in claim.why
