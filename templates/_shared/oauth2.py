"""OAuth 2.0 resource server: JWT access tokens (RFC 9068) from one authorization server.

The issuer's signing keys come from its JWKS (`OAUTH2_JWKS_URL`, else the `jwks_uri` of its
discovery document, `<issuer>/.well-known/openid-configuration`), fetched with a bounded
timeout, cached, and fetched again when a token names a key the cache does not hold (at most
once every few seconds, so unknown keys cannot make the service hammer its issuer). A token
must be signed with an asymmetric algorithm by one of those keys, and name this issuer, this
audience, a subject and an expiry; `nbf` and `exp` are checked with a small leeway.

In development only, a local issuer stands in for the authorization server: its key pair
lives in a file next to the project (`DevIssuer`), and `issue-dev-token` signs tokens with it.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import threading
import time
import urllib.request
from base64 import urlsafe_b64encode
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm

# Asymmetric algorithms only: `none` and the HMAC family (a public key used as a shared
# secret) are refused before any key is looked at.
ALGORITHMS = [
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
    "ES512",
    "EdDSA",
]
# Seconds of clock difference allowed between the issuer and this service (`exp`, `nbf`).
LEEWAY_SECONDS = 30
# Seconds to wait for the issuer's discovery document or JWKS before answering 503.
FETCH_TIMEOUT_SECONDS = 5
# Seconds the JWKS is kept; a token naming an unknown key fetches it again, at most once
# every REFETCH_COOLDOWN_SECONDS.
KEYS_LIFESPAN_SECONDS = 300
REFETCH_COOLDOWN_SECONDS = 5
# Seconds a failed fetch is not tried again: meanwhile requests with a token answer 503 at once.
UNAVAILABLE_SECONDS = 5
# The longest subject kept as a user name.
MAX_SUBJECT_LENGTH = 150
DISCOVERY_PATH = "/.well-known/openid-configuration"
DEV_ISSUER = "https://dev-issuer.localhost"
DEV_TOKEN_LIFETIME_SECONDS = 60 * 60


class InvalidTokenError(Exception):
    """The token is not one this service accepts: 401 `error="invalid_token"`."""


class IssuerUnavailableError(Exception):
    """The issuer's keys cannot be had right now: 503, never a guess."""


@dataclass(frozen=True)
class AccessToken:
    """What a valid access token says: whose it is and what it allows."""

    subject: str
    scopes: frozenset[str]
    claims: dict[str, Any]

    def allows(self, scope: str) -> bool:
        """Whether the token was granted ``scope``."""
        return scope in self.scopes


def token_scopes(claims: dict[str, Any]) -> frozenset[str]:
    """The granted scopes: `scope` (RFC 9068, space-separated) or `scp` (a list, or a string)."""
    scopes: set[str] = set()
    for claim in ("scope", "scp"):
        value = claims.get(claim)
        if isinstance(value, str):
            scopes.update(value.split())
        elif isinstance(value, list):
            scopes.update(item for item in value if isinstance(item, str))
    return frozenset(scopes)


def is_secure_url(url: str) -> bool:
    """An `https` URL, or `http` to this machine (a local issuer or sidecar)."""
    parts = urlsplit(url)
    if parts.scheme == "https":
        return bool(parts.hostname)
    return parts.scheme == "http" and parts.hostname in {"127.0.0.1", "::1", "localhost"}


class KeySource(Protocol):
    """Where the issuer's public signing keys come from."""

    def signing_key(self, kid: str) -> jwt.PyJWK:
        """The key ``kid`` names; raises `InvalidTokenError` if there is none."""


class IssuerKeys:
    """The issuer's JWKS, fetched over HTTP (found through discovery unless given)."""

    def __init__(self, issuer: str, jwks_url: str = "") -> None:
        self.issuer = issuer
        self.jwks_url = jwks_url
        self._client: jwt.PyJWKClient | None = None
        self._lock = threading.Lock()
        self._unavailable_until = 0.0

    def _jwks_client(self) -> jwt.PyJWKClient:
        with self._lock:
            if self._client is None:
                self._client = jwt.PyJWKClient(
                    self.jwks_url or self.discover_jwks_url(),
                    timeout=FETCH_TIMEOUT_SECONDS,
                    lifespan=KEYS_LIFESPAN_SECONDS,
                    cooldown_duration=REFETCH_COOLDOWN_SECONDS,
                )
            return self._client

    def discover_jwks_url(self) -> str:
        """The `jwks_uri` of the issuer's discovery document (which must name the issuer)."""
        url = self.issuer.rstrip("/") + DISCOVERY_PATH
        request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT_SECONDS) as answer:  # noqa: S310
                metadata = json.load(answer)
        except (OSError, ValueError, http.client.HTTPException) as error:
            raise IssuerUnavailableError(f"discovery at {url}: {error}") from error
        if not isinstance(metadata, dict) or metadata.get("issuer") != self.issuer:
            raise IssuerUnavailableError(f"{url} does not describe the issuer {self.issuer}")
        jwks_url = metadata.get("jwks_uri")
        if not isinstance(jwks_url, str):
            raise IssuerUnavailableError(f"{url} names no jwks_uri")
        return jwks_url

    def signing_key(self, kid: str) -> jwt.PyJWK:
        # After a failed fetch, requests are refused at once for a while rather than each
        # waiting for the timeout again.
        if time.monotonic() < self._unavailable_until:
            raise IssuerUnavailableError(f"{self.issuer} was unreachable moments ago")
        try:
            return self._jwks_client().get_signing_key(kid)
        except (IssuerUnavailableError, jwt.PyJWKClientConnectionError) as error:
            self._unavailable_until = time.monotonic() + UNAVAILABLE_SECONDS
            raise IssuerUnavailableError(str(error)) from error
        except (jwt.PyJWKClientError, jwt.PyJWKSetError) as error:
            raise InvalidTokenError("The token's signing key is unknown.") from error


class ResourceServer:
    """Validates the access tokens of one issuer, for one audience."""

    def __init__(self, issuer: str, audience: str, keys: KeySource) -> None:
        self.issuer = issuer
        self.audience = audience
        self.keys = keys

    def validate(self, token: str) -> AccessToken:
        """The token's subject and scopes.

        Raises:
            InvalidTokenError: the token is malformed, forged, expired, not yet valid, or
                meant for another issuer or audience.
            IssuerUnavailableError: the issuer's keys cannot be fetched.
        """
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as error:
            raise InvalidTokenError("The token is malformed.") from error
        if header.get("alg") not in ALGORITHMS:
            raise InvalidTokenError("The token's signing algorithm is not accepted.")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise InvalidTokenError("The token names no signing key.")
        key = self.keys.signing_key(kid)
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=ALGORITHMS,
                audience=self.audience,
                issuer=self.issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except jwt.PyJWTError as error:
            raise InvalidTokenError(f"The token is invalid: {error}.") from error
        subject = claims["sub"]
        if not isinstance(subject, str) or not subject.strip():
            raise InvalidTokenError("The token's subject is empty.")
        if len(subject) > MAX_SUBJECT_LENGTH:
            raise InvalidTokenError("The token's subject is too long.")
        return AccessToken(subject, token_scopes(claims), claims)


def bearer_token(authorization: str) -> str | None:
    """The token of an `Authorization: Bearer <token>` value; None for another scheme.

    Raises:
        InvalidTokenError: the value names the Bearer scheme with no single token.
    """
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    token = token.strip()
    if not token or " " in token:
        raise InvalidTokenError("Invalid Bearer authorization header.")
    return token


def challenge(error: str | None = None, scope: str | None = None) -> str:
    """A `WWW-Authenticate` value (RFC 6750): plain `Bearer` when no token was sent."""
    if error is None:
        return "Bearer"
    value = f'Bearer error="{error}"'
    return f'{value}, scope="{scope}"' if scope else value


# -- development ------------------------------------------------------------------------------


def _thumbprint(jwk: dict[str, Any]) -> str:
    """The key's RFC 7638 thumbprint: its `kid`."""
    members = {name: jwk[name] for name in ("crv", "kty", "x", "y")}
    digest = hashlib.sha256(json.dumps(members, separators=(",", ":"), sort_keys=True).encode())
    return urlsafe_b64encode(digest.digest()).rstrip(b"=").decode()


class DevIssuer:
    """The local issuer of development: an ES256 key pair in a file, made on first use.

    The service reads only the public half. Never configured in production: the settings
    use it only with `ENVIRONMENT=development` and no `OAUTH2_ISSUER`.
    """

    def __init__(self, key_file: Path, issuer: str = DEV_ISSUER) -> None:
        self.key_file = key_file
        self.issuer = issuer

    def private_jwk(self) -> dict[str, Any]:
        """The private key as a JWK, made (and written, readable by its owner only) if missing."""
        if self.key_file.exists():
            jwk: dict[str, Any] = json.loads(self.key_file.read_text(encoding="utf-8"))
            return jwk
        key = ec.generate_private_key(ec.SECP256R1())
        jwk = ECAlgorithm.to_jwk(key, as_dict=True)
        jwk |= {"kid": _thumbprint(jwk), "alg": "ES256", "use": "sig"}
        self.key_file.touch(mode=0o600)
        self.key_file.write_text(json.dumps(jwk, indent=2) + "\n", encoding="utf-8")
        return jwk

    def signing_key(self, kid: str) -> jwt.PyJWK:
        """The public key, if the token names it (the file is read each time: development)."""
        try:
            jwk = json.loads(self.key_file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InvalidTokenError("No development token was issued yet.") from None
        if jwk.get("kid") != kid:
            raise InvalidTokenError("The token's signing key is unknown.")
        public = {name: value for name, value in jwk.items() if name != "d"}
        return jwt.PyJWK(public)

    def issue(self, subject: str, scopes: Iterable[str], audience: str) -> str:
        """A signed access token for ``subject`` with ``scopes``, valid for an hour."""
        jwk = self.private_jwk()
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "sub": subject,
            "aud": audience,
            "iat": now,
            "nbf": now,
            "exp": now + DEV_TOKEN_LIFETIME_SECONDS,
            "scope": " ".join(scopes),
            "client_id": "issue-dev-token",
        }
        private_key = jwt.PyJWK(jwk).key
        headers = {"kid": jwk["kid"], "typ": "at+jwt"}
        return jwt.encode(claims, private_key, algorithm="ES256", headers=headers)
