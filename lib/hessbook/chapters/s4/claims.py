"""S4's claims (S-Fig4-6: the LB outliers are larger, as many as SB's, the negative eigenvalues
small), graded by rules, the comparisons in each network seed (a case per seed,
:func:`hessbook.kit.seeds.across_seeds`); the regime criteria they are judged under; the numbers
the prose cites."""

from __future__ import annotations

from collections.abc import Mapping

from hessbook import kit, regime, stats
from hessbook.chapters.s4.compute import OUTLIER_RANKS, Results, compare_pair, num_parameters, num_parameters_of
from hessbook.chapters.s4.paper import PAPER_BATCHES, PAPER_SAMPLES
from hessbook.chapters.s4.params import FULL_CHANNELS, FULL_HIDDEN, S4Params
from hessbook.kit.seeds import across_seeds
from hessbook.papers.sagun.mnist_spectra import (COUNT_TOLERANCE, OUTLIER_METHODS as METHODS, Spectrum, count_spread,
                                                 negatives_claim, outlier_counts)
from hessbook.papers.sagun.regime import FIT_ACCURACY, over_parametrized, spectra_runs, with_fit

LARGER_PARTLY = 0.5
""""LB outliers larger" partly: LB larger at at least this share of the ranks (or at lambda_max)."""

LARGER_RULE = kit.Rule(
    held=kit.at_least("larger_share", 1.0, f"share of the top {OUTLIER_RANKS} ranks where LB is larger", ".0%"),
    partly=kit.any_of(kit.above("ratio_lambda1", 1.0, "λ_max LB / SB"),
                      kit.at_least("larger_share", LARGER_PARTLY, "that share", ".0%")),
)
SAME_COUNT_RULE = kit.Rule(
    held=kit.equals("difference", 0, "median over gap, ratio, elbow of |count SB − count LB| by the same cutoff"),
    partly=kit.at_most("excess", 0, f"that difference − max(1, {COUNT_TOLERANCE:.0%} of the median of the larger "
                                    "counts)"),
)
"""S Sec. 1.2 (3): "large batch methods produce the same number of outliers". Each cutoff's SB
count is compared with its own LB count (like for like), and the median taken over the three
cutoffs' differences: a median of each network's counts could pair SB's ratio count with LB's gap
count and read "the same number" from two different cutoffs (held needs two of the three cutoffs
to count the same on both networks)."""


def criteria(P: S4Params, R: Results | None = None) -> list[regime.Criterion]:
    """S4's regime criteria (:mod:`hessbook.papers.sagun.regime`, written from S before any verdict
    was read) for the block ``P``; with the results ``R``, also the state SB and LB reached.

    S Sec. 3.3: 1K MNIST samples, batches 10 and 512, "a learning rate for which both algorithms
    converge", the same number of iterations (no number given). S gives no layer sizes; it reads
    the LB/SB comparison through over-parametrization (Sec. 4: "over-parametrization [...] leads
    to flatness at the bottom of the landscape", of GD against SGD), so the convnet has more
    parameters than samples. Both networks trained to the bottom (S Sec. 3.4, "well beyond the
    point of this saturation"): each fits its training set (measured)."""
    params = num_parameters(P)
    return with_fit([
        regime.Criterion(f"S's {PAPER_SAMPLES:,} MNIST training samples (S Sec. 3.3)", P.n_samples == PAPER_SAMPLES,
                         f"N = {P.n_samples:,}"),
        regime.Criterion(f"S's batches {PAPER_BATCHES[0]} and {PAPER_BATCHES[1]} (S Sec. 3.3)",
                         (P.small_batch, P.large_batch) == PAPER_BATCHES, f"batches {P.small_batch} and {P.large_batch}"),
        over_parametrized("the convnet", [params], P.n_samples,
                          "layer sizes not given; our full-size convnet has "
                          f"{num_parameters_of(FULL_CHANNELS, FULL_HIDDEN):,}"),
    ], R)


def trained_runs(R: Results) -> list[regime.TrainedRun]:
    """SB and LB of every seed as run-table rows (``iterations`` steps each)."""
    return spectra_runs(R)


def numbers(R: Results) -> dict:
    """Every number the prose cites (glued as ``s4-<name>``)."""
    c = R.comparison
    return {
        "criteria": regime.criteria_text(criteria(R.params, R)), "plateau": regime.plateau_summary(trained_runs(R)),
        "params": R.small.num_params, "ratio_l1": c.ratio_lambda1, "larger": c.larger_ranks, "ranks": c.ranks,
        "loss_sb": R.small.final_loss, "loss_lb": R.large.final_loss,
        "max_asym": max(s.asymmetry for s in R.every), "n_seeds": len(R.pairs),
        "ratio_l1_seeds": ", ".join(f"{compare_pair(sb, lb).ratio_lambda1:.2f}" for sb, lb in R.pairs),
    }


def _median(counts: dict[str, int]) -> int:
    return int(stats.median(counts[m] for m in METHODS))


def count_values(small: Mapping[str, int], large: Mapping[str, int]) -> dict[str, float]:
    """What :data:`SAME_COUNT_RULE` grades from each cutoff's count on SB and on LB
    (:func:`~hessbook.papers.sagun.mnist_spectra.count_spread` of the two)."""
    return count_spread([dict(small), dict(large)])


def median_source(counts: Mapping[str, int]) -> str:
    """Which cutoff(s) gave a network's median count, ``"ratio"`` or ``"gap = ratio"``."""
    mid = _median(dict(counts))
    return " = ".join(m for m in METHODS if counts[m] == mid)


def _why_counts_differ(sb: Spectrum, lb: Spectrum) -> str:
    """Our reading of a count mismatch, saying only what the runs and the counts show. Runs that
    have not both fit their training set end at different stages of training (equal iterations,
    SB sees far fewer samples); runs that have cannot differ by that. Where the three cutoffs of
    a network disagree, its count rests on where one gap falls; where they agree on each network,
    the difference is in the spectra, not in the counting."""
    losses = (f"final training loss SB {sb.final_loss:.1e}, LB {lb.final_loss:.1e}; training accuracy "
              f"{100 * sb.train_accuracy:.1f}% and {100 * lb.train_accuracy:.1f}%")
    counts = {name: outlier_counts(s) for name, s in (("SB", sb), ("LB", lb))}
    shown = ", ".join(f"{name} " + "/".join(str(c[m]) for m in METHODS) for name, c in counts.items())
    split = [name for name, c in counts.items() if len(set(c.values())) > 1]
    cutoffs = (f"the three cutoffs ({'/'.join(METHODS)}: {shown}) disagree on {' and '.join(split)}, where a count "
               "rests on where one gap falls" if split else
               f"the three cutoffs ({'/'.join(METHODS)}: {shown}) agree on each network, so the difference is in "
               "the spectra, not in the counting")
    if min(sb.train_accuracy, lb.train_accuracy) >= FIT_ACCURACY:
        return (f"Why we think the counts differ: both runs fit their training set ({losses}), so not by a "
                f"different stage of training; {cutoffs}.")
    return (f"Why we think the counts differ: with the same number of iterations SB has seen far fewer samples, "
            f"so the two runs end at different points ({losses}); {cutoffs}.")


def pair_claims(P: S4Params, sb: Spectrum, lb: Spectrum) -> list[kit.Claim]:
    """S Fig 4 on one seed's SB and LB: LB's outliers larger, as many as SB's."""
    c = compare_pair(sb, lb)
    ms, ml = _median(c.counts_small), _median(c.counts_large)
    same_values = count_values(c.counts_small, c.counts_large)
    reduced = _reduced(P)
    why = "" if SAME_COUNT_RULE.grade(same_values) == "held" else _why_counts_differ(sb, lb)
    counts = "; ".join(f"{m}: SB {c.counts_small[m]}, LB {c.counts_large[m]}" for m in METHODS)
    agree = [m for m in METHODS if c.counts_small[m] == c.counts_large[m]]
    sources = median_source(c.counts_small), median_source(c.counts_large)
    like = (f"Compared cutoff by cutoff: {', '.join(agree) if agree else 'no cutoff'} counts the same on SB and LB; "
            f"each network's median of the three came from {sources[0]} (SB) and {sources[1]} (LB)"
            + (": no cutoff in common, which equal medians alone would have paired."
               if not set(sources[0].split(" = ")) & set(sources[1].split(" = ")) else "."))
    return [
        kit.Claim(
            "S-Fig4-6", "The large-batch solution has larger outlier eigenvalues than the small-batch one.",
            paper="Fig 4: the LB (batch 512) outliers lie above the SB (batch 10) ones.",
            ours=f"λ_max LB / SB = {c.ratio_lambda1:.2f}; LB larger at {c.larger_ranks} of the top {c.ranks} "
                 f"ranks; sum of the top {c.ranks}: LB / SB = {c.ratio_sum:.2f}.",
            rule=LARGER_RULE, cases=kit.single({"larger_share": c.larger_ranks / c.ranks,
                                                "ratio_lambda1": c.ratio_lambda1}),
            evidence=reduced,
        ),
        kit.Claim(
            "S-Fig4-6", "LB and SB have the same number of outliers.",
            paper="Sec. 1.2, item 3 (3): \"large batch methods produce the same number of outliers that are larger in "
                  "magnitude\"; Fig 4 shows them.",
            ours=f"outliers by cutoff: {counts} (median of the three: SB {ms}, LB {ml}; median difference by the "
                 f"same cutoff {same_values['difference']:g}).",
            rule=SAME_COUNT_RULE, cases=kit.single(same_values),
            evidence=" ".join(x for x in (reduced, like, why) if x),
        ),
    ]


def _reduced(P: S4Params) -> str:
    full = tuple(P.channels) == FULL_CHANNELS and P.hidden == FULL_HIDDEN
    return "" if full else "Shrunk convnet (fewer channels) at this scale."


def graded_claims(R: Results) -> list[kit.Claim]:
    """S Fig 4 (LB outliers larger, same number: in each seed, a case per seed) and S Fig 6
    (negatives small, on the worst network of every seed)."""
    per_seed = [pair_claims(R.params, sb, lb) for sb, lb in R.pairs]
    seeds = R.params.seeds[:len(per_seed)]
    return [
        across_seeds([claims_[0] for claims_ in per_seed], seeds, "LB vs SB"),
        across_seeds([claims_[1] for claims_ in per_seed], seeds, "LB vs SB"),
        negatives_claim("S-Fig4-6", R.every, paper="Fig 6: small negative eigenvalues at the bottom for both LB and SB.",
                        evidence=_reduced(R.params)),
    ]


def claims(R: Results) -> list:
    """The claims, judged only where S4's regime criteria hold (:func:`hessbook.kit.in_regime`)."""
    return kit.in_regime(graded_claims(R), criteria(R.params, R))
