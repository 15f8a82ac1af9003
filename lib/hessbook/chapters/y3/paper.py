"""What Y says about lambda1 and the gradient during training (Figs 4, 16), as data.

Y plots these figures and prints no numbers; its text does not say which network, data or
attack the runs of Fig 4 use (the figure sits in §2, next to C1 on CIFAR-10; Fig 16 has "more
results"). Robust training is Y §3.1's min-max problem (eq. 3) with the inner maximisation by
"a single or multiple gradient ascents" (FGSM or its iterates), the update on the adversarial
examples; §3.4's perturbation sizes are eps = 0.1 (MNIST) and 0.02 (CIFAR-10) in L-inf.
"""

from __future__ import annotations

MODELS = ("m1", "c1")
DATASET = {"m1": "mnist", "c1": "cifar10"}
ROBUST_EPS = {"mnist": 0.1, "cifar10": 0.02}
"""Y §3.4's L-inf perturbation sizes for adversarial training."""
ATTACKS = ("fgsm", "fgsm10")

CLAIM_BATCH = ("'Note the increase in λ1θ (blue curve) for large batch v.s. small batch ... large batch does "
               "not get \"stuck\" in saddle points, but areas in the optimization landscape that have high "
               "curvature' (Fig 4 caption).")
CLAIM_ROBUST = ("'The dotted points show the corresponding results when using robust optimization, which makes "
                "the solver stay in areas with smaller spectrum' (Fig 4 caption); 'with robust optimization the "
                "solver is pushed to areas with smaller spectrum' (§3.4).")
