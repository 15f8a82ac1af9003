"""The chapter kit: what every chapter is built from.

- :mod:`~hessbook.kit.jobs`: a chapter's jobs (frozen dataclasses whose fields are their store keys)
  and the :class:`Table` of what came back and why the rest did not (:func:`run_jobs`);
- :mod:`~hessbook.kit.stored`: stored results are frozen dataclasses (:func:`cached`);
- :mod:`~hessbook.kit.claims`: claims graded by rules given once, as data (:class:`Claim`);
- :mod:`~hessbook.kit.chapter`: the chapter protocol and the notebook's calls
  (:func:`start`, :func:`glue_numbers`, :func:`glue_figure`, :func:`show_claims`);
- :mod:`~hessbook.kit.style`: the house style of figures, heat maps.
"""

from hessbook.kit.chapter import ChapterModule, formatted, glue_figure, glue_numbers, show_claims, start
from hessbook.kit.claims import (
    Claim,
    Rule,
    above,
    all_of,
    any_of,
    at_least,
    at_most,
    below,
    combine,
    equals,
    excluding,
    in_regime,
    is_true,
    measured_text,
    not_computed_text,
    single,
)
from hessbook.kit.jobs import Context, Row, StoredJob, Table, context, not_selected, run_jobs
from hessbook.kit.stored import cached, cached_entry, decode, encode
from hessbook.kit.style import heatmap

__all__ = [
    "ChapterModule", "Claim", "Context", "Row", "Rule", "StoredJob", "Table", "context", "not_selected", "run_jobs", "above", "all_of", "any_of", "at_least", "at_most", "below", "cached",
    "cached_entry",
    "combine", "decode", "encode", "equals", "excluding", "in_regime", "formatted", "glue_figure", "glue_numbers", "heatmap", "is_true",
    "measured_text", "not_computed_text", "show_claims", "single", "start",
]
