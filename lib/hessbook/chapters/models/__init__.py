"""The model appendix ``book/appendix/models.md``: every model's card (no computation to size).

The package: :mod:`.params` (the schema: no parameter of its own), :mod:`.compute` (the cards,
nothing stored), :mod:`.claims` (no claim, the prose's numbers), :mod:`.figures` (none: the
notebook tabulates the cards).
"""

from hessbook.chapters.models.claims import claims, criteria, numbers
from hessbook.chapters.models.compute import jobs, run
from hessbook.chapters.models.params import Params

__all__ = ["Params", "claims", "criteria", "jobs", "numbers", "run"]
