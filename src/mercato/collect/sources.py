"""Source categories: which referrer hosts and source names are social, search, video, ...

Versioned data, kept in the shape of Google's GA4 source-category list (as vendored by
Plausible in `priv/ga4-source-categories.csv`), restricted to the entries that matter for a
shop, plus the hosts Mercato adds (x.com, pin.it, threads.net, bsky.app, messaging apps) and
Plausible's AI-assistant category. Matching is exact on the host, then on the host without
`www.`, then on the registrable domain: never by substring (`t.co` must not match
`microsoft.com`). Golden-table tests in tests/collect/test_channels.py pin every entry class.
"""

from __future__ import annotations

from enum import StrEnum

SOURCE_LIST_VERSION = "2026-11-ga4+mercato.1"


class Category(StrEnum):
    SOCIAL = "social"
    SEARCH = "search"
    VIDEO = "video"
    SHOPPING = "shopping"
    EMAIL = "email"
    AI = "ai_assistant"


def _entries(
    category: Category, platform: str | None, *names: str
) -> dict[str, tuple[Category, str | None]]:
    return dict.fromkeys(names, (category, platform))


_PINTEREST_TLDS = (
    "pinterest.com",
    "pinterest.co.uk",
    "pinterest.de",
    "pinterest.fr",
    "pinterest.it",
    "pinterest.es",
    "pinterest.ca",
    "pinterest.com.au",
    "pinterest.com.mx",
    "pinterest.jp",
    "pinterest.nz",
    "pinterest.ie",
    "pinterest.at",
    "pinterest.ch",
    "pinterest.se",
    "pinterest.dk",
    "pinterest.pt",
    "pinterest.cl",
    "pinterest.ph",
    "pinterest.co.kr",
    "pinterest.ru",
    "pinterest.com.br",
    "br.pinterest.com",
    "uk.pinterest.com",
    "de.pinterest.com",
    "fr.pinterest.com",
    "in.pinterest.com",
    "nl.pinterest.com",
)

# name (a host or a GA4 source alias, lower case) -> (category, social platform token)
SOURCES: dict[str, tuple[Category, str | None]] = {
    **_entries(
        Category.SOCIAL,
        "facebook",
        "facebook",
        "facebook.com",
        "fb",
        "fb.me",
        "l.facebook.com",
        "lm.facebook.com",
        "m.facebook.com",
        "mobile.facebook.com",
        "web.facebook.com",
        "touch.facebook.com",
        "business.facebook.com",
        "apps.facebook.com",
        "free.facebook.com",
    ),
    **_entries(Category.SOCIAL, "instagram", "instagram", "instagram.com", "ig", "l.instagram.com"),
    **_entries(Category.SOCIAL, "messenger", "messenger", "messenger.com", "l.messenger.com"),
    **_entries(
        Category.SOCIAL, "whatsapp", "whatsapp", "whatsapp.com", "web.whatsapp.com", "wa.me"
    ),
    **_entries(
        Category.SOCIAL,
        "x",
        "twitter",
        "twitter.com",
        "t.co",
        "tweetdeck",
        "tweetdeck.com",
        "x",
        "x.com",
        "mobile.twitter.com",
        "x (twitter)",
    ),
    **_entries(Category.SOCIAL, "tiktok", "tiktok", "tiktok.com", "vm.tiktok.com"),
    **_entries(Category.SOCIAL, "pinterest", "pinterest", "pin.it", *_PINTEREST_TLDS),
    **_entries(Category.SOCIAL, "snapchat", "snapchat", "snapchat.com"),
    **_entries(
        Category.SOCIAL,
        "reddit",
        "reddit",
        "reddit.com",
        "out.reddit.com",
        "old.reddit.com",
        "amp.reddit.com",
    ),
    **_entries(Category.SOCIAL, "linkedin", "linkedin", "linkedin.com", "lnkd.in"),
    **_entries(
        Category.SOCIAL, "threads", "threads", "threads.net", "threads.com", "l.threads.net"
    ),
    **_entries(Category.SOCIAL, "bluesky", "bluesky", "bsky.app", "bsky"),
    **_entries(Category.SOCIAL, "telegram", "telegram", "t.me", "telegram.org", "web.telegram.org"),
    # LINE: line.me (and liff./page. subdomains by registrable domain), lin.ee short links.
    **_entries(Category.SOCIAL, "line", "line", "line.me", "lin.ee", "line.naver.jp"),
    **_entries(Category.SOCIAL, "discord", "discord", "discord.com", "discordapp.com"),
    **_entries(Category.SOCIAL, "mastodon", "mastodon", "mastodon.social"),
    **_entries(Category.SOCIAL, "tumblr", "tumblr", "tumblr.com"),
    **_entries(Category.SOCIAL, "vk", "vk.com", "vkontakte"),
    **_entries(Category.SOCIAL, None, "bit.ly", "news.ycombinator.com", "hacker news", "slack"),
    **_entries(
        Category.SEARCH,
        None,
        "google",
        "bing",
        "yahoo",
        "yahoo!",
        "duckduckgo",
        "baidu",
        "yandex",
        "ecosia",
        "brave",
        "naver",
        "sogou",
        "qwant",
        "startpage",
        "seznam",
        "search.yahoo.com",
        "duckduckgo.com",
        "bing.com",
        "baidu.com",
        "yandex.ru",
        "yandex.com",
        "ecosia.org",
        "search.brave.com",
        "naver.com",
        "qwant.com",
        "startpage.com",
        "seznam.cz",
        "google.com",
        "google.co.uk",
        "google.de",
        "google.fr",
        "google.it",
        "google.es",
        "google.ca",
        "google.com.au",
        "google.co.jp",
        "google.com.br",
        "google.co.in",
        "google.nl",
        "google.com.mx",
    ),
    **_entries(
        Category.VIDEO,
        "youtube",
        "youtube",
        "youtube.com",
        "m.youtube.com",
        "youtu.be",
        "music.youtube.com",
    ),
    **_entries(
        Category.VIDEO, None, "vimeo", "vimeo.com", "twitch", "twitch.tv", "dailymotion.com"
    ),
    **_entries(
        Category.SHOPPING,
        None,
        "igshopping",
        "google shopping",
        "shopping.google.com",
        "amazon.com",
        "amazon",
        "ebay",
        "ebay.com",
        "etsy",
        "etsy.com",
        "shopify",
        "shop.app",
        "temu.com",
    ),
    **_entries(
        Category.EMAIL,
        None,
        "gmail",
        "mail.google.com",
        "outlook.live.com",
        "mail.yahoo.com",
        "email",
        "newsletter",
    ),
    **_entries(
        Category.AI,
        None,
        "chatgpt",
        "chatgpt.com",
        "chat.openai.com",
        "claude",
        "claude.ai",
        "perplexity",
        "perplexity.ai",
        "gemini.google.com",
        "google gemini",
        "copilot",
        "copilot.microsoft.com",
        "phind",
        "deepseek",
        "chat.deepseek.com",
        "grok",
    ),
}

# Android app referrers (`android-app://com.instagram.android`) expose some "dark social".
APP_PACKAGES: dict[str, str] = {
    "com.instagram.android": "instagram",
    "com.facebook.katana": "facebook",
    "com.facebook.orca": "messenger",
    "com.zhiliaoapp.musically": "tiktok",
    "com.ss.android.ugc.trill": "tiktok",
    "com.twitter.android": "x",
    "com.pinterest": "pinterest",
    "com.snapchat.android": "snapchat",
    "com.reddit.frontpage": "reddit",
    "com.linkedin.android": "linkedin",
    "com.whatsapp": "whatsapp",
    "org.telegram.messenger": "telegram",
    "jp.naver.line.android": "line",
    "com.instagram.barcelona": "threads",
    "com.google.android.gm": "gmail",
    "com.google.android.googlequicksearchbox": "google",
}

# Payment gateways and identity providers send the shopper back mid-visit; they are never a
# source (docs/collect.md, Channels: a gateway must not steal the credit).
IGNORED_REFERRERS: frozenset[str] = frozenset(
    {
        "checkout.stripe.com",
        "stripe.com",
        "hooks.stripe.com",
        "paypal.com",
        "www.paypal.com",
        "checkout.paypal.com",
        "klarna.com",
        "pay.klarna.com",
        "adyen.com",
        "checkoutshopper-live.adyen.com",
        "mollie.com",
        "checkout.shopify.com",
        "shop.app",
        "pay.google.com",
        "appleid.apple.com",
        "accounts.google.com",
        "3dsecure.io",
        "secure5.arcot.com",
    }
)

# Two-label public suffixes common in shop traffic, for the registrable-domain fallback.
TWO_LABEL_SUFFIXES: frozenset[str] = frozenset(
    {
        "co.uk",
        "org.uk",
        "ac.uk",
        "com.au",
        "net.au",
        "co.nz",
        "co.jp",
        "ne.jp",
        "co.kr",
        "com.br",
        "com.mx",
        "com.ar",
        "co.in",
        "co.za",
        "com.tr",
        "com.cn",
        "com.hk",
        "com.sg",
        "com.tw",
        "co.id",
        "com.ph",
        "com.co",
        "co.il",
    }
)


def registrable_domain(host: str) -> str:
    labels = host.split(".")
    if len(labels) >= 3 and ".".join(labels[-2:]) in TWO_LABEL_SUFFIXES:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def lookup(name: str) -> tuple[Category, str | None] | None:
    """The category of a source name or host: exact, then without www., then registrable domain."""
    key = name.strip().lower()
    if not key:
        return None
    found = SOURCES.get(key)
    if found is None and key.startswith("www."):
        found = SOURCES.get(key[4:])
    if found is None and "." in key:
        found = SOURCES.get(registrable_domain(key.removeprefix("www.")))
    return found
