"""The authorization server of the tests: RSA keys made here, its JWKS served without HTTP.

``serve(monkeypatch)`` makes every JWKS fetch of the service read ``jwks()``, counted in
``fetches``; ``token()`` signs access tokens as a real issuer would.
"""

from __future__ import annotations

import time
from functools import cache
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

ISSUER = "https://issuer.example.com"
JWKS_URL = f"{ISSUER}/jwks.json"
AUDIENCE = "{{ project_name }}"
WRITE_SCOPE = "api:write"


@cache
def rsa_key(number: int) -> rsa.RSAPrivateKey:
    """The tests' ``number``-th RSA key (made once per run: making one takes a while)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class Issuer:
    """Signs tokens with its current key and publishes every key it has had."""

    def __init__(self) -> None:
        self.keys: dict[str, rsa.RSAPrivateKey] = {}
        self.fetches = 0
        self.kid = self.rotate()

    def reset(self) -> None:
        """Back to one key, never fetched."""
        self.keys.clear()
        self.fetches = 0
        self.rotate()

    def rotate(self) -> str:
        """Start signing with a new key (published beside the old ones); its ``kid``."""
        self.kid = f"key-{len(self.keys) + 1}"
        self.keys[self.kid] = rsa_key(len(self.keys) + 1)
        return self.kid

    def jwks(self) -> dict[str, Any]:
        """The JWK set the service fetches."""
        self.fetches += 1
        return {
            "keys": [
                {
                    **RSAAlgorithm.to_jwk(key.public_key(), as_dict=True),
                    "kid": kid,
                    "use": "sig",
                    "alg": "RS256",
                }
                for kid, key in self.keys.items()
            ]
        }

    def claims(self, subject: str, scope: str, **overrides: Any) -> dict[str, Any]:
        """An access token's claims (RFC 9068), valid for five minutes."""
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": subject,
            "client_id": "tests",
            "iat": now,
            "nbf": now,
            "exp": now + 300,
            "scope": scope,
        }
        return {**claims, **overrides}

    def token(
        self,
        subject: str = "alice",
        scope: str = WRITE_SCOPE,
        *,
        kid: str | None = None,
        **claims: Any,
    ) -> str:
        """A token signed with the current key (or the key ``kid``)."""
        kid = kid or self.kid
        headers = {"kid": kid, "typ": "at+jwt"}
        payload = self.claims(subject, scope, **claims)
        return jwt.encode(payload, self.keys[kid], algorithm="RS256", headers=headers)

    def serve(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Answer the service's JWKS fetches from this issuer."""
        monkeypatch.setattr(jwt.PyJWKClient, "fetch_data", lambda client: self.jwks())
