"""Where a scale departs from K's setting, in words for the verdicts of K1 and K2."""

from __future__ import annotations

from collections.abc import Iterable

from hessbook.papers.kamath.grid import KGrid, benchmark_halve_every
from hessbook.papers.kamath.paper import BENCHMARK_HALVE_EVERY, CASES, EPS
from hessbook.papers.kamath.regime import (
    HALVED_SHARE,
    K_BENCHMARK_HALVED_SHARE,
    K_EPOCHS,
    benchmark_halved_share,
    benchmark_halvings,
)


def first_phase_text(P: KGrid, datasets: Iterable[str]) -> str:
    """"on MNIST, 100 epochs run, halving every 537: no halving within the run; ...: K's first
    phase only or mostly (...)" for the datasets whose Benchmark runs less than
    :data:`~hessbook.papers.kamath.regime.HALVED_SHARE` of its epochs at a halved rate (the first
    halving after the run's midpoint, or none: :func:`~hessbook.papers.kamath.regime.
    benchmark_halved_share`); empty when every one halves in time. The one text of this fact: a
    claim's evidence prints it once (:func:`deviations`)."""
    names = {"mnist": "MNIST", "fashion_mnist": "Fashion-MNIST", "cifar10": "CIFAR-10"}
    late = [d for d in names if d in set(datasets) and benchmark_halved_share(P, d) < HALVED_SHARE]
    if not late:
        return ""

    def phase(d: str) -> str:
        epochs, every = P.epochs(d), benchmark_halve_every(d, P.n_train(d))
        return (f"on {names[d]}, {epochs} epochs run, halving every {every}: "
                + ("no halving within the run" if benchmark_halvings(P, d) == 0 else
                   f"the first halving after the run's midpoint, {epochs - every} of {epochs} epochs at a halved rate"))

    k = round(K_BENCHMARK_HALVED_SHARE * K_EPOCHS)
    return ("; ".join(map(phase, late)) + f" (K: {k} of {K_EPOCHS}): the Benchmark there is K's first phase only or "
            "mostly (lr 0.01, momentum 0.9, the same training as LR with momentum 0.9), so its cases read at most "
            f"partly (the book's choice: held needs at least {HALVED_SHARE:.0%} of the epochs at a halved rate, the "
            "first halving at or before the run's midpoint)")


def deviations(P: KGrid, cases: Iterable[str], counterexample: bool = False, benchmark: bool = False) -> str:
    """The deviations from K's setting that bear on a verdict over ``cases``: the attack radius
    (a smaller ε is a weaker attack, and K's counterexample is a statement at ε = 0.3) and C1's
    conv stride (Y App. A.3 prints 2; K takes C1 from Y) and, for a verdict on Benchmark runs
    (``benchmark``), the Benchmark's halving interval and, where the first halving falls after the
    run's midpoint or not at all, that the Benchmark networks are K's first phase only or mostly
    (:func:`first_phase_text`). Empty when there are none."""
    out = []
    datasets = {CASES[c].dataset for c in cases}
    for dataset, name in (("mnist", "MNIST"), ("fashion_mnist", "Fashion-MNIST"), ("cifar10", "CIFAR-10")):
        key = "cifar10" if dataset == "cifar10" else "mnist"
        if dataset in datasets and P.eps(dataset) != EPS[key]:
            out.append(f"FGSM/PGD radius ε = {P.eps(dataset):g} on {name}, K's is {EPS[key]:g}")
    if counterexample and out:
        out.append("K's counterexample (robustness rising with B) is K's finding at ε = 0.3; at a smaller radius "
                   "it is a finding about a weaker attack")
    halvings = sorted({benchmark_halve_every(d, P.n_train(d)) for d in datasets})
    if benchmark and halvings != [BENCHMARK_HALVE_EVERY]:
        out.append(f"the Benchmark halves its rate every {' / '.join(map(str, halvings))} epochs (K's 5 epochs of "
                   "K's split, counted in images seen)")
    if benchmark and (first := first_phase_text(P, datasets)):
        out.append(first)
    if any(CASES[c].model == "c1" for c in cases) and P.c1_conv_stride != 2:
        out.append(f"C1's conv stride {P.c1_conv_stride} (Y App. A.3 prints 2)")
    return (" Deviations from K that bear on this verdict: " + "; ".join(out) + ".") if out else ""
