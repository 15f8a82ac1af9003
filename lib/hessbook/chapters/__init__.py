"""Parameter schemas of the chapters, one module per chapter, registered by id.

Importing this package registers every schema with :mod:`hessbook.params`.
"""

from hessbook.chapters import s2, tour, y1, y4  # noqa: F401
