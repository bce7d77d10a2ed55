"""Referrer + UTM + click id + in-app browser -> source, medium, campaign and channel.

Signal order (docs/collect.md, Channels): UTM parameters, click id, referrer host, in-app
browser marker, direct. Source precedence inside the UTM signal follows Plausible:
`utm_source` > `source` > `ref` query parameter > Referer host. Channel rules follow GA4's
default channel group in the evaluation order of Plausible's port; the in-app marker yields
the separate "Social in-app (<App>)" label, never merged into a GA4 channel.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from mercato.collect.sources import APP_PACKAGES, IGNORED_REFERRERS, Category, lookup

PAID_MEDIUM = re.compile(r"^(.*cp.*|ppc|retargeting|paid.*)$")
SHOPPING_CAMPAIGN = re.compile(r"^(.*(([^a-df-z]|^)shop|shopping).*)$")
PAID_SOURCE_SUFFIX = re.compile(r"^(?P<base>.+?)[-_ ]?(ads|ad)$")
SOCIAL_MEDIUMS = frozenset(
    {"social", "social-network", "social-media", "sm", "social network", "social media"}
)
DISPLAY_MEDIUMS = frozenset({"display", "banner", "expandable", "interstitial", "cpm"})
EMAIL_TAGS = ("email", "e-mail", "e_mail", "e mail", "newsletter")
UTM_FIELDS = ("utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term")

# click id -> (source, medium it implies). `fbclid` and `igshid` ride on organic links too,
# so they imply no paid medium (docs/collect.md, Channels: click ids).
CLICK_IDS: dict[str, tuple[str, str]] = {
    "gclid": ("google", "cpc"),
    "gad_source": ("google", "cpc"),
    "msclkid": ("bing", "cpc"),
    "fbclid": ("facebook", "social"),
    "igshid": ("instagram", "social"),
    "igsh": ("instagram", "social"),
    "ttclid": ("tiktok", "paid_social"),
    "twclid": ("x", "paid_social"),
    "sccid": ("snapchat", "paid_social"),
    "scid": ("snapchat", "paid_social"),
    "epik": ("pinterest", "paid_social"),
    "rdt_cid": ("reddit", "paid_social"),
    "li_fat_id": ("linkedin", "paid_social"),
}
DIRECT_SOURCE = "(direct)"
NO_MEDIUM = "(none)"


class Signal:
    UTM = "utm"
    CLICK_ID = "click_id"
    REFERRER = "referrer"
    IN_APP = "in_app"
    DIRECT = "direct"


@dataclass(frozen=True)
class Acquisition:
    source: str
    medium: str
    campaign: str | None
    content: str | None
    term: str | None
    channel: str
    signal: str
    social_platform: str | None
    referrer_host: str | None
    click_id_type: str | None = None
    click_id: str | None = None


def host_of(url: str | None) -> str | None:
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme == "android-app":
        return f"android-app://{parts.netloc.lower()}"
    host = (parts.hostname or "").lower().rstrip(".")
    return host or None


def query_params(url: str | None) -> dict[str, str]:
    """First value of each query parameter, names lower-cased (ScCid -> sccid)."""
    if not url:
        return {}
    try:
        query = urlsplit(url).query
    except ValueError:
        return {}
    params: dict[str, str] = {}
    for name, value in parse_qsl(query, keep_blank_values=False):
        params.setdefault(name.lower(), value.strip())
    return params


def _strip_www(host: str) -> str:
    return host[4:] if host.startswith("www.") else host


def referrer_source(referrer_host: str | None, page_host: str | None) -> str | None:
    """Plausible: the Referer counts only off-site, not localhost; gateways never count."""
    if not referrer_host or referrer_host in ("localhost", "127.0.0.1"):
        return None
    if page_host and _strip_www(referrer_host) == _strip_www(page_host):
        return None
    if referrer_host.startswith("android-app://"):
        package = referrer_host.removeprefix("android-app://")
        return APP_PACKAGES.get(package, referrer_host)
    bare = _strip_www(referrer_host)
    if referrer_host in IGNORED_REFERRERS or bare in IGNORED_REFERRERS:
        return None
    return bare


def _category(source: str) -> tuple[Category | None, str | None]:
    found = lookup(source)
    if found is None:
        paid = PAID_SOURCE_SUFFIX.match(source)
        found = lookup(paid.group("base")) if paid else None
    return (found[0], found[1]) if found else (None, None)


def is_paid_source(utm_source: str) -> bool:
    """Plausible: a utm_source ending in ad/ads (`fb-ads`, `facebook_ad`) is paid."""
    return utm_source == "adwords" or bool(PAID_SOURCE_SUFFIX.match(utm_source))


def ga4_channel(
    source: str, medium: str, campaign: str, utm_source: str = "", click_id_type: str = ""
) -> str:
    """GA4 default channel group, evaluated in the order of Plausible's port."""
    category, _ = _category(source)
    paid = bool(PAID_MEDIUM.match(medium))
    paid_by_source = is_paid_source(utm_source)
    shopping = category is Category.SHOPPING or bool(SHOPPING_CAMPAIGN.match(campaign))
    if "cross-network" in campaign:
        return "Cross-network"
    if shopping and paid:
        return "Paid Shopping"
    if category is Category.SEARCH and (paid or paid_by_source):
        return "Paid Search"
    if (source, click_id_type) in (("google", "gclid"), ("bing", "msclkid")):
        return "Paid Search"
    if category is Category.SOCIAL and (paid or paid_by_source):
        return "Paid Social"
    if category is Category.VIDEO and (paid or paid_by_source):
        return "Paid Video"
    if medium in DISPLAY_MEDIUMS:
        return "Display"
    if paid:
        return "Paid Other"
    if shopping:
        return "Organic Shopping"
    if category is Category.SOCIAL or medium in SOCIAL_MEDIUMS:
        return "Organic Social"
    if category is Category.VIDEO or "video" in medium:
        return "Organic Video"
    if category is Category.AI:
        return "AI Assistants"
    if category is Category.SEARCH or medium == "organic":
        return "Organic Search"
    if category is Category.EMAIL or any(t in utm_source or t in medium for t in EMAIL_TAGS):
        return "Email"
    if medium == "affiliate":
        return "Affiliates"
    if medium == "audio":
        return "Audio"
    if "sms" in (utm_source, medium):
        return "SMS"
    if medium.endswith("push") or "mobile" in medium or "notification" in medium:
        return "Mobile Push Notifications"
    if source == "firebase":
        return "Mobile Push Notifications"
    if medium in ("referral", "app", "link") or (source and source != DIRECT_SOURCE):
        return "Referral"
    return "Direct"


def in_app_label(app: str) -> str:
    return f"Social in-app ({app})"


def _platform(source: str) -> str | None:
    _, platform = _category(source)
    return platform


def _first_click_id(params: dict[str, str]) -> tuple[str, str] | None:
    for name in CLICK_IDS:
        value = params.get(name)
        if value:
            return name, value[:200]
    return None


def _from_utm(
    params: dict[str, str], ref_source: str | None, click: tuple[str, str] | None
) -> tuple[str, str, str]:
    utm_source = params.get("utm_source", "").lower()
    fallback = params.get("source") or params.get("ref") or ref_source
    if not fallback and click:
        fallback = CLICK_IDS[click[0]][0]
    source = utm_source or (fallback or DIRECT_SOURCE).lower()
    medium = params.get("utm_medium", "").lower() or (
        "referral" if source != DIRECT_SOURCE else NO_MEDIUM
    )
    return utm_source, source, medium


def classify(
    page_url: str | None, referrer: str | None, in_app_browser: str | None = None
) -> Acquisition:
    """Decide source, medium, campaign and channel of one hit (docs/collect.md, Channels: the signal
    order)."""
    params = query_params(page_url)
    referrer_host = host_of(referrer)
    ref_source = referrer_source(referrer_host, host_of(page_url))
    click = _first_click_id(params)
    click_type, click_value = click if click else (None, None)
    campaign = params.get("utm_campaign") or None
    content = params.get("utm_content") or None
    term = params.get("utm_term") or None
    common = {
        "campaign": campaign,
        "content": content,
        "term": term,
        "referrer_host": referrer_host,
        "click_id_type": click_type,
        "click_id": click_value,
    }
    if any(params.get(name) for name in UTM_FIELDS) or params.get("source") or params.get("ref"):
        utm_source, source, medium = _from_utm(params, ref_source, click)
        channel = ga4_channel(
            source, medium, (campaign or "").lower(), utm_source, click_type or ""
        )
        return Acquisition(
            source,
            medium,
            channel=channel,
            signal=Signal.UTM,
            social_platform=_platform(source),
            **common,
        )
    if click_type:
        implied_source, medium = CLICK_IDS[click_type]
        # A social referrer names the app better than the id does (fbclid from Instagram).
        source = (_platform(ref_source) if ref_source else None) or implied_source
        channel = ga4_channel(source, medium, "", "", click_type)
        return Acquisition(
            source,
            medium,
            channel=channel,
            signal=Signal.CLICK_ID,
            social_platform=_platform(source),
            **common,
        )
    if ref_source:
        category, platform = _category(ref_source)
        medium = "organic" if category is Category.SEARCH else "referral"
        source = platform or ref_source
        channel = ga4_channel(ref_source, medium, "")
        return Acquisition(
            source,
            medium,
            channel=channel,
            signal=Signal.REFERRER,
            social_platform=platform,
            **common,
        )
    if in_app_browser:
        platform = in_app_browser.lower()
        return Acquisition(
            platform,
            "social",
            channel=in_app_label(in_app_browser),
            signal=Signal.IN_APP,
            social_platform=platform,
            **common,
        )
    return Acquisition(
        DIRECT_SOURCE,
        NO_MEDIUM,
        channel="Direct",
        signal=Signal.DIRECT,
        social_platform=None,
        **common,
    )
