"""The chapters, one module (or package) each, found through :data:`CHAPTER_MODULES`.

Every chapter module has the same public shape (:class:`hessbook.kit.ChapterModule`):

- ``Params``: the frozen dataclass of its parameters (``params/<scale>/<id>.yaml``);
- ``run(P, store=None) -> Results``: every stored computation of the chapter;
- ``claims(results) -> list[Claim]``: the papers' claims, graded;
- ``numbers(results) -> dict``: the numbers its prose cites (glued under the chapter's id; None
  for a value not computed, which the page prints as n/a, never a stand-in number);
- ``criteria(P) -> list[Criterion]``: its regime criteria (:mod:`hessbook.regime`), what the
  parameter block keeps of the paper's training; empty for a chapter that trains nothing;
- figure functions of the results, and ``explorer(results)``, the chapter's widget.

The registry is explicit: importing this package imports no chapter.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from hessbook.params import ChapterParams, ParameterError

CHAPTER_MODULES: dict[str, str] = {
    "tour": "hessbook.chapters.tour",
    "models": "hessbook.chapters.models",
    "y1": "hessbook.chapters.y1",
    "y2": "hessbook.chapters.y2",
    "y3": "hessbook.chapters.y3",
    "y4": "hessbook.chapters.y4",
    "y6": "hessbook.chapters.y6",
    "k1": "hessbook.chapters.k1",
    "k2": "hessbook.chapters.k2",
    "y5": "hessbook.chapters.y5",
    "s1": "hessbook.chapters.s1",
    "s2": "hessbook.chapters.s2",
    "s3": "hessbook.chapters.s3",
    "s4": "hessbook.chapters.s4",
    "s5": "hessbook.chapters.s5",
    "s6": "hessbook.chapters.s6",
}
"""Chapter id (the notebook's name up to its first ``_``) -> module."""


def chapter_module(chapter: str) -> ModuleType:
    """The module of a chapter id."""
    if chapter not in CHAPTER_MODULES:
        raise ParameterError(f"unknown chapter {chapter!r}; accepted: {', '.join(sorted(CHAPTER_MODULES))}")
    return importlib.import_module(CHAPTER_MODULES[chapter])


def schema_for(chapter: str) -> type[ChapterParams]:
    """The parameter schema of a chapter id."""
    return chapter_module(chapter).Params


def load_params(chapter: str, path) -> ChapterParams:
    """Validate one params file against a chapter's schema."""
    from hessbook.params import load_file

    return load_file(schema_for(chapter), path)
