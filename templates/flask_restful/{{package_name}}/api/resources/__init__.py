"""The resources added by ``apigen add resource``: a module each, registered here.

``apigen add`` writes this module; the service's own resources are in ``api``.
"""

from __future__ import annotations

from flask_restful import Api


def register_resources(api: Api) -> None:
    """Route every added resource on ``api``."""
