"""The chapters, one package each, found through :data:`hessbook.registry.CHAPTER_MODULES`.

Every chapter module has the same public shape (:class:`hessbook.kit.ChapterModule`):

- ``Params``: the frozen dataclass of its parameters (``params/<scale>/<id>.yaml``);
- ``jobs(P)``: its jobs (:mod:`hessbook.kit.jobs`: frozen dataclasses whose fields are their store
  keys; what ``python -m hessbook.build --plan`` prices), and ``run(P, store=None) -> Results``:
  them run into a :class:`~hessbook.kit.jobs.Table` (what came back, and why the rest did not),
  which its ``Results`` holds;
- ``claims(results) -> list[Claim]``: the papers' claims, graded;
- ``numbers(results) -> dict``: the numbers its prose cites (glued under the chapter's id; None
  for a value not computed, which the page prints as n/a, never a stand-in number);
- ``criteria(P) -> list[Criterion]``: its regime criteria (:mod:`hessbook.regime`), what the
  parameter block keeps of the paper's training; empty for a chapter that trains nothing;
- figure functions of the results, and ``explorer(results)``, the chapter's widget.

Every chapter package has the same files: ``params.py`` (``Params``), ``compute.py`` (its jobs,
``run`` and ``Results``), ``analysis.py`` where the claims need derived values, ``claims.py`` (claims,
``numbers``, ``criteria``), ``figures.py`` (``figure_*`` return a figure, ``draw_*`` draw on given axes,
``*_table`` return a table; ``explorer``) and ``paper.py`` where the chapter has printed values of its own.
Its ``__init__`` exports the protocol and what its notebook calls, nothing else.

Importing this package imports no chapter.
"""
