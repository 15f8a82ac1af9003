"""environment.yml installs the same dependencies as pyproject.toml."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[ ;]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    pip = [p for p in pip if not p.startswith("-e")]
    assert sorted(project) == sorted(pip), "same requirements with the same version ranges"
    assert {_name(p) for p in project} >= {"torch", "torchvision", "jupyter-book", "papermill", "ipywidgets",
                                           "matplotlib", "seaborn", "numpy", "pytest", "nbval"}
    assert any(p.startswith("-e") for p in env["dependencies"][-1]["pip"]), "installs the package itself"
