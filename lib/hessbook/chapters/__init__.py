"""Parameter schemas of the chapters, one module per chapter, registered by id.

Importing this package registers every schema with :mod:`hessbook.params`.
"""

from hessbook.chapters import s2, s3, s4, tour  # noqa: F401
