"""What S prints about S4's experiment (S Sec. 3.3, Figs 4 and 6): its setup."""

from __future__ import annotations

PAPER_SAMPLES = 1000
"""S Sec. 3.3: "The training set is a subsampled MNIST with 1K training examples"."""
PAPER_BATCHES = (10, 512)
"""S Sec. 3.3: "The small batch method uses a mini-batch size of 10, and the large-batch one uses 512"."""
