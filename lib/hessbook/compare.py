"""Compare two builds of the book: every verdict and every glued number, chapter by chapter.

    python -m hessbook.compare _build/book-cpu /tmp/old-build/book-cpu [--rtol 1e-9]

A refactoring must leave both unchanged (issue: "every verdict and every glued number the same
before and after"). Verdicts are compared per item in the chapter's order; glued values by
name, numbers to ``rtol`` (their printed text), strings exactly; figures are skipped.
Exit status 1 when anything differs, listing each difference.
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Sequence
from pathlib import Path

from hessbook.report import verdicts_from_outputs

RECORD = "application/papermill.record/"


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


def _same(a: str, b: str, rtol: float) -> bool:
    try:
        x, y = float(a), float(b)
    except ValueError:
        return a.strip("'\"") == b.strip("'\"")
    if math.isnan(x) and math.isnan(y):
        return True
    return math.isclose(x, y, rel_tol=rtol, abs_tol=rtol * 1e-6)


def differences(new: Path, old: Path, rtol: float = 1e-9) -> list[str]:
    """Every verdict or glued value that differs between two builds' stages."""
    a, b = executed_notebooks(new), executed_notebooks(old)
    out = [f"{name}: only in {old}" for name in sorted(set(b) - set(a))]
    out += [f"{name}: only in {new}" for name in sorted(set(a) - set(b))]
    for name in sorted(set(a) & set(b)):
        na, nb_ = json.loads(a[name].read_text()), json.loads(b[name].read_text())
        va, vb = verdicts(na), verdicts(nb_)
        if va != vb:
            out.append(f"{name}: verdicts {va} (new) vs {vb} (old)")
        ga, gb = glued_values(na), glued_values(nb_)
        for key in sorted(set(ga) | set(gb)):
            if key not in ga or key not in gb:
                out.append(f"{name}: glue {key!r} only in {'old' if key in gb else 'new'}")
            elif not _same(ga[key], gb[key], rtol):
                out.append(f"{name}: glue {key!r} = {ga[key]} (new) vs {gb[key]} (old)")
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hessbook.compare", description=__doc__.splitlines()[0])
    parser.add_argument("new", type=Path, help="stage of the new build, e.g. _build/book-cpu")
    parser.add_argument("old", type=Path, help="stage of the build to compare with")
    parser.add_argument("--rtol", type=float, default=1e-9, help="relative tolerance for glued numbers")
    args = parser.parse_args(argv)
    diffs = differences(args.new, args.old, args.rtol)
    n = len(executed_notebooks(args.new))
    print("\n".join(diffs) if diffs else f"{n} chapters: every verdict and glued value the same")
    return 1 if diffs else 0


if __name__ == "__main__":
    raise SystemExit(main())
