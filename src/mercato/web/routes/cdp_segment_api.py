"""Segment-compatible intake at Segment's own paths, so its SDKs work by changing the host.

`POST /v1/track`, `/v1/page`, `/v1/screen`, `/v1/identify`, `/v1/group`, `/v1/alias`,
`/v1/batch` take HTTP Basic auth whose username is the write key — a Mercato API token with
the `events:write` scope — and an empty password, exactly what analytics-python,
analytics-node and RudderStack's SDKs send. A Bearer token works too. Messages are handled by
the CDP intake (routes/cdp_api.py): same limits, same per-message answers.
"""

from __future__ import annotations

import base64
import binascii

from fastapi import APIRouter, Request

from mercato.catalog import tokens, workspaces
from mercato.core.scopes import Scope
from mercato.web.auth import Forbidden, NotAuthenticated, Principal, Requires, services_of
from mercato.web.routes.cdp_api import add_calls

router = APIRouter(prefix="/v1", tags=["cdp"])


def write_key(authorization: str) -> str | None:
    """The username of a Basic `Authorization` header (the password is ignored), or None."""
    scheme, _, encoded = authorization.partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    username = decoded.partition(":")[0].strip()
    return username or None


class RequiresWriteKey(Requires):
    """`Requires(scope)` that also reads the token from Basic auth (the SDKs' write key)."""

    async def __call__(self, request: Request) -> Principal:
        header = request.headers.get("authorization", "")
        if not header.lower().startswith("basic"):
            return await super().__call__(request)
        secret = write_key(header)
        if secret is None:
            raise NotAuthenticated(page=False)
        with services_of(request).catalog.session() as session:
            token = tokens.resolve_token(session, secret)
            if token is None:
                raise NotAuthenticated(page=False)
            principal = Principal(
                workspace=workspaces.get_workspace(session, token.workspace_id),
                scopes=frozenset(Scope(s) for s in token.scopes if s in Scope._value2member_map_),
                token_id=token.id,
            )
        if self.scope not in principal.scopes:
            raise Forbidden(f"this needs the {self.scope.value!r} scope")
        return principal


add_calls(router, RequiresWriteKey(Scope.EVENTS_WRITE), "segment")
