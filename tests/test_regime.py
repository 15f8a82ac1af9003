"""The regime criteria (hessbook.regime): plateau, divergence, steps; and their use in K's trends."""

from __future__ import annotations

import dataclasses
import math

import pytest

from hessbook import regime


def test_plateau_is_within_ten_percent_of_ln_c():
    ln10 = math.log(10)
    assert regime.on_plateau(ln10, 10) and regime.on_plateau(0.91 * ln10, 10)
    assert not regime.on_plateau(0.89 * ln10, 10) and not regime.on_plateau(0.05, 10)
    assert regime.on_plateau(0.95 * math.log(2), 2) and not regime.on_plateau(0.95 * math.log(2), 10)
    with pytest.raises(ValueError, match="num_classes = 1"):
        regime.chance_loss(1)


@pytest.mark.parametrize("loss, diverged, want", [(0.1, False, ""), (2.3, False, "plateau"),
                                                  (float("nan"), False, "diverged"), (0.1, True, "diverged"),
                                                  (float("inf"), False, "diverged")])
def test_flag(loss, diverged, want):
    assert regime.flag(loss, 10, diverged) == want


def test_steps_taken_counts_the_last_partial_batch():
    assert regime.steps_taken(12, 4096, 1024) == 48
    assert regime.steps_taken(2, 1000, 64) == 2 * 16 and regime.steps_taken(2, 1000, 64, drop_last=True) == 2 * 15


def test_flagged_text_names_each_kind():
    text = regime.flagged_text([("a", "diverged"), ("b", "plateau"), ("c", "plateau"), ("d", "")])
    assert text == " Excluded from every statistic: 1 diverged run: a. 2 runs on their initial plateau: b; c."
    assert regime.flagged_text([("d", "")]) == ""


def test_a_k_run_on_its_plateau_enters_no_trend_and_is_named():
    """A K grid with one run that never left ln 10 (loss 2.25): without the exclusion it would
    turn Benchmark's λ1 trend (its λ1 at chance is the lowest)."""
    from hessbook.chapters import k1
    from hessbook.chapters.k1.claims import lambda_claim
    from hessbook.chapters.k1.params import K1Params
    from hessbook.papers.kamath.grid import Grid, Run, RunResult
    from hessbook.params import validate

    from test_chapter_k1 import GOOD, curve

    batches = dict(batches=(16, 64, 256, 1024))
    bench = curve("m1k-mnist", "benchmark", 0.9, [97, 96, 92, 85], [60, 55, 45, 30], [1, 5, 15, 50], **batches)
    lrbs = curve("m1k-mnist", "lr_bs", 0.0, [95, 95, 95, 94], [50, 50, 49, 50], [10, 10, 11, 10], **batches)
    lr = curve("m1k-mnist", "lr", 0.0, [95, 95, 90, 80], [60, 50, 40, 20], [5, 10, 20, 40], **batches)
    stuck = dataclasses.replace(bench[-1], lambda1=0.1, test_acc=11.0, train_loss=2.25)
    P = validate(K1Params, {**GOOD, "cases": ["m1k-mnist"], "batch_sizes": [16, 64, 256, 1024]})
    R = k1.Results(P, Grid(tuple([*lrbs, *lr, *bench[:-1], stuck])), {})
    claim = lambda_claim(R, "K-Fig1-2-15")
    assert claim.grades["M1-K on MNIST"] == "held"
    assert "1 run on its initial plateau: M1-K on MNIST, Benchmark m=0.9, B=1024, seed 0" in claim.why
    table = k1.runs_table(R)
    assert list(table["flag"]).count("plateau") == 1 and "steps" in table
    assert isinstance(Run, type) and isinstance(RunResult, type)


def test_criteria_text_says_met_or_not_and_names_an_exception():
    from hessbook.regime import Criterion, at_least, criteria_text, unmet

    ok = at_least("at least 800 steps", 900, 800, "900 steps")
    short = at_least("at least 800 steps", 200, 800, "200 steps")
    excused = Criterion("no plateau", False, "1 run", exception="the paper's run stalls too")
    assert criteria_text([ok]) == "at least 800 steps: met (900 steps)"
    assert "NOT met (200 steps)" in criteria_text([short])
    assert "NOT met (1 run; the paper's run stalls too)" in criteria_text([excused])
    assert unmet([ok, short, excused]) == [short]


def test_trained_run_flags_plateau_divergence_and_keeps_the_exception():
    import math

    from hessbook.regime import TrainedRun, plateau_summary, runs_frame

    good = TrainedRun("B=16", 1000, 0.05, 10, 98.0)
    stuck = TrainedRun("B=512", 40, 0.95 * math.log(10), 10, 11.0)
    blown = TrainedRun("FB", 3, float("nan"), 10, diverged=True, exception="Y's full batch diverges")
    regression = TrainedRun("linear", 10, 5.0, None)
    assert [r.flag for r in (good, stuck, blown, regression)] == ["", "plateau", "diverged", ""]
    frame = runs_frame([good, stuck, blown])
    assert list(frame["flag"]) == ["–", "plateau", "diverged"]
    assert list(frame["expected because"])[2] == "Y's full batch diverges"
    assert list(frame["final loss"])[2] == "– (diverged)" and list(frame["final loss"])[0] == 0.05
    text = plateau_summary([good, stuck, blown])
    assert text.startswith("2 of 3 trained networks flagged") and "1 of them expected" in text
    assert plateau_summary([good]) == "the one trained network left its initial plateau and did not diverge"
    assert plateau_summary([good, good]) == "all 2 trained networks left their initial plateau, none diverged"
