"""The shape every chapter has, and the calls a chapter notebook makes.

A chapter notebook is thin: a parameters cell, then

    from hessbook import kit
    from hessbook.chapters import s2
    P = kit.start(s2, globals())        # validate the parameters, show the scale, house style
    R = s2.run(P)                       # every stored computation
    kit.glue_numbers("s2", s2.numbers(R))
    kit.glue_figure("s2-fig2", s2.figure2(R))
    kit.show_claims(s2.claims(R), P)    # the verdict table, read back by the status page
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from types import ModuleType
from typing import Any, Protocol, runtime_checkable

from hessbook.kit.claims import Claim
from hessbook.params import ChapterParams, from_namespace


@runtime_checkable
class ChapterModule(Protocol):
    """What :mod:`hessbook.chapters` expects of a chapter module (tested for every chapter)."""

    Params: type[ChapterParams]

    def run(self, P: Any, store: Any = None) -> Any: ...

    def claims(self, results: Any) -> list[Claim]: ...

    def numbers(self, results: Any) -> Mapping[str, Any]: ...

    def criteria(self, P: Any) -> list: ...
    """The regime criteria of a parameter block (:class:`hessbook.regime.Criterion`; empty for
    a chapter that trains nothing)."""


def chapter_name(chapter: ModuleType) -> str:
    """``hessbook.chapters.y1`` -> ``y1``."""
    return chapter.__name__.rsplit(".", 1)[-1]


def start(chapter: ModuleType, namespace: Mapping[str, Any], *, banner: bool = True) -> ChapterParams:
    """Validate the notebook's parameters against ``chapter.Params``, show the scale banner and
    set the house style. Call it right after the parameters cell (see
    :func:`hessbook.params.from_namespace`: every public name bound so far is a parameter)."""
    from hessbook import report
    from hessbook.kit.style import use_house_style

    P = from_namespace(chapter.Params, namespace, where=f"chapter {chapter_name(chapter)}")
    use_house_style()
    if banner:
        report.scale_banner(P.scale)
    return P


def glue_numbers(prefix: str, numbers: Mapping[str, Any] | Any, *, verbatim: bool = False) -> list[str]:
    """Glue every entry of a mapping (or field of a dataclass) as ``<prefix>-<name>``, with
    ``_`` in names written ``-`` (``verbatim``: names kept as written, e.g. S2's
    ``s2-gap-ours_exact``). Returns the glued names. None and NaN (not computed) are glued as
    ``n/a``; infinite floats are refused (:func:`hessbook.report.glue`)."""
    from hessbook.report import glue

    if dataclasses.is_dataclass(numbers) and not isinstance(numbers, type):
        numbers = {f.name: getattr(numbers, f.name) for f in dataclasses.fields(numbers)}
    names = []
    for name, value in numbers.items():
        key = f"{prefix}-{name if verbatim else name.replace('_', '-')}"
        glue(key, value)
        names.append(key)
    return names


def glue_figure(name: str, fig: Any) -> None:
    """Glue a matplotlib figure for a ``{glue:figure}`` directive, then close it."""
    import matplotlib.pyplot as plt

    from hessbook.report import glue

    glue(name, fig)
    plt.close(fig)


def show_claims(claims: Sequence[Claim], P: ChapterParams, chapter: str | None = None) -> None:
    """The chapter's verdict table, with the machine-readable copy the status page reads, and
    how many networks each verdict rests on (:func:`seeds_note`)."""
    from hessbook.report import show_devices, show_payload
    from hessbook.store import devices_read

    show_payload([c.as_dict() for c in claims], P.scale, chapter or _caller_chapter(claims), seeds_note(P),
                 getattr(P, "n_seeds", 1))
    show_devices(devices_read())


def seeds_note(P: ChapterParams) -> str:
    """How many runs each verdict of a chapter with parameters ``P`` rests on: a verdict on one
    network per case may be an accident of its initialization, and the reader should see that
    beside the verdict, not only in the parameters (REPRODUCTION: trends over at least 3 seeds at
    cpu). A chapter without ``n_seeds`` runs each case once."""
    n = getattr(P, "n_seeds", None)
    if n is None:
        return ("Each verdict here rests on one run per case: this chapter does not repeat its runs over seeds, "
                "so a verdict has not been checked against a new seed.")
    if n == 1:
        return ("Each verdict here rests on one network per case (n_seeds = 1 at this scale): not checked against "
                "a new seed.")
    return (f"The networks of each case were trained in {n} seeds; a case graded seed by seed holds only where "
            "it held in every seed, and a claim whose seeds are pooled into one statistic says so in its evidence.")


def _caller_chapter(claims: Sequence[Claim]) -> str:
    from hessbook.catalog import item

    return item(claims[0].item).chapter if claims else "?"


def formatted(value: float | None, spec: str) -> str:
    """``value`` in the format ``spec`` for a sentence (a claim's *ours*), or ``n/a`` when it was
    not computed (None or NaN), never a stand-in number."""
    from hessbook.report import NOT_COMPUTED, is_not_computed

    return NOT_COMPUTED if is_not_computed(value) else format(value, spec)

