"""Each platform's documented OAuth 2.0 shape: where to send the user, how to trade the code
and refresh the token, which scopes to ask for, and which API tells whom the token is for.

Facts (docs/connectors.md has the details and sources' names):
- Meta (Facebook Login for Business): `www.facebook.com/{v}/dialog/oauth`, code traded with
  GET `graph.facebook.com/{v}/oauth/access_token`; the short-lived user token (hours) is
  exchanged for a long-lived one (about 60 days, `grant_type=fb_exchange_token`); there is
  no refresh token: page tokens fetched with a long-lived user token do not expire, and a
  user token past its 60 days needs the user to log in again.
- TikTok Login Kit v2: `www.tiktok.com/v2/auth/authorize/` (`client_key`, comma-separated
  scopes), POST `open.tiktokapis.com/v2/oauth/token/`; refresh tokens rotate.
- X: `x.com/i/oauth2/authorize` with PKCE (S256), POST `api.x.com/2/oauth2/token` with HTTP
  Basic client auth; `offline.access` brings a refresh token; access tokens last 2 hours.
- Pinterest v5: `www.pinterest.com/oauth/`, POST `api.pinterest.com/v5/oauth/token` (Basic).
- Snapchat: `accounts.snapchat.com/login/oauth2/authorize`, POST
  `accounts.snapchat.com/login/oauth2/access_token`; access tokens last about an hour.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

META_VERSION = "v23.0"


@dataclass(frozen=True)
class Provider:
    login: str  # the login's name: "meta" covers facebook and instagram
    authorize_host: str
    authorize_path: str
    exchange_host: str
    exchange_path: str
    scopes: tuple[str, ...]
    scope_separator: str = " "
    client_id_param: str = "client_id"
    pkce: bool = False
    client_auth: Literal["body", "basic"] = "body"
    exchange_method: Literal["GET", "POST"] = "POST"
    refreshable: bool = True
    api_host: str = ""


PROVIDERS: dict[str, Provider] = {
    "meta": Provider(
        login="meta",
        authorize_host="https://www.facebook.com",
        authorize_path=f"/{META_VERSION}/dialog/oauth",
        exchange_host="https://graph.facebook.com",
        exchange_path=f"/{META_VERSION}/oauth/access_token",
        scopes=(
            "pages_show_list",
            "pages_read_engagement",
            "read_insights",
            "instagram_basic",
            "instagram_manage_insights",
            "business_management",
        ),
        scope_separator=",",
        exchange_method="GET",
        refreshable=False,
        api_host="https://graph.facebook.com",
    ),
    "tiktok": Provider(
        login="tiktok",
        authorize_host="https://www.tiktok.com",
        authorize_path="/v2/auth/authorize/",
        exchange_host="https://open.tiktokapis.com",
        exchange_path="/v2/oauth/token/",
        scopes=("user.info.basic", "user.info.stats", "video.list"),
        scope_separator=",",
        client_id_param="client_key",
        api_host="https://open.tiktokapis.com",
    ),
    "x": Provider(
        login="x",
        authorize_host="https://x.com",
        authorize_path="/i/oauth2/authorize",
        exchange_host="https://api.x.com",
        exchange_path="/2/oauth2/token",
        scopes=("tweet.read", "users.read", "offline.access"),
        pkce=True,
        client_auth="basic",
        api_host="https://api.x.com",
    ),
    "pinterest": Provider(
        login="pinterest",
        authorize_host="https://www.pinterest.com",
        authorize_path="/oauth/",
        exchange_host="https://api.pinterest.com",
        exchange_path="/v5/oauth/token",
        scopes=("user_accounts:read", "pins:read", "boards:read"),
        scope_separator=",",
        client_auth="basic",
        api_host="https://api.pinterest.com",
    ),
    "snapchat": Provider(
        login="snapchat",
        authorize_host="https://accounts.snapchat.com",
        authorize_path="/login/oauth2/authorize",
        exchange_host="https://accounts.snapchat.com",
        exchange_path="/login/oauth2/access_token",
        scopes=("snapchat-marketing-api",),
        api_host="https://adsapi.snapchat.com",
    ),
}

# Which login connects which account platform.
LOGIN_OF = {
    "instagram": "meta",
    "facebook": "meta",
    "meta": "meta",
    "tiktok": "tiktok",
    "x": "x",
    "pinterest": "pinterest",
    "snapchat": "snapchat",
}


def endpoints(provider: Provider, override: str | None) -> tuple[str, str, str]:
    """(authorize URL, token URL, API base) — all on `override` when one is configured."""
    if override:
        base = override.rstrip("/")
        return base + provider.authorize_path, base + provider.exchange_path, base
    return (
        provider.authorize_host + provider.authorize_path,
        provider.exchange_host + provider.exchange_path,
        provider.api_host,
    )
