"""A small OpenID Connect provider the tests start themselves: JWKS, authorize and token endpoints.

Keys are made with ``cryptography`` (an RSA and an EC P-256 key, both in the JWKS). ``/authorize``
signs in ``user`` without a login page and redirects back with a code; ``/token`` exchanges the code
only with the PKCE verifier whose S256 challenge came with it, and answers an RS256 ``id_token`` whose
``nip`` claim names the user (as an agency's provider would carry the NIP beside its own ``sub``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa

CLIENT_ID = "asnflow-console"


@dataclass
class Provider:
    base_url: str
    user: str = ""
    rsa_key: rsa.RSAPrivateKey = field(default_factory=lambda: rsa.generate_private_key(65537, 2048))
    ec_key: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    exchanged: int = 0

    @property
    def issuer(self) -> str:
        return self.base_url

    @property
    def jwks_url(self) -> str:
        return f"{self.base_url}/jwks"

    def jwks(self) -> dict[str, Any]:
        rsa_jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.rsa_key.public_key()))
        ec_jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(self.ec_key.public_key()))
        return {
            "keys": [
                {**rsa_jwk, "kid": "rsa-1", "use": "sig", "alg": "RS256"},
                {**ec_jwk, "kid": "ec-1", "use": "sig", "alg": "ES256"},
            ]
        }

    def token(self, alg: str = "RS256", kid: str | None = None, **claims: Any) -> str:
        """A token as this provider signs them; ``claims`` override (or, given None, drop) the defaults."""
        now = int(time.time())
        body: dict[str, Any] = {
            "iss": self.issuer,
            "aud": CLIENT_ID,
            "sub": "idp-" + secrets.token_hex(4),
            "nip": self.user,
            "iat": now,
            "exp": now + 300,
        }
        body.update(claims)
        body = {k: v for k, v in body.items() if v is not None}
        key: Any = self.rsa_key if alg.startswith("RS") else self.ec_key
        return jwt.encode(
            body, key, algorithm=alg, headers={"kid": kid or ("rsa-1" if alg.startswith("RS") else "ec-1")}
        )


def _handler(provider: Provider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_: Any) -> None:
            pass

        def _send(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Access-Control-Allow-Origin", "*")
            self.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            url = urlparse(self.path)
            if url.path == "/jwks":
                self._send(200, provider.jwks())
                return
            if url.path != "/authorize":
                self._send(404, {"error": "not_found"})
                return
            q = {k: v[0] for k, v in parse_qs(url.query).items()}
            if (
                q.get("response_type") != "code"
                or q.get("code_challenge_method") != "S256"
                or not q.get("code_challenge")
            ):
                self._send(400, {"error": "invalid_request", "error_description": "code flow with S256 PKCE only"})
                return
            code = secrets.token_urlsafe(16)
            provider.codes[code] = {
                "challenge": q["code_challenge"],
                "redirect_uri": q["redirect_uri"],
                "client_id": q["client_id"],
            }
            target = q["redirect_uri"] + "?" + urlencode({"code": code, "state": q.get("state", "")})
            self.send_response(302)
            self.send_header("Location", target)
            self.end_headers()

        def do_POST(self) -> None:
            if urlparse(self.path).path != "/token":
                self._send(404, {"error": "not_found"})
                return
            length = int(self.headers.get("Content-Length") or 0)
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            grant = provider.codes.pop(form.get("code", ""), None)
            verifier = form.get("code_verifier", "")
            challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            if (
                grant is None
                or grant["challenge"] != challenge
                or grant["redirect_uri"] != form.get("redirect_uri")
                or grant["client_id"] != form.get("client_id")
            ):
                self._send(400, {"error": "invalid_grant"})
                return
            provider.exchanged += 1
            self._send(200, {"id_token": provider.token(), "token_type": "Bearer", "expires_in": 300})

    return Handler


@contextmanager
def running_provider() -> Iterator[Provider]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    provider = Provider(base_url=f"http://127.0.0.1:{server.server_address[1]}")
    server.RequestHandlerClass = _handler(provider)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()
