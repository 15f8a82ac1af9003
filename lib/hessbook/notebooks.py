"""Chapters are MyST Markdown notebooks (jupytext's ``md:myst``): readable diffs, executed as
``.ipynb``.

The book's chapter sources are ``.md`` files whose front matter names jupytext's ``myst``
format; plain Markdown pages have no such front matter. papermill executes ``.ipynb`` only,
so :func:`as_ipynb` converts a source to a notebook file first (``make book`` and the tests
do this; by hand: ``jupytext --to ipynb -o - book/guide/tour.md | papermill - out.ipynb``).
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat

NOTEBOOK_SUFFIXES = (".md", ".ipynb")


def is_notebook(path: Path) -> bool:
    """Whether ``path`` is a chapter notebook: an ``.ipynb`` or a MyST Markdown notebook."""
    path = Path(path)
    if path.suffix == ".ipynb":
        return True
    if path.suffix != ".md":
        return False
    head = path.read_text(encoding="utf-8")[:600]
    return head.startswith("---") and "format_name: myst" in head and "kernelspec:" in head


def read(path: Path) -> nbformat.NotebookNode:
    """The notebook at ``path`` (``.ipynb`` or MyST Markdown), as nbformat v4."""
    path = Path(path)
    if path.suffix == ".ipynb":
        return nbformat.read(path, as_version=4)
    import jupytext

    return jupytext.read(path, fmt="md:myst")


def as_ipynb(source: Path, target: Path) -> Path:
    """Write ``source`` as an ``.ipynb`` file at ``target`` (cell ids normalized)."""
    nb = read(source)
    _changes, nb = nbformat.validator.normalize(nb)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(nb, indent=1, ensure_ascii=False), encoding="utf-8")
    return target
