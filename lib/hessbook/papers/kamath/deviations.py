"""Where a scale departs from K's setting, in words for the verdicts of K1 and K2."""

from __future__ import annotations

from collections.abc import Iterable

from hessbook.papers.kamath.grid import KGrid, benchmark_halve_every
from hessbook.papers.kamath.paper import BENCHMARK_HALVE_EVERY, CASES, EPS


def deviations(P: KGrid, cases: Iterable[str], counterexample: bool = False, benchmark: bool = False) -> str:
    """The deviations from K's setting that bear on a verdict over ``cases``: the attack radius
    (a smaller ε is a weaker attack, and K's counterexample is a statement at ε = 0.3) and C1's
    conv stride (Y App. A.3 prints 2; K takes C1 from Y) and, for a verdict on Benchmark runs
    (``benchmark``), the Benchmark's halving interval. Empty when there are none."""
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
    if any(CASES[c].model == "c1" for c in cases) and P.c1_conv_stride != 2:
        out.append(f"C1's conv stride {P.c1_conv_stride} (Y App. A.3 prints 2)")
    return (" Deviations from K that bear on this verdict: " + "; ".join(out) + ".") if out else ""
