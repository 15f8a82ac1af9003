"""hessbook.stats: Spearman's ρ against scipy (ties included), and non-finite values (diverged
runs) kept out of every statistic instead of taking the highest rank."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.stats

from hessbook import stats


@pytest.mark.parametrize("x, y", [
    ([1, 2, 3, 4], [10, 30, 20, 40]),
    ([1, 2, 3], [1, 1, 2]),
    ([1, 1, 2, 2, 3], [5, 4, 4, 3, 1]),
    ([16, 64, 64, 256, 1024, 1024], [0.5, 0.5, 0.7, 0.2, 0.2, 0.2]),
    ([3, 1, 2, 2, 5, 4, 4], [7, 7, 7, 1, 2, 3, 3]),
])
def test_spearman_matches_scipy_with_ties(x, y):
    assert stats.spearman(x, y) == pytest.approx(scipy.stats.spearmanr(x, y).statistic, abs=1e-12)
    assert stats.ranks(y) == pytest.approx(scipy.stats.rankdata(y, method="average"))


def test_spearman_on_random_tied_data_matches_scipy():
    rng = np.random.default_rng(0)
    for _ in range(50):
        x, y = rng.integers(0, 4, 9), rng.integers(0, 3, 9)
        expected = scipy.stats.spearmanr(x, y).statistic
        got = stats.spearman(x, y)
        assert (math.isnan(got) and math.isnan(expected)) or got == pytest.approx(expected, abs=1e-12)


def test_a_diverged_value_is_left_out_not_ranked_highest():
    batches, lam = [16, 64, 256, 1024], [1.0, 2.0, 3.0, 4.0]
    assert stats.spearman(batches, lam) == 1.0
    # the largest batch diverged: without it the trend is the same three points, still +1
    assert stats.spearman(batches, [1.0, 2.0, 3.0, float("nan")]) == 1.0
    # the smallest batch diverged: a NaN ranked highest would have turned +1 into -0.2
    assert stats.spearman(batches, [float("nan"), 2.0, 3.0, 4.0]) == 1.0
    assert stats.spearman([16, 64, 256], [float("inf"), 2.0, 1.0]) == -1.0
    assert math.isnan(stats.spearman([16, 64], [1.0, float("nan")]))  # one pair left: no ρ


def test_median_spread_share_skip_non_finite_values():
    assert stats.median([3.0, float("nan"), 1.0, 2.0]) == 2.0
    assert stats.spread([50.0, float("nan"), 40.0]) == 10.0
    assert math.isnan(stats.median([float("nan")])) and math.isnan(stats.spread([]))
    assert stats.share([True, False, True, True]) == 0.75 and math.isnan(stats.share([]))


def test_lengths_must_match():
    with pytest.raises(ValueError, match="lengths differ"):
        stats.spearman([1, 2, 3], [1, 2])


def test_rank_p_against_scipy_beyond_the_exact_range_and_exact_below():
    """The exact permutation p (n <= 9) and the t approximation beyond, against scipy."""
    import pytest
    from scipy import stats as sps

    from hessbook import stats

    rng = np.random.default_rng(0)
    x, y = rng.normal(size=30), rng.normal(size=30)
    assert stats.rank_p(x, y) == pytest.approx(sps.spearmanr(x, y).pvalue, rel=1e-9)
    assert stats.rank_p([1, 2, 3, 4, 5], [1, 3, 2, 5, 4]) == pytest.approx(
        sps.permutation_test(([1, 2, 3, 4, 5],), lambda a: sps.spearmanr(a, [1, 3, 2, 5, 4]).statistic,
                             permutation_type="pairings", alternative="two-sided").pvalue)
    assert np.isnan(stats.rank_p([1, np.nan, 3], [1, 2, 3]))  # two finite pairs: too few


def test_kolmogorov_distance_handles_the_atom():
    from hessbook.randmat import MarchenkoPastur

    law = MarchenkoPastur(2.0)
    eig = np.concatenate([np.full(50, 1e-17), np.linspace(0.2, 2.5, 50)])
    assert stats.kolmogorov_distance(eig, law) < 0.5  # the zeros match the atom, not a 0.5 jump


def test_spearman_against_a_hand_computation():
    # x ranks 1 2 3 4; y = 10 30 20 40 -> ranks 1 3 2 4; d = 0 1 1 0; rho = 1 - 6*2/(4*15) = 0.8
    assert stats.spearman([1, 2, 3, 4], [10, 30, 20, 40]) == pytest.approx(0.8)
    # exactly on the threshold: one adjacent swap in four is 0.8, and grades as strong
    assert stats.spearman([16, 64, 256, 512], [17.1, 9.8, 37.4, 60.0]) >= 0.8
    assert stats.spearman([16, 64, 256, 512], [31.5, 7.2, 0.0, 0.1]) <= -0.8
    assert stats.spearman([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)
    # ties: y = 1 1 2 -> ranks 1.5 1.5 3; Pearson of (1,2,3) and (1.5,1.5,3) = sqrt(3)/2
    assert stats.spearman([1, 2, 3], [1, 1, 2]) == pytest.approx(np.sqrt(3) / 2)
    assert np.isnan(stats.spearman([1], [2])) and np.isnan(stats.spearman([1, 2], [5, 5]))


def test_floor_tied_ties_values_under_the_floor_and_keeps_the_rest():
    v = stats.floor_tied([5.1, 0.9, float("nan"), 0.0, 7.0])
    assert v[0] == 5.1 and v[1] == v[3] == stats.ACCURACY_FLOOR and np.isnan(v[2]) and v[4] == 7.0
    assert list(stats.floor_tied([0.3, 0.01], floor=0.05)) == [0.3, 0.05]
    # tied, the order of the values under the floor no longer moves a rank correlation
    b = [16, 64, 128, 256, 512]
    assert stats.spearman(b, [5.1, 0.9, 0.3, 0.2, 0.0]) == -1.0
    assert stats.spearman(b, stats.floor_tied([5.1, 0.9, 0.3, 0.2, 0.0])) == \
        stats.spearman(b, stats.floor_tied([5.1, 0.0, 0.9, 0.3, 0.2]))


def test_smallest_rank_p_is_the_p_of_a_column_ordered_as_the_tied_one():
    assert stats.smallest_rank_p([1, 2, 3, 4, 5]) == pytest.approx(2 / 120)
    assert stats.smallest_rank_p([1, 2, 3, 4]) == pytest.approx(2 / 24)
    assert stats.smallest_rank_p([9, 5, 5, 5, 5]) == pytest.approx(0.4)
    # no column reaches below it: every ordering of 1..5 against the tied column
    tied = [9, 5, 5, 5, 5]
    import itertools
    assert min(stats.rank_p(list(x), tied) for x in itertools.permutations(range(5))) == \
        pytest.approx(stats.smallest_rank_p(tied))
    assert np.isnan(stats.smallest_rank_p([5, 5, 5]))


def test_beats_needs_the_difference_beyond_its_standard_errors():
    assert stats.beats(61.5, 60.0, 10000) and not stats.beats(61.5, 60.0, 300)
    assert not stats.beats(60.0, 61.5, 10000) and not stats.beats(60.0, 60.0, 10000)
    assert stats.beats(61.5, 60.0, 300, ses=0.3)  # 1.5 points against 0.3 x 4.0


def test_above_the_floor_is_what_floor_tied_leaves_untied():
    v = [3.0, 5.0, 5.1, float("nan"), 20.0]
    above = stats.above_floor(v)
    assert above.tolist() == [False, False, True, False, True]
    tied = stats.floor_tied(v)
    finite = np.isfinite(tied)
    assert np.all(tied[finite & ~above] == stats.ACCURACY_FLOOR)


def test_mean_rho_meets_a_threshold_exactly_as_spearman_does():
    """Review of 2026-12-06 (K2): the mean of ρ = -0.6, -0.8, -1.0 over batch sizes is
    -0.7999999999999999 in floating point and failed 'ρ ≤ -0.8'; rounded as spearman is, it meets it."""
    assert float(np.mean([-0.6, -0.8, -1.0])) > -0.8  # the defect: plain mean
    assert stats.mean_rho([-0.6, -0.8, -1.0]) == -0.8
    assert stats.mean_rho([float("nan"), 0.5, 1.0]) == 0.75  # undefined correlations left out
    assert np.isnan(stats.mean_rho([float("nan")]))


def test_paired_difference_se_is_mcnemars_and_smaller_where_the_errors_overlap():
    """Closed form for 0/1 outcomes with b samples right only in x and c only in y: McNemar's
    100 sqrt(b + c) / n; where x and y are right on the same samples it is far below the SE of two
    independent accuracies; a gap of 4 samples against none is within two of it at any n."""
    from hessbook.stats import accuracy_difference_se, beats, difference_se, paired_difference_se

    def beats_paired(x, y):
        return beats(100 * np.mean(x), 100 * np.mean(y), len(x), 2.0, x, y)

    n, b, c = 300, 10, 2
    x = np.zeros(n)
    y = np.zeros(n)
    x[:150] = y[:150] = 1  # both right on 150 images
    x[150:150 + b] = 1
    y[150 + b:150 + b + c] = 1
    assert paired_difference_se(x, y) == pytest.approx(100 * math.sqrt(b + c) / n, rel=1e-12)
    unpaired = accuracy_difference_se(100 * x.mean(), 100 * y.mean(), n)
    assert paired_difference_se(x, y) < unpaired / 3
    # 8 images of 300 (2.7 points): beyond the paired noise, within the unpaired one
    assert beats_paired(x, y) and not beats_paired(y, x)
    assert 100 * (x.mean() - y.mean()) < 2 * unpaired
    # the same accuracies with every disagreement a swap of many images: no longer resolved
    x2 = np.zeros(n)
    y2 = np.zeros(n)
    x2[:160] = 1
    y2[108:260] = 1
    assert x2.sum() == x.sum() and y2.sum() == y.sum() and not beats_paired(x2, y2)
    # a few images never count: 4 against none is exactly two standard errors, 5 is beyond
    for many in (300, 10_000):
        four, none = np.zeros(many), np.zeros(many)
        four[:4] = 1
        assert not beats_paired(four, none)
        four[4] = 1
        assert beats_paired(four, none)
    # mean scores over several sets: the root mean square of the per-sample difference
    u, v = np.array([1.0, 0.6, 0.2, 0.0]), np.array([0.8, 0.6, 0.0, 0.2])
    assert paired_difference_se(u, v) == pytest.approx(100 * math.sqrt((0.04 + 0 + 0.04 + 0.04) / 4 / 4))
    with pytest.raises(ValueError, match="equal-length"):
        paired_difference_se(np.ones(3), np.ones(4))
    # the one rule for both readings: paired with scores, independent without; scores must be n samples
    assert difference_se(60.0, 50.0, n) == accuracy_difference_se(60.0, 50.0, n)
    assert difference_se(100 * x.mean(), 100 * y.mean(), n, x, y) == paired_difference_se(x, y)
    with pytest.raises(ValueError, match="n = 200"):
        difference_se(100 * x.mean(), 100 * y.mean(), 200, x, y)


def test_kolmogorov_distance_against_an_empirical_law_is_the_two_sample_distance():
    from hessbook.stats import EmpiricalLaw, kolmogorov_distance

    assert kolmogorov_distance([1.0, 2.0, 3.0, 4.0], EmpiricalLaw(np.array([1.0, 2.0, 3.0, 4.0]))) == 0.0
    # [1, 2] against [3, 4]: the samples do not overlap, distance 1
    assert kolmogorov_distance([1.0, 2.0], EmpiricalLaw(np.array([3.0, 4.0]))) == 1.0
    # [1, 3] against [2, 4]: at x = 1 (right) 0.5 - 0 = 0.5
    assert kolmogorov_distance([1.0, 3.0], EmpiricalLaw(np.array([2.0, 4.0]))) == pytest.approx(0.5)


def test_median_is_the_mean_of_the_two_middle_values_and_skips_non_finite():
    """The book's glued medians: an even count averages the two middle values (the upper middle one,
    glued before, turned 17.1 into 23.7 on K2's bimodal ratios), NaN and inf are skipped."""
    assert stats.median([1.0, 2.0, 10.0, 30.0]) == 6.0
    assert stats.median([3.0, float("nan"), 1.0, 2.0]) == 2.0
    assert stats.median([float("inf"), 4.0]) == 4.0
    assert math.isnan(stats.median([float("nan")]))
    assert not hasattr(stats, "middle")


def test_sign_test_p_against_scipy():
    for wins, n in ((9, 9), (7, 9), (5, 9), (0, 4), (3, 10), (12, 12)):
        assert stats.sign_test_p(wins, n) == pytest.approx(scipy.stats.binomtest(wins, n, 0.5).pvalue)
    assert math.isnan(stats.sign_test_p(0, 0))
