"""hessbook: reproduction library for Yao et al. 2018, Kamath et al. and Sagun et al. 2017.

The library computes; the chapters in ``book/`` only call it, plot and glue numbers.
Its rooms, one line each, and the rules between them: ``lib/hessbook/README.md``. Modules:

- :mod:`hessbook.params` -- typed, validated chapter parameters
- :mod:`hessbook.store` -- content-addressed result store (atomic, resumable)
- :mod:`hessbook.data` -- datasets on the device (inputs in [0, 1]), K's splits, S's synthetic sets
- :mod:`hessbook.models` -- every network of the papers, built by name
- :mod:`hessbook.train` / :mod:`hessbook.lr` -- store-backed, resumable SGD engine and lr rules
- :mod:`hessbook.curvature`, :mod:`hessbook.attacks`, :mod:`hessbook.stats` -- Hessians and exact
  forms, attacks, rank statistics
- :mod:`hessbook.kit` -- what every chapter is built from
- :mod:`hessbook.papers` -- what the chapters of one paper share (Y's networks, K's grid, S's spectra)
- :mod:`hessbook.chapters` -- one module or package per chapter
- :mod:`hessbook.sweep` / :mod:`hessbook.cluster` -- grids of store-backed jobs on Dask (embedded, a scheduler, SLURM/PBS)
- :mod:`hessbook.catalog` -- every figure and table of the papers, mapped to chapters
- :mod:`hessbook.report` -- paper-vs-ours tables, verdicts, glue helpers
- :mod:`hessbook.build` -- executes chapters with papermill and renders the book
"""

__version__ = "0.1.0"
