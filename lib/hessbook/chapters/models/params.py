"""The appendix's parameter schema: the common ones only."""

from __future__ import annotations

from dataclasses import dataclass

from hessbook.params import ChapterParams


@dataclass(frozen=True)
class ModelsParams(ChapterParams):
    pass


Params = ModelsParams
"""The chapter's parameter schema (the chapter protocol's name for it)."""
