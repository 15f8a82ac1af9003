"""The chapters by id: their modules (:data:`CHAPTER_MODULES`), their parameter schemas, and
their parameters at a scale with ``--set`` overrides, validated (what the build, the plan and
``python -m hessbook.compute`` read). The chapters themselves are :mod:`hessbook.chapters`.
"""


from __future__ import annotations

import difflib
import importlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

from hessbook.params import (ChapterParams, ParameterError, as_dict, check_device_available, device_values, field_docs,
                             params_file, read_file, validate)

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


def parse_overrides(items: Iterable[str]) -> dict[str, Any]:
    """``["dimension=800", "seeds=[0, 1]"]`` -> ``{"dimension": 800, "seeds": [0, 1]}``: each
    value is read as a YAML scalar or flow list (``800``, ``0.5``, ``true``, ``cpu``, ``[1, 2]``)."""
    out: dict[str, Any] = {}
    for item in items:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ParameterError(f"--set {item!r}: expected KEY=VALUE, e.g. --set dimension=800")
        try:
            value = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ParameterError(f"--set {item!r}: the value is not a YAML scalar or list ({exc})") from exc
        if isinstance(value, dict):
            raise ParameterError(f"--set {item!r}: accepted values are YAML scalars or lists, not a mapping")
        out[key] = value
    return out


def describe_overrides(overrides: Mapping[str, Any]) -> str:
    return " ".join(f"{k}={json.dumps(v)}" for k, v in overrides.items())


def chapter_parameters(chapter: str, scale: str, root: Path, overrides: Mapping[str, Any] | None = None,
                       *, check_devices: bool = True) -> dict:
    """The validated parameters of a chapter at a scale, with optional overrides. With
    ``check_devices``, a ``device`` (at any depth) naming a CUDA device this machine lacks is
    a :class:`ParameterError` too: it would fail every job after the kernel started."""
    return as_dict(chapter_params(chapter, scale, root, overrides, check_devices=check_devices))


def chapter_params(chapter: str, scale: str, root: Path, overrides: Mapping[str, Any] | None = None,
                   *, check_devices: bool = True) -> Any:
    """:func:`chapter_parameters` as the chapter's parameter object (what its notebook's ``P`` is)."""
    path = params_file(chapter, scale, root)
    if not path.exists():
        raise ParameterError(f"no parameters for chapter {chapter!r} at scale {scale!r}: {path} is missing")
    rel = path.relative_to(root) if path.is_relative_to(root) else path
    values = read_file(path)
    where = str(rel)
    if overrides:
        schema = schema_for(chapter)
        docs = field_docs(schema)
        for key, value in overrides.items():
            if key not in docs:
                hint = difflib.get_close_matches(key, list(docs), n=1)
                near = f" (did you mean {hint[0]!r}?)" if hint else ""
                accepted = "\n  ".join(f"{k}: {d}" for k, d in docs.items())
                raise ParameterError(
                    f"--set {key}={json.dumps(value)}: chapter {chapter} has no parameter {key!r}{near}; "
                    "select only the chapters that have it (--chapters, make book CHAPTERS=...). "
                    f"Accepted parameters of {chapter}:\n  {accepted}"
                )
        values = {**values, **overrides}
        where = f"{rel} with --set {describe_overrides(overrides)}"
    checked = validate(schema_for(chapter), values, where=where, params_dir=path.parent)
    if check_devices:
        for key, value in device_values(as_dict(checked)):
            check_device_available(value, f"{where}: {key}")
    return checked
