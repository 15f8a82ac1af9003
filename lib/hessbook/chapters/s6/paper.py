"""What S prints in Appendix B's Fig 10: its alpha = M/N values and the two-blob outliers."""

from __future__ import annotations

ALPHAS = (0.02, 1.0, 2.0)
"""S Fig 10's alpha = M/N values."""
PAPER_OUTLIERS = {1.0: 454.4, 2.0: 819.5, 0.02: 92.7}
"""S Fig 10 caption: two blobs, "outlier eigenvalues at 454.4, 819.5, and 92.7 for alpha = 1, 2, 0.02"."""
