"""The console's routes: its page and assets, how it signs in, and the auditors' export download.

The console itself is plain ES modules and CSS in ``static/`` (no build step), and reads and writes
only through ``/graphql``. Beside it the server answers what a browser cannot do with GraphQL alone:
- ``/console/config.json``: how to sign in here (demo personas, or the OpenID Connect provider);
- ``/demo/personas`` and ``POST /demo/token``: the demo's persona picker, only when the server runs
  with ``ASNFLOW_DEMO_SIGN_IN`` (``asnflow demo`` sets it; production refuses it), else 404;
- ``/audit/export?format=csv|jsonl``: ``asnflow audit export`` streamed, for whoever reads the whole
  audit log (auditors and administrators, the rule of ``auditEvents``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import orjson
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from policies.scope import audit_scope
from policies.viewer import load_viewer
from server.audit.export import Format, export_chunks
from server.auth import issue_token
from server.clock import service_today
from server.db import Database
from server.identity import UserIdError, canonical_user_id
from server.settings import Settings

STATIC = Path(__file__).parent / "static"
DEMO_TOKEN_SECONDS = 3600
_NO_STORE = {"cache-control": "no-store"}


def _refused(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=_NO_STORE)


def _security_headers(settings: Settings) -> dict[str, str]:
    """The page may run only its own scripts and talk only to this server (and the provider's token endpoint).

    Styles may be inline because mermaid's workflow diagram carries its own ``<style>`` and style attributes;
    scripts stay ``'self'`` only (mermaid runs with ``securityLevel: "strict"`` and needs no eval).
    """
    connect = "'self'"
    if settings.oidc is not None and settings.oidc.token_url:
        parts = urlsplit(settings.oidc.token_url)
        connect += f" {parts.scheme}://{parts.netloc}"
    policy = (
        f"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src {connect}; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    )
    return {"content-security-policy": policy, "x-content-type-options": "nosniff", "referrer-policy": "no-referrer"}


def console_routes(settings: Settings, db: Database) -> list[BaseRoute]:
    async def index(_: Request) -> Response:
        return FileResponse(STATIC / "index.html", headers={"cache-control": "no-cache", **_security_headers(settings)})

    async def config(_: Request) -> JSONResponse:
        oidc = settings.oidc
        return JSONResponse(
            {
                "demo": settings.demo_sign_in and not settings.production,
                "oidc": None
                if oidc is None
                else {
                    "issuer": oidc.issuer,
                    "clientId": oidc.client_id,
                    "authorizeUrl": oidc.authorize_url,
                    "tokenUrl": oidc.token_url,
                    "scope": oidc.scope,
                },
            },
            headers=_NO_STORE,
        )

    def demo_enabled() -> bool:
        return settings.demo_sign_in and not settings.production

    async def demo_personas(_: Request) -> Response:
        if not demo_enabled():
            return _refused(404, "demo sign-in is off on this server")
        from server.seed import personas

        return JSONResponse(await personas(db), headers=_NO_STORE)

    async def demo_token(request: Request) -> Response:
        if not demo_enabled():
            return _refused(404, "demo sign-in is off on this server")
        try:
            body: Any = orjson.loads(await request.body())
            user_id = canonical_user_id(str(body["userId"]))
        except (orjson.JSONDecodeError, KeyError, TypeError, UserIdError):
            return _refused(400, 'send {"userId": "<a persona\'s user id>"}')
        from server.seed import personas

        if user_id not in {p["userId"] for p in await personas(db)}:
            return _refused(403, f"{user_id} is not a demo persona; pick one from /demo/personas")
        token = issue_token(settings, user_id, min(DEMO_TOKEN_SECONDS, settings.token_max_lifetime_seconds))
        return JSONResponse({"token": token, "userId": user_id}, headers=_NO_STORE)

    async def audit_export(request: Request) -> Response:
        asked = request.query_params.get("format", "jsonl")
        if asked not in ("jsonl", "csv"):
            return _refused(400, f"format={asked!r}: ask for format=csv or format=jsonl")
        fmt: Format = "csv" if asked == "csv" else "jsonl"
        user_id = request.scope.get("state", {}).get("user_id")
        if user_id is None:
            return _refused(401, "sign in: the audit export is for auditors and administrators")
        async with db.read() as session:
            viewer = await load_viewer(session, user_id, service_today(settings))
        if not audit_scope(viewer).everything:
            return _refused(403, "the audit export is for auditors and administrators")

        async def body() -> Any:
            async for chunk, _count in export_chunks(db, fmt=fmt):
                yield chunk

        media = "text/csv; charset=utf-8" if fmt == "csv" else "application/x-ndjson"
        return StreamingResponse(
            body(),
            media_type=media,
            headers={"content-disposition": f'attachment; filename="asnflow-audit.{fmt}"', **_NO_STORE},
        )

    return [
        Route("/", index),
        Route("/console/config.json", config),
        Route("/demo/personas", demo_personas),
        Route("/demo/token", demo_token, methods=["POST"]),
        Route("/audit/export", audit_export),
        Mount("/console", StaticFiles(directory=STATIC), name="console"),
    ]
