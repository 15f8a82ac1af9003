"""What S prints about S3's experiment (S Sec. 3.2, Figs 3 and 5): its setup."""

from __future__ import annotations

PAPER_WIDTHS = (10, 30, 50, 70)
PAPER_TOP_K = 120
PAPER_INPUT_SIZE = 28
PAPER_SAMPLES = 1000
"""S Sec. 3.2: "we sample 1K examples from the MNIST dataset and fix them as the training set"."""
