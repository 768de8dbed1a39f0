"""Extension objects, created unbound and attached in ``create_app`` with ``init_app``."""

from __future__ import annotations

from flask_caching import Cache
from flask_cors import CORS
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

cache = Cache()
cors = CORS()
limiter = Limiter(get_remote_address)
