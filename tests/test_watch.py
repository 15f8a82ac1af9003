"""The build's progress notes (hessbook.watch): what they count, when they are said, and that a
failure to count never stops a chapter."""

from __future__ import annotations

import time
from pathlib import Path

from hessbook.registry import load_params
from hessbook.store import Record, ResultStore
from hessbook.watch import Progress, Watched, progress_of, watch, watched

ROOT = Path(__file__).resolve().parents[1]


def test_the_note_counts_jobs_and_networks():
    assert Progress(3, 24, 10, 24).note(312) == " [5 min: jobs 3/24, networks 10/24]"
    assert Progress(0, 2, 0, 0).note(600) == " [10 min: jobs 0/2]", "no networks: no networks part"
    assert Progress(0, 2, 0, 0).note(30) == " [30 s: jobs 0/2]", "under a minute: seconds"
    assert Progress(2, 2, 1, 1).finished and not Progress(2, 2, 0, 1).finished


def test_a_chapters_entries_are_its_jobs_and_their_networks_each_once(tmp_path):
    P = load_params("y3", ROOT / "params" / "smoke" / "y3.yaml")
    w = watched("y3", P)
    runs = len(P.runs()) * P.n_seeds
    assert len(w.jobs) == runs and len(w.trainings) == runs  # each Y3 job trains its own network
    assert {kind for kind, _ in w.jobs} == {"y3-run"}
    assert progress_of(ResultStore(tmp_path), w) == Progress(0, runs, 0, runs)
    # jobs whose data is not here are 'no data' rows of run(P): not counted (they would never be stored)
    assert watched("y3", P, data_root=tmp_path / "no-data") == Watched((), ())


def _said_while(store: ResultStore, w: Watched, body, every: float = 0.05) -> list[str]:
    said: list[str] = []
    with watch(lambda: w, store, every=every, say=said.append):
        body()
    return said


def test_notes_come_while_entries_are_missing_and_follow_the_store(tmp_path):
    store = ResultStore(tmp_path)
    w = Watched(jobs=(("test-kind", {"a": 1}), ("test-kind", {"a": 2})), trainings=())

    def one_then_wait():
        time.sleep(0.5)
        store.save("test-kind", {"a": 1}, Record(metrics={"x": 1}))
        time.sleep(0.8)

    said = _said_while(store, w, one_then_wait)
    assert said and said[0].endswith(": jobs 0/2]") and said[-1].endswith(": jobs 1/2]")


def test_no_note_for_a_chapter_already_stored_or_one_that_cannot_be_listed(tmp_path):
    store = ResultStore(tmp_path)
    store.save("test-kind", {"a": 1}, Record(metrics={"x": 1}))
    stored = Watched(jobs=(("test-kind", {"a": 1}),), trainings=())
    assert _said_while(store, stored, lambda: time.sleep(0.2)) == []

    def broken() -> Watched:
        raise RuntimeError("no jobs(P)")

    ran = []
    with watch(broken, store, every=0.05, say=ran.append):
        ran.append("body")
    assert ran == ["body"], "the block runs, without notes"


def test_the_interval_comes_from_the_environment_and_a_bad_one_is_named(monkeypatch):
    import pytest

    from hessbook.params import ParameterError
    from hessbook.watch import EVERY_ENV, EVERY_S, every_s

    monkeypatch.delenv(EVERY_ENV, raising=False)
    assert every_s() == EVERY_S
    monkeypatch.setenv(EVERY_ENV, "60")
    assert every_s() == 60.0
    for bad in ("0", "0.5", "-5", "soon", "inf"):
        monkeypatch.setenv(EVERY_ENV, bad)
        with pytest.raises(ParameterError, match=f"HESSBOOK_PROGRESS_EVERY='{bad}': accepted a number of seconds, "
                                                 "at least 1"):
            every_s()
