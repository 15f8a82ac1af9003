"""A chapter that examines another chapter's networks refers to that chapter's parameter block
(issue 25, item 6): ``y1_runs: y1`` in Y2's and Y4's files reads the values of Y1's own file at
the same scale, so there is no copy to keep equal."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from hessbook.registry import load_params
from hessbook.params import SCALES, ParameterError, read_file, validate
from hessbook.papers.yao.networks import Y1Runs

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("chapter", ["y2", "y4"])
@pytest.mark.parametrize("scale", SCALES)
def test_the_files_refer_to_y1_and_read_its_values(chapter, scale):
    assert read_file(ROOT / "params" / scale / f"{chapter}.yaml")["y1_runs"] == "y1"
    theirs = load_params(chapter, ROOT / "params" / scale / f"{chapter}.yaml").y1_runs
    y1 = read_file(ROOT / "params" / scale / "y1.yaml")
    assert theirs == validate(Y1Runs, {f.name: y1[f.name] for f in dataclasses.fields(Y1Runs)})
    assert theirs == load_params("y1", ROOT / "params" / scale / "y1.yaml").runs


def test_a_mapping_still_gives_other_values_and_a_wrong_reference_is_named():
    values = read_file(ROOT / "params" / "smoke" / "y4.yaml")
    y1 = load_params("y1", ROOT / "params" / "smoke" / "y1.yaml").runs
    mine = {**dataclasses.asdict(y1), "max_epochs": y1.max_epochs + 1}
    schema = type(load_params("y4", ROOT / "params" / "smoke" / "y4.yaml"))
    assert validate(schema, {**values, "y1_runs": mine}).y1_runs.max_epochs == y1.max_epochs + 1
    with pytest.raises(ParameterError, match=r"y1_runs = 'y3': accepted a mapping of Y1Runs's parameters or 'y1'"):
        validate(schema, {**values, "y1_runs": "y3"}, where="y4.yaml")


@pytest.mark.parametrize("chapter", ["y2", "y4"])
def test_a_reference_is_read_beside_the_file_that_makes_it(chapter, tmp_path):
    """A build with ``--root`` runs Y1 with that root's ``params/<scale>/y1.yaml``: Y2 and Y4 must
    examine those networks, so ``y1_runs: y1`` is read from the same folder, not the checkout's
    (it was: Y2 then examined, and trained itself, networks Y1 never ran)."""
    import shutil

    from hessbook.registry import chapter_params

    folder = tmp_path / "params" / "smoke"
    folder.mkdir(parents=True)
    shutil.copy(ROOT / "params" / "smoke" / f"{chapter}.yaml", folder)
    y1 = (ROOT / "params" / "smoke" / "y1.yaml").read_text()
    mine = load_params("y1", ROOT / "params" / "smoke" / "y1.yaml").max_epochs + 7
    (folder / "y1.yaml").write_text(y1.replace("max_epochs:", f"max_epochs: {mine}  # was:", 1))
    assert load_params(chapter, folder / f"{chapter}.yaml").y1_runs.max_epochs == mine
    assert chapter_params(chapter, "smoke", tmp_path, check_devices=False).y1_runs.max_epochs == mine
