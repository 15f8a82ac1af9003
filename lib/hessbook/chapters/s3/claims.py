"""S3's claims (S-Fig3-5: the top keeps its shape as the network widens, the negative eigenvalues
stay small and their share the same), graded by rules in each network seed (a case per seed,
:func:`hessbook.kit.seeds.across_seeds`); the regime criteria they are judged under; the numbers
the prose cites."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from hessbook import kit, regime
from hessbook.chapters.s3.compute import SHAPE_RANKS, Results, num_params, shape_summary
from hessbook.chapters.s3.paper import PAPER_INPUT_SIZE, PAPER_SAMPLES, PAPER_WIDTHS
from hessbook.chapters.s3.params import S3Params
from hessbook.kit.seeds import across_seeds, case_of
from hessbook.papers.sagun.mnist_spectra import (COUNT_TOLERANCE, OUTLIER_METHODS, Spectrum, common_band,
                                                 count_spread, negative_share, negatives_claim, outlier_counts,
                                                 worst_negative)
from hessbook.papers.sagun.regime import over_parametrized, spectra_runs, with_fit

SHAPE_HELD = 0.5
""""Same shape" held: the top ranks move across widths by at most this fraction of their mean (the
book's choice: S says "remains invariant" and gives no tolerance)..."""
SHAPE_PARTLY = 1.0
"""...partly: by at most this fraction (the book's choice too)."""
BOOKS_THRESHOLD = "threshold: the book's choice, S gives none"
SHAPE_RULE = kit.Rule(
    held=kit.at_most("spread", SHAPE_HELD, f"median relative spread (range / mean) of the top-{SHAPE_RANKS} "
                     f"ranks across widths ({BOOKS_THRESHOLD})", ".0%"),
    partly=kit.at_most("spread", SHAPE_PARTLY, f"that spread ({BOOKS_THRESHOLD})", ".0%"),
)


PINNED = 0.95
"""A width's negative count is at the architecture's bound when it is at least this share of it
(:func:`negative_bound`; measured at cpu, seed 0: 89, 269, 449, 629 of the bounds 90, 270, 450,
630; the counts of every seed are in the claim's "ours")."""


AT_BOUND_LABEL = ("every width's negative count at its architecture's bound, as 1 (every width at it) or 0 (some width "
                  "below it) (the bound: (k − 1)·n for a one-hidden-layer ReLU net; at it: a count of at least "
                  f"{PINNED:.0%} of it, each width's count beside its bound in ours; with every width there the share "
                  "is (k − 1)n / M at every width by construction: untested)")
"""The label of :func:`share_values`' ``at_bound`` (1.0 when every width's count is at its bound, else
0.0), which :data:`SHARE_RULE` judges only at 0: it names that value, so "≤ 0, here 1" reads as
"judged only when some width is below its bound; here all are at it"."""


SHARE_RULE = kit.Rule(
    held=kit.at_most("share_spread", SHAPE_HELD, f"range / mean of the negative share across widths "
                                                 f"({BOOKS_THRESHOLD})", ".0%"),
    partly=kit.at_most("share_spread", SHAPE_PARTLY, f"that spread ({BOOKS_THRESHOLD})", ".0%"),
    requires=kit.all_of(kit.at_least("widths", 2, "widths", ".0f"),
                        kit.at_least("with_negatives", 1, "widths with an eigenvalue negative beyond the common "
                                                          "cutoff (S: \"there are a number of negative eigenvalues\"; "
                                                          "a share of 0 at every width is no share to compare)",
                                     ".0f"),
                        kit.at_most("at_bound", 0, AT_BOUND_LABEL, ".0f")),
)
"""S Sec. 3.4: "the ratio of negative eigenvalues remain[s] the same" as the network widens, graded
by the same spread thresholds as the shape of the top (:data:`SHAPE_RULE`; the book's choice), on
shares counted below one cutoff for every width (:func:`~hessbook.papers.sagun.mnist_spectra.common_band`),
and judged only where some width has a negative eigenvalue beyond it (with none at any width the
spread is 0 for want of a share, not because a share stayed the same) and not every width's count sits
at the architecture's bound (:func:`negative_bound`): there the share is (k − 1)n / ((d + 1 + k)n + k),
nearly the same at every n by construction, and a constant share tests the architecture, not S."""


def negative_bound(num_params: int, input_size: int, classes: int = 10) -> int | None:
    """The most negative eigenvalues the Hessian of S3's net (one hidden ReLU layer of n units,
    softmax over ``classes``; ``num_params`` = (input_size² + 1 + classes)·n + classes) can have:
    (classes − 1)·n. ReLU'' = 0 almost everywhere and the output is linear in the last layer, so
    H − G has only the block between unit j's output weights and its input weights, Σ_i σ'_ij
    x̃_i (p_i − y_i)ᵀ, of rank ≤ classes − 1 (its columns sum to zero over the classes): H − G has
    at most (classes − 1)·n negative eigenvalues, and adding the PSD G cannot add one (Weyl).
    None when ``num_params`` is not of that form (not this architecture). (Review of 2026-12-06.)"""
    n, rest = divmod(num_params - classes, input_size * input_size + 1 + classes)
    return (classes - 1) * n if n > 0 and rest == 0 else None


ROUNDING_EVIDENCE = ("A negative eigenvalue counts when it is below −2·asymmetry·√M, the size of the spectral norm "
                     "of the assembly's rounding (asymmetry = max |H − Hᵀ| bounds each entry's error): within that "
                     "band of zero the sign is rounding, and with M above N(k−1) the M − N(k−1) exact zeros of the "
                     "Gauss-Newton part fall there on either side. The band grows with M, so the share graded counts "
                     "every width below the same cutoff, the widest network's band (a width-dependent cutoff would "
                     "hide more of a wider network's negatives); each network's share below its own band is shown "
                     "beside it.")


BOUND_EVIDENCE = ("For this net (one hidden ReLU layer of n units, softmax over k = 10 classes) the Hessian has at "
                  "most (k − 1)·n negative eigenvalues: ReLU'' = 0 almost everywhere and the output is linear in the "
                  "last layer, so H − G is only the block between each unit's output and input weights, of rank "
                  "≤ k − 1 per unit, and the PSD Gauss-Newton part G cannot add a negative eigenvalue. Where every "
                  "width's count sits at that bound the share is (k − 1)n / M, nearly the same at every width by "
                  "construction: the claim is then not judged (it tests the architecture, not S).")


def share_spread(shares: Sequence[float]) -> float:
    """(max - min) / mean of the negative shares across widths: 0 when they are all equal (with all
    of them 0 the claim is not judged: :data:`SHARE_RULE`)."""
    if max(shares) == min(shares):
        return 0.0
    return float((max(shares) - min(shares)) / float(np.mean(shares)))


def share_values(shares: Sequence[float], at_bound: Sequence[bool] = ()) -> dict:
    """What :data:`SHARE_RULE` grades; ``at_bound``: per width, whether its negative count is at the
    architecture's bound (:data:`PINNED`; none given: not at it)."""
    return {"widths": len(shares), "share_spread": share_spread(shares), "with_negatives": sum(v > 0 for v in shares),
            "at_bound": float(bool(at_bound) and all(at_bound))}


def share_claim(shares: dict[str, float], evidence: str = "", bands: dict[str, float] | None = None,
                own: dict[str, float] | None = None, cutoff: float | None = None,
                bounds: dict[str, tuple[int, int]] | None = None) -> kit.Claim:
    """S-Fig3-5's negative share from ``label -> share of eigenvalues below -cutoff``, one cutoff for
    every width (:func:`~hessbook.papers.sagun.mnist_spectra.common_band`, ``cutoff``: its value,
    shown); ``bands``: ``label -> share within the network's own rounding band`` (shown: their sign
    is rounding); ``own``: ``label -> share below the network's own band`` (shown beside);
    ``bounds``: ``label -> (negative count below the cutoff, the architecture's bound)``."""
    bounds = bounds or {}
    bound = ("; negative count / the architecture's bound (k − 1)·n: "
             + ", ".join(f"{k}: {c:,} / {b:,}" for k, (c, b) in bounds.items()) if bounds else "")
    band = ("; within the rounding band of zero (no sign): " + ", ".join(f"{k}: {100 * v:.1f}%" for k, v in bands.items())
            if bands else "")
    beside = ("; below each network's own band: " + ", ".join(f"{k}: {100 * v:.1f}%" for k, v in own.items())
              if own else "")
    below = f" below {-cutoff:.2g} (every width)" if cutoff is not None else ""
    return kit.Claim(
        "S-Fig3-5", "The share of negative eigenvalues stays the same as the hidden layer widens.",
        paper="Sec. 3.4: \"the ratio of negative eigenvalues remain the same\" (Fig 5).",
        ours=f"negative share{below} " + ", ".join(f"{k}: {100 * v:.1f}%" for k, v in shares.items())
             + f"; range / mean {share_spread(list(shares.values())):.0%}" + beside + band + bound,
        rule=SHARE_RULE, evidence=evidence,
        cases=kit.single(share_values(list(shares.values()), [c >= PINNED * b for c, b in bounds.values()])),
    )


def counts_and_bounds(spectra: Sequence[Spectrum], input_size: int) -> dict[str, tuple[int, int | None]]:
    """Per width (its case name): the negative eigenvalues below the seed's common cutoff and the
    architecture's bound on them (:func:`negative_bound`; None: not S3's net)."""
    cutoff = common_band(spectra)
    return {case_of(s.label): (int(np.sum(s.eigenvalues < -cutoff)), negative_bound(s.num_params, input_size))
            for s in spectra}


def seed_share_claim(spectra: Sequence[Spectrum], evidence: str = "", input_size: int | None = None) -> kit.Claim:
    """:func:`share_claim` on one seed's networks: shares below their common cutoff; with
    ``input_size`` (S3's net's pooled input side), each count beside its bound (:func:`counts_and_bounds`)."""
    cutoff = common_band(spectra)
    found = counts_and_bounds(spectra, input_size) if input_size is not None else {}
    bounds = found if found and all(b is not None for _, b in found.values()) else None
    return share_claim({case_of(s.label): negative_share(s, cutoff) for s in spectra}, evidence=evidence,
                       bands={case_of(s.label): s.band_fraction for s in spectra},
                       own={case_of(s.label): s.negative_fraction for s in spectra}, cutoff=cutoff, bounds=bounds)


def criteria(P: S3Params, R: Results | None = None) -> list[regime.Criterion]:
    """S3's regime criteria (:mod:`hessbook.papers.sagun.regime`, written from S before any verdict
    was read) for the block ``P``; with the results ``R``, also the state every width reached.

    S Sec. 3.2 fixes 1K MNIST samples and the widths, trains "with the same step size and the same
    number of iterations" (no number given) and makes "the system more and more over-parametrized".
    S gives no parameter count: in our reading of its network (one hidden layer, 784 - n - 10, as
    ``hessbook.models.s_fc_mnist`` states it) the narrowest has (784 + 11) 10 + 10 = 7,960
    parameters, more than its N = 1,000 (:func:`paper_reading`). S
    Sec. 3.4: "the training ran well beyond the point of this saturation": every width fits its
    training set (measured)."""
    return with_fit([
        regime.Criterion(f"S's {PAPER_SAMPLES:,} MNIST training samples (S Sec. 3.2)", P.n_samples == PAPER_SAMPLES,
                         f"N = {P.n_samples:,}"),
        regime.Criterion(f"S's widths {', '.join(map(str, PAPER_WIDTHS))} (S Sec. 3.2)",
                         set(PAPER_WIDTHS) <= set(P.widths), f"widths {', '.join(map(str, sorted(P.widths)))}"),
        over_parametrized("every width", [num_params(w, P.input_size) for w in P.widths], P.n_samples,
                          paper_reading()),
    ], R)


def paper_reading() -> str:
    """S's networks' sizes as we read them, said as our reading: S gives no parameter count, only
    "a different number of nodes in its hidden layer" on MNIST (the appendix of models states the
    reading: one hidden layer, 784 - n - 10)."""
    lo, hi = num_params(min(PAPER_WIDTHS), PAPER_INPUT_SIZE), num_params(max(PAPER_WIDTHS), PAPER_INPUT_SIZE)
    side = PAPER_INPUT_SIZE * PAPER_INPUT_SIZE
    return (f"no parameter count given; our reading of its network, one hidden layer {side}–n–10, has {lo:,} to "
            f"{hi:,} parameters for N = {PAPER_SAMPLES:,}")


def trained_runs(R: Results) -> list[regime.TrainedRun]:
    """One run-table row per width and seed (``iterations`` steps each)."""
    return spectra_runs(R)


def numbers(R: Results) -> dict:
    """Every number the prose cites (glued as ``s3-<name>``)."""
    P, spectra = R.params, R.spectra
    return {
        "criteria": regime.criteria_text(criteria(P, R)), "plateau": regime.plateau_summary(trained_runs(R)),
        "input": f"{P.input_size}×{P.input_size}", "params_min": spectra[0].num_params,
        "params_max": spectra[-1].num_params, "spread": 100 * R.shape.spread, "edge_growth": R.shape.edge_growth,
        "max_loss": max(s.final_loss for s in R.every), "max_asym": max(s.asymmetry for s in R.every),
        "worst_neg": worst_negative(R.every), "n_seeds": len(P.seeds),
        "spread_seeds": ", ".join(f"{100 * shape_summary(sp, P.top_k).spread:.0f}%" for sp in R.by_seed),
        "bound_counts": bound_counts(R),
    }


def bound_counts(R: Results) -> str:
    """The first seed's negative count below its common cutoff beside the architecture's bound, per
    width ("n = 10: 89 of 90, ..."); "not this architecture" where a width's size is not the form."""
    return ", ".join(f"{case}: {count:,} of {bound:,}" if bound is not None else
                     f"{case}: {count:,} (not this architecture)"
                     for case, (count, bound) in counts_and_bounds(R.by_seed[0], R.params.input_size).items())


def shape_claim(spectra: Sequence[Spectrum], top_k_: int, evidence: str = "") -> kit.Claim:
    """S Fig 3 on one seed's networks: the top ranks move little across widths."""
    sh = shape_summary(spectra, top_k_)
    lam1 = ", ".join(f"{case_of(s.label)}: {s.top:.3g}" for s in spectra)
    return kit.Claim(
        "S-Fig3-5", "The largest eigenvalues keep the same shape as the hidden layer widens.",
        paper="Sec. 3.2, Fig 3 (n = 10, 30, 50, 70): \"For the right edge of the spectrum (that is, for the large "
              "positive eigenvalues), the shape of the plot remains invariant as the number of parameters increase\".",
        ours=f"λ_max {lam1}; the top {sh.ranks} move by a median {sh.spread:.0%} (range/mean) across widths "
             f"while the parameters grow {sh.params[-1] / sh.params[0]:.1f}x; the {top_k_}-th largest changes by a "
             f"factor {sh.edge_growth:.2f}." + _without_narrowest(spectra, top_k_),
        rule=SHAPE_RULE, cases=kit.single({"spread": sh.spread}), evidence=evidence,
    )


def _without_narrowest(spectra: Sequence[Spectrum], top_k_: int) -> str:
    """The spread of the wider widths alone, beside the graded one (not graded; review of
    2026-12-06: the narrowest width, the least over-parametrized and highest-loss network, drove
    the spread at cpu)."""
    if len(spectra) < 3:
        return ""
    rest = shape_summary(spectra[1:], top_k_)
    return (f" Without the narrowest width ({case_of(spectra[0].label)}, M = {spectra[0].num_params:,}; not graded): "
            f"a median {rest.spread:.0%}.")


COUNT_RULE = kit.Rule(
    held=kit.equals("difference", 0, "median over the cutoffs (gap, ratio, elbow) of the range of the outlier "
                                     "count across widths, by the same cutoff"),
    partly=kit.at_most("excess", 0, f"that range − max(1, {COUNT_TOLERANCE:.0%} of the median over the cutoffs "
                                    "of the largest count; S4's tolerance, the book's choice)"),
    requires=kit.at_least("widths", 2, "widths", ".0f"),
)
"""S Sec. 3.4: "Adding more weights to the system scale the small scale eigenvalues proportionally,
the number of outliers remain unchanged" (of Sec. 3.2's widths, Fig 3): each cutoff of S Table 1
counts the outliers of every width, and the range across widths is read by the same cutoff (as
S4 compares SB with LB), the median taken over the three cutoffs. Graded since 2026-12-06 (a
review found it quoted and not graded), with S4's rule and tolerance, before its verdict was read."""


def count_values(counts: dict[str, dict[str, int]]) -> dict[str, float]:
    """``{width: {cutoff: count}}`` -> what :data:`COUNT_RULE` reads
    (:func:`~hessbook.papers.sagun.mnist_spectra.count_spread` across the widths) and how many widths."""
    if not counts:
        return {"difference": float("nan"), "excess": float("nan"), "widths": 0}
    return {**count_spread(list(counts.values())), "widths": len(counts)}


def count_claim(spectra: Sequence[Spectrum], evidence: str = "") -> kit.Claim:
    """S Sec. 3.4 on one seed's networks: the number of outliers stays the same across widths."""
    counts = {case_of(s.label): outlier_counts(s) for s in spectra}
    shown = "; ".join(f"{w}: " + "/".join(str(c[m]) for m in OUTLIER_METHODS) for w, c in counts.items())
    v = count_values(counts)
    return kit.Claim(
        "S-Fig3-5", "The number of outliers stays the same as the hidden layer widens.",
        paper="Sec. 3.4 (of Sec. 3.2's widths, Fig 3): \"Adding more weights to the system scale the small scale "
              "eigenvalues proportionally, the number of outliers remain unchanged\".",
        ours=f"outliers by {'/'.join(OUTLIER_METHODS)} (S Table 1's cutoffs): {shown}; median over the cutoffs of "
             f"the range across widths {v['difference']:g}.",
        rule=COUNT_RULE, cases=kit.single(v), evidence=evidence,
    )


def graded_claims(R: Results) -> list[kit.Claim]:
    """S Fig 3 (shape invariant with width) and S Fig 5 (negative eigenvalues small, their share
    the same across widths): the invariances graded in each seed (a case per seed), the negative
    eigenvalues' size on the worst network of every seed."""
    P = R.params
    pooled = ("" if P.input_size == PAPER_INPUT_SIZE else
              f"Pooled input ({P.input_size}x{P.input_size}, not the paper's 28x28) at this scale.")
    share_evidence = (pooled + " " + ROUNDING_EVIDENCE + " " + BOUND_EVIDENCE).strip()
    return [
        across_seeds([shape_claim(sp, P.top_k, pooled) for sp in R.by_seed], P.seeds, "widths"),
        negatives_claim("S-Fig3-5", R.every,
                        paper="Fig 5: small negative eigenvalues at the bottom of every width.", evidence=pooled),
        across_seeds([seed_share_claim(sp, share_evidence, P.input_size) for sp in R.by_seed], P.seeds, "widths"),
        across_seeds([count_claim(sp, pooled) for sp in R.by_seed], P.seeds, "widths"),
    ]


def claims(R: Results) -> list:
    """The claims, judged only where S3's regime criteria hold (:func:`hessbook.kit.in_regime`)."""
    return kit.in_regime(graded_claims(R), criteria(R.params, R))
