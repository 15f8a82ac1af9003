"""Parameter schemas (and the computations) of the chapters, one module per chapter.

Importing this package imports every module in it, which registers each chapter's schema
with :mod:`hessbook.params` under the chapter's id.
"""

import importlib
import pkgutil

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
