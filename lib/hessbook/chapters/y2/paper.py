"""What Y says about the loss along the top Hessian eigenvectors (Figs 2, 3, 7, 13, 14, 15).

Y prints no numbers for these figures: the claims are its words, kept here as data.
"""

from __future__ import annotations

MODELS = ("c1", "c2", "m1")
"""The networks of Y's landscape figures (C1 and C2 on CIFAR-10, M1 on MNIST)."""
LINE_FIGURE = {"c1": "Fig 2", "c2": "Fig 15", "m1": "Fig 7"}
SURFACE_FIGURE = {"c1": "Fig 3", "c2": "Fig 13", "m1": "Fig 14"}
RANDOM_BATCH_MODELS = ("m1",)
"""Fig 7 (M1) adds the loss of a random batch of 320 training samples; Figs 2 and 15 do not."""
LOG_AXIS_MODELS = ("m1",)
"""Fig 7's y-axis is logarithmic."""

CLAIM_LINE = ("We can clearly see that the large batch size models have been attracted to areas with higher "
              "curvature for both the test and training losses (Y §2, on Figs 2 and 7).")
CLAIM_FIG7 = ("Fig 7 caption: 'From the figure we could see that the curvature of test loss is much larger "
              "than training.'")
CLAIM_SURFACE = ("'The visual results are in line with the numbers shown for the Hessian spectrum (see "
                 "λ1θ) in Table 1, and Table 7' (Y §2, on Fig 3).")
STEP = ("'Here ε is a scalar that perturbs the model parameters along v1' (Fig 2 caption): θ + ε v1 with v1 "
        "the eigenvector of power iteration, a unit vector; nothing else scales the step.")
