"""Extension objects, created unbound and attached in ``create_app`` with ``init_app``."""

from __future__ import annotations

from flask_caching import Cache
from flask_cors import CORS

cache = Cache()
cors = CORS()
