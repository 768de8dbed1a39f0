"""Password hashing, and checks that take as long for unknown users as for known ones."""

from __future__ import annotations

from functools import cache

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..models import User


def hash_password(password: str) -> str:
    """A salted, slow hash (werkzeug's scrypt) fit for storing."""
    return generate_password_hash(password)


@cache
def _decoy_hash() -> str:
    return hash_password("decoy password: checked when the user does not exist")


def verify_credentials(username: str, password: str) -> User | None:
    """The active user with these credentials, else None, in the same time either way."""
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        check_password_hash(_decoy_hash(), password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.is_active:
        return None
    return user
