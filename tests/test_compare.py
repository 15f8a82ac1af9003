"""hessbook.compare: real differences fail, timings are not compared, identical builds pass."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hessbook import compare
from hessbook.report import VERDICT_MIME


def _notebook(glue: dict[str, str], verdicts: list[tuple[str, str]]) -> dict:
    outputs = [{"output_type": "display_data", "data": {f"{compare.RECORD}text/plain": text},
                "metadata": {"scrapbook": {"name": name, "mime_prefix": compare.RECORD}}}
               for name, text in glue.items()]
    outputs.append({"output_type": "display_data", "metadata": {}, "data": {
        "text/markdown": "verdicts", VERDICT_MIME: {"chapter": "y1", "scale": "smoke", "verdicts": [
            {"item": item, "verdict": verdict} for item, verdict in verdicts]}}})
    return {"cells": [{"cell_type": "code", "source": "", "outputs": outputs}], "metadata": {}, "nbformat": 4,
            "nbformat_minor": 5}


BASE = {"y1-top": "12.345678901", "y1-gap": "0.5", "y1-dataset": "'mnist'",
        "y1-lanczos-seconds": "3.2", "y1-power-seconds": "1.1"}
VERDICTS = [("Y1.1", "holds"), ("Y1.2", "partly")]


def _stage(root: Path, glue: dict[str, str] = BASE, verdicts=VERDICTS) -> Path:
    path = root / "book" / "yao" / "y1_large_batch.ipynb"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(_notebook(glue, verdicts)))
    return root


def _run(capsys, *args) -> tuple[int, str]:
    code = compare.main([str(a) for a in args])
    return code, capsys.readouterr().out


def test_identical_builds_pass_and_timings_are_named_as_not_compared(tmp_path, capsys):
    new = _stage(tmp_path / "new", {**BASE, "y1-lanczos-seconds": "9.9", "y1-power-seconds": "0.4"})
    code, out = _run(capsys, new, _stage(tmp_path / "old"))
    assert code == 0, out
    assert "1 chapters: every verdict and glued value the same" in out
    assert "not compared: timings and provenance (2 glued values: y1_large_batch: y1-lanczos-seconds, " \
           "y1_large_batch: y1-power-seconds)" in out


@pytest.mark.parametrize("change, shown", [
    ({"y1-top": "12.345679"}, "glue 'y1-top' = 12.345679 (new) vs 12.345678901 (old)"),
    ({"y1-dataset": "'cifar10'"}, "glue 'y1-dataset' = 'cifar10' (new) vs 'mnist' (old)"),
    ({"y1-new-number": "1.0"}, "glue 'y1-new-number' only in new"),
    ({"y1-gap": "'n/a'"}, "glue 'y1-gap' = 'n/a' (new) vs 0.5 (old)"),  # not computed where a number was
])
def test_a_real_glued_difference_exits_1(tmp_path, capsys, change, shown):
    code, out = _run(capsys, _stage(tmp_path / "new", {**BASE, **change}), _stage(tmp_path / "old"))
    assert code == 1 and shown in out, out


def test_a_changed_verdict_exits_1(tmp_path, capsys):
    new = _stage(tmp_path / "new", verdicts=[("Y1.1", "holds"), ("Y1.2", "fails")])
    code, out = _run(capsys, new, _stage(tmp_path / "old"))
    assert code == 1 and "y1_large_batch: verdicts" in out and "'fails'" in out


def test_the_relative_tolerance_is_an_option(tmp_path, capsys):
    """Serial and Dask builds differ in float summation order (up to ~4e-7 relative)."""
    new = _stage(tmp_path / "new", {**BASE, "y1-top": repr(12.345678901 * (1 + 4e-7))})
    old = _stage(tmp_path / "old")
    assert _run(capsys, new, old)[0] == 1, "the default tolerance (1e-9) sees it"
    code, out = _run(capsys, new, old, "--rtol", "1e-6")
    assert code == 0 and "numbers to rtol 1e-06" in out, out
    assert _run(capsys, _stage(tmp_path / "same"), old, "--rtol", "0")[0] == 0, "0: exactly equal"


@pytest.mark.parametrize("value", ["-1", "nan", "loose"])
def test_a_bad_tolerance_names_the_value(tmp_path, capsys, value):
    with pytest.raises(SystemExit) as stop:
        compare.main([str(_stage(tmp_path / "new")), str(_stage(tmp_path / "old")), "--rtol", value])
    assert stop.value.code == 2
    assert f"'{value}': accepted a finite number >= 0" in capsys.readouterr().err


def test_a_missing_stage_is_an_error_not_a_pass(tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        compare.main([str(tmp_path / "nowhere"), str(_stage(tmp_path / "old"))])
    assert stop.value.code == 2
    assert "nowhere: not a build stage with executed notebooks" in capsys.readouterr().err


@pytest.mark.parametrize("name, timing", [("y1-lanczos-seconds", True), ("k1_train_seconds", True),
                                          ("seconds", True), ("y1-seconds-per-product", False),
                                          ("y1-milliseconds", False), ("tour-source", True),
                                          ("y5-c3-train-seconds", True), ("y5-c3-train-s", False),
                                          ("resources", False)])
def test_which_names_are_timings(name, timing):
    assert compare.is_timing(name) is timing


def test_a_glued_value_only_in_the_old_build_exits_1(tmp_path, capsys):
    new = _stage(tmp_path / "new", {k: v for k, v in BASE.items() if k != "y1-gap"})
    code, out = _run(capsys, new, _stage(tmp_path / "old"))
    assert code == 1 and "glue 'y1-gap' only in old" in out, out


def test_a_chapter_only_in_one_build_exits_1(tmp_path, capsys):
    new = _stage(tmp_path / "new")
    extra = new / "book" / "kamath" / "k1_batch_size.ipynb"
    extra.parent.mkdir(parents=True)
    extra.write_text(json.dumps(_notebook({"k1-runs": "3"}, [("K1.1", "held")])))
    old = _stage(tmp_path / "old")
    code, out = _run(capsys, new, old)
    assert code == 1 and f"k1_batch_size: only in {new}" in out, out
    code, out = _run(capsys, old, new)
    assert code == 1 and f"k1_batch_size: only in {new}" in out, out


def test_figures_are_not_compared(tmp_path, capsys):
    def with_figure(root: Path, png: str) -> Path:
        stage = _stage(root)
        path = stage / "book" / "yao" / "y1_large_batch.ipynb"
        nb = json.loads(path.read_text())
        nb["cells"][0]["outputs"].append({"output_type": "display_data", "data": {
            f"{compare.RECORD}image/png": png, f"{compare.RECORD}text/plain": "<Figure size 640x480>"},
            "metadata": {"scrapbook": {"name": "y1-fig", "mime_prefix": compare.RECORD}}})
        path.write_text(json.dumps(nb))
        return stage

    code, out = _run(capsys, with_figure(tmp_path / "new", "AAAA"), with_figure(tmp_path / "old", "BBBB"))
    assert code == 0 and "every verdict and glued value the same" in out, out
