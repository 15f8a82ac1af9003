"""Chapters are MyST Markdown notebooks (jupytext's ``md:myst``): readable diffs, executed as
``.ipynb``.

The book's chapter sources are ``.md`` files whose front matter names jupytext's ``myst``
format; plain Markdown pages have no such front matter. papermill executes ``.ipynb`` only,
so :func:`as_ipynb` converts a source to a notebook file first (``make book`` and the tests
do this; by hand: ``jupytext --to ipynb -o - book/guide/tour.md | papermill - out.ipynb``).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

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


def with_cell_ids(nb: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``nb`` (nbformat 4 as a dict) in which every cell has an ``id``, as nbformat
    4.5 requires: a cell without one (e.g. inserted by the builder) gets a stable id made from
    its position and source, so the same notebook always gets the same ids; duplicates are
    repaired. Without this, every reader (jupyter-book too) warns ``MissingIDFieldWarning``."""
    nb = json.loads(json.dumps(nb))
    nb["nbformat"], nb["nbformat_minor"] = 4, max(5, int(nb.get("nbformat_minor", 5)))
    seen: set[str] = set()
    for index, cell in enumerate(nb.get("cells", [])):
        cell_id = cell.get("id")
        if not isinstance(cell_id, str) or not cell_id or cell_id in seen:
            source = cell.get("source", "")
            text = "".join(source) if isinstance(source, list) else str(source)
            digest = hashlib.sha256(f"{index}\0{text}".encode()).hexdigest()
            cell_id = next(digest[i:i + 8] for i in range(0, len(digest) - 8) if digest[i:i + 8] not in seen)
            cell["id"] = cell_id
        seen.add(cell_id)
    return nb


def write(nb: Mapping[str, Any], target: Path) -> Path:
    """Write ``nb`` to ``target`` as ``.ipynb`` atomically (a temporary file in the same folder,
    then renamed over ``target``), every cell with an id (:func:`with_cell_ids`)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(with_cell_ids(nb), indent=1, ensure_ascii=False)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text + "\n", encoding="utf-8")
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def as_ipynb(source: Path, target: Path) -> Path:
    """Write ``source`` as an ``.ipynb`` file at ``target`` (every cell with an id)."""
    return write(read(source), target)
