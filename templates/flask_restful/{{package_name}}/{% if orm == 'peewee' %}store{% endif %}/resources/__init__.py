"""The models and queries of the resources added by ``apigen add resource``, a module each.

``apigen add`` writes this module, which lists every added model for ``flask db migrate``.
"""

from __future__ import annotations

from ..models import BaseModel

# In the order their tables are created: every model before those that refer to it.
ADDED_MODELS: tuple[type[BaseModel], ...] = ()
