"""A local OAuth 2.0 authorization server for ``apigen smoke`` and the contract suite.

It serves what a resource server needs over HTTP on 127.0.0.1, the discovery document
(``/.well-known/openid-configuration``) and the JWKS (``/jwks.json``), with RSA keys made at
start, and it signs access tokens (RFC 9068) on request. It runs with the generated project's
interpreter (``python local_issuer.py --audience AUD``), whose PyJWT and cryptography it uses,
and prints its URL on the first line of its output. It stops when its standard input closes.

Requests from the harness (JSON bodies, JSON answers):

``POST /token`` ``{"sub", "scope", "claims": {...}, "forge": "none" | "hs256", "key":
"current" | "unpublished"}``: a token; ``claims`` override the standard ones, ``forge`` makes
one no real issuer signs (``alg: none``, or HS256 with the public key as the secret), and
``"key": "unpublished"`` signs with a key the JWKS does not hold.
``POST /rotate`` ``{"kid"}``: sign with a new key from now on (published beside the old ones),
or, given the ``kid`` of a published key, with that one again.
``GET /stats``: ``{"jwks_fetches": n, "kid"}``, how often the JWKS was fetched, and the key
that signs.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import HMACAlgorithm, RSAAlgorithm

TOKEN_LIFETIME_SECONDS = 300


class Issuer:
    """Keys, published and not, and the tokens they sign."""

    def __init__(self, audience: str) -> None:
        self.audience = audience
        self.url = ""
        self.keys: dict[str, rsa.RSAPrivateKey] = {}
        self.unpublished = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.jwks_fetches = 0
        self.kid = ""
        self.lock = threading.Lock()
        self.rotate()

    def rotate(self, kid: str = "") -> str:
        """Sign with a new key from now on, or with the published key ``kid``; its ``kid``."""
        with self.lock:
            if kid:
                if kid not in self.keys:
                    raise KeyError(kid)
                self.kid = kid
            else:
                self.kid = f"key-{len(self.keys) + 1}"
                self.keys[self.kid] = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            return self.kid

    def jwks(self) -> dict[str, Any]:
        """The published keys."""
        with self.lock:
            self.jwks_fetches += 1
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

    def token(self, request: dict[str, Any]) -> str:
        """A token as ``request`` describes it (see the module's doc)."""
        now = int(time.time())
        claims = {
            "iss": self.url,
            "aud": self.audience,
            "sub": request.get("sub", "alice"),
            "client_id": "apigen",
            "iat": now,
            "nbf": now,
            "exp": now + TOKEN_LIFETIME_SECONDS,
            "scope": request.get("scope", ""),
            **request.get("claims", {}),
        }
        with self.lock:
            kid, key = self.kid, self.keys[self.kid]
        forge = request.get("forge")
        if forge == "none":
            return str(jwt.encode(claims, "", algorithm="none", headers={"kid": kid}))
        if forge == "hs256":
            secret = key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            header = jwt.utils.base64url_encode(
                json.dumps({"alg": "HS256", "typ": "JWT", "kid": kid}).encode()
            )
            body = jwt.utils.base64url_encode(json.dumps(claims).encode())
            signature = HMACAlgorithm(HMACAlgorithm.SHA256).sign(header + b"." + body, secret)
            return b".".join([header, body, jwt.utils.base64url_encode(signature)]).decode()
        if request.get("key") == "unpublished":
            kid, key = "unpublished", self.unpublished
        headers = {"kid": kid, "typ": "at+jwt"}
        return str(jwt.encode(claims, key, algorithm="RS256", headers=headers))


def handler(issuer: Issuer) -> type[BaseHTTPRequestHandler]:
    """The request handler of ``issuer``'s server."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/.well-known/openid-configuration":
                self.answer(
                    {
                        "issuer": issuer.url,
                        "jwks_uri": f"{issuer.url}/jwks.json",
                        "token_endpoint": f"{issuer.url}/token",
                        "id_token_signing_alg_values_supported": ["RS256"],
                    }
                )
            elif self.path == "/jwks.json":
                self.answer(issuer.jwks())
            elif self.path == "/stats":
                self.answer({"jwks_fetches": issuer.jwks_fetches, "kid": issuer.kid})
            else:
                self.send_error(404)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            request = json.loads(self.rfile.read(length) or b"{}")
            if self.path == "/token":
                self.answer({"access_token": issuer.token(request), "token_type": "Bearer"})
            elif self.path == "/rotate":
                self.answer({"kid": issuer.rotate(str(request.get("kid") or ""))})
            else:
                self.send_error(404)

        def answer(self, document: dict[str, Any]) -> None:
            body = json.dumps(document).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


def main() -> None:
    """Serve until standard input closes."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--audience", required=True)
    arguments = parser.parse_args()
    issuer = Issuer(arguments.audience)
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler(issuer))
    issuer.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(issuer.url, flush=True)
    sys.stdin.read()
    server.shutdown()


if __name__ == "__main__":
    main()
