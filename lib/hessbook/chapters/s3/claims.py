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
from hessbook.papers.sagun.mnist_spectra import (Spectrum, common_band, negative_share, negatives_claim,
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


SHARE_RULE = kit.Rule(
    held=kit.at_most("share_spread", SHAPE_HELD, f"range / mean of the negative share across widths "
                                                 f"({BOOKS_THRESHOLD})", ".0%"),
    partly=kit.at_most("share_spread", SHAPE_PARTLY, f"that spread ({BOOKS_THRESHOLD})", ".0%"),
    requires=kit.all_of(kit.at_least("widths", 2, "widths", ".0f"),
                        kit.at_least("with_negatives", 1, "widths with an eigenvalue negative beyond the common "
                                                          "cutoff (S: \"there are a number of negative eigenvalues\"; "
                                                          "a share of 0 at every width is no share to compare)",
                                     ".0f")),
)
"""S Sec. 3.4: "the ratio of negative eigenvalues remain[s] the same" as the network widens, graded
by the same spread thresholds as the shape of the top (:data:`SHAPE_RULE`; the book's choice), on
shares counted below one cutoff for every width (:func:`~hessbook.papers.sagun.mnist_spectra.common_band`),
and judged only where some width has a negative eigenvalue beyond it (with none at any width the
spread is 0 for want of a share, not because a share stayed the same)."""


ROUNDING_EVIDENCE = ("A negative eigenvalue counts when it is below −2·asymmetry·√M, the size of the spectral norm "
                     "of the assembly's rounding (asymmetry = max |H − Hᵀ| bounds each entry's error): within that "
                     "band of zero the sign is rounding, and with M above N(k−1) the M − N(k−1) exact zeros of the "
                     "Gauss-Newton part fall there on either side. The band grows with M, so the share graded counts "
                     "every width below the same cutoff, the widest network's band (a width-dependent cutoff would "
                     "hide more of a wider network's negatives); each network's share below its own band is shown "
                     "beside it.")


def share_spread(shares: Sequence[float]) -> float:
    """(max - min) / mean of the negative shares across widths: 0 when they are all equal (with all
    of them 0 the claim is not judged: :data:`SHARE_RULE`)."""
    if max(shares) == min(shares):
        return 0.0
    return float((max(shares) - min(shares)) / float(np.mean(shares)))


def share_values(shares: Sequence[float]) -> dict:
    """What :data:`SHARE_RULE` grades."""
    return {"widths": len(shares), "share_spread": share_spread(shares), "with_negatives": sum(v > 0 for v in shares)}


def share_claim(shares: dict[str, float], evidence: str = "", bands: dict[str, float] | None = None,
                own: dict[str, float] | None = None, cutoff: float | None = None) -> kit.Claim:
    """S-Fig3-5's negative share from ``label -> share of eigenvalues below -cutoff``, one cutoff for
    every width (:func:`~hessbook.papers.sagun.mnist_spectra.common_band`, ``cutoff``: its value,
    shown); ``bands``: ``label -> share within the network's own rounding band`` (shown: their sign
    is rounding); ``own``: ``label -> share below the network's own band`` (shown beside)."""
    band = ("; within the rounding band of zero (no sign): " + ", ".join(f"{k}: {100 * v:.1f}%" for k, v in bands.items())
            if bands else "")
    beside = ("; below each network's own band: " + ", ".join(f"{k}: {100 * v:.1f}%" for k, v in own.items())
              if own else "")
    below = f" below {-cutoff:.2g} (every width)" if cutoff is not None else ""
    return kit.Claim(
        "S-Fig3-5", "The share of negative eigenvalues stays the same as the hidden layer widens.",
        paper="Sec. 3.4: \"the ratio of negative eigenvalues remain the same\" (Fig 5). (The same sentence's "
              "\"the number of outliers remain unchanged\" is not graded here.)",
        ours=f"negative share{below} " + ", ".join(f"{k}: {100 * v:.1f}%" for k, v in shares.items())
             + f"; range / mean {share_spread(list(shares.values())):.0%}" + beside + band,
        rule=SHARE_RULE, cases=kit.single(share_values(list(shares.values()))), evidence=evidence,
    )


def seed_share_claim(spectra: Sequence[Spectrum], evidence: str = "") -> kit.Claim:
    """:func:`share_claim` on one seed's networks: shares below their common cutoff."""
    cutoff = common_band(spectra)
    return share_claim({case_of(s.label): negative_share(s, cutoff) for s in spectra}, evidence=evidence,
                       bands={case_of(s.label): s.band_fraction for s in spectra},
                       own={case_of(s.label): s.negative_fraction for s in spectra}, cutoff=cutoff)


def criteria(P: S3Params, R: Results | None = None) -> list[regime.Criterion]:
    """S3's regime criteria (:mod:`hessbook.papers.sagun.regime`, written from S before any verdict
    was read) for the block ``P``; with the results ``R``, also the state every width reached.

    S Sec. 3.2 fixes 1K MNIST samples and the widths, trains "with the same step size and the same
    number of iterations" (no number given) and makes "the system more and more over-parametrized":
    its narrowest network has (784 + 11) 10 + 10 = 7,960 parameters, more than its N = 1,000. S
    Sec. 3.4: "the training ran well beyond the point of this saturation": every width fits its
    training set (measured)."""
    return with_fit([
        regime.Criterion(f"S's {PAPER_SAMPLES:,} MNIST training samples (S Sec. 3.2)", P.n_samples == PAPER_SAMPLES,
                         f"N = {P.n_samples:,}"),
        regime.Criterion(f"S's widths {', '.join(map(str, PAPER_WIDTHS))} (S Sec. 3.2)",
                         set(PAPER_WIDTHS) <= set(P.widths), f"widths {', '.join(map(str, sorted(P.widths)))}"),
        over_parametrized("every width", [num_params(w, P.input_size) for w in P.widths], P.n_samples,
                          f"{num_params(min(PAPER_WIDTHS), PAPER_INPUT_SIZE):,} to "
                          f"{num_params(max(PAPER_WIDTHS), PAPER_INPUT_SIZE):,} parameters for N = {PAPER_SAMPLES:,}"),
    ], R)


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
    }


def shape_claim(spectra: Sequence[Spectrum], top_k_: int, evidence: str = "") -> kit.Claim:
    """S Fig 3 on one seed's networks: the top ranks move little across widths."""
    sh = shape_summary(spectra, top_k_)
    lam1 = ", ".join(f"{case_of(s.label)}: {s.top:.3g}" for s in spectra)
    return kit.Claim(
        "S-Fig3-5", "The largest eigenvalues keep the same shape as the hidden layer widens.",
        paper="Sec. 3.2, Fig 3 (n = 10, 30, 50, 70): \"For the right edge of the spectrum (that is, for the large "
              "positive eigenvalues), the shape of the plot remains invariant as the number of parameters increase\".",
        ours=f"λ_max {lam1}; the top {sh.ranks} move by a median {sh.spread:.0%} (range/mean) across widths "
             f"while the parameters grow {sh.params[-1] / sh.params[0]:.1f}x; the {top_k_}-th largest grows "
             f"{sh.edge_growth:.2f}x.",
        rule=SHAPE_RULE, cases=kit.single({"spread": sh.spread}), evidence=evidence,
    )


def graded_claims(R: Results) -> list[kit.Claim]:
    """S Fig 3 (shape invariant with width) and S Fig 5 (negative eigenvalues small, their share
    the same across widths): the invariances graded in each seed (a case per seed), the negative
    eigenvalues' size on the worst network of every seed."""
    P = R.params
    pooled = ("" if P.input_size == PAPER_INPUT_SIZE else
              f"Pooled input ({P.input_size}x{P.input_size}, not the paper's 28x28) at this scale.")
    share_evidence = (pooled + " " + ROUNDING_EVIDENCE).strip()
    return [
        across_seeds([shape_claim(sp, P.top_k, pooled) for sp in R.by_seed], P.seeds, "widths"),
        negatives_claim("S-Fig3-5", R.every,
                        paper="Fig 5: small negative eigenvalues at the bottom of every width.", evidence=pooled),
        across_seeds([seed_share_claim(sp, share_evidence) for sp in R.by_seed], P.seeds, "widths"),
    ]


def claims(R: Results) -> list:
    """The claims, judged only where S3's regime criteria hold (:func:`hessbook.kit.in_regime`)."""
    return kit.in_regime(graded_claims(R), criteria(R.params, R))
