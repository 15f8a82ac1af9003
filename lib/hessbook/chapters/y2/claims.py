"""Y2's claims (Figs 2 and 15, Fig 7, Figs 3, 13 and 14), graded by rank correlations across
batch sizes, and the numbers the chapter's prose cites.

Each claim is built from plain values per case (``*_claim_of``); Y prints no numbers for these
figures (they are plots), so only our runs feed them. A trend is graded in each network seed
examined, each (model, seed) a case of its own (:mod:`hessbook.kit.seeds`): it holds only where it
held in every seed, reads at most partly where seeds disagree, and its evidence says in how many."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from hessbook import regime
from hessbook.chapters.y2 import paper
from hessbook.chapters.y2.compute import FD_STEP, Results, run_flag
from hessbook.chapters.y2.params import Y2Params
from hessbook.kit import (Claim, Rule, above, all_of, any_of, at_least, formatted, in_regime, is_true,
                          measured_text)
from hessbook.kit.seeds import seed_case, seed_cases, with_agreement
from hessbook.papers.yao import deviations as dev
from hessbook.papers.yao import regime as yao_regime
from hessbook.papers.yao.trends import MIN_TREND_BATCHES, rho_short, rho_text
from hessbook.stats import median, spearman

TREND_STRONG = 0.8
"""A rank correlation of at least this between B and sharpness is a clear order."""
MUCH_LARGER = 2.0
"""Fig 7's 'the curvature of test loss is much larger than training': our reading of 'much
larger' is at least twice (the test loss's curvature along v1 over the training loss's, each the
second difference at the small step ``fd_step`` on ``n_hessian`` samples: v1ᵀ H_test v1 over
v1ᵀ H v1; review of 2026-12-06: it was the loss's rise at ±ε* = 0.5, where both losses have left
the quadratic region and their rises are alike whatever the curvature)."""


def _rule(what: str, against: str = "B") -> Rule:
    """ρ(``against``, ``what``) ≥ 0.8 on the training and the test samples, every batch size read."""
    return Rule(
        held=all_of(at_least("rho_train", TREND_STRONG, f"ρ({against}, {what}, training set)"),
                    at_least("rho_test", TREND_STRONG, f"ρ({against}, {what}, test set)"),
                    is_true("every_batch", "every batch size of the model's row examined and usable (a network "
                                           "flagged, stopped by the epoch cap above Y's training loss or missing "
                                           "leaves a trend over part of the range)")),
        partly=any_of(above("rho_train", 0.0, f"ρ({against}, training)"), above("rho_test", 0.0, f"ρ({against}, test)")),
        requires=all_of(at_least("n_batches", MIN_TREND_BATCHES, "batch sizes"),
                        is_true("defined", "both correlations are defined (no constant column)")),
    )


LINE_RULE = _rule("loss rise at ±ε* along v1")
SURFACE_RULE = _rule("mean loss rise over the (v1, v2) plane", "λ1θ")
"""Y §2 on Fig 3: 'The visual results are in line with the numbers shown for the Hessian spectrum
(see λ1θ) in Table 1, and Table 7. For instance, note the value of λ1θ ... for B = 256, 2048 in
Table 1 and compare the corresponding results in Fig. 3.' The claim is agreement with λ1θ, not
with B (audit finding 7): graded as ρ(λ1θ, surface rise) across the batch sizes of one model and
seed, λ1θ of the same network's training Hessian (v1's eigenvalue, :attr:`Landscape.eigenvalues`;
the book's choice: one λ1θ for the training and the test surface). Where λ1θ does not follow B the
two gradings differ; ρ(B, surface rise) is shown beside it, not graded."""
FIG7_RATIO_RULE = Rule(
    held=at_least("ratio", MUCH_LARGER, "test curvature / training curvature along v1 (second differences at "
                                        "the small step)", ".2f"),
    partly=above("ratio", 1.0, "that ratio", ".2f"),
    requires=above("curv_train", 0.0, "the training loss curves upward along v1 (a ratio is defined)", ".2g"),
)


def line_trend(R: Results, model: str, split: str, seed: int) -> float:
    rs = R.usable(model, seed)
    return spearman([r.batch for r in rs], [r.rise(split, R.params.grade_step) for r in rs])


def surface_trend(R: Results, model: str, split: str, seed: int) -> float:
    """ρ(B, surface rise): shown, not graded (:data:`SURFACE_RULE` grades :func:`surface_lambda_trend`)."""
    rs = R.usable(model, seed)
    return spearman([r.batch for r in rs], [r.surface_rise(split) for r in rs])


def surface_lambda_trend(R: Results, model: str, split: str, seed: int) -> float:
    """ρ(λ1θ, surface rise) over the usable networks of ``model`` in ``seed``: is the surface in line
    with the network's λ1θ (:data:`SURFACE_RULE`)?"""
    rs = R.usable(model, seed)
    return spearman([float(r.eigenvalues[0]) for r in rs], [r.surface_rise(split) for r in rs])


def lambda_batch_trend(R: Results, model: str, split: str, seed: int) -> float:
    """ρ(B, λ1θ) over the usable networks of ``model`` in ``seed``: the curvature at θ itself beside
    the graded rise (shown, not graded; ``split`` unused, for :func:`_rhos`)."""
    rs = R.usable(model, seed)
    return spearman([r.batch for r in rs], [float(r.eigenvalues[0]) for r in rs])


def fd_bias_text(R: Results) -> str:
    """Per model and batch size, the median over seeds of (second difference along v1 − λ1) / λ1 in
    percent: the check of v1 as a signed bias, not only its worst size (review of 2026-12-06: the
    second difference sat above λ1 in most networks, by more at larger batches)."""
    parts = []
    for m in R.models:
        nets = R.of(m)
        bias = {b: median(100 * (r.curvature_fd - r.eigenvalues[0]) / abs(r.eigenvalues[0])
                          for r in nets if r.batch == b) for b in sorted({r.batch for r in nets})}
        if bias:
            parts.append(f"{m.upper()}: " + ", ".join(f"B={b} {v:+.1f} %" for b, v in bias.items()))
    return "; ".join(parts)


def norms_text(R: Results, models: Sequence[str]) -> str:
    """Per model, the median ‖θ‖ across seeds at each batch size ("C1: B=16 31, B=64 20, ...")."""
    parts = []
    for m in models:
        usable = R.usable(m)
        batches = sorted({r.batch for r in usable})
        if batches:
            parts.append(f"{m.upper()}: " + ", ".join(
                f"B={b} {median(r.theta_norm for r in usable if r.batch == b):.3g}" for b in batches))
    return "; ".join(parts)


def every_batch(R: Results, model: str, seed: int) -> bool:
    """Whether the trend of ``model`` in ``seed`` reads every batch size of its row (Y1's sizes):
    a network flagged (on its plateau, :func:`run_flag`) or not computed leaves the trend over part
    of the range, which can read held on what remains (audit finding 8; Y1's ``every_batch``)."""
    return {r.batch for r in R.usable(model, seed)} == set(R.params.y1_runs.sizes(model))


def _case(R: Results, model: str, seed: int, trend) -> dict:
    tr, te = trend(R, model, "train", seed), trend(R, model, "test", seed)
    return {"n_batches": len(R.usable(model, seed)), "rho_train": tr, "rho_test": te,
            "defined": not (math.isnan(tr) or math.isnan(te)), "every_batch": every_batch(R, model, seed)}


def _cases(R: Results, models: Sequence[str], trend) -> dict[str, dict]:
    """One case per (model, seed) examined: ``"C1"`` with one seed, ``"C1 · seed 1"`` with several."""
    return {seed_case(m.upper(), s, R.seeds): _case(R, m, s, trend) for m in models for s in R.seeds if R.of(m, s)}


def _rhos(R: Results, model: str, split: str, trend, short: bool = True) -> str:
    """The trend's ρ in each seed examined, in seed order: ``"+0.90, +1.00, +0.70 (seeds 0, 1, 2)"``."""
    seeds = [s for s in R.seeds if R.of(model, s)]
    fmt = rho_short if short else rho_text
    text = ", ".join(fmt(trend(R, model, split, s)) for s in seeds)
    return text + (f" (seeds {', '.join(map(str, seeds))})" if len(seeds) > 1 else "")


def _rises(R: Results, model: str, split: str) -> str:
    """The graded rise per batch size: the value (one seed) or the median across seeds."""
    eps, usable = R.params.grade_step, R.usable(model)
    several = len({r.seed for r in usable}) > 1
    batches = sorted({r.batch for r in usable})
    values = {b: float(np.median([r.rise(split, eps) for r in usable if r.batch == b])) for b in batches}
    return ("median across seeds " if several else "") + ", ".join(f"B={b}: {v:.3g}" for b, v in values.items())


def _absent(R: Results, models) -> str:
    why = []
    for m in models:
        gone = next((x for x in R.missing if x.model == m), None)
        if gone is not None:
            why.append(f"{m.upper()}: data not on this machine ({gone.detail})")
        elif m not in R.params.y1_models:
            why.append(f"{m.upper()}: not selected at this scale")
    return "; ".join(why)


def _ours(parts: list[str], absent: str) -> str:
    return measured_text(parts, absent, "no network examined")


def deviations(R: Results, models: Sequence[str]) -> str:
    """The deviations from Y's setup that bear on a claim about ``models``: Y1's training, then
    the samples of the Hessian (v1, v2) and of the loss."""
    P = R.params
    items = dev.runs_deviations(P.y1_runs, [m for m in models if m in P.y1_models])
    items += dev.samples("the Hessian of v1, v2", P.n_hessian) + dev.samples("the loss", P.n_eval)
    return dev.sentence(items)


# ----------------------------------------------------------------------------- claims from values


def line_claim_of(item: str, models: Sequence[str], cases: Mapping[str, Mapping], ours: str, evidence: str,
                  seeds: Sequence[int] = ()) -> Claim:
    """Larger batches sit in sharper valleys along v1 (training and test loss); one case per
    model and seed (``{"n_batches", "rho_train", "rho_test", "defined", "every_batch"}``, keyed ``"C1"`` or
    ``"C1 · seed 1"``), every one of ``models`` in every seed of ``seeds`` expected."""
    figures = " and ".join(paper.LINE_FIGURE[m] for m in models)
    return with_agreement(Claim(
        item, f"{figures}: larger batches sit in sharper valleys along the top Hessian eigenvector v1.",
        paper=paper.CLAIM_LINE, ours=ours, rule=LINE_RULE, cases={k: dict(v) for k, v in cases.items()},
        expected=seed_cases([m.upper() for m in models], seeds or (0,)), evidence=evidence), seeds)


def surface_claim_of(cases: Mapping[str, Mapping], ours: str, evidence: str, seeds: Sequence[int] = ()) -> Claim:
    """The (v1, v2) surfaces are in line with λ1θ: the larger a network's λ1θ, the steeper its
    surface (cases as :func:`line_claim_of`'s, their ρ against λ1θ; C1, C2, M1 in every seed expected)."""
    return with_agreement(Claim(
        "Y-Fig3-13-14", "The 2-D loss surfaces along v1 and v2 are in line with λ1θ: the larger a network's λ1θ, "
                        "the steeper its surface.",
        paper=paper.CLAIM_SURFACE, ours=ours, rule=SURFACE_RULE, cases={k: dict(v) for k, v in cases.items()},
        expected=seed_cases([m.upper() for m in paper.MODELS], seeds or (0,)), evidence=evidence), seeds)


def fig7_ratio_claim_of(curvatures: Mapping[str, tuple[float, float]], ours: str, evidence: str,
                        expected: tuple[str, ...] = (), seeds: Sequence[int] = ()) -> Claim:
    """Fig 7: the test loss curves much more than the training loss along v1 (one case per M1
    network: ``label -> (training curvature, test curvature)`` along v1; ``expected``: every network
    asked for, so that one not examined or left out reads as such)."""
    cases = {label: {"curv_train": tr, "ratio": te / tr if tr > 0 else None} for label, (tr, te) in curvatures.items()}
    return with_agreement(Claim(
        "Y-Fig7", "Fig 7: the curvature of the test loss along v1 is much larger than the training loss's.",
        paper=paper.CLAIM_FIG7, ours=ours, rule=FIG7_RATIO_RULE, cases=cases, evidence=evidence,
        expected=expected), seeds)


# ----------------------------------------------------------------------------- ours


def line_claim(R: Results, item: str, models: tuple[str, ...]) -> Claim:
    eps = R.params.grade_step
    ran = [m for m in models if R.of(m)]
    parts = [f"{m.upper()} ({paper.LINE_FIGURE[m]}): ρ(B, rise) = {_rhos(R, m, 'train', line_trend)} train, "
             f"{_rhos(R, m, 'test', line_trend)} test; train rises {_rises(R, m, 'train')}" for m in ran]
    if "m1" in ran:
        parts.append(f"M1 random batch of {R.params.random_batch}: ρ = {_rhos(R, 'm1', 'batch', line_trend)}")
    evidence = (f"Sharpness of a network: the mean loss at θ ± ε* v1 minus the loss at θ, ε* = {eps:g}, "
                "‖v1‖ = 1; Spearman ρ over Y1's batch sizes, in each network seed. Not graded, beside it (review "
                "of 2026-12-06): the curvature at θ itself, ρ(B, λ1θ) per seed, "
                + "; ".join(f"{m.upper()} {_rhos(R, m, 'train', lambda_batch_trend)}" for m in ran)
                + " (where it does not rise with B, the graded rise over the step shows the landscape around θ, "
                "not a sharper point); and ‖θ‖ per batch size (median across seeds), "
                + norms_text(R, ran) + ": with batch normalization (C1, C2; not M1) the loss does not change with "
                "the scale of the weights feeding it, so one step ε* is a smaller step for a network of larger ‖θ‖ "
                "(Dinh et al. 2017); a step scaled to each network (filter-normalized, Li et al. 2018) is not taken "
                "here. "
                + deviations(R, models) + _flagged(R, models))
    return line_claim_of(item, models, _cases(R, ran, line_trend), _ours(parts, _absent(R, models)), evidence,
                         R.seeds)


def surface_claim(R: Results) -> Claim:
    ran = R.models
    parts = [f"{m.upper()} ({paper.SURFACE_FIGURE[m]}): ρ(λ1θ, surface rise) = "
             f"{_rhos(R, m, 'train', surface_lambda_trend)} train, {_rhos(R, m, 'test', surface_lambda_trend)} test "
             f"(not graded: ρ(B, surface rise) = {_rhos(R, m, 'train', surface_trend)} train, "
             f"{_rhos(R, m, 'test', surface_trend)} test)" for m in ran]
    evidence = (f"Sharpness of a surface: its mean loss over the grid |ε1|, |ε2| ≤ {R.params.surface_radius:g} "
                "minus the loss at θ. Y: 'The visual results are in line with the numbers shown for the Hessian "
                "spectrum (see λ1θ) in Table 1, and Table 7': graded as the Spearman ρ between each network's λ1θ "
                "(the top eigenvalue of its training Hessian, the λ of v1) and its surface's rise, over Y1's batch "
                "sizes, in each network seed; one λ1θ for the training and the test surface (the book's choice). "
                + deviations(R, paper.MODELS) + _flagged(R, paper.MODELS))
    return surface_claim_of(_cases(R, ran, surface_lambda_trend), _ours(parts, _absent(R, paper.MODELS)), evidence,
                            R.seeds)


def fig7_ratio_claim(R: Results) -> Claim:
    eps = R.params.grade_step
    usable = R.usable("m1")
    curvatures = {R.name(r): (r.curvature_fd, r.curvature_test_fd) for r in usable}
    parts = [f"{label}: test {te:.3g} / train {tr:.3g} = {te / tr:.2f}" if tr > 0 else
             f"{label}: training curvature {tr:.3g}" for label, (tr, te) in curvatures.items()]
    rise_ratios = [r.rise("test", eps) / r.rise("train", eps) for r in usable if r.rise("train", eps) > 0]
    evidence = (f"'Curvature' read as the second difference of the loss along v1 at the small step "
                f"{FD_STEP:g}, on the first "
                f"{R.params.n_hessian} test samples over the same on the Hessian's training samples (v1ᵀ H_test v1 "
                f"over v1ᵀ H v1), per network (every batch size and seed); 'much larger' read as at least "
                f"{MUCH_LARGER:g} times. Not the rise at ±ε* = {eps:g} (the lines of the figure): there both losses "
                "have left the quadratic region and rise alike (test over training rise, median "
                f"{formatted(median(rise_ratios), '.2f')}). " + deviations(R, ("m1",)) + _flagged(R, ("m1",)))
    asked = seed_cases([f"M1 B={b}" for b in sorted(R.params.y1_runs.sizes("m1"))], R.seeds) \
        if "m1" in R.params.y1_models else ()
    return fig7_ratio_claim_of(curvatures, _ours(parts, _absent(R, ("m1",))), evidence, asked, R.seeds)


def _flagged(R: Results, models) -> str:
    """" Excluded from every statistic: ..." naming the networks of ``models`` on their plateau
    (empty when none is), then how many the epoch cap stopped above Y's training loss (even 0,
    :meth:`Results.capped`) and which, and those whose training record was not found."""
    examined = [r for m in models for r in R.of(m)]
    capped = [f"{R.name(r)} (loss {R.trained[(r.model, r.batch, r.seed)].final_loss:.1e})"
              for r in R.capped_networks(models)]
    untracked = R.untracked(models)
    return (regime.flagged_text([(R.name(r), run_flag(r)) for r in R.flagged(models)])
            + yao_regime.capped_text(capped, len(examined) - len(untracked), R.params.y1_runs.loss_target)
            + (f" Training record not found, read as in the regime: {'; '.join(R.name(r) for r in untracked)}."
               if untracked else ""))


def graded_claims(R: Results) -> list[Claim]:
    """Every claim, graded by its rule whatever the block (:func:`claims` adds the regime)."""
    return [line_claim(R, "Y-Fig2-15", ("c1", "c2")), line_claim(R, "Y-Fig7", ("m1",)), fig7_ratio_claim(R),
            surface_claim(R)]


def claims(R: Results) -> list[Claim]:
    """The claims, judged only where Y2's regime criteria hold (:func:`hessbook.kit.in_regime`):
    the networks it examines are Y1's, so a block whose epoch cap stops them short of Y's loss, or
    with fewer than three seeds, is not judged."""
    return in_regime(graded_claims(R), criteria(R.params))


# ----------------------------------------------------------------------------- prose


def line_shape(R: Results) -> dict:
    """The lines near θ: at the first step of the grid, each model's largest batch's training
    loss over its value at θ, and the rise against the quadratic model λ1 ε²/2 (λ1 of the
    Hessian's samples, the loss on the ``n_eval`` samples: a rough comparison)."""
    largest = [R.usable(m, s)[-1] for m in R.models for s in R.seeds if R.usable(m, s)]
    if not largest:
        return {"first_step": None, "first_factor_min": None, "first_factor_max": None, "over_quadratic_min": None,
                "line_shape": "Nothing was examined at this scale, so there is no line to describe."}
    a = largest[0].alphas
    step = float(a[len(a) // 2 + 1] - a[len(a) // 2])
    factors, over = [], []
    for r in largest:
        mid = len(r.alphas) // 2
        at0, near = r.line_train[mid], 0.5 * (r.line_train[mid - 1] + r.line_train[mid + 1])
        factors.append(near / at0 if at0 > 0 else float("inf"))
        quad = r.eigenvalues[0] * step ** 2 / 2
        over.append((near - at0) / quad if quad > 0 else float("inf"))
    lo = min(over)
    if lo >= 10:
        shape = ("far more than the quadratic model λ1ε²/2 predicts (at least {:.0f} times): the valleys are "
                 "narrower than their curvature at the bottom says".format(lo))
    elif lo > 1:
        shape = "more than the quadratic model λ1ε²/2 predicts (at least {:.2g} times)".format(lo)
    else:
        shape = "no more than the quadratic model λ1ε²/2 predicts for at least one of them"
    text = (f"At ε = {step:.3g} the training loss of each model's largest batch ("
            + ", ".join(R.name(r) for r in largest) + f") has risen to {min(factors):.3g}–{max(factors):.3g} times its "
            f"value at θ, {shape}.")
    return {"first_step": step, "first_factor_min": float(min(factors)), "first_factor_max": float(max(factors)),
            "over_quadratic_min": float(lo), "line_shape": text}


def criteria(P: Y2Params) -> list[regime.Criterion]:
    """Y2's regime criteria: those of the networks it examines, Y1's
    (:func:`hessbook.papers.yao.regime.network_criteria` on the ``y1_runs`` block, as Y1 calls it),
    and, since Y2 grades its trends in each seed, Y1's seed criterion on Y2's own ``n_seeds``. The
    run table of these networks (steps, final loss, flag) is Y1's."""
    return [*yao_regime.network_criteria(P.y1_runs), yao_regime.seeds(P.n_seeds)]


def numbers(R: Results) -> dict:
    """Every number the chapter's prose cites (glued as ``y2-<name>``); None (glued n/a) where
    nothing was computed."""
    nets = R.networks
    rhos = {f"{m}_rho_{what}_{split}": _rhos(R, m, split, trend, short=False) if R.of(m) else "not computed"
            for m in paper.MODELS for what, trend in (("line", line_trend), ("surface", surface_trend),
                                                     ("surface_lambda", surface_lambda_trend))
            for split in ("train", "test")}
    fd = [abs(r.curvature_fd - r.eigenvalues[0]) / abs(r.eigenvalues[0]) for r in nets]
    m1 = R.usable("m1")
    return {
        "networks": len(nets),
        "n_seeds": len(R.seeds),
        "missing": ", ".join(m.model for m in R.missing) or "none",
        "grade_step": R.params.grade_step,
        "max_residual": max((float(r.relative_residuals.max()) for r in nets), default=None),
        "max_fd_error": max((float(e) for e in fd), default=None),
        "fd_above": f"{sum(r.curvature_fd > r.eigenvalues[0] for r in nets)} of {len(nets)}" if nets else None,
        "fd_bias": fd_bias_text(R) or None,
        "min_theta_norm": min((float(r.theta_norm) for r in nets), default=None),
        "test_over_train": float(np.median([r.curvature_test_fd / r.curvature_fd for r in m1
                                            if r.curvature_fd > 0 and np.isfinite(r.curvature_test_fd)] or [np.nan]))
        if m1 else None,
        "test_over_train_rise": float(np.median([r.rise("test", R.params.grade_step) /
                                                 max(r.rise("train", R.params.grade_step), 1e-12) for r in m1]))
        if m1 else None,
        "much_larger": MUCH_LARGER,
        "criteria": regime.criteria_text(criteria(R.params)),
        **line_shape(R),
        **rhos,
    }
