"""Y5's claims, graded by rules given once as data, and the numbers the chapter's prose cites."""

from __future__ import annotations

import numpy as np

from hessbook.chapters.y5.compute import Results, Study
from hessbook.chapters.y5.paper import PAPER_TABLES, ROBUST, SECOND_ORDER, STUDY_LABEL, TABLE_ITEM, model_label
from hessbook.kit import Claim, Rule, all_of, at_least, at_most, is_true

STRENGTH_TOL = 1.0
"""Percentage points: a second-order attack is "at least as strong" when M_ORI's accuracy on its
test set is at most this much above the accuracy on its first-order counterpart's."""
SIZEABLE = 0.1
"""|lambda_min| / lambda_1 at B_H = 1 counts as sizeable from here."""
VANISHED = 0.02
"""|lambda_min| / lambda_1 on the full set counts as vanished below this."""
SHARE = "share of robust models"

ROBUST_RULE = Rule(
    held=at_least("share", 1.0, "share of (robust model, attack) cells more accurate than M_ORI", ".0%"),
    partly=at_least("share", 0.5, "that share", ".0%"),
)
SECOND_ORDER_RULE = Rule(
    held=all_of(at_most("gap_linf", STRENGTH_TOL, "acc(M_ORI, D_FHSM) − acc(M_ORI, D_FGSM), points"),
                at_most("gap_l2", STRENGTH_TOL, "acc(M_ORI, D_L2HESS) − acc(M_ORI, D_L2GRAD), points")),
    partly=at_least("pairs_ok", 1, "pairs where the second-order attack is at least as strong"),
)
LAMBDA_RULE = Rule(
    held=at_least("share", 1.0, f"{SHARE} with a smaller full-set λ1 than M_ORI", ".0%"),
    partly=at_least("share", 0.5, "that share", ".0%"),
)
NEGATIVE_RULE = Rule(
    held=all_of(at_least("r1", SIZEABLE, "median |λmin|/λ1 at B_H = 1"),
                at_most("rfull", VANISHED, "median |λmin|/λ1 on the full set"),
                is_true("shrinks", "the ratio shrinks from B_H = 1 to the batch and to the full set")),
    partly=all_of(at_least("r1", SIZEABLE, "median |λmin|/λ1 at B_H = 1"),
                  is_true("shrinks", "the ratio shrinks")),
)
CURVATURE_RULE = Rule(
    held=at_least("share", 1.0, f"{SHARE} with the smaller curvature", ".0%"),
    partly=at_least("share", 0.5, "that share", ".0%"),
)


def _cases(R: Results, values) -> dict:
    return {s.label: values(s) for s in R.studies}


def _scale(R: Results) -> str:
    P = R.params
    return (f"{P.scale} scale: " + "; ".join(
        f"{s.label} on {P.n_train[s.name]} training images, M_ORI {P.ori_epochs[s.name]} epochs, "
        f"{P.adv_epochs[s.name]} adversarial epochs, {P.n_test[s.name]} test images" for s in R.studies) + ".")


def _missing(R: Results) -> str:
    return (" Not computed for lack of data: " + "; ".join(f"{m.model} ({m.detail})" for m in R.missing) + "."
            if R.missing else "")


# ----------------------------------------------------------------------------- Tables 3 and 4


def better_share(s: Study) -> float:
    """Share of (robust model, adversarial test set) cells where the robust model beats M_ORI."""
    cells = [s.accuracy(m, a) > s.accuracy("ori", a) for m in ROBUST for a in ROBUST]
    return float(np.mean(cells))


def table_claim(R: Results, study: str) -> Claim:
    paper = PAPER_TABLES[study]
    s = R.study(study)
    statement = (f"After adversarial training every robust model is more robust than M_ORI to every attack "
                 f"({STUDY_LABEL[study]}).")
    p_mean = ", ".join(f"{model_label(m)} {v:.1f}" for m, v in zip(("ori", *ROBUST), paper.mean_adv))
    paper_text = f"{paper.where}: mean adversarial accuracy {p_mean} (%)."
    if s is None:
        return Claim(TABLE_ITEM[study], statement, paper_text, "not computed." + _missing(R), ROBUST_RULE, {})
    mean = s.table.mean_adv * 100
    worse = [f"{model_label(m)} on D_{a.upper()}" for m in ROBUST for a in ROBUST
             if s.accuracy(m, a) <= s.accuracy("ori", a)]
    ours = (", ".join(f"{model_label(m)} {v:.1f}" for m, v in zip(s.table.rows, mean)) + " (% mean adversarial "
            "accuracy)" + (f"; not better than M_ORI: {', '.join(worse)}" if worse else "") + ". " + _scale(R))
    return Claim(TABLE_ITEM[study], statement, paper_text, ours, ROBUST_RULE,
                 {s.label: {"share": better_share(s)}},
                 "Cells compared: each robust model's accuracy on each of the five adversarial test sets made on "
                 "M_ORI, against M_ORI's own accuracy on that set." + (" " + paper.note if paper.note else ""))


# ----------------------------------------------------------------------------- Table 5


def strength_gaps(s: Study) -> dict[str, float]:
    """M_ORI's accuracy on the second-order set minus that on the first-order one, in points."""
    return {"gap_linf": s.accuracy("ori", "fhsm") - s.accuracy("ori", "fgsm"),
            "gap_l2": s.accuracy("ori", "l2hess") - s.accuracy("ori", "l2grad")}


def _strength_values(s: Study) -> dict:
    gaps = strength_gaps(s)
    return {**gaps, "pairs_ok": sum(v <= STRENGTH_TOL for v in gaps.values())}


def _cg_text(s: Study) -> str:
    parts = []
    for name, d in s.table.cg.items():
        parts.append(f"{name.upper()} on {s.label}: CG converged for {int(d.get('converged', 0))}/"
                     f"{int(d.get('samples', 0))} samples, {int(d.get('hit_cap', 0))} hit the cap, "
                     f"{int(d.get('fallback', 0))} fell back to the gradient, max relative residual "
                     f"{float(d.get('max_relative_residual', 0.0)):.0e}")
    return "; ".join(parts)


def second_order_claim(R: Results) -> Claim:
    statement = ("The second-order attacks (FHSM, L2HESS; Y Table 5) are at least as strong as their "
                 "first-order counterparts (FGSM, L2GRAD).")
    p = {k: {"fhsm": t.value("ori", "fhsm") - t.value("ori", "fgsm"),
             "l2hess": t.value("ori", "l2hess") - t.value("ori", "l2grad")} for k, t in PAPER_TABLES.items()}
    paper = ("Y §3.3 and A.4: second-order attacks 'look well for MNIST' but are weaker on CIFAR-10. Y's own "
             "M_ORI rows say weaker on both: FHSM − FGSM = " + ", ".join(f"{v['fhsm']:+.1f}" for v in p.values())
             + " and L2HESS − L2GRAD = " + ", ".join(f"{v['l2hess']:+.1f}" for v in p.values())
             + " points of accuracy (Table 3, Table 4).")
    if not R.studies:
        return Claim("Y-Table5", statement, paper, "not computed." + _missing(R), SECOND_ORDER_RULE, {})
    ours = "; ".join(f"{s.label}: FHSM − FGSM {g['gap_linf']:+.1f}, L2HESS − L2GRAD {g['gap_l2']:+.1f} points"
                     for s in R.studies for g in [strength_gaps(s)]) + " (accuracy of M_ORI). " + _scale(R)
    return Claim("Y-Table5", statement, paper, ours, SECOND_ORDER_RULE, _cases(R, _strength_values),
                 "A stronger attack leaves a lower accuracy; judged on M_ORI, the model the sets are made on. "
                 "CG diagnostics of the test sets: " + ("; ".join(_cg_text(s) for s in R.studies) or "none") + ".")


# ----------------------------------------------------------------------------- Figs 6 and 12


def full_lambda1(s: Study, model: str) -> float:
    return s.models[model].spectrum("full").lambda1


def _lambda_values(s: Study) -> dict:
    ori = full_lambda1(s, "ori")
    return {"share": float(np.mean([full_lambda1(s, m) < ori for m in ROBUST]))}


def lambda_claim(R: Results) -> Claim:
    statement = "Robust (adversarial) training lowers λ1, the top eigenvalue of the Hessian w.r.t. the weights."
    paper = ("Y §3.4, Figs 6, 12: 'the spectrum of the robust models is noticeably smaller than the original "
             "model' (plots, no numbers).")
    if not R.studies:
        return Claim("Y-Fig6-12", statement, paper, "not computed." + _missing(R), LAMBDA_RULE, {})
    ours = "; ".join(f"{s.label}: full-set λ1 " + ", ".join(f"{model_label(m)} {full_lambda1(s, m):.3g}"
                                                            for m in s.models) for s in R.studies) + ". " + _scale(R)
    batch = str(R.params.n_hessian_batch)
    at_batch = "; ".join(f"{s.label}: " + ", ".join(f"{s.models[m].spectrum(batch).lambda1:.3g}" for m in s.models)
                         for s in R.studies)
    return Claim("Y-Fig6-12", statement, paper, ours, LAMBDA_RULE, _cases(R, _lambda_values),
                 "Full set: " + ", ".join(f"{R.params.n_hessian_full[s.name]} training images ({s.label})"
                                          for s in R.studies)
                 + f" (Lanczos, relative residual {R.params.lanczos_tol:g}, at most {R.params.lanczos_max_dim} "
                 "steps). "
                 f"At B_H = {batch}, in the same order: {at_batch}.")


def negative_ratios(s: Study, batch: str) -> dict[str, float]:
    """Median over the study's models of |lambda_min| / lambda_1 per B_H (1: mean of the two samples)."""
    def med(fn):
        return float(np.median([fn(a) for a in s.models.values()]))

    return {"r1": med(lambda a: 0.5 * (a.spectrum("1a").negative_ratio + a.spectrum("1b").negative_ratio)),
            "rbatch": med(lambda a: a.spectrum(batch).negative_ratio),
            "rfull": med(lambda a: a.spectrum("full").negative_ratio)}


def _negative_values(batch: str):
    def values(s: Study) -> dict:
        r = negative_ratios(s, batch)
        return {**r, "shrinks": r["r1"] > r["rbatch"] and r["r1"] > r["rfull"]}

    return values


def negative_claim(R: Results) -> Claim:
    statement = ("Sub-sampled Hessians with small B_H have sizeable negative eigenvalues, which vanish as B_H "
                 "grows.")
    paper = ("Y §3.4, Figs 6, 12: at B_H = 1 'we have actually converged to a point that has both positive and "
             "negative curvatures'; the full Hessian has positive curvature 'at least based on the top 20 "
             "eigenvalues'.")
    batch = str(R.params.n_hessian_batch)
    if not R.studies:
        return Claim("Y-Fig6-12", statement, paper, "not computed." + _missing(R), NEGATIVE_RULE, {})
    ours = "; ".join(f"{s.label}: median |λmin|/λ1 = {r['r1']:.2f} (B_H = 1), {r['rbatch']:.3f} (B_H = {batch}), "
                     f"{r['rfull']:.3f} (full)" for s in R.studies for r in [negative_ratios(s, batch)])
    unconverged = sum(not sp.bottom_converged for s in R.studies for a in s.models.values() for sp in a.spectra)
    total = sum(len(a.spectra) for s in R.studies for a in s.models.values())
    return Claim("Y-Fig6-12", statement, paper, ours + ". " + _scale(R), NEGATIVE_RULE,
                 _cases(R, _negative_values(batch)),
                 f"λmin by Lanczos (smallest algebraic) on the same samples for every model; {unconverged} of "
                 f"{total} such runs stopped at the Krylov cap ({R.params.lanczos_max_dim}), where the Ritz value "
                 "bounds λmin from above, so a capped run understates the negative curvature.")


# ----------------------------------------------------------------------------- Figs 5, 10, 11 and 8, 9


def interpolation_curvatures(s: Study, model: str) -> tuple[float, float]:
    """Second difference of the training loss along the line at lambda = 0 (M_ORI) and 1 (the model)."""
    line = s.models[model].interpolation
    return line.curvature(0.0), line.curvature(1.0)


def _interp_values(s: Study) -> dict:
    return {"share": float(np.mean([b < a for m in ROBUST for a, b in [interpolation_curvatures(s, m)]]))}


def interpolation_claim(R: Results) -> Claim:
    statement = ("On the straight line from M_ORI (λ = 0) to each robust model (λ = 1) the robust end has the "
                 "smaller curvature.")
    paper = ("Y §3.4, Figs 5, 10, 11: 'For all cases the robust model ends up at a point that has relatively "
             "smaller curvature compared to the original network' (plots).")
    if not R.studies:
        return Claim("Y-Fig5-10-11", statement, paper, "not computed." + _missing(R), CURVATURE_RULE, {})
    ours = "; ".join(f"{s.label}: " + ", ".join(f"{model_label(m)} {b:.3g} vs {a:.3g}" for m in ROBUST
                                                 for a, b in [interpolation_curvatures(s, m)]) for s in R.studies)
    return Claim("Y-Fig5-10-11", statement, paper, "training-loss curvature at λ = 1 vs λ = 0: " + ours + ". "
                 + _scale(R), CURVATURE_RULE, _cases(R, _interp_values),
                 f"Curvature: second difference of the training loss on the grid (step {R.params.interp_step:g} in "
                 "λ) along the same line at both ends, so the two are directly comparable.")


def v1_curvature(s: Study, model: str) -> float:
    return s.models[model].along_v1.curvature(0.0)


def _v1_values(s: Study) -> dict:
    ori = v1_curvature(s, "ori")
    return {"share": float(np.mean([v1_curvature(s, m) < ori for m in ROBUST]))}


def v1_claim(R: Results) -> Claim:
    batch = R.params.n_hessian_batch
    statement = ("Along v1 of the B_H = 320 Hessian the robust models' loss is flatter (smaller curvature) than "
                 "M_ORI's.")
    paper = ("Y App. A.5, Figs 8, 9: 'the robust models converge to a region with smaller curvature' (plots of "
             "batch, training and test loss).")
    if not R.studies:
        return Claim("Y-Fig8-9", statement, paper, "not computed." + _missing(R), CURVATURE_RULE, {})
    ours = "; ".join(f"{s.label}: " + ", ".join(f"{model_label(m)} {v1_curvature(s, m):.3g}" for m in s.models)
                     for s in R.studies)
    return Claim("Y-Fig8-9", statement, paper, f"training-loss curvature along v1 (B_H = {batch}): " + ours + ". "
                 + _scale(R), CURVATURE_RULE, _cases(R, _v1_values),
                 "Curvature: second difference at 0 of the training loss along each model's own unit v1, step "
                 f"{R.params.v1_range / (R.params.v1_points // 2):g}.")


def claims(R: Results) -> list[Claim]:
    return [table_claim(R, "m1"), table_claim(R, "c3"), second_order_claim(R), lambda_claim(R),
            negative_claim(R), interpolation_claim(R), v1_claim(R)]


# ----------------------------------------------------------------------------- numbers


def numbers(R: Results) -> dict:
    """Every number the prose cites (glued as ``y5-<name>``); 0 where a study was not computed."""
    out: dict = {"missing": ", ".join(m.model for m in R.missing) or "none"}
    batch = str(R.params.n_hessian_batch)
    for study in ("m1", "c3"):
        s = R.study(study)
        mean = s.table.mean_adv * 100 if s else np.zeros(6)
        ratios = negative_ratios(s, batch) if s else {"r1": 0.0, "rbatch": 0.0, "rfull": 0.0}
        gaps = strength_gaps(s) if s else {"gap_linf": 0.0, "gap_l2": 0.0}
        out |= {
            f"{study}_clean_ori": s.accuracy("ori", "clean") if s else 0.0,
            f"{study}_mean_ori": float(mean[0]),
            f"{study}_mean_robust": float(np.mean(mean[1:])),
            f"{study}_lambda_ori": full_lambda1(s, "ori") if s else 0.0,
            f"{study}_lambda_robust": float(np.median([full_lambda1(s, m) for m in ROBUST])) if s else 0.0,
            f"{study}_r1": ratios["r1"], f"{study}_rbatch": ratios["rbatch"], f"{study}_rfull": ratios["rfull"],
            f"{study}_gap_linf": gaps["gap_linf"], f"{study}_gap_l2": gaps["gap_l2"],
            f"{study}_train_s": sum(t.seconds for t in s.trainings.values()) if s else 0.0,
        }
    return out
