"""Glue: a value that was not computed reaches the prose as "n/a", never as a number (issue 25).

:func:`hessbook.report.glue` glues None and NaN as the text ``n/a`` and refuses infinite
numbers; the book's Sphinx extension (:mod:`hessbook.sphinx_glue`) prints ``n/a`` whatever the
format a ``{glue:text}`` role asks for (myst-nb would convert it to a number, warn and print
nothing), and formats every other value as myst-nb does.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from hessbook import kit, report, sphinx_glue

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def glued(monkeypatch) -> dict:
    """What myst-nb's glue received, by name."""
    import myst_nb

    out: dict = {}
    monkeypatch.setattr(myst_nb, "glue", lambda name, value, display=False: out.__setitem__(name, value))
    return out


@pytest.mark.parametrize("value", [None, float("nan"), np.float64("nan"), np.float32("nan")])
def test_a_value_not_computed_is_glued_as_n_a(glued, value):
    report.glue("x", value)
    assert glued == {"x": "n/a"}


@pytest.mark.parametrize("value", [float("inf"), -float("inf"), np.float64("inf")])
def test_an_infinite_number_is_refused(glued, value):
    with pytest.raises(ValueError, match="'x'.*infinite; glue None or NaN for a value that was not computed"):
        report.glue("x", value)
    assert glued == {}


def test_numbers_and_strings_are_glued_as_given(glued):
    report.glue("a", 0.0)
    report.glue("b", np.float32(0.5))
    report.glue("c", np.int64(3))
    report.glue("d", "none")
    assert glued == {"a": 0.0, "b": 0.5, "c": 3, "d": "none"}
    assert type(glued["b"]) is float and type(glued["c"]) is int


def test_glue_numbers_marks_what_was_not_computed(glued):
    names = kit.glue_numbers("ch", {"max_loss": None, "rho": math.nan, "runs": 0, "what": "none"})
    assert names == ["ch-max-loss", "ch-rho", "ch-runs", "ch-what"]
    assert glued == {"ch-max-loss": "n/a", "ch-rho": "n/a", "ch-runs": 0, "ch-what": "none"}


def test_a_sentence_says_n_a_for_a_value_not_computed():
    assert kit.formatted(None, ".0%") == "n/a" and kit.formatted(math.nan, ".1f") == "n/a"
    assert kit.formatted(0.25, ".0%") == "25%" and kit.formatted(0.0, ".1f") == "0.0"


@pytest.mark.parametrize("spec", ["", ".2f", "+.1f", ".1e", ".3g", ".0f", "d", ".0%"])
def test_n_a_passes_through_any_format(spec):
    assert sphinx_glue.format_plain_text("'n/a'", spec) == "n/a"


def test_other_values_are_formatted_as_myst_nb_does():
    from myst_nb.core.variables import format_plain_text as myst

    for text, spec in (("0.123456", ".2f"), ("-3.5", "+.1f"), ("12", "d"), ("'none'", ""), ("0.5", ".0%")):
        assert sphinx_glue.format_plain_text(text, spec) == myst(text, spec)
    with pytest.raises(ValueError):
        sphinx_glue.format_plain_text("'none'", ".2f")  # a string that is not n/a still fails loudly


def test_the_extension_replaces_myst_nbs_formatting_and_the_book_loads_it(monkeypatch):
    import importlib

    for name in sphinx_glue.PATCHED_MODULES:
        monkeypatch.setattr(importlib.import_module(name), "format_plain_text",
                            importlib.import_module(name).format_plain_text)
    assert sphinx_glue.setup(None)["parallel_read_safe"]
    for name in sphinx_glue.PATCHED_MODULES:
        assert importlib.import_module(name).format_plain_text("'n/a'", ".1e") == "n/a"
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert "hessbook.sphinx_glue" in config["sphinx"]["extra_extensions"]


def _glue_output(name: str, text: str) -> dict:
    prefix = "application/papermill.record/"
    return {"output_type": "display_data", "metadata": {"scrapbook": {"name": name, "mime_prefix": prefix}},
            "data": {prefix + "text/plain": text}}


def test_a_page_prints_n_a_for_a_formatted_value_not_computed(tmp_path):
    """A one-page book with the project's _config.yml: ``{glue:text}`x:.2f``` of a value glued
    as not computed prints n/a, a computed one its digits, and Sphinx warns about neither."""
    src = tmp_path / "book"
    src.mkdir()
    (src / "_config.yml").write_text((ROOT / "_config.yml").read_text())
    (src / "_toc.yml").write_text("format: jb-book\nroot: page\n")
    nb = {"nbformat": 4, "nbformat_minor": 5,
          "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
          "cells": [{"cell_type": "markdown", "id": "t", "metadata": {}, "source": "# Page"},
                    {"cell_type": "code", "id": "c", "metadata": {}, "execution_count": 1, "source": "glue",
                     "outputs": [_glue_output("gone", "'n/a'"), _glue_output("here", "0.123456")]},
                    {"cell_type": "markdown", "id": "p", "metadata": {},
                     "source": "Gone: {glue:text}`gone:.2f`; here: {glue:text}`here:.2f`."}]}
    (src / "page.ipynb").write_text(json.dumps(nb))
    exe = Path(sys.executable).with_name("jupyter-book")
    out = subprocess.run([str(exe) if exe.exists() else "jupyter-book", "build", str(src), "--path-output",
                          str(tmp_path)], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    page = (tmp_path / "_build" / "html" / "page.html").read_text()
    assert "Gone: <span class=\"pasted-text\">n/a</span>" in page
    assert "here: <span class=\"pasted-text\">0.12</span>" in page
    assert "Failed to format" not in out.stdout + out.stderr
