"""User agent -> device, browser, OS, in-app browser and bot verdict.

Parsing uses `ua-parser` with its bundled regexes (`ua-parser-builtins`, nothing is
downloaded) and the Rust accelerator when installed; results are cached because a shop sees
the same few hundred user agents over and over.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ua_parser import parse

# docs/collect.md, Channels (in-app browser), most specific first: Threads' webview also says
# "Instagram".
IN_APP_MARKERS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), app)
    for pattern, app in (
        (r"\bBarcelona\b", "Threads"),
        (r"\bInstagram\b", "Instagram"),
        (r"\bMessengerForiOS\b|\bOrca-Android\b", "Messenger"),
        (r"\bFBAN/|\bFBAV/|\bFB_IAB/|\bFBIOS\b|\bFB4A\b", "Facebook"),
        (r"BytedanceWebview|musical_ly|\btrill_|\bTikTok\b", "TikTok"),
        (r"\bSnapchat\b", "Snapchat"),
        (r"\bPinterest\b", "Pinterest"),
        (r"\bLinkedInApp\b", "LinkedIn"),
        (r"\bTwitter(?:Android)?\b", "X"),
        # LINE's in-app browser: "Safari Line/13.20.0" (iOS), "Line/13.20.1/IAB" (Android).
        (r"\bLine/\d", "LINE"),
    )
)
ANDROID_WEBVIEW = re.compile(r"; wv\)")
BOT_MARKERS = re.compile(
    r"bot\b|bot/|crawl|spider|slurp|headless|phantomjs|selenium|puppeteer|playwright|"
    r"lighthouse|pingdom|uptime|monitor|curl/|wget/|python-requests|python-httpx|go-http-client|"
    r"java/|okhttp|scrapy|httpclient|facebookexternalhit|embedly|preview|validator|"
    r"apache-httpclient|node-fetch|axios/",
    re.IGNORECASE,
)
TABLET = re.compile(r"iPad|Tablet|Nexus (7|9|10)|SM-T\d|Kindle|Silk/", re.IGNORECASE)
MOBILE = re.compile(r"Mobi|iPhone|iPod|Android.*Mobile|Windows Phone|BlackBerry", re.IGNORECASE)
MAX_UA_LENGTH = 1000


@dataclass(frozen=True)
class Client:
    device: str
    browser: str
    os: str
    in_app_browser: str | None
    is_bot: bool


def in_app_browser(user_agent: str) -> str | None:
    for pattern, app in IN_APP_MARKERS:
        if pattern.search(user_agent):
            return app
    if ANDROID_WEBVIEW.search(user_agent):
        return "Android WebView"
    return None


def _device_type(user_agent: str, device_family: str) -> str:
    if device_family == "Spider":
        return "bot"
    if TABLET.search(user_agent):
        return "tablet"
    if MOBILE.search(user_agent) or device_family in ("iPhone", "Generic Smartphone"):
        return "mobile"
    return "desktop"


@lru_cache(maxsize=4096)
def parse_client(user_agent: str) -> Client:
    """What a user agent says about the visitor's client; empty agents count as bots."""
    agent = user_agent[:MAX_UA_LENGTH]
    if not agent.strip():
        return Client("bot", "Other", "Other", None, True)
    result = parse(agent)
    device_family = result.device.family if result.device else "Other"
    browser = result.user_agent.family if result.user_agent else "Other"
    os_family = result.os.family if result.os else "Other"
    is_bot = device_family == "Spider" or bool(BOT_MARKERS.search(agent))
    app = in_app_browser(agent)
    return Client(_device_type(agent, device_family), browser, os_family, app, is_bot)
