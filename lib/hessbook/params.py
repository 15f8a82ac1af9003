"""Typed, validated chapter parameters.

Each chapter declares its parameters as a frozen dataclass (a *schema*, the chapter module's
``Params``; :mod:`hessbook.chapters` maps chapter ids to modules). A field's type annotation says what it accepts (``int``, ``float``, ``str``,
``bool``, ``list[int]``, ``Literal[...]``, ...) and :func:`spec` metadata adds value rules
(bounds, choices, non-empty, finiteness: every float must be finite unless its spec says
``finite=False``; NaN is never accepted) and relations to other fields, written once as data
(``spec(le_field="n_train")``: at most the value of ``n_train``, key by key where both are
mappings; ``lt_field``, ``ge_field``; ``keys_field="studies"``: a mapping with an entry for
every item that field selects; ``distinct``, ``odd``). A field may be a ``dict[str, ...]`` (e.g. batch
sizes per model) or another schema dataclass (a nested block, e.g. the runs of another
chapter that a chapter reuses). A schema may add cross-field rules in ``check(self)``.

:func:`validate` turns a plain dict (a params file, papermill's injected values, the names
defined by a notebook's parameters cell) into the schema instance, or raises
:class:`ParameterError` naming the key, the bad value and what is accepted.

    @dataclass(frozen=True)
    class TourParams(ChapterParams):
        n_samples: int = field(metadata=spec(gt=0, doc="samples drawn"))
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import re
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar, get_args, get_origin

import yaml

SCALES = ("smoke", "cpu", "gpu", "paper")


class ParameterError(ValueError):
    """A parameter is unknown, missing, of the wrong type or has an impossible value."""


def spec(
    *,
    gt: float | None = None,
    ge: float | None = None,
    lt: float | None = None,
    le: float | None = None,
    choices: tuple | None = None,
    nonempty: bool = False,
    finite: bool = True,
    pattern: str | None = None,
    accepted: str = "",
    le_field: str | None = None,
    lt_field: str | None = None,
    ge_field: str | None = None,
    keys: tuple | None = None,
    keys_field: str | None = None,
    distinct: bool = False,
    odd: bool = False,
    doc: str = "",
) -> dict[str, Any]:
    """Field metadata: value rules checked by :func:`validate` (applied to list items too).

    ``finite=False`` lets a float field take ``inf``/``-inf`` (within its bounds); NaN is
    rejected whatever the spec says. ``pattern``: a string must match this regular expression
    in full; ``accepted`` says in words what it accepts (for the error message).
    ``le_field`` / ``lt_field`` / ``ge_field``: the value must be at most / below / at least the
    value of that other field of the same schema (cross-field rules as data; a value that is
    not a number, e.g. ``"all"``, is not compared; two mappings are compared key by key).
    ``keys``: the keys a mapping accepts; ``keys_field``: a mapping must have an entry for every
    item of that other field (e.g. per-study values for the studies selected). ``distinct``: no
    item of a list is given twice (each list of a mapping of lists); ``odd``: an odd integer
    (a symmetric grid with 0 as its middle point).
    """
    return {
        "gt": gt,
        "ge": ge,
        "lt": lt,
        "le": le,
        "choices": choices,
        "nonempty": nonempty,
        "finite": finite,
        "pattern": pattern,
        "accepted": accepted,
        "le_field": le_field,
        "lt_field": lt_field,
        "ge_field": ge_field,
        "keys": keys,
        "keys_field": keys_field,
        "distinct": distinct,
        "odd": odd,
        "doc": doc,
    }


RELATIONS = (("le_field", "larger than", lambda a, b: a <= b), ("lt_field", "not smaller than", lambda a, b: a < b),
             ("ge_field", "smaller than", lambda a, b: a >= b))
"""The field-relation rules of :func:`spec`: the name, what a violation is, the test."""


def _shown(value: Any) -> str:
    return format(value, "g") if isinstance(value, float) else repr(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _accepted_range(rule: str, other: str, bound: float) -> str:
    if rule == "le_field":
        return f"at most {other} = {bound:g}"
    if rule == "lt_field":
        return f"below {other} = {bound:g}"
    return f"at least {other} = {bound:g}"


def _pairs(a: Any, b: Any, name: str, other: str) -> list[tuple[str, Any, str, Any]]:
    """What a relation compares: ``(name, value, other, bound)`` per key where both are mappings
    (keys of ``a`` that ``b`` lacks are not compared), per value of ``a`` against a number ``b``."""
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return [(f"{name}[{k!r}]", v, f"{other}[{k!r}]", b[k]) for k, v in a.items() if k in b]
    if isinstance(a, Mapping):
        return [(f"{name}[{k!r}]", v, other, b) for k, v in a.items()]
    return [(name, a, other, b)]


def check_relations(schema: type, values: Mapping[str, Any], where: str) -> None:
    """Every ``le_field`` / ``lt_field`` / ``ge_field`` / ``keys_field`` rule of the schema's
    fields, on the coerced ``values``: ParameterError naming both fields, their values and what
    is accepted."""
    for f in dataclasses.fields(schema):
        for rule in ("keys_field", *(r for r, _, _ in RELATIONS)):
            other = f.metadata.get(rule)
            if other is not None and other not in values:
                raise TypeError(f"{schema.__name__}.{f.name}: {rule}={other!r} names no field of the schema")
        selector = f.metadata.get("keys_field")
        if selector is not None:
            absent = [k for k in values[selector] if k not in values[f.name]]
            if absent:
                raise ParameterError(f"{where}: {f.name} has no entry for {absent[0]!r}, which `{selector}` selects; "
                                     f"give one, e.g. {f.name}: {{{absent[0]}: ...}}")
        for rule, violation, ok in RELATIONS:
            other = f.metadata.get(rule)
            if other is None:
                continue
            for name, a, other_name, b in _pairs(values[f.name], values[other], f.name, other):
                items = a if isinstance(a, tuple) else (a,)
                for item in items:
                    if _is_number(item) and _is_number(b) and not ok(item, b):
                        raise ParameterError(f"{where}: {name} = {_shown(a)}: {violation} {other_name} = "
                                             f"{_shown(b)}; accepted: {_accepted_range(rule, other_name, b)}")


DEVICE_PATTERN = r"auto|cpu|cuda(:[0-9]+)?"
DEVICE_ACCEPTED = "'cuda', 'cuda:N' (N = 0, 1, ...), 'cpu' or 'auto' (cuda when available)"


def device_spec(doc: str = "") -> dict[str, Any]:
    """Field metadata of a ``device`` parameter: what :func:`hessbook.device.pick_device` takes."""
    return spec(pattern=DEVICE_PATTERN, accepted=DEVICE_ACCEPTED, doc=doc)


def device_values(values: Mapping[str, Any], where: str = "") -> list[tuple[str, Any]]:
    """``(dotted name, value)`` of every ``device`` entry in a parameter mapping, nested blocks
    included (e.g. Y4's ``y1_runs.device``)."""
    found: list[tuple[str, Any]] = []
    for key, value in values.items():
        name = f"{where}.{key}" if where else str(key)
        if key == "device":
            found.append((name, value))
        elif isinstance(value, Mapping):
            found += device_values(value, name)
    return found


def check_device_available(value: Any, where: str) -> None:
    """Raise :class:`ParameterError` when ``value`` names a CUDA device this machine does not
    have: the chapter would start its kernel and fail in every job (or, with results already
    stored, render as if computed there). ``auto`` and ``cpu`` always pass; torch is imported
    only for a ``cuda`` value."""
    if not isinstance(value, str) or not re.fullmatch(r"cuda(:[0-9]+)?", value):
        return
    import torch

    if not torch.cuda.is_available():
        raise ParameterError(
            f"{where} = {value!r}: this machine has no CUDA device (torch.cuda.is_available() is False); "
            "accepted here: 'cpu' or 'auto' (auto picks CUDA where there is one)"
        )
    count = torch.cuda.device_count()
    index = int(value.partition(":")[2] or 0)
    if index >= count:
        raise ParameterError(
            f"{where} = {value!r}: this machine has {count} CUDA device(s); accepted here: 'cuda', "
            f"{', '.join(repr(f'cuda:{i}') for i in range(count))}, 'cpu' or 'auto'"
        )


@dataclass(frozen=True)
class ChapterParams:
    """Fields every chapter has."""

    scale: str = field(metadata=spec(choices=SCALES, doc="which params/<scale>/ set this is"))
    seed: int = field(metadata=spec(ge=0, doc="seed of every random choice in the chapter"))

    def check(self) -> None:
        """Cross-field rules; schemas override and raise ParameterError."""


S = TypeVar("S", bound=ChapterParams)


# ----------------------------------------------------------------------------- types


def _type_name(tp: Any) -> str:
    origin = get_origin(tp)
    if origin is Literal:
        return " | ".join(repr(a) for a in get_args(tp))
    if origin in (dict, Mapping):
        return f"dict[{', '.join(_type_name(a) for a in get_args(tp))}]"
    if dataclasses.is_dataclass(tp):
        return f"{tp.__name__} (a mapping)"
    if origin in (list, tuple):
        return f"{origin.__name__}[{', '.join(_type_name(a) for a in get_args(tp) if a is not Ellipsis)}]"
    if origin in (typing.Union, types.UnionType):
        return " | ".join(_type_name(a) for a in get_args(tp))
    if tp is type(None):
        return "None"
    return getattr(tp, "__name__", str(tp))


def _coerce(value: Any, tp: Any, where: str) -> Any:
    """Check ``value`` against the annotation ``tp``; return it converted (int -> float, list -> tuple)."""
    origin = get_origin(tp)
    if tp is Any:
        return value
    if origin is Literal:
        if value in get_args(tp) and type(value) in {type(a) for a in get_args(tp)}:
            return value
        raise ParameterError(f"{where} = {value!r}: accepted values are {_type_name(tp)}")
    if origin in (typing.Union, types.UnionType):
        errors = []
        for option in get_args(tp):
            try:
                return _coerce(value, option, where)
            except ParameterError as exc:
                errors.append(str(exc))
        raise ParameterError(f"{where} = {value!r}: expected {_type_name(tp)}")
    if dataclasses.is_dataclass(tp):
        if isinstance(value, tp):
            return value
        if not isinstance(value, Mapping):
            raise ParameterError(f"{where} = {value!r}: expected a mapping of {tp.__name__}'s parameters")
        return validate(tp, value, where=where)
    if origin in (dict, Mapping) or tp in (dict, Mapping):
        if not isinstance(value, Mapping):
            raise ParameterError(
                f"{where} = {value!r}: expected a mapping ({_type_name(tp)}), got {type(value).__name__}"
            )
        key_tp, value_tp = get_args(tp) or (str, Any)
        return {_coerce(k, key_tp, f"{where} key"): _coerce(v, value_tp, f"{where}[{k!r}]") for k, v in value.items()}
    if origin in (list, tuple):
        if not isinstance(value, (list, tuple)):
            raise ParameterError(
                f"{where} = {value!r}: expected a list ({_type_name(tp)}), got {type(value).__name__}"
            )
        (item_tp, *_rest) = get_args(tp) or (Any,)
        items = [_coerce(v, item_tp, f"{where}[{i}]") for i, v in enumerate(value)]
        return tuple(items)
    if tp is type(None):
        if value is None:
            return None
        raise ParameterError(f"{where} = {value!r}: expected None")
    if tp is bool:
        if isinstance(value, bool):
            return value
        raise ParameterError(f"{where} = {value!r}: expected true or false (bool)")
    if tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise ParameterError(f"{where} = {value!r}: expected an integer (int)")
    if tp is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        raise ParameterError(f"{where} = {value!r}: expected a number (float)")
    if tp is str:
        if isinstance(value, str):
            return value
        raise ParameterError(f"{where} = {value!r}: expected a string (str)")
    raise TypeError(f"{where}: schema annotation {tp!r} is not supported by hessbook.params")


def _check_rules(value: Any, rules: Mapping[str, Any], where: str) -> None:
    if isinstance(value, dict):
        if rules.get("nonempty") and not value:
            raise ParameterError(f"{where} = {{}}: must not be empty")
        keys = rules.get("keys")
        unknown = [k for k in value if keys is not None and k not in keys]
        if unknown:
            raise ParameterError(f"{where}: unknown key {unknown[0]!r}; accepted: {', '.join(map(str, keys))}")
        for k, item in value.items():
            _check_rules(item, {**rules, "nonempty": False, "keys": None}, f"{where}[{k!r}]")
        return
    if isinstance(value, tuple):
        if rules.get("nonempty") and not value:
            raise ParameterError(f"{where} = []: must not be empty")
        twice = [v for i, v in enumerate(value) if v in value[:i]]
        if rules.get("distinct") and twice:
            raise ParameterError(f"{where} = {list(value)}: {_shown(twice[0])} is listed twice; accepted: "
                                 "distinct values")
        for i, item in enumerate(value):
            _check_rules(item, {**rules, "nonempty": False}, f"{where}[{i}]")
        return
    choices = rules.get("choices")
    if choices is not None and value not in choices:
        hint = difflib.get_close_matches(str(value), [str(c) for c in choices], n=1, cutoff=0.5)
        near = f" (did you mean {hint[0]!r}?)" if hint else ""
        raise ParameterError(
            f"{where} = {value!r}: unknown value{near}; accepted: {', '.join(map(repr, choices))}"
        )
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        bounds = (("gt", "> "), ("ge", ">= "), ("lt", "< "), ("le", "<= "))
        if isinstance(value, float) and not math.isfinite(value):
            finite = rules.get("finite", True)
            if math.isnan(value) or finite:
                limits = [f"{text}{rules[name]}" for name, text in bounds if rules.get(name) is not None]
                kind = "a finite number" if finite else "a number (inf allowed), not NaN"
                accepted = f"{kind} {' and '.join(limits)}" if limits else kind
                raise ParameterError(f"{where} = {value!r}: not accepted; accepted: {accepted}")
        for name, text in bounds:
            limit = rules.get(name)
            if limit is None:
                continue
            ok = {
                "gt": value > limit,
                "ge": value >= limit,
                "lt": value < limit,
                "le": value <= limit,
            }[name]
            if not ok:
                raise ParameterError(f"{where} = {value!r}: must be {text}{limit}")
    if rules.get("odd") and isinstance(value, int) and value % 2 == 0:
        raise ParameterError(f"{where} = {value}: must be odd, so that 0 is the middle point of the grid")
    if isinstance(value, str) and rules.get("nonempty") and not value:
        raise ParameterError(f"{where} = '': must not be empty")
    pattern = rules.get("pattern")
    if isinstance(value, str) and pattern is not None and not re.fullmatch(pattern, value):
        accepted = rules.get("accepted") or f"a string matching {pattern!r}"
        raise ParameterError(f"{where} = {value!r}: not accepted; accepted: {accepted}")


# ----------------------------------------------------------------------------- validate


def field_docs(schema: type[ChapterParams]) -> dict[str, str]:
    """``name -> 'type: doc'`` for every field, for error messages and the book."""
    hints = typing.get_type_hints(schema)
    return {
        f.name: f"{_type_name(hints[f.name])}" + (f" -- {f.metadata['doc']}" if f.metadata.get("doc") else "")
        for f in dataclasses.fields(schema)
    }


def _referred(value: Any, tp: Any, scale: Any, where: str, params_dir: Path | None = None) -> Any:
    """A parameter block given by the id of the chapter whose parameter file holds its values
    (``y1_runs: y1``: the block's fields read from ``params/<scale>/y1.yaml``), so a chapter that
    examines another chapter's networks refers to that chapter's values instead of copying them.
    A block type names the chapter it may refer to in ``SOURCE_CHAPTER``; anything else passes.
    ``params_dir``: the folder of the file that refers (its sibling ``<source>.yaml`` is read, so a
    build with ``--root`` reads the referred chapter's values from that root, as it runs that
    chapter); None: ``params/<scale>/`` of the checkout."""
    source = getattr(tp, "SOURCE_CHAPTER", None) if dataclasses.is_dataclass(tp) else None
    if source is None or not isinstance(value, str):
        return value
    if value != source:
        raise ParameterError(f"{where} = {value!r}: accepted a mapping of {tp.__name__}'s parameters or "
                             f"{source!r} (the values of params/<scale>/{source}.yaml)")
    path = params_file(source, scale) if params_dir is None else Path(params_dir) / f"{source}.yaml"
    if not path.is_file():
        raise ParameterError(f"{where} = {value!r}: refers to {path}, which is not there; give the block's "
                             "values as a mapping instead")
    theirs = read_file(path)
    absent = [f.name for f in dataclasses.fields(tp) if f.name not in theirs]
    if absent:
        raise ParameterError(f"{where} = {value!r}: {path} lacks {', '.join(absent)}")
    return {f.name: theirs[f.name] for f in dataclasses.fields(tp)}


def validate(schema: type[S], values: Mapping[str, Any], *, where: str = "parameters",
             params_dir: Path | None = None) -> S:
    """Build a schema instance from ``values``; raise ParameterError on anything wrong.
    ``params_dir``: the folder of the parameter file ``values`` came from, where a block that
    refers to another chapter (``y1_runs: y1``) finds that chapter's file (:func:`_referred`)."""
    names = [f.name for f in dataclasses.fields(schema)]
    unknown = [k for k in values if k not in names]
    if unknown:
        key = unknown[0]
        hint = difflib.get_close_matches(key, names, n=1)
        near = f" (did you mean {hint[0]!r}?)" if hint else ""
        accepted = "\n  ".join(f"{k}: {d}" for k, d in field_docs(schema).items())
        raise ParameterError(
            f"{where}: unknown parameter {key!r} = {values[key]!r}{near}. "
            f"Accepted parameters:\n  {accepted}"
        )
    missing = [n for n in names if n not in values]
    if missing:
        docs = field_docs(schema)
        raise ParameterError(
            f"{where}: missing parameter(s) {', '.join(repr(m) for m in missing)} "
            f"({'; '.join(f'{m}: {docs[m]}' for m in missing)})"
        )
    hints = typing.get_type_hints(schema)
    clean = {}
    for f in dataclasses.fields(schema):
        label = f"{where}: {f.name}"
        value = _coerce(_referred(values[f.name], hints[f.name], values.get("scale"), label, params_dir),
                        hints[f.name], label)
        _check_rules(value, f.metadata, label)
        clean[f.name] = value
    check_relations(schema, clean, where)
    instance = schema(**clean)
    check = getattr(instance, "check", None)  # nested blocks need not have cross-field rules
    try:
        if check is not None:
            check()
    except ParameterError as exc:  # cross-field rules: say where the values came from
        raise ParameterError(f"{where}: {exc}") from exc
    return instance


def read_file(path: str | Path) -> dict[str, Any]:
    """The ``name: value`` mapping of a params YAML file (unvalidated); ParameterError naming
    the file when it cannot be read, is not YAML or is not a mapping."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise ParameterError(f"{path}: cannot read the params file ({exc})") from exc
    try:
        values = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ParameterError(f"{path}: not valid YAML ({exc})") from exc
    if values is None:
        return {}
    if not isinstance(values, dict):
        raise ParameterError(
            f"{path}: expected a mapping of parameter names to values (one 'name: value' per line), "
            f"got a {type(values).__name__}"
        )
    return values


def load_file(schema: type[S], path: str | Path) -> S:
    """Validate one params YAML file against a schema."""
    return validate(schema, read_file(path), where=str(path), params_dir=Path(path).parent)


def params_file(chapter: str, scale: str, root: str | Path | None = None) -> Path:
    """``params/<scale>/<chapter>.yaml`` of the project (or of ``root``)."""
    if scale not in SCALES:
        raise ParameterError(f"scale = {scale!r}: accepted scales are {', '.join(SCALES)}")
    from hessbook.paths import project_root

    base = Path(root) if root is not None else (project_root() or Path.cwd())
    return base / "params" / scale / f"{chapter}.yaml"


_NOT_PARAMS = {"In", "Out", "get_ipython", "exit", "quit", "open"}


def from_namespace(schema: type[S], namespace: Mapping[str, Any], *, where: str = "chapter") -> S:
    """Validate the parameters a notebook defined (its parameters cell plus papermill's).

    Call it as the first statement after the parameters cell, before any other name is
    bound: every public, non-module, non-callable name in the namespace at that point is a
    parameter, so a mistyped name injected by papermill is caught as unknown.
    """
    values = {
        name: value
        for name, value in namespace.items()
        if not name.startswith("_")
        and name not in _NOT_PARAMS
        and not isinstance(value, types.ModuleType)
        and not callable(value)
    }
    return validate(schema, values, where=where)


def as_dict(params: ChapterParams) -> dict[str, Any]:
    """Plain dict of a schema instance (nested schemas as dicts, tuples as lists), for YAML,
    papermill and the result store."""
    def plain(v: Any) -> Any:
        if dataclasses.is_dataclass(v) and not isinstance(v, type):
            return {f.name: plain(getattr(v, f.name)) for f in dataclasses.fields(v)}
        if isinstance(v, Mapping):
            return {k: plain(x) for k, x in v.items()}
        return [plain(x) for x in v] if isinstance(v, (list, tuple)) else v

    return plain(params)


def result_params(params: ChapterParams) -> dict[str, Any]:
    """The parameters that determine a chapter's results: everything but ``scale``.

    The scale is a label: a cpu run and a gpu run with equal parameters share results.
    """
    values = as_dict(params)
    values.pop("scale")
    return values
