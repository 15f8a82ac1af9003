"""Parameter schemas of the chapters, one module per chapter, registered by id.

Importing this package registers every schema with :mod:`hessbook.params`.
"""

from hessbook.chapters import s1, s2, s6, tour  # noqa: F401
