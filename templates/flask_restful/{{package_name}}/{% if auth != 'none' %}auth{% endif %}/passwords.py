"""Password hashing, and checks that take as long for unknown users as for known ones."""

from __future__ import annotations

from functools import cache

from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

from ..store.models import User
from ..store.users import find_user

DEFAULT_METHOD = "scrypt"


def hash_password(password: str) -> str:
    """A salted, deliberately slow hash fit for storing (werkzeug's scrypt by default)."""
    method = current_app.config.get("PASSWORD_HASH_METHOD", DEFAULT_METHOD)
    return generate_password_hash(password, method=method)


@cache
def _decoy_hash(method: str) -> str:
    return generate_password_hash("decoy: checked when the user does not exist", method=method)


def verify_credentials(username: str, password: str) -> User | None:
    """The active user with these credentials, else None, in the same time either way."""
    user = find_user(username)
    if user is None:
        method = current_app.config.get("PASSWORD_HASH_METHOD", DEFAULT_METHOD)
        check_password_hash(_decoy_hash(method), password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.is_active:
        return None
    return user
