"""Trading an authorisation code for tokens, and refreshing them, the way each platform
documents it. Tokens pass through here and go straight to sealed columns: they are never
logged, and error messages carry only the platform's own error text."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx

from mercato.connectors.connect.providers import Provider, endpoints
from mercato.core.errors import MercatoError
from mercato.core.outbound import OutboundRefused, guarded_client
from mercato.core.timeutil import utcnow

# httpx logs every request URL at INFO; Meta's token exchange is a GET carrying the client
# secret and tokens in its query, so those lines must never be written.
logging.getLogger("httpx").setLevel(logging.WARNING)


class OAuthFailed(MercatoError):
    """The platform refused a code or a refresh; `message` is its own explanation."""

    def __init__(self, message: str, *, code: str = "", permanent: bool = True) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.permanent = permanent  # False: a network or 5xx problem worth retrying later


@dataclass(frozen=True)
class AppCredentials:
    client_id: str
    client_secret: str
    endpoint_override: str | None = None


@dataclass(frozen=True)
class TokenSet:
    access_token: str
    refresh_token: str | None = None
    expires_at: datetime | None = None
    refresh_expires_at: datetime | None = None
    scopes: str = ""
    extra: dict[str, Any] = field(default_factory=dict)  # open_id and the like, no secrets


def token_set(body: dict[str, Any], now: datetime, previous_refresh: str | None = None) -> TokenSet:
    """A token answer, TikTok's `data`-wrapped form included; a refresh answer without a new
    refresh token keeps the one it was made with."""
    wrapped = body.get("data")
    data: dict[str, Any] = wrapped if isinstance(wrapped, dict) else body
    access = data.get("access_token")
    if not isinstance(access, str) or not access:
        raise OAuthFailed("the platform answered without an access_token", code="no_token")
    expires_in = data.get("expires_in")
    refresh_in = data.get("refresh_expires_in") or data.get("refresh_token_expires_in")
    return TokenSet(
        access_token=access,
        refresh_token=data.get("refresh_token") or previous_refresh,
        expires_at=now + timedelta(seconds=int(expires_in)) if expires_in else None,
        refresh_expires_at=now + timedelta(seconds=int(refresh_in)) if refresh_in else None,
        scopes=str(data.get("scope") or ""),
        extra={k: data[k] for k in ("open_id", "token_type") if k in data},
    )


def _post(provider: Provider, app: AppCredentials, form: dict[str, str]) -> dict[str, Any]:
    _, token_url, _ = endpoints(provider, app.endpoint_override)
    auth = httpx.BasicAuth(app.client_id, app.client_secret)
    if provider.client_auth == "body":
        form = {**form, provider.client_id_param: app.client_id, "client_secret": app.client_secret}
    else:
        form = {**form, "client_id": app.client_id}
    try:
        with guarded_client(timeout=30.0) as http:
            if provider.exchange_method == "GET":
                response = http.get(token_url, params=form)
            else:
                response = (
                    http.post(token_url, data=form, auth=auth)
                    if provider.client_auth == "basic"
                    else http.post(token_url, data=form)
                )
    except OutboundRefused as exc:
        raise OAuthFailed(exc.message, code=exc.code) from None
    except httpx.TransportError as exc:
        raise OAuthFailed(
            f"the token endpoint did not answer ({exc.__class__.__name__})", permanent=False
        ) from None
    return _answer(response)


def _answer(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    error = body.get("error")
    if response.status_code < 400 and not error:
        return body
    if isinstance(error, dict):  # Meta: {"error": {"message", "type", "code"}}
        message, code = str(error.get("message") or ""), str(error.get("code") or "")
    else:  # RFC 6749 §5.2: {"error", "error_description"}
        message = str(body.get("error_description") or error or "")
        code = str(error or "")
    message = message or f"HTTP {response.status_code}"
    raise OAuthFailed(message, code=code, permanent=response.status_code < 500)


def exchange_code(
    provider: Provider,
    app: AppCredentials,
    *,
    code: str,
    redirect_uri: str,
    verifier: str | None,
    now: datetime | None = None,
) -> TokenSet:
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
    if provider.pkce and verifier:
        form["code_verifier"] = verifier
    if provider.login == "meta":
        form.pop("grant_type")
    now = now or utcnow()
    tokens = token_set(_post(provider, app, form), now)
    if provider.login == "meta":
        tokens = long_lived_meta(provider, app, tokens.access_token, now)
    return tokens


def long_lived_meta(
    provider: Provider, app: AppCredentials, short_lived: str, now: datetime
) -> TokenSet:
    """Meta's exchange of a short-lived user token for a long-lived (about 60 days) one."""
    form = {"grant_type": "fb_exchange_token", "fb_exchange_token": short_lived}
    return token_set(_post(provider, app, form), now)


def refresh(
    provider: Provider, app: AppCredentials, refresh_token: str, now: datetime | None = None
) -> TokenSet:
    if not provider.refreshable:
        raise OAuthFailed(f"{provider.login} tokens cannot be refreshed: log in again")
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    return token_set(_post(provider, app, form), now or utcnow(), previous_refresh=refresh_token)
