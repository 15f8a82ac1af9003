"""Tiny job dataclasses for tests/test_kit_jobs.py, importable by sweep workers (pickled by
reference). Each compute leaves a file ``<log>/<x>.<uuid>`` when it starts, so a test counts
how often each job was computed."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

from hessbook.kit.jobs import Context, StoredJob


@dataclass(frozen=True)
class Square:
    x: int
    square: int
    device: str


@dataclass(frozen=True)
class SquareJob(StoredJob):
    KIND = "kit-jobs-test"
    RESULT = Square
    x: int
    log: str
    fail: bool = False
    dataset: str = ""

    def label(self) -> str:
        return f"square {self.x}"

    def datasets(self) -> tuple[str, ...]:
        return (self.dataset,) if self.dataset else ()

    def compute(self, ctx: Context) -> Square:
        Path(self.log).mkdir(parents=True, exist_ok=True)
        (Path(self.log) / f"{self.x}.{uuid.uuid4().hex}").touch()
        if self.fail:
            raise ValueError(f"job {self.x} refuses")
        return Square(self.x, self.x * self.x, str(ctx.device))


@dataclass(frozen=True)
class VersionedJob(SquareJob):
    VERSION = 3
    VERSION_FIELD = "columns"


@dataclass(frozen=True)
class InlineJob(SquareJob):
    INLINE = True


def computed(log: str | Path, x: int) -> int:
    """How many times job ``x`` started computing."""
    return len(list(Path(log).glob(f"{x}.*"))) if Path(log).is_dir() else 0
