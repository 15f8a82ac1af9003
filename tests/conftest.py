"""Shared fixtures: the project root and an isolated result store."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def project_root() -> Path:
    return ROOT


@pytest.fixture
def tmp_results(tmp_path, monkeypatch) -> Path:
    """Point HESSBOOK_RESULTS at an empty directory for this test."""
    root = tmp_path / "results"
    monkeypatch.setenv("HESSBOOK_RESULTS", str(root))
    return root
