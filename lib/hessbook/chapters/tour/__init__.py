"""The guide chapter ``book/guide/tour.md``: the pattern every chapter follows, on a
computation that takes a second (sample-covariance eigenvalues against Marchenko-Pastur).

The package: :mod:`.params` (the schema), :mod:`.compute` (the one stored job, ``run``),
:mod:`.claims` (no claim, the prose's numbers), :mod:`.figures` (the histogram against the law).
"""

from hessbook.chapters.tour.claims import claims, criteria, numbers
from hessbook.chapters.tour.compute import Results, jobs, run
from hessbook.chapters.tour.figures import figure_mp
from hessbook.chapters.tour.params import Params

__all__ = ["Params", "Results", "claims", "criteria", "figure_mp", "jobs", "numbers", "run"]
