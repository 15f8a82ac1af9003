"""Model modes: evaluate in eval mode, then put every module back as it was."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from torch import nn


@contextlib.contextmanager
def eval_mode(model: nn.Module) -> Iterator[nn.Module]:
    """Put every module in eval mode; restore each module's own ``training`` flag afterwards
    (a model partly in train mode comes back partly in train mode)."""
    saved = [(m, m.training) for m in model.modules()]
    model.eval()
    try:
        yield model
    finally:
        for m, flag in saved:
            m.training = flag
