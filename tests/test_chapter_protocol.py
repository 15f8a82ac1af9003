"""Every registered chapter has the chapter protocol (:class:`hessbook.kit.ChapterModule`):
``Params``, a chapter parameter schema that every scale's file validates against; ``criteria(P)``;
``run(P, store=None)``; ``claims(results)``; ``numbers(results)``. The registry, the
catalog and the book's table of contents name the same chapters."""

from __future__ import annotations

import dataclasses
import inspect
import types
from pathlib import Path

import pytest

from hessbook.build import chapter_id, toc_notebooks
from hessbook.catalog import CHAPTERS
from hessbook.registry import CHAPTER_MODULES, chapter_module, load_params
from hessbook.kit import ChapterModule
from hessbook.params import SCALES, ChapterParams, params_file

ROOT = Path(__file__).resolve().parents[1]


def protocol_problems(module: types.ModuleType) -> list[str]:
    """What keeps ``module`` from the chapter protocol (empty: it has it)."""
    if not isinstance(module, ChapterModule):
        missing = [n for n in ("Params", "run", "claims", "numbers", "criteria") if not hasattr(module, n)]
        return [f"missing {', '.join(missing)}"]
    problems = []
    if not (isinstance(module.Params, type) and dataclasses.is_dataclass(module.Params)
            and issubclass(module.Params, ChapterParams)):
        problems.append(f"Params = {module.Params!r} is not a ChapterParams dataclass")
    calls = {"run": [((object(),), {}), ((object(),), {"store": None})],  # run(P) in a notebook
             "claims": [((object(),), {})], "numbers": [((object(),), {})], "criteria": [((object(),), {})]}
    for name, ways in calls.items():
        fn = getattr(module, name)
        for args, kwargs in ways:
            try:
                inspect.signature(fn).bind(*args, **kwargs)
            except TypeError as exc:
                problems.append(f"{name}{inspect.signature(fn)} cannot be called as the protocol calls it: {exc}")
                break
    store = inspect.signature(module.run).parameters.get("store")
    if store is not None and store.default is not None:
        problems.append("run's store must default to None (the default store)")
    return problems


@pytest.mark.parametrize("chapter", sorted(CHAPTER_MODULES))
def test_every_registered_chapter_has_the_chapter_protocol(chapter):
    assert protocol_problems(chapter_module(chapter)) == []


@pytest.mark.parametrize("chapter", sorted(CHAPTER_MODULES))
def test_every_scale_has_parameters_for_every_chapter(chapter):
    for scale in SCALES:
        P = load_params(chapter, params_file(chapter, scale, ROOT))
        assert isinstance(P, chapter_module(chapter).Params) and P.scale == scale


def test_the_protocol_check_can_fail():
    """A module lacking a member, or with a ``run`` the notebook cannot call, is named."""
    partial = types.ModuleType("partial")
    partial.Params, partial.run = ChapterParams, lambda P, store=None: None
    assert protocol_problems(partial) == ["missing claims, numbers, criteria"]
    odd = types.ModuleType("odd")
    odd.Params, odd.claims, odd.numbers, odd.criteria = dict, lambda R: [], lambda R: {}, lambda P: []
    odd.run = lambda P, device: None
    problems = protocol_problems(odd)
    assert any("Params" in p for p in problems) and any(p.startswith("run(P, device)") for p in problems)


def test_registry_catalog_and_table_of_contents_name_the_same_chapters():
    registered = set(CHAPTER_MODULES)
    assert {c.id for c in CHAPTERS} <= registered, "a catalog chapter without a module"
    in_toc = {chapter_id(nb) for nb in toc_notebooks(ROOT)}
    assert in_toc == registered, f"toc only: {in_toc - registered}; registry only: {registered - in_toc}"


@pytest.mark.parametrize("chapter", sorted(CHAPTER_MODULES))
def test_figure_functions_follow_one_naming_rule(chapter):
    """``figure_<paper figure number>`` or ``figure_<what it shows>``: never ``figure8`` or
    ``figure_fig7``, so a reader who knows one chapter finds a figure in any other."""
    import re

    module = chapter_module(chapter)
    names = [n for n in dir(module) if n.startswith("figure") and callable(getattr(module, n))]
    bad = [n for n in names if not re.fullmatch(r"figure_(?!fig)[a-z0-9]+(_[a-z0-9]+)*", n)]
    assert bad == [], f"{chapter}: {bad}"


@pytest.mark.parametrize("chapter", sorted(CHAPTER_MODULES))
def test_every_chapter_package_has_the_same_files(chapter):
    """Every chapter is a package with ``params`` (its schema), ``compute`` (its jobs, ``run``),
    ``claims`` (claims, numbers, criteria) and ``figures`` (figures, explorer), and nothing but
    those, ``analysis`` (values its claims derive) and ``paper`` (the paper's printed values)."""
    import importlib.util
    from pathlib import Path

    module = chapter_module(chapter)
    assert hasattr(module, "__path__"), f"{chapter} is a module, not a package"
    missing = [f for f in ("params", "compute", "claims", "figures")
               if importlib.util.find_spec(f"{module.__name__}.{f}") is None]
    assert missing == [], f"{chapter} lacks {missing}"
    files = {f.stem for f in Path(module.__path__[0]).glob("*.py")}
    extra = files - {"__init__", "params", "compute", "analysis", "claims", "figures", "paper"}
    assert extra == set(), f"{chapter} has files outside the chapter shape: {sorted(extra)}"
