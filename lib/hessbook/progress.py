"""Progress bars that work in Jupyter and stay readable in papermill logs.

``HESSBOOK_PROGRESS`` chooses the style: ``auto`` (default; ``tqdm.auto``, a widget in
Jupyter), ``text`` (plain ASCII lines, at most one every 10 s: what the book builder sets so
papermill logs stay short), or ``off``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from typing import TypeVar

T = TypeVar("T")

MODES = ("auto", "text", "off")


def progress_mode() -> str:
    mode = os.environ.get("HESSBOOK_PROGRESS", "auto")
    if mode not in MODES:
        raise ValueError(f"HESSBOOK_PROGRESS={mode!r}: accepted values are {', '.join(MODES)}")
    return mode


def progress(iterable: Iterable[T], desc: str = "", total: int | None = None, **kwargs) -> Iterable[T]:
    """Wrap ``iterable`` in a progress bar chosen by :func:`progress_mode`."""
    mode = progress_mode()
    if mode == "off":
        return iterable
    if mode == "text":
        from tqdm import tqdm

        return tqdm(iterable, desc=desc, total=total, file=sys.stderr, ascii=True,
                    mininterval=10.0, dynamic_ncols=False, ncols=100, **kwargs)
    from tqdm.auto import tqdm

    return tqdm(iterable, desc=desc, total=total, **kwargs)
