"""Connect flows, called by the Sources page, the API and `mercato accounts connect`.

`start` records a single-use `state` (only its SHA-256 digest is kept), bound to the login
session that asked (or to "cli" for a URL printed by the CLI, which the callback then accepts
from any admin of the workspace), valid STATE_TTL, with the PKCE verifier sealed beside it.
`complete` checks all of that before it trades the code. A login granting one account stores
it; one granting several (Meta) parks the choices, sealed, until the user picks.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from sqlalchemy import select
from sqlalchemy.orm import Session

from mercato.catalog.db import Catalog
from mercato.catalog.models import (
    AccountConnection,
    AccountStatus,
    OAuthApp,
    OAuthState,
    PendingGrant,
    SocialAccount,
)
from mercato.connectors.connect.errors import ConnectError
from mercato.connectors.connect.grants import Grant, granted
from mercato.connectors.connect.providers import LOGIN_OF, PROVIDERS, Provider, endpoints
from mercato.connectors.connect.tokens import AppCredentials, OAuthFailed, exchange_code
from mercato.connectors.platforms.client import ClientPolicy
from mercato.core.errors import NotFoundError, ValidationFailed
from mercato.core.labels import N_
from mercato.core.timeutil import utcnow

STATE_TTL = timedelta(minutes=10)
GRANT_TTL = timedelta(minutes=30)
CLI_BINDING = "cli"


@dataclass(frozen=True)
class Completed:
    login: str
    account_ids: list[str]
    pending_grant_id: str | None = None


def provider_for(platform: str) -> Provider:
    login = LOGIN_OF.get(platform)
    if login is None:
        raise ValidationFailed(
            f"{ConnectError.UNKNOWN_PLATFORM}: no OAuth connect for {platform!r}; "
            f"known: {sorted(LOGIN_OF)}",
            location="platform",
        )
    return PROVIDERS[login]


def binding_of(login_secret: str | None) -> str:
    """What a state is bound to: the digest of the login session's secret."""
    if not login_secret:
        return CLI_BINDING
    return hashlib.sha256(login_secret.encode()).hexdigest()


def set_app(
    session: Session,
    workspace_id: str,
    platform: str,
    *,
    client_id: str,
    client_secret: str,
    endpoint_override: str | None = None,
) -> OAuthApp:
    login = provider_for(platform).login
    if not client_id.strip() or not client_secret.strip():
        raise ValidationFailed(
            N_("client_id and client_secret are both required"), location="client_id"
        )
    app = session.scalar(
        select(OAuthApp).where(OAuthApp.workspace_id == workspace_id, OAuthApp.platform == login)
    )
    if app is None:
        app = OAuthApp(workspace_id=workspace_id, platform=login)
        session.add(app)
    app.client_id = client_id.strip()
    app.client_secret = client_secret.strip()
    app.endpoint_override = (endpoint_override or "").strip() or None
    session.flush()
    return app


def app_credentials(session: Session, workspace_id: str, login: str) -> AppCredentials:
    app = session.scalar(
        select(OAuthApp).where(OAuthApp.workspace_id == workspace_id, OAuthApp.platform == login)
    )
    if app is None:
        raise ValidationFailed(
            N_(
                "%(code)s: enter the %(app)s app's client id and secret in Settings "
                "(or `mercato accounts app %(app)s`) first"
            ),
            location="platform",
            params={"code": ConnectError.NO_APP, "app": login},
        )
    return AppCredentials(app.client_id, app.client_secret, app.endpoint_override)


def configured_apps(session: Session, workspace_id: str) -> dict[str, str]:
    """login → client id (never the secret) of the workspace's registered apps."""
    rows = session.scalars(select(OAuthApp).where(OAuthApp.workspace_id == workspace_id))
    return {app.platform: app.client_id for app in rows}


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def start(
    catalog: Catalog,
    workspace_id: str,
    platform: str,
    *,
    redirect_uri: str,
    binding: str,
    now: datetime | None = None,
) -> str:
    """The URL to send the user to."""
    provider = provider_for(platform)
    now = now or utcnow()
    state = secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64)  # 86 chars: within RFC 7636's 43-128
    with catalog.session() as session:
        app = app_credentials(session, workspace_id, provider.login)
        session.add(
            OAuthState(
                digest=hashlib.sha256(state.encode()).hexdigest(),
                workspace_id=workspace_id,
                platform=provider.login,
                session_binding=binding,
                code_verifier=verifier,
                redirect_uri=redirect_uri,
                created_at=now,
                expires_at=now + STATE_TTL,
            )
        )
    authorize_url, _, _ = endpoints(provider, app.endpoint_override)
    query = {
        provider.client_id_param: app.client_id,
        "redirect_uri": redirect_uri,
        "response_type": "code",
        "scope": provider.scope_separator.join(provider.scopes),
        "state": state,
    }
    if provider.pkce:
        query |= {"code_challenge": _challenge(verifier), "code_challenge_method": "S256"}
    return f"{authorize_url}?{urlencode(query)}"


def _claim_state(
    session: Session, workspace_id: str, login: str, state: str, binding: str, now: datetime
) -> tuple[OAuthState | None, str | None]:
    """The state row, marked used even when refused (a state is tried once), and what is
    wrong with it, if anything."""
    found = session.scalar(
        select(OAuthState).where(OAuthState.digest == hashlib.sha256(state.encode()).hexdigest())
    )
    problem = None
    if found is None or found.workspace_id != workspace_id or found.platform != login:
        problem = "unknown state (start the connection again from Sources)"
    elif found.used_at is not None:
        problem = "this sign-in was already completed (a state works once)"
    elif found.expires_at < now:
        problem = "the sign-in took too long (over 10 minutes); start it again"
    elif found.session_binding not in (binding, CLI_BINDING):
        problem = "the sign-in was started in another session"
    if found is not None and found.used_at is None:
        found.used_at = now
    return found, problem


def complete(
    catalog: Catalog,
    workspace_id: str,
    platform: str,
    *,
    state: str,
    code: str | None,
    error: str | None,
    error_description: str | None,
    binding: str,
    policy: ClientPolicy | None = None,
    now: datetime | None = None,
) -> Completed:
    provider = provider_for(platform)
    now = now or utcnow()
    with catalog.session() as session:
        claimed, problem = _claim_state(session, workspace_id, provider.login, state, binding, now)
        if claimed is not None:
            verifier, redirect_uri = claimed.code_verifier, claimed.redirect_uri
    if problem or claimed is None:
        raise ValidationFailed(f"{ConnectError.BAD_STATE}: {problem}", location="state")
    with catalog.session() as session:
        app = app_credentials(session, workspace_id, provider.login)
    if error or not code:
        raise ValidationFailed(
            f"{ConnectError.DENIED}: {provider.login} said {error or 'no code'}"
            + (f": {error_description}" if error_description else ""),
            location="code",
        )
    tokens = exchange_code(
        provider, app, code=code, redirect_uri=redirect_uri, verifier=verifier, now=now
    )
    _, _, api_base = endpoints(provider, app.endpoint_override)
    choices = granted(
        provider.login, tokens, api_base, app.endpoint_override, policy or ClientPolicy()
    )
    if not choices:
        raise OAuthFailed(f"{ConnectError.NO_ACCOUNTS}: the login granted no account")
    with catalog.session() as session:
        if len(choices) == 1 and provider.login != "meta":
            return Completed(provider.login, [store_grant(session, workspace_id, choices[0])])
        pending = PendingGrant(
            workspace_id=workspace_id,
            platform=provider.login,
            session_binding=binding,
            sealed_choices=json.dumps([c.as_dict() for c in choices]),
            created_at=now,
            expires_at=now + GRANT_TTL,
        )
        session.add(pending)
        session.flush()
        return Completed(provider.login, [], pending.id)


@dataclass(frozen=True)
class Choice:
    key: str
    platform: str
    handle: str
    name: str


def pending_choices(
    catalog: Catalog, workspace_id: str, grant_id: str, now: datetime | None = None
) -> list[Choice]:
    with catalog.session() as session:
        grants = _pending(session, workspace_id, grant_id, now or utcnow())
        return [
            Choice(f"{g.platform}:{g.external_id}", g.platform, g.handle, g.name) for g in grants
        ]


def _pending(session: Session, workspace_id: str, grant_id: str, now: datetime) -> list[Grant]:
    pending = session.get(PendingGrant, grant_id)
    if pending is None or pending.workspace_id != workspace_id or pending.expires_at < now:
        raise NotFoundError(N_("this account choice expired or does not exist; connect again"))
    return [Grant(**raw) for raw in json.loads(pending.sealed_choices)]


def pick(
    catalog: Catalog, workspace_id: str, grant_id: str, keys: list[str], now: datetime | None = None
) -> list[str]:
    """Store the chosen accounts of a pending grant; the grant is then gone."""
    if not keys:
        raise ValidationFailed(N_("pick at least one account"), location="accounts")
    with catalog.session() as session:
        grants = {
            f"{g.platform}:{g.external_id}": g
            for g in _pending(session, workspace_id, grant_id, now or utcnow())
        }
        unknown = [k for k in keys if k not in grants]
        if unknown:
            raise ValidationFailed(f"not offered by this login: {unknown}", location="accounts")
        stored = [store_grant(session, workspace_id, grants[k]) for k in keys]
        pending = session.get(PendingGrant, grant_id)
        if pending is not None:
            session.delete(pending)
        return stored


def store_grant(session: Session, workspace_id: str, grant: Grant) -> str:
    """Create or update the account a grant is for, with its tokens; its id."""
    account = session.scalar(
        select(SocialAccount).where(
            SocialAccount.workspace_id == workspace_id,
            SocialAccount.platform == grant.platform,
            (SocialAccount.external_id == grant.external_id)
            | (SocialAccount.handle == grant.handle),
        )
    )
    if account is None:
        account = SocialAccount(
            workspace_id=workspace_id, platform=grant.platform, handle=grant.handle
        )
        session.add(account)
    account.external_id = grant.external_id
    account.display_name = grant.name[:200]
    account.access_token = grant.access_token
    account.status = AccountStatus.ACTIVE
    account.last_error = None
    session.flush()
    connection = session.get(AccountConnection, account.id)
    if connection is None:
        connection = AccountConnection(social_account_id=account.id, options={})
        session.add(connection)
    connection.api_base_url = grant.api_base_url
    connection.refresh_token = grant.refresh_token
    connection.token_expires_at = _parse(grant.expires_at)
    connection.refresh_token_expires_at = _parse(grant.refresh_expires_at)
    connection.granted_scopes = grant.scopes[:500]
    return account.id


def _parse(raw: str | None) -> datetime | None:
    return datetime.fromisoformat(raw) if raw else None
