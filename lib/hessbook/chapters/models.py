"""Parameters of the model appendix ``book/appendix/models.ipynb`` (no computation to size)."""

from __future__ import annotations

from dataclasses import dataclass

from hessbook.params import ChapterParams, register


@register("models")
@dataclass(frozen=True)
class ModelsParams(ChapterParams):
    pass
