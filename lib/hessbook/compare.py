"""Compare two builds of the book: every verdict and every glued number, chapter by chapter.

    python -m hessbook.compare _build/book-cpu /tmp/old-build/book-cpu [--rtol 1e-9]

A refactoring must leave both unchanged (issue: "every verdict and every glued number the same
before and after"). Verdicts are compared per item in the chapter's order; glued values by
name, numbers to a relative tolerance ``--rtol`` (default 1e-9: the same number up to its
printed digits), strings exactly; figures are skipped. Timings (glued names ending in
``-seconds`` or ``_seconds``) and provenance (ending in ``-source``: computed in this run or
loaded from the store) differ from run to run and are not compared: the output lists them as
"not compared: timings and provenance". Builds of the same parameters on different clusters (serial
against Dask workers) agree up to float summation order, relative differences up to about
1e-6: compare those with ``--rtol 1e-6``.
Exit status 1 when anything differs, listing each difference; 2 for bad arguments.
"""

from __future__ import annotations

import argparse
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from hessbook.report import verdicts_from_outputs

RECORD = "application/papermill.record/"
DEFAULT_RTOL = 1e-9
TIMING = re.compile(r"(?:^|[-_])(?:seconds|source)$")
"""Glued names of wall-clock timings (``y1-lanczos-seconds``) and of where a value came from
(``tour-source``): not compared."""


def executed_notebooks(stage: Path) -> dict[str, Path]:
    """``chapter file stem -> executed notebook`` under a build's stage directory."""
    return {p.stem: p for p in sorted(Path(stage).rglob("*.ipynb")) if ".ipynb_checkpoints" not in p.parts}


def glued_values(nb: dict) -> dict[str, str]:
    """Glued name -> its text form (figures and other non-text outputs left out)."""
    out = {}
    for cell in nb.get("cells", []):
        for o in cell.get("outputs", []):
            name = o.get("metadata", {}).get("scrapbook", {}).get("name")
            data = {k.removeprefix(RECORD): v for k, v in o.get("data", {}).items()}
            if name and "text/plain" in data and not ({"image/png", "image/svg+xml"} & set(data)):
                text = data["text/plain"]
                out[name] = "".join(text) if isinstance(text, list) else str(text)
    return out


def verdicts(nb: dict) -> list[tuple[str, str]]:
    """(item, verdict) in the chapter's order."""
    outputs = (o for c in nb.get("cells", []) for o in c.get("outputs", []))
    return [(v["item"], v["verdict"]) for p in verdicts_from_outputs(outputs) for v in p["verdicts"]]


def is_timing(name: str) -> bool:
    """A glued wall-clock time or provenance, which differs between runs of the same parameters."""
    return TIMING.search(name) is not None


def _same(a: str, b: str, rtol: float) -> bool:
    try:
        x, y = float(a), float(b)
    except ValueError:
        return a.strip("'\"") == b.strip("'\"")
    if math.isnan(x) and math.isnan(y):
        return True
    return math.isclose(x, y, rel_tol=rtol, abs_tol=rtol * 1e-6)


@dataclass
class Comparison:
    """What differs between two builds, and what was deliberately not compared."""

    chapters: int = 0
    differences: list[str] = field(default_factory=list)
    timings: list[str] = field(default_factory=list)
    """``chapter: glued name`` of every timing or provenance left out (:func:`is_timing`)."""

    def report(self, rtol: float) -> str:
        lines = list(self.differences) or [
            f"{self.chapters} chapters: every verdict and glued value the same (numbers to rtol {rtol:g})"]
        if self.timings:
            lines.append(f"not compared: timings and provenance ({len(self.timings)} glued values: {', '.join(self.timings)})")
        return "\n".join(lines)


def compare(new: Path, old: Path, rtol: float = DEFAULT_RTOL) -> Comparison:
    """Compare two builds' stages: verdicts, glued values (timings left out)."""
    a, b = executed_notebooks(new), executed_notebooks(old)
    result = Comparison(chapters=len(a))
    out = result.differences
    out += [f"{name}: only in {old}" for name in sorted(set(b) - set(a))]
    out += [f"{name}: only in {new}" for name in sorted(set(a) - set(b))]
    for name in sorted(set(a) & set(b)):
        na, nb_ = json.loads(a[name].read_text()), json.loads(b[name].read_text())
        va, vb = verdicts(na), verdicts(nb_)
        if va != vb:
            out.append(f"{name}: verdicts {va} (new) vs {vb} (old)")
        ga, gb = glued_values(na), glued_values(nb_)
        for key in sorted(set(ga) | set(gb)):
            if is_timing(key):
                result.timings.append(f"{name}: {key}")
            elif key not in ga or key not in gb:
                out.append(f"{name}: glue {key!r} only in {'old' if key in gb else 'new'}")
            elif not _same(ga[key], gb[key], rtol):
                out.append(f"{name}: glue {key!r} = {ga[key]} (new) vs {gb[key]} (old)")
    return result


def differences(new: Path, old: Path, rtol: float = DEFAULT_RTOL) -> list[str]:
    """Every verdict or glued value that differs between two builds' stages (timings left out)."""
    return compare(new, old, rtol).differences


def _tolerance(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not (value >= 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(f"{text!r}: accepted a finite number >= 0 (0: exactly equal)")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hessbook.compare", description=__doc__.splitlines()[0])
    parser.add_argument("new", type=Path, help="stage of the new build, e.g. _build/book-cpu")
    parser.add_argument("old", type=Path, help="stage of the build to compare with")
    parser.add_argument("--rtol", type=_tolerance, default=DEFAULT_RTOL,
                        help=f"relative tolerance for glued numbers (default {DEFAULT_RTOL:g}; "
                             "1e-6 for serial against Dask builds: float summation order)")
    args = parser.parse_args(argv)
    for stage in (args.new, args.old):
        if not stage.is_dir() or not executed_notebooks(stage):
            parser.error(f"{stage}: not a build stage with executed notebooks (e.g. _build/book-cpu)")
    result = compare(args.new, args.old, args.rtol)
    print(result.report(args.rtol))
    return 1 if result.differences else 0


if __name__ == "__main__":
    raise SystemExit(main())
