"""Compute chapters' stored results without their notebooks: ``python -m hessbook.compute``.

For a machine that holds the accelerator but not Jupyter (a GPU node, a batch job): every job
of the chosen chapters lands in the result store (``HESSBOOK_RESULTS``), and ``make book`` on
any machine pointed at that store renders the same chapters without recomputing anything, since
the store is addressed by the jobs' parameters. Nothing here imports papermill or nbformat.

    python -m hessbook.compute --scale gpu --chapters s5 s4 [--set device=cuda]

One line per chapter: seconds, and how many entries the whole store holds before and after it.
A chapter that fails is reported and the next one runs; the jobs it finished stay stored.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hessbook.registry import CHAPTER_MODULES, chapter_module, chapter_params, parse_overrides
from hessbook.params import SCALES, ParameterError
from hessbook.paths import project_root


@dataclass(frozen=True)
class ChapterComputed:
    """What one chapter's computation did: its time, and the error if it failed."""

    chapter: str
    seconds: float
    entries_before: int
    entries_after: int
    error: str | None = None

    def line(self) -> str:
        state = "ok" if self.error is None else f"FAILED: {self.error}"
        return (f"{self.chapter:7s} {self.seconds:9.1f} s  store entries {self.entries_before} -> "
                f"{self.entries_after}  {state}")


def _entries() -> int:
    from hessbook.store import default_store

    return len(default_store().entries())


def compute_chapter(chapter: str, scale: str, overrides: Mapping[str, Any] | None = None) -> ChapterComputed:
    """Run ``chapter.run(P)`` at a scale; every job it computes is stored as it finishes."""
    P = chapter_params(chapter, scale, project_root(), overrides)
    before, t0 = _entries(), time.perf_counter()
    error = None
    try:
        chapter_module(chapter).run(P)
    except Exception as exc:  # reported, and the next chapter runs: its stored jobs stay
        traceback.print_exc()
        error = f"{type(exc).__name__}: {exc}"
    return ChapterComputed(chapter, time.perf_counter() - t0, before, _entries(), error)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", default="cpu", help=f"one of {', '.join(SCALES)} (default cpu)")
    parser.add_argument("--chapters", nargs="+", required=True, help="chapter ids, in the order to compute them")
    parser.add_argument("--set", nargs="+", action="extend", default=[], metavar="KEY=VALUE",
                        help="override a parameter of every chosen chapter (as python -m hessbook.build)")
    args = parser.parse_args(argv)
    try:
        if args.scale not in SCALES:
            raise ParameterError(f"--scale {args.scale!r}: accepted scales are {', '.join(SCALES)}")
        unknown = [c for c in args.chapters if c not in CHAPTER_MODULES]
        if unknown:
            raise ParameterError(f"unknown chapter(s) {', '.join(map(repr, unknown))}; accepted: "
                                 f"{', '.join(sorted(CHAPTER_MODULES))}")
        overrides = parse_overrides(args.set)
        for chapter in args.chapters:  # every chapter's parameters are checked before any runs
            chapter_params(chapter, args.scale, project_root(), overrides)
    except ParameterError as exc:
        print(f"hessbook.compute: {exc}", file=sys.stderr)
        return 2
    failed = 0
    for chapter in args.chapters:
        done = compute_chapter(chapter, args.scale, overrides)
        print(f"[hessbook.compute] {done.line()}", flush=True)
        failed += done.error is not None
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
