"""The plan's estimates (issue 28, ``python -m hessbook.build --plan``) against recorded times.

Two checks on a complete result store of one scale (default ``$HESSBOOK_RESULTS`` or
``results/``, only read: its small files are copied into a temporary folder first):

1. **half the store removed**: every other job of each chapter (with the trainings it ran) is
   deleted from the copy; the plan estimates them from the other half, and the table compares
   each chapter's estimate with the seconds the removed jobs had recorded;
2. **as if empty** (``--plan-empty``): the probe alone, against ``--measured`` minutes of a
   build of the whole book from an empty store on this machine (the README's figure).

    HESSBOOK_DATA=/path/to/data PYTHONPATH=lib python bench/plan_check.py [--scale cpu] [--measured 65.6]
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from pathlib import Path

SMALL_FILES = ("meta.json", "params.json", "COMPLETE.json", "metrics.json")
"""What the plan reads of an entry (states and arrays stay behind)."""


def copy_small(source: Path, target: Path) -> None:
    """The plan's view of a store: each complete entry's small files, nothing written to ``source``."""
    for done in source.glob("*/*/COMPLETE.json"):
        folder = target / done.parent.relative_to(source)
        folder.mkdir(parents=True, exist_ok=True)
        for name in SMALL_FILES:
            if (done.parent / name).is_file():
                shutil.copy2(done.parent / name, folder / name)


def remove_half(store_root: Path, scale: str, root: Path) -> dict[tuple[str, str], float]:
    """Delete every other stored job of each chapter (and the trainings written while it ran)
    from the copy at ``store_root``; (chapter, label) -> the seconds it had recorded."""
    from hessbook import build as B
    from hessbook import plan as hplan
    from hessbook.store import ResultStore, result_key

    store = ResultStore(store_root)
    removed = {}
    for nb in B.toc_notebooks(root):
        chapter = B.chapter_id(nb)
        P = B.chapter_params(chapter, scale, root, check_devices=False)
        for i, planned in enumerate(hplan.chapter_plan_jobs(chapter)(P)):
            tree = hplan.plain(planned.key)
            entry = hplan.stored_entry(store, planned.kind, tree)
            if entry is None or i % 2 == 0:
                continue
            removed[(chapter, planned.label)] = entry.seconds
            for t in hplan.trainings(tree):
                done = hplan.stored_entry(store, "train", t)
                if (done is not None and done.created and entry.created
                        and entry.created - entry.seconds - 2 <= done.created <= entry.created + 2):
                    shutil.rmtree(store.root / "train" / result_key("train", t)[:24], ignore_errors=True)
            shutil.rmtree(store.root / planned.kind / result_key(planned.kind, tree)[:24], ignore_errors=True)
    return removed


def main() -> None:
    from _machine import machine

    from hessbook import build as B
    from hessbook.paths import project_root, results_root

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="cpu")
    parser.add_argument("--store", default=None, help="a complete store of that scale (default: $HESSBOOK_RESULTS)")
    parser.add_argument("--measured", type=float, default=65.6,
                        help="minutes the whole book took from an empty store here (README: 65.6 at cpu)")
    args = parser.parse_args()
    root = project_root()
    source = Path(args.store) if args.store else results_root()
    if not any(source.glob("*/*/COMPLETE.json")):
        print(f"no result store at {source}: build the book first (make book SCALE={args.scale}); nothing to check")
        return
    print(machine())
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "results"
        copy_small(source, copy)
        os.environ["HESSBOOK_RESULTS"] = str(copy)
        removed = remove_half(copy, args.scale, root)
        plan = B.plan(args.scale, root=root)
        print(plan.table(), "\n")
        print("half the store removed: estimates of the removed jobs from the other half\n")
        print("| chapter | jobs removed | recorded min | estimated min | ratio | basis |\n|---|---:|---:|---:|---:|---|")
        total_rec = total_est = 0.0
        for c in plan.chapters:
            todo = [j for j in c.jobs if j.state == "to compute"]
            if not todo:
                continue
            rec = sum(removed.get((c.chapter, j.label), 0.0) for j in todo)
            est = sum(j.seconds for j in todo)
            total_rec, total_est = total_rec + rec, total_est + est
            print(f"| {c.chapter} | {len(todo)} | {rec / 60:.1f} | {est / 60:.1f} | "
                  f"{est / rec if rec else float('nan'):.2f} | {c.basis} |")
        print(f"| total | {sum(c.count('to compute') for c in plan.chapters)} | {total_rec / 60:.1f} | "
              f"{total_est / 60:.1f} | {total_est / total_rec if total_rec else float('nan'):.2f} | |\n")
        empty = B.plan(args.scale, root=root, empty=True)
        print(empty.table(), "\n")
        print(f"as if empty (probe only): {empty.minutes:.1f} min against {args.measured:.1f} min measured: "
              f"{empty.minutes / args.measured:.2f}x")


if __name__ == "__main__":
    main()
