"""K2's claims: higher momentum lowers λ1, under LR (K Figs 7-10) and under LR/BS (Figs 11-14),
graded by a rule given once; the numbers the prose cites."""

from __future__ import annotations

from hessbook.chapters.k2.compute import Results
from hessbook.chapters.kamath.paper import CASES, K2_CASES, K2_ITEMS, SETTING_LABEL, WORDS
from hessbook.chapters.kamath.trends import momentum_effect, rho_text
from hessbook.kit import Claim, Rule, at_least, finite, middle

LOWER_HELD, LOWER_PARTLY = 0.8, 0.5
"""Share of batch sizes where λ1 at the largest momentum is below λ1 at momentum 0."""
MIN_BATCHES = 3

MOMENTUM_RULE = Rule(
    held=at_least("share", LOWER_HELD, "share of batch sizes where λ1 at the largest momentum < λ1 at momentum 0",
                  ".0%"),
    partly=at_least("share", LOWER_PARTLY, "that share", ".0%"),
    requires=at_least("n_batches", MIN_BATCHES, "batch sizes run with every momentum"),
)


def momentum_claim(R: Results, item: str) -> Claim:
    setting = K2_ITEMS[item]
    momenta = R.momenta(setting)
    cases, parts = {}, []
    for case in (c for c in R.params.cases if R.grid.ran(c)):
        share, mean_rho, n = momentum_effect(R.grid, case, setting, momenta)
        cases[CASES[case].label] = {"share": share, "n_batches": n}
        parts.append(f"{CASES[case].label}: λ1 lower at m={max(momenta):g} than at m=0 for "
                     f"{finite(share):.0%} of {n} batch sizes, mean ρ(momentum, λ1) {rho_text(mean_rho)}")
    gone = [f"{CASES[c].label}: {R.why_absent(c)}" for c in K2_CASES if not R.grid.ran(c)]
    P = R.params
    return Claim(
        item, f"Under {SETTING_LABEL[setting]}, a higher momentum gives a lower λ1.", paper=WORDS[f"momentum_{setting}"],
        ours="; ".join(parts) + "." + (" Not computed: " + "; ".join(gone) + "." if gone else ""),
        rule=MOMENTUM_RULE, cases=cases,
        evidence=f"Momenta {', '.join(f'{m:g}' for m in momenta)}. Our scale: {P.n_train_mnist} MNIST and "
                 f"{P.n_train_cifar} CIFAR-10 training images, {P.epochs_mnist}/{P.epochs_cifar} epochs, "
                 f"B = {', '.join(map(str, P.batch_sizes))} (K: 55k/40k images, 100 epochs).",
    )


def claims(R: Results) -> list[Claim]:
    return [momentum_claim(R, item) for item in K2_ITEMS]


def _median_loss(R: Results, case: str, setting: str, momentum: float) -> float:
    return middle(r.train_loss for r in R.grid.curve(case, setting, momentum) if not r.diverged)


def training_losses(R: Results, setting: str = "lr") -> str:
    """Per case: the median final training loss over B at momentum 0 and at the largest momentum,
    the evidence for how far each momentum trained in the same epochs."""
    low, high = min(R.momenta(setting)), max(R.momenta(setting))
    return "; ".join(f"{CASES[case].label}: {_median_loss(R, case, setting, low):.2f} at m = {low:g}, "
                     f"{_median_loss(R, case, setting, high):.2f} at m = {high:g}"
                     for case in R.grid.cases()) or "none"


def numbers(R: Results) -> dict:
    """Every number the prose cites (glued as ``k2-<name>``); 0 where not computed."""
    out = {"runs": len(R.grid.results), "cases": len(R.grid.cases()),
           "diverged": sum(r.diverged for r in R.grid.results),
           "losses_lr": training_losses(R, "lr"), "losses_lr_bs": training_losses(R, "lr_bs")}
    for setting in ("lr", "lr_bs"):
        shares = [momentum_effect(R.grid, c, setting, R.momenta(setting))[0] for c in R.grid.cases()]
        out[f"share_{setting}"] = finite(min(shares)) * 100 if shares else 0.0
    return out
