"""Where the project, its data and its results live.

Roots come from environment variables first (``HESSBOOK_RESULTS``, ``HESSBOOK_DATA``);
otherwise they sit inside the project checkout (found from the installed package, so a
notebook opened from ``book/sagun/`` uses the same ``results/`` as ``make book``), and
outside a checkout in the current directory.
"""

from __future__ import annotations

import os
from pathlib import Path


def project_root() -> Path | None:
    """The checkout that holds ``lib/hessbook`` (editable install), or None."""
    candidate = Path(__file__).resolve().parents[2]
    if (candidate / "_toc.yml").exists() and (candidate / "lib" / "hessbook").is_dir():
        return candidate
    return None


def _root_from(env: str, default_name: str) -> Path:
    value = os.environ.get(env)
    if value:
        return Path(value).expanduser().resolve()
    base = project_root() or Path.cwd()
    return base / default_name


def results_root() -> Path:
    """Root of the result store: ``$HESSBOOK_RESULTS`` or ``<project>/results``."""
    return _root_from("HESSBOOK_RESULTS", "results")


def data_root() -> Path:
    """Root of the datasets (torchvision layout): ``$HESSBOOK_DATA`` or ``<project>/data``."""
    return _root_from("HESSBOOK_DATA", "data")
