"""What ``make -n`` would run (the Makefile read, nothing executed, no venv or data needed)."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def make_dry_run(*variables: str) -> str:
    """``make -n book <variables>`` from the repository root, with a venv and a data folder that
    do not exist (so the recipe is printed, not prepared)."""
    return subprocess.run(["make", "-n", "book", *variables, "VENV=/nonexistent-venv",
                           "SHARED_DATA=/nonexistent-data"], cwd=ROOT, capture_output=True, text=True,
                          check=True).stdout
