"""How far the cpu scale could shrink and keep its regime criteria: the plan's estimate from an
empty store of the cpu parameters as they are, beside the same parameters shrunk with the levers
issue 29 allows (fewer images, narrower networks, the fewest batch sizes a trend can be graded
on), in one run on this machine.

The shrunk blocks keep every criterion the chapters state (``criteria(P)``: K's 100 epochs and
800 steps at the largest batch, Y's loss 1e-3 and 1,200 steps at the largest batch, Y5's epochs,
schedule and radii, 3 seeds, every model of every panel) and change only what the criteria leave
free; each change is printed. Chapters without a change (Y3, Y4, Y6, S1-S6, the tour) keep theirs:
S's criteria fix S3's and S4's data (N = 1,000) and S5's steps (25,000 a part); Y3 and Y6 could
shrink further but are left as they are, and the script prints what those chapters cost together.
These are estimates (the plan's probes, :func:`hessbook.build.plan` with ``empty=True``), not runs:
whether every shrunk network would still meet its criteria (the loss target within the epoch cap)
is not known without training it.

    HESSBOOK_DATA=/path/to/data PYTHONPATH=lib python bench/cpu_floor.py
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINKED = ("book", "lib", "_config.yml", "_toc.yml", "Makefile")

SHRUNK: dict[str, dict[str, str]] = {
    "k1": {"batch_sizes": "[8, 16, 32]", "n_train_mnist": "256", "n_train_cifar": "256",
           "resnet18_width": "4", "width": "0.25"},
    "y1": {"n_train_mnist": "1000", "n_train_cifar": "1000", "c2_width": "0.125", "n_eval": "500",
           "n_hessian": "128", "n_input": "100", "  m1": "[16, 64, 256]", "  c1": "[16, 64, 256]",
           "  c2": "[16, 64, 256]"},
    "y5": {"n_train": "{m1: 500, c3: 500}", "n_test": "{m1: 250, c3: 200}",
           "n_hessian_full": "{m1: 500, c3: 250}", "n_hessian_batch": "160", "c3_width": "0.125"},
}
"""Per chapter, ``key: value`` lines replaced in its cpu file (a key with leading spaces is a line
of a nested mapping). K2 takes K1's changes (its grid is K1's), Y2 follows Y1 (``y1_runs: y1``).
Why each is the floor: K at B = 32 on 256 images takes 800 steps in K's 100 epochs (the
criterion); Y1's largest batch 256 on 1,000 images takes 1,600 steps in its 400-epoch cap (the
criterion: 1,200); three batch sizes are the fewest a trend is graded on; half the images (and
of the evaluation and Hessian samples) and half the width are this script's choice, not measured
against the noise margins the claims are graded with (smaller sets widen them)."""
SHRUNK["k2"] = SHRUNK["k1"]
FOLLOWERS = ("y2",)
"""Chapters shrunk through another's block (Y2 examines Y1's networks, ``y1_runs: y1``)."""


def shrink(params: Path) -> list[str]:
    """Apply :data:`SHRUNK` to the cpu files under ``params``; the changes, as lines."""
    changes = []
    for chapter, values in SHRUNK.items():
        path = params / "cpu" / f"{chapter}.yaml"
        text = path.read_text()
        for key, value in values.items():
            pattern = re.compile(rf"^{re.escape(key)}: (.*)$", re.M)
            found = pattern.search(text)
            if found is None:
                raise SystemExit(f"{path}: no line '{key}:' to shrink")
            old = found.group(1).split("#")[0].strip()
            text = pattern.sub(f"{key}: {value}", text, count=1)
            changes.append(f"{chapter}: {key.strip()} {old} -> {value}")
        path.write_text(text)
    return changes


def plan(root: Path) -> dict[str, float]:
    """chapter -> estimated minutes from an empty store (:func:`hessbook.build.plan`), and ``total``."""
    from hessbook import build

    estimate = build.plan("cpu", root=root, empty=True)
    return {**{c.chapter: c.seconds / 60 for c in estimate.chapters}, "total": estimate.minutes}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        roots = {}
        for name in ("as is", "shrunk"):
            root = Path(tmp) / name.replace(" ", "-")
            root.mkdir()
            for item in LINKED:
                (root / item).symlink_to(ROOT / item)
            shutil.copytree(ROOT / "params", root / "params")
            roots[name] = root
        for line in shrink(roots["shrunk"] / "params"):
            print("changed:", line)
        estimates = {name: plan(root) for name, root in roots.items()}
    now, low = estimates["as is"], estimates["shrunk"]
    print("\n| chapter | as is (min) | shrunk (min) | ratio |\n|---|---:|---:|---:|")
    for chapter in now:
        ratio = low[chapter] / now[chapter] if now[chapter] else float("nan")
        print(f"| {chapter} | {now[chapter]:.1f} | {low[chapter]:.1f} | {ratio:.2f} |")
    kept = sum(v for c, v in low.items() if c != "total" and c not in SHRUNK and c not in FOLLOWERS)
    print(f"\nthe chapters left as they are: {kept:.0f} min together")
    print(f"the shrunk book: {low['total']:.0f} min estimated on this machine ({low['total'] / 60:.1f}x the "
          f"60-minute budget); as is: {now['total']:.0f} min")


if __name__ == "__main__":
    main()
