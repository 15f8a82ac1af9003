"""Every chapter executes at smoke scale with papermill: no errors, every glued value present
and finite (or the text n/a: not computed), every figure produced; bad parameters injected
through papermill are named."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import papermill
import pytest

from hessbook import notebooks
from hessbook.build import chapter_id, execute_chapter, read_verdicts, toc_notebooks
from hessbook.registry import chapter_parameters
from hessbook.catalog import VERDICTS, item
from hessbook.params import ParameterError

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = toc_notebooks(ROOT)

GLUE_ROLE = re.compile(r"\{glue(?::(?:text|md|any))?\}`([^`:]+)(?::[^`]*)?`")
GLUE_FIGURE = re.compile(r"```\{glue:figure\}\s+(\S+)")

pytestmark = pytest.mark.notebooks


def glued_outputs(nb: dict) -> dict[str, dict]:
    found = {}
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            name = out.get("metadata", {}).get("scrapbook", {}).get("name")
            if name:  # glue(display=False) prefixes mimetypes with application/papermill.record/
                data = out.get("data", {})
                found[name] = {k.removeprefix("application/papermill.record/"): v for k, v in data.items()}
    return found


def references(nb: dict) -> tuple[set[str], set[str]]:
    text = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    figures = set(GLUE_FIGURE.findall(text))
    return set(GLUE_ROLE.findall(text)), figures


DISTRIBUTED = {"s2", "k1"}
"""Chapters executed through an embedded LocalCluster (the default of ``make book`` on machines of
more than 3 cores, ``HESSBOOK_CLUSTER=local`` here); the others
run their sweeps in the kernel (``HESSBOOK_CLUSTER=serial``), which saves a cluster start of
7-30 s per chapter on a 2-core machine. tests/test_sweep.py tests the distributed path itself."""


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """Execute each chapter once (fresh result store) and keep the executed copies."""
    import os

    results = tmp_path_factory.mktemp("results")
    saved = {k: os.environ.get(k) for k in ("HESSBOOK_RESULTS", "HESSBOOK_CLUSTER")}
    os.environ["HESSBOOK_RESULTS"] = str(results)
    out_dir = tmp_path_factory.mktemp("executed")
    runs = {}
    try:
        for nb in CHAPTERS:
            os.environ["HESSBOOK_CLUSTER"] = "local" if chapter_id(nb) in DISTRIBUTED else "serial"
            runs[chapter_id(nb)] = execute_chapter(nb, out_dir / nb.name, "smoke", ROOT)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return runs


@pytest.mark.parametrize("nb_path", CHAPTERS, ids=lambda p: chapter_id(p))
def test_chapter_runs_clean_at_smoke_scale(executed, nb_path):
    run = executed[chapter_id(nb_path)]
    assert run.error is None, f"{nb_path.name} failed: {run.error}"
    nb = json.loads(run.notebook.read_text())
    errors = [o for c in nb["cells"] for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
    glued = glued_outputs(nb)
    roles, figures = references(nb)
    missing = (roles | figures) - set(glued)
    assert not missing, f"glue keys referenced in the text but never glued: {sorted(missing)}"
    for key in roles:
        assert "text/plain" in glued[key], f"glued {key} has no text form"
        text = glued[key]["text/plain"]
        try:
            value = float(text)
        except ValueError:
            continue  # a glued string
        assert math.isfinite(value), f"glued {key} = {text}"
    for key in figures:
        assert "image/png" in glued[key] or "image/svg+xml" in glued[key], f"figure {key} has no image"
    # The smoke budget (about a minute a chapter) is reported, not asserted: timings belong
    # to benchmarks, and a shared CI machine would make an assertion flaky.
    print(f"{nb_path.name}: {run.seconds:.1f} s at smoke scale")


@pytest.mark.parametrize("nb_path", CHAPTERS, ids=lambda p: chapter_id(p))
def test_chapter_verdicts_are_well_formed(executed, nb_path):
    for payload in read_verdicts(executed[chapter_id(nb_path)].notebook):
        assert payload["scale"] == "smoke"
        for v in payload["verdicts"]:
            item(v["item"])
            assert v["verdict"] in VERDICTS


def _tour() -> Path:
    return next(n for n in CHAPTERS if chapter_id(n) == "tour")


@pytest.mark.parametrize(
    "parameters, fragments",
    [
        ({"variance": -1.0}, ["variance = -1.0", "must be > 0.0"]),
        ({"dimensoin": 5}, ["unknown parameter 'dimensoin'", "did you mean 'dimension'"]),
        ({"n_samples": "many"}, ["n_samples = 'many'", "expected an integer"]),
    ],
)
def test_bad_parameters_through_papermill_are_named(tmp_path, tmp_results, parameters, fragments):
    source = notebooks.as_ipynb(_tour(), tmp_path / "tour.ipynb")
    with pytest.raises(papermill.PapermillExecutionError) as info:
        papermill.execute_notebook(
            str(source), str(tmp_path / "out.ipynb"), parameters=parameters,
            cwd=str(_tour().parent), progress_bar=False, kernel_name="python3",
        )
    assert info.value.ename == "ParameterError"
    for fragment in fragments:
        assert fragment in info.value.evalue


def test_builder_rejects_bad_parameters_before_starting_a_kernel():
    with pytest.raises(ParameterError, match="dimension = 0: must be > 0"):
        chapter_parameters("tour", "smoke", ROOT, {"dimension": 0})
    with pytest.raises(ParameterError, match="scale = 'laptop'"):
        chapter_parameters("tour", "laptop", ROOT)
