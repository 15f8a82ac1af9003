"""How far a running chapter is, for the person at the terminal during a long build.

A chapter's kernel runs for up to an hour at the cpu scale and prints nothing to the terminal
(its page shows results, not progress bars). While it runs, the book builder counts, every
:func:`every_s` seconds (five minutes), how many of the chapter's store entries are complete: its jobs
(:func:`hessbook.plan.chapter_plan_jobs`, what ``run(P)`` computes) and the networks those jobs
train, and adds ``[10 min: jobs 12/24, networks 24/24]`` to the chapter's line. It reads the
store only (the same entries the plan reads), so it cannot change what the chapter computes; a
chapter whose entries are all stored when it starts gets no note, and any failure to list or
count them leaves the line as it was.
"""

from __future__ import annotations

import contextlib
import functools
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hessbook.params import ParameterError
from hessbook.store import ResultStore, result_key

EVERY_S = 300.0
"""Seconds between two notes on a chapter's line, unless ``$HESSBOOK_PROGRESS_EVERY`` says otherwise."""
EVERY_ENV = "HESSBOOK_PROGRESS_EVERY"
MIN_EVERY_S = 1.0
"""The shortest interval accepted (each note reads the chapter's entries in the store)."""


def every_s() -> float:
    """The seconds between two notes: ``$HESSBOOK_PROGRESS_EVERY`` (at least :data:`MIN_EVERY_S`),
    else :data:`EVERY_S`; a bad value is refused before any chapter runs."""
    text = os.environ.get(EVERY_ENV, "").strip()
    if not text:
        return EVERY_S
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not MIN_EVERY_S <= value < float("inf"):
        raise ParameterError(f"{EVERY_ENV}={text!r}: accepted a number of seconds, at least {MIN_EVERY_S:g} "
                             f"(default {EVERY_S:g})")
    return value


@dataclass(frozen=True)
class Watched:
    """The store entries a chapter's run completes: its jobs' and the networks they train."""

    jobs: tuple[tuple[str, Any], ...]
    """(kind, key tree) of each distinct job."""
    trainings: tuple[Any, ...]
    """The key tree of each distinct training the jobs declare."""


@dataclass(frozen=True)
class Progress:
    jobs_done: int
    jobs_total: int
    networks_done: int
    networks_total: int

    @property
    def finished(self) -> bool:
        return self.jobs_done == self.jobs_total and self.networks_done == self.networks_total

    def note(self, seconds: float) -> str:
        """`` [10 min: jobs 12/24, networks 24/24]`` after ``seconds`` (under a minute: ``[30 s: ...]``;
        networks only where the jobs train any)."""
        parts = [f"jobs {self.jobs_done}/{self.jobs_total}"]
        if self.networks_total:
            parts.append(f"networks {self.networks_done}/{self.networks_total}")
        when = f"{seconds:.0f} s" if seconds < 60 else f"{seconds / 60:.0f} min"
        return f" [{when}: {', '.join(parts)}]"


def watched(chapter: str, P: Any, data_root: Path | None = None) -> Watched:
    """The entries of ``chapter``'s run with parameters ``P``, each once; without the jobs whose
    data is not in ``data_root`` (default: the data root), which ``run`` reports as "no data"."""
    from hessbook.paths import data_root as default_root
    from hessbook.plan import chapter_plan_jobs, dataset_present, datasets, plain, trainings

    root = data_root or default_root()
    present = functools.cache(lambda name: dataset_present(name, root))  # each dataset looked for once
    jobs: dict[tuple[str, str], tuple[str, Any]] = {}
    nets: dict[str, Any] = {}
    for planned in chapter_plan_jobs(chapter)(P):
        tree = plain(planned.key)
        if not all(present(d) for d in datasets(tree)):
            continue
        jobs.setdefault((planned.kind, result_key(planned.kind, tree)), (planned.kind, tree))
        for t in trainings(tree):
            nets.setdefault(result_key("train", t), t)
    return Watched(tuple(jobs.values()), tuple(nets.values()))


def progress_of(store: ResultStore, w: Watched) -> Progress:
    """How many of ``w``'s entries the store holds complete (read only)."""
    from hessbook.plan import stored_entry

    done = sum(stored_entry(store, kind, tree) is not None for kind, tree in w.jobs)
    nets = sum(stored_entry(store, "train", t) is not None for t in w.trainings)
    return Progress(done, len(w.jobs), nets, len(w.trainings))


@contextlib.contextmanager
def watch(list_entries: Callable[[], Watched], store: ResultStore, every: float = EVERY_S,
          say: Callable[[str], None] | None = None) -> Iterator[None]:
    """While the block runs, ``say`` (default: print on the current line) a :meth:`Progress.note`
    every ``every`` seconds, for a chapter with entries still to compute. ``list_entries`` is
    called once, in the follower's thread (the chapter starts at once); when it or a count raises,
    or the chapter's entries are all stored at the start, no note comes. No note comes after the
    block has ended, so none lands after the chapter's own line."""
    say = say or (lambda text: print(text, end="", flush=True))
    started = time.monotonic()

    def follow(done: threading.Event) -> None:
        try:
            w = list_entries()
            if progress_of(store, w).finished:
                return
            while not done.wait(every):
                note = progress_of(store, w).note(time.monotonic() - started)
                if done.is_set():
                    return
                say(note)
        except Exception:  # noqa: BLE001 - a note is a courtesy: never the reason a build fails
            return

    with beside(follow, "hessbook-watch"):
        yield


@contextlib.contextmanager
def beside(follow: Callable[[threading.Event], None], name: str) -> Iterator[None]:
    """Run ``follow(done)`` in a daemon thread while the block runs: ``done`` is set when the
    block ends, and the thread then has 5 s to finish (what the build runs beside a chapter)."""
    done = threading.Event()
    thread = threading.Thread(target=follow, args=(done,), name=name, daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join(timeout=5)
