"""Which accounts a fresh token is for, asked of each platform's own API.

A Meta login can bring several Facebook pages, each maybe with an Instagram professional
account (`/me/accounts` with `instagram_business_account`): every one becomes a choice, with
the page's token (page tokens from a long-lived user token do not expire). Other platforms
grant one account (Snapchat: one choice per ad account the user can reach)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from mercato.connectors.connect.providers import META_VERSION
from mercato.connectors.connect.tokens import OAuthFailed, TokenSet
from mercato.connectors.platforms.client import ApiClient, ClientPolicy
from mercato.connectors.platforms.errors import PlatformError
from mercato.connectors.platforms.graph import classify as graph_classify
from mercato.connectors.platforms.x import classify as x_classify


@dataclass(frozen=True)
class Grant:
    platform: str
    handle: str
    external_id: str
    name: str
    access_token: str
    refresh_token: str | None
    expires_at: str | None  # ISO, so a grant survives JSON while the user picks
    refresh_expires_at: str | None
    scopes: str
    api_base_url: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _plain_classify(response: Any, body: Any) -> PlatformError | None:
    if response.status_code < 400:
        return None
    return PlatformError(f"HTTP {response.status_code}", status=response.status_code)


def granted(
    login: str, tokens: TokenSet, api_base: str, override: str | None, policy: ClientPolicy
) -> list[Grant]:
    try:
        return _granted(login, tokens, api_base, override, policy)
    except PlatformError as exc:
        raise OAuthFailed(f"{login}: could not list the granted accounts: {exc.message}") from None


def _grant(tokens: TokenSet, override: str | None, **fields: str) -> Grant:
    return Grant(
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token,
        expires_at=_iso(tokens.expires_at),
        refresh_expires_at=_iso(tokens.refresh_expires_at),
        scopes=tokens.scopes,
        api_base_url=override,
        **fields,  # type: ignore[arg-type]
    )


def _granted(
    login: str, tokens: TokenSet, api_base: str, override: str | None, policy: ClientPolicy
) -> list[Grant]:
    bearer = {"Authorization": f"Bearer {tokens.access_token}"}
    if login == "meta":
        return _meta(tokens, api_base, override, policy)
    if login == "x":
        client = ApiClient(api_base, bearer, x_classify, policy)
        user = client.request("GET", "/2/users/me").get("data") or {}
        return [
            _grant(
                tokens,
                override,
                platform="x",
                handle=str(user.get("username")),
                external_id=str(user.get("id")),
                name=str(user.get("name") or ""),
            )
        ]
    if login == "tiktok":
        client = ApiClient(api_base, bearer, _plain_classify, policy)
        body = client.request(
            "GET", "/v2/user/info/", params={"fields": "open_id,display_name,username"}
        )
        user = (body.get("data") or {}).get("user") or {}
        handle = str(user.get("username") or user.get("display_name") or user.get("open_id"))
        return [
            _grant(
                tokens,
                override,
                platform="tiktok",
                handle=handle,
                external_id=str(user.get("open_id") or tokens.extra.get("open_id", "")),
                name=str(user.get("display_name") or ""),
            )
        ]
    if login == "pinterest":
        client = ApiClient(api_base, bearer, _plain_classify, policy)
        user = client.request("GET", "/v5/user_account")
        return [
            _grant(
                tokens,
                override,
                platform="pinterest",
                handle=str(user.get("username")),
                external_id=str(user.get("id") or user.get("username")),
                name=str(user.get("business_name") or ""),
            )
        ]
    if login == "snapchat":
        return _snapchat(tokens, api_base, override, policy)
    raise OAuthFailed(f"no account lookup for {login!r}")


def _meta(
    tokens: TokenSet, api_base: str, override: str | None, policy: ClientPolicy
) -> list[Grant]:
    client = ApiClient(
        api_base, {"Authorization": f"Bearer {tokens.access_token}"}, graph_classify, policy
    )
    fields = "id,name,access_token,instagram_business_account{id,username}"
    choices: list[Grant] = []
    after: str | None = None
    while True:
        params = {"fields": fields, **({"after": after} if after else {})}
        body = client.request("GET", f"/{META_VERSION}/me/accounts", params=params)
        for page in body.get("data") or []:
            page_tokens = TokenSet(
                str(page.get("access_token") or tokens.access_token), scopes=tokens.scopes
            )
            choices.append(
                _grant(
                    page_tokens,
                    override,
                    platform="facebook",
                    handle=str(page.get("name") or page["id"]),
                    external_id=str(page["id"]),
                    name=str(page.get("name") or ""),
                )
            )
            ig = page.get("instagram_business_account")
            if isinstance(ig, dict) and ig.get("id"):
                choices.append(
                    _grant(
                        page_tokens,
                        override,
                        platform="instagram",
                        handle=str(ig.get("username") or ig["id"]),
                        external_id=str(ig["id"]),
                        name=str(page.get("name") or ""),
                    )
                )
        paging = body.get("paging") or {}
        after = (paging.get("cursors") or {}).get("after") if paging.get("next") else None
        if not after:
            return choices


def _snapchat(
    tokens: TokenSet, api_base: str, override: str | None, policy: ClientPolicy
) -> list[Grant]:
    client = ApiClient(
        api_base, {"Authorization": f"Bearer {tokens.access_token}"}, _plain_classify, policy
    )
    body = client.request("GET", "/v1/me/organizations", params={"with_ad_accounts": "true"})
    choices = []
    for wrapped in body.get("organizations") or []:
        organization = wrapped.get("organization") or {}
        for account in organization.get("ad_accounts") or []:
            choices.append(
                _grant(
                    tokens,
                    override,
                    platform="snapchat",
                    handle=str(account.get("name") or account["id"]),
                    external_id=str(account["id"]),
                    name=str(organization.get("name") or ""),
                )
            )
    return choices
