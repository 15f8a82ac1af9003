"""Progress bars: text mode for papermill logs, off mode, a clear error for a bad mode."""

from __future__ import annotations

import pytest

from hessbook.progress import progress


def test_text_mode_writes_plain_lines(monkeypatch, capsys):
    monkeypatch.setenv("HESSBOOK_PROGRESS", "text")
    assert list(progress(range(5), desc="epochs")) == list(range(5))
    err = capsys.readouterr().err
    assert "epochs" in err and "5/5" in err and "\x1b" not in err


def test_off_mode_returns_the_iterable(monkeypatch):
    monkeypatch.setenv("HESSBOOK_PROGRESS", "off")
    data = [1, 2]
    assert progress(data) is data


def test_bad_mode(monkeypatch):
    monkeypatch.setenv("HESSBOOK_PROGRESS", "fancy")
    with pytest.raises(ValueError, match="HESSBOOK_PROGRESS='fancy'.*auto, text, off"):
        progress([1])
