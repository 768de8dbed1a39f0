"""The resources added by `apigen add resource`: a Django app each, in this package.

`apigen add` writes this list and `resources/routes.py`; the settings install these apps.
"""

APPS: list[str] = []
