"""Fake OAuth servers for Meta, TikTok, X, Pinterest and Snapchat over loopback, following
their documented shapes: a consent page at each authorize path (Approve / Deny redirect to
`redirect_uri` with `code` + `state`, or `error=access_denied`), token endpoints that check the
client credentials (body or HTTP Basic), single-use codes, the redirect URI and (X) the PKCE
S256 challenge, RFC 6749 error bodies (`invalid_grant`, `invalid_client`), Meta's
`fb_exchange_token` and `/me/accounts`, and refresh grants that rotate refresh tokens.

Issued access tokens are written into the `FakePlatforms` token table, so the fake APIs
accept them until the test expires them (`expire_access_tokens`)."""

from __future__ import annotations

import base64
import hashlib
import html
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from tests.connectors import fake_platforms
from tests.connectors.fake_platforms import FakePlatforms

CLIENT_ID = "fake-client-id"
CLIENT_SECRET = "fake-client-secret-0123456789"
AUTHORIZE_PATHS = {
    "meta": "/v23.0/dialog/oauth",
    "tiktok": "/v2/auth/authorize/",
    "x": "/i/oauth2/authorize",
    "pinterest": "/oauth/",
    "snapchat": "/login/oauth2/authorize",
}


@dataclass
class FakeOAuth:
    platforms: FakePlatforms
    expires_in: int = 7200
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    refresh_tokens: dict[str, str] = field(default_factory=dict)  # token → login
    revoked: set[str] = field(default_factory=set)
    issued: list[str] = field(default_factory=list)
    refreshes: int = 0
    meta_pages: list[dict[str, Any]] = field(default_factory=list)

    def issue(self, login: str) -> dict[str, Any]:
        access = f"{login}-at-{secrets.token_hex(8)}"
        self.platforms.tokens[access] = "ok"
        self.issued.append(access)
        body: dict[str, Any] = {"access_token": access, "token_type": "bearer"}
        if login == "meta":
            return body | {"expires_in": 5184000}
        refresh = f"{login}-rt-{secrets.token_hex(8)}"
        self.refresh_tokens[refresh] = login
        body |= {"refresh_token": refresh, "expires_in": self.expires_in}
        if login == "tiktok":
            body |= {
                "open_id": "tt-open-1",
                "refresh_expires_in": 15552000,
                "scope": "user.info.basic,video.list",
            }
        if login == "pinterest":
            body |= {"refresh_token_expires_in": 31536000, "scope": "user_accounts:read,pins:read"}
        return body

    def expire_access_tokens(self) -> None:
        for token in self.issued:
            self.platforms.tokens[token] = "expired"

    def revoke_refresh_tokens(self) -> None:
        self.revoked |= set(self.refresh_tokens)


def _error(code: str, description: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": code, "error_description": description}, status_code=status)


def _client_ok(request: Request, form: dict[str, str], id_param: str) -> bool:
    auth = request.headers.get("authorization", "")
    if auth.startswith("Basic "):
        pair = base64.b64decode(auth[6:]).decode()
        return pair == f"{CLIENT_ID}:{CLIENT_SECRET}"
    return form.get(id_param) == CLIENT_ID and form.get("client_secret") == CLIENT_SECRET


def add_oauth_routes(app: FastAPI, oauth: FakeOAuth) -> None:
    for login, path in AUTHORIZE_PATHS.items():
        _consent_route(app, oauth, login, path)

    @app.get("/fake/decide")
    def decide(tx: str, verdict: str) -> Response:
        pending = oauth.codes.get(tx)
        if pending is None:
            return HTMLResponse("unknown transaction", status_code=400)
        query = {"state": pending["state"]}
        if verdict == "approve":
            pending["approved"] = True
            query["code"] = tx
        else:
            oauth.codes.pop(tx)
            query |= {"error": "access_denied", "error_description": "The user denied the request"}
        return RedirectResponse(f"{pending['redirect_uri']}?{urlencode(query)}", status_code=302)

    for path, login, id_param in (
        ("/v2/oauth/token/", "tiktok", "client_key"),
        ("/2/oauth2/token", "x", "client_id"),
        ("/v5/oauth/token", "pinterest", "client_id"),
        ("/login/oauth2/access_token", "snapchat", "client_id"),
    ):
        _token_route(app, oauth, path, login, id_param)

    @app.get("/v23.0/oauth/access_token")
    def meta_token(request: Request) -> JSONResponse:
        query = dict(request.query_params)
        if query.get("client_id") != CLIENT_ID or query.get("client_secret") != CLIENT_SECRET:
            return JSONResponse(
                {
                    "error": {
                        "message": "Error validating client secret.",
                        "type": "OAuthException",
                        "code": 1,
                    }
                },
                status_code=400,
            )
        if query.get("grant_type") == "fb_exchange_token":
            if oauth.platforms.tokens.get(query.get("fb_exchange_token", "")) != "ok":
                return JSONResponse(
                    {
                        "error": {
                            "message": "Invalid OAuth access token.",
                            "type": "OAuthException",
                            "code": 190,
                        }
                    },
                    status_code=400,
                )
            return JSONResponse(oauth.issue("meta"))
        pending = oauth.codes.pop(query.get("code", ""), None)
        if (
            pending is None
            or not pending.get("approved")
            or pending["redirect_uri"] != query.get("redirect_uri")
        ):
            return JSONResponse(
                {
                    "error": {
                        "message": "This authorization code has been used.",
                        "type": "OAuthException",
                        "code": 100,
                        "error_subcode": 36009,
                    }
                },
                status_code=400,
            )
        return JSONResponse(oauth.issue("meta") | {"expires_in": 3600})

    @app.get("/v23.0/me/accounts")
    def me_accounts(request: Request) -> JSONResponse:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        if oauth.platforms.tokens.get(token) != "ok":
            return JSONResponse(
                {
                    "error": {
                        "message": "Invalid OAuth access token.",
                        "type": "OAuthException",
                        "code": 190,
                    }
                },
                status_code=401,
            )
        pages = []
        for page in oauth.meta_pages:
            page_token = f"page-{page['id']}-{secrets.token_hex(4)}"
            oauth.platforms.tokens[page_token] = "ok"
            pages.append({**page, "access_token": page_token})
        return JSONResponse({"data": pages, "paging": {"cursors": {"before": "b", "after": "a"}}})

    @app.get("/v2/user/info/")
    def tiktok_user(request: Request) -> JSONResponse:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        if oauth.platforms.tokens.get(token) != "ok":
            return JSONResponse(
                {
                    "data": {},
                    "error": {"code": "access_token_invalid", "message": "invalid", "log_id": "x"},
                },
                status_code=401,
            )
        return JSONResponse(
            {
                "data": {
                    "user": {
                        "open_id": "tt-open-1",
                        "display_name": "Acme",
                        "username": "acme.tt",
                        "follower_count": 42,
                    }
                },
                "error": {"code": "ok", "message": "", "log_id": "x"},
            }
        )

    @app.get("/v1/me/organizations")
    def snap_orgs(request: Request) -> JSONResponse:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        if oauth.platforms.tokens.get(token) != "ok":
            return JSONResponse(
                {"request_status": "ERROR", "debug_message": "Unauthorized"}, status_code=401
            )
        org = {
            "id": "org-1",
            "name": "Acme Org",
            "ad_accounts": [{"id": "snap-ad-1", "name": "Acme Ads"}],
        }
        return JSONResponse({"request_status": "SUCCESS", "organizations": [{"organization": org}]})


def _consent_route(app: FastAPI, oauth: FakeOAuth, login: str, path: str) -> None:
    id_param = "client_key" if login == "tiktok" else "client_id"

    @app.get(path, name=f"authorize_{login}")
    def authorize(request: Request) -> HTMLResponse:
        query = dict(request.query_params)
        if (
            query.get(id_param) != CLIENT_ID
            or not query.get("state")
            or not query.get("redirect_uri")
        ):
            return HTMLResponse(
                "invalid_request: client, state and redirect_uri are required", status_code=400
            )
        if login == "x" and (
            query.get("code_challenge_method") != "S256" or not query.get("code_challenge")
        ):
            return HTMLResponse("invalid_request: PKCE S256 required", status_code=400)
        tx = secrets.token_urlsafe(12)
        oauth.codes[tx] = {"login": login, **query}
        return HTMLResponse(
            f"<h1>Allow Mercato to access your {login} account?</h1>"
            f"<p>Scopes: {html.escape(query.get('scope', ''))}</p>"
            f'<a id="approve" href="/fake/decide?tx={tx}&verdict=approve">Approve</a> '
            f'<a id="deny" href="/fake/decide?tx={tx}&verdict=deny">Deny</a>'
        )


def _token_route(app: FastAPI, oauth: FakeOAuth, path: str, login: str, id_param: str) -> None:
    @app.post(path, name=f"token_{login}")
    async def token(request: Request) -> JSONResponse:
        form = {k: str(v) for k, v in (await request.form()).items()}
        if not _client_ok(request, form, id_param):
            return _error("invalid_client", "Client authentication failed", 401)
        if form.get("grant_type") == "refresh_token":
            return _refresh(oauth, login, form.get("refresh_token", ""))
        if form.get("grant_type") != "authorization_code":
            return _error(
                "unsupported_grant_type", "grant_type must be authorization_code or refresh_token"
            )
        pending = oauth.codes.pop(form.get("code", ""), None)
        if pending is None or not pending.get("approved") or pending["login"] != login:
            return _error("invalid_grant", "The authorization code is invalid or was already used")
        if pending["redirect_uri"] != form.get("redirect_uri"):
            return _error("invalid_grant", "redirect_uri does not match the authorization request")
        if login == "x":
            digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
            if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != pending["code_challenge"]:
                return _error("invalid_grant", "code_verifier does not match the code_challenge")
        return JSONResponse(oauth.issue(login))


def _refresh(oauth: FakeOAuth, login: str, refresh_token: str) -> JSONResponse:
    if refresh_token in oauth.revoked or oauth.refresh_tokens.get(refresh_token) != login:
        return _error("invalid_grant", "The refresh token was revoked by the user")
    oauth.refreshes += 1
    del oauth.refresh_tokens[refresh_token]  # rotated: the old one works once
    return JSONResponse(oauth.issue(login))


def build_oauth_app(oauth: FakeOAuth) -> FastAPI:
    """The fake platforms' APIs with the OAuth routes first (the Graph fake's catch-all
    `/{version}/{node}/{edge}` would otherwise answer `/i/oauth2/authorize`)."""
    app = FastAPI()
    add_oauth_routes(app, oauth)
    state = oauth.platforms
    fake_platforms.add_x_routes(app, state)
    fake_platforms.add_pinterest_routes(app, state)
    fake_platforms.add_snapchat_routes(app, state)
    fake_platforms.add_graph_routes(app, state)
    fake_platforms.add_tiktok_routes(app, state)
    return app
