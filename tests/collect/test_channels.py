"""Golden table for channel classification: every rule and trap of docs/collect.md, Channels."""

from __future__ import annotations

import pytest

from mercato.collect.channels import classify, ga4_channel
from mercato.collect.sources import lookup, registrable_domain
from mercato.collect.useragent import in_app_browser, parse_client

SHOP = "https://shop.example/products/mug"
INSTAGRAM_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Mobile/15E148 Instagram 300.0.0.14.111 (iPhone14,2; iOS 17_0; en_US)"
)
TIKTOK_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "BytedanceWebview/d8a21c musical_ly_32.5.0"
)

# (query string, referrer, in-app app, expected channel, expected source, expected signal)
CASES = [
    # §5.1 GA4 rules, in Plausible's evaluation order
    (
        "utm_source=instagram&utm_medium=paid_social&utm_campaign=cross-network-q4",
        None,
        None,
        "Cross-network",
        "instagram",
        "utm",
    ),
    ("utm_source=igshopping&utm_medium=cpc", None, None, "Paid Shopping", "igshopping", "utm"),
    (
        "utm_source=google&utm_medium=cpc&utm_campaign=spring_shop",
        None,
        None,
        "Paid Shopping",
        "google",
        "utm",
    ),
    ("utm_source=google&utm_medium=cpc", None, None, "Paid Search", "google", "utm"),
    ("utm_source=bing&utm_medium=ppc", None, None, "Paid Search", "bing", "utm"),
    ("utm_source=instagram&utm_medium=paid_social", None, None, "Paid Social", "instagram", "utm"),
    ("utm_source=facebook&utm_medium=cpc", None, None, "Paid Social", "facebook", "utm"),
    ("utm_source=tiktok&utm_medium=paid", None, None, "Paid Social", "tiktok", "utm"),
    ("utm_source=x&utm_medium=cpm", None, None, "Paid Social", "x", "utm"),
    ("utm_source=pinterest&utm_medium=retargeting", None, None, "Paid Social", "pinterest", "utm"),
    ("utm_source=youtube&utm_medium=cpv", None, None, "Paid Video", "youtube", "utm"),
    ("utm_source=newsite&utm_medium=display", None, None, "Display", "newsite", "utm"),
    ("utm_source=newsite&utm_medium=banner", None, None, "Display", "newsite", "utm"),
    ("utm_source=newsite&utm_medium=cpa", None, None, "Paid Other", "newsite", "utm"),
    (
        "utm_source=amazon.com&utm_medium=referral",
        None,
        None,
        "Organic Shopping",
        "amazon.com",
        "utm",
    ),
    ("utm_source=instagram&utm_medium=social", None, None, "Organic Social", "instagram", "utm"),
    (
        "utm_source=partnerblog&utm_medium=social-network",
        None,
        None,
        "Organic Social",
        "partnerblog",
        "utm",
    ),
    ("utm_source=partnerblog&utm_medium=sm", None, None, "Organic Social", "partnerblog", "utm"),
    ("utm_source=youtube&utm_medium=referral", None, None, "Organic Video", "youtube", "utm"),
    ("utm_source=partner&utm_medium=video", None, None, "Organic Video", "partner", "utm"),
    ("utm_source=chatgpt.com", None, None, "AI Assistants", "chatgpt.com", "utm"),
    ("utm_source=duckduckgo&utm_medium=organic", None, None, "Organic Search", "duckduckgo", "utm"),
    ("utm_source=newsletter&utm_medium=email", None, None, "Email", "newsletter", "utm"),
    ("utm_source=klaviyo&utm_medium=e-mail", None, None, "Email", "klaviyo", "utm"),
    ("utm_source=partner&utm_medium=affiliate", None, None, "Affiliates", "partner", "utm"),
    ("utm_source=podcast&utm_medium=audio", None, None, "Audio", "podcast", "utm"),
    ("utm_source=sms&utm_medium=text", None, None, "SMS", "sms", "utm"),
    ("utm_source=app&utm_medium=web_push", None, None, "Mobile Push Notifications", "app", "utm"),
    ("utm_source=blog&utm_medium=referral", None, None, "Referral", "blog", "utm"),
    # §5.2 trap 1: non-standard paid mediums stay Organic Social (GA4 behaviour, documented)
    ("utm_source=facebook&utm_medium=social-paid", None, None, "Organic Social", "facebook", "utm"),
    (
        "utm_source=instagram&utm_medium=social_paid",
        None,
        None,
        "Organic Social",
        "instagram",
        "utm",
    ),
    ("utm_source=facebook&utm_medium=ads", None, None, "Organic Social", "facebook", "utm"),
    (
        "utm_source=facebook&utm_medium=facebook-ads",
        None,
        None,
        "Organic Social",
        "facebook",
        "utm",
    ),
    # ... a source ending in ad/ads is paid (Plausible's rule)
    ("utm_source=fb-ads&utm_medium=social", None, None, "Paid Social", "fb-ads", "utm"),
    ("utm_source=facebook_ad", None, None, "Paid Social", "facebook_ad", "utm"),
    # §5.2 trap 6: utm_source > source > ref > Referer
    (
        "utm_medium=social",
        "https://l.instagram.com/",
        None,
        "Organic Social",
        "l.instagram.com",
        "utm",
    ),
    ("ref=producthunt", "https://t.co/x", None, "Referral", "producthunt", "utm"),
    ("source=instagram&ref=newsletter", None, None, "Organic Social", "instagram", "utm"),
    # §5.2 trap 3 and §5.3: click ids; fbclid is not a paid signal
    ("fbclid=IwAR0abc", None, None, "Organic Social", "facebook", "click_id"),
    (
        "fbclid=IwAR0abc",
        "https://l.instagram.com/",
        None,
        "Organic Social",
        "instagram",
        "click_id",
    ),
    (
        "fbclid=IwAR0abc&utm_source=facebook&utm_medium=paid_social",
        None,
        None,
        "Paid Social",
        "facebook",
        "utm",
    ),
    ("gclid=Cj0KCQ", None, None, "Paid Search", "google", "click_id"),
    ("msclkid=abc", None, None, "Paid Search", "bing", "click_id"),
    ("ttclid=E.C.P.abc", None, None, "Paid Social", "tiktok", "click_id"),
    ("twclid=2-abc", None, None, "Paid Social", "x", "click_id"),
    ("ScCid=abc", None, None, "Paid Social", "snapchat", "click_id"),
    ("epik=dj0yJnU9", None, None, "Paid Social", "pinterest", "click_id"),
    ("rdt_cid=123", None, None, "Paid Social", "reddit", "click_id"),
    ("li_fat_id=abc", None, None, "Paid Social", "linkedin", "click_id"),
    ("igshid=MzRlODBiNWFlZA==", None, None, "Organic Social", "instagram", "click_id"),
    # §5.4 referrer hosts actually seen, exact or registrable-domain match
    (
        "",
        "https://l.instagram.com/?u=https%3A%2F%2Fshop.example",
        None,
        "Organic Social",
        "instagram",
        "referrer",
    ),
    ("", "https://lm.facebook.com/l.php?u=x", None, "Organic Social", "facebook", "referrer"),
    ("", "https://m.facebook.com/", None, "Organic Social", "facebook", "referrer"),
    ("", "https://t.co/AbCdE", None, "Organic Social", "x", "referrer"),
    ("", "https://x.com/brand/status/1", None, "Organic Social", "x", "referrer"),
    ("", "https://out.reddit.com/t3_abc", None, "Organic Social", "reddit", "referrer"),
    ("", "https://www.pinterest.co.uk/pin/1/", None, "Organic Social", "pinterest", "referrer"),
    ("", "https://pin.it/abc", None, "Organic Social", "pinterest", "referrer"),
    ("", "https://www.threads.net/@brand", None, "Organic Social", "threads", "referrer"),
    ("", "https://bsky.app/profile/brand", None, "Organic Social", "bluesky", "referrer"),
    ("", "https://web.whatsapp.com/", None, "Organic Social", "whatsapp", "referrer"),
    ("", "https://t.me/brandchannel", None, "Organic Social", "telegram", "referrer"),
    ("", "android-app://com.instagram.android", None, "Organic Social", "instagram", "referrer"),
    ("", "https://m.youtube.com/watch?v=1", None, "Organic Video", "youtube", "referrer"),
    ("", "https://youtu.be/abc", None, "Organic Video", "youtube", "referrer"),
    ("", "https://www.google.com/", None, "Organic Search", "google.com", "referrer"),
    ("", "https://www.google.co.uk/", None, "Organic Search", "google.co.uk", "referrer"),
    ("", "https://chatgpt.com/", None, "AI Assistants", "chatgpt.com", "referrer"),
    # §5.2 trap 2: no substring matching (Umami's '%t.co%' matches these)
    ("", "https://www.microsoft.com/", None, "Referral", "microsoft.com", "referrer"),
    ("", "https://target.com/", None, "Referral", "target.com", "referrer"),
    ("", "https://www.walmart.com/", None, "Referral", "walmart.com", "referrer"),
    ("", "https://notinstagram.com/", None, "Referral", "notinstagram.com", "referrer"),
    (
        "",
        "https://instagram.com.evil.example/",
        None,
        "Referral",
        "instagram.com.evil.example",
        "referrer",
    ),
    # Referer rules: same host and localhost never count; gateways never steal credit
    ("", "https://shop.example/collections/all", None, "Direct", "(direct)", "direct"),
    ("", "https://www.shop.example/", None, "Direct", "(direct)", "direct"),
    ("", "http://localhost:3000/", None, "Direct", "(direct)", "direct"),
    ("", "https://checkout.stripe.com/pay/cs_1", None, "Direct", "(direct)", "direct"),
    ("", "https://www.paypal.com/checkoutnow", None, "Direct", "(direct)", "direct"),
    # §5.5/§5.6: in-app marker only when nothing better decides; separate label
    ("", None, "Instagram", "Social in-app (Instagram)", "instagram", "in_app"),
    ("", None, "TikTok", "Social in-app (TikTok)", "tiktok", "in_app"),
    ("", "https://l.instagram.com/", "Instagram", "Organic Social", "instagram", "referrer"),
    (
        "utm_source=instagram&utm_medium=paid_social",
        None,
        "Instagram",
        "Paid Social",
        "instagram",
        "utm",
    ),
    ("", None, None, "Direct", "(direct)", "direct"),
]


@pytest.mark.parametrize(("query", "referrer", "app", "channel", "source", "signal"), CASES)
def test_channel_table(
    query: str, referrer: str | None, app: str | None, channel: str, source: str, signal: str
) -> None:
    url = f"{SHOP}?{query}" if query else SHOP
    found = classify(url, referrer, app)
    assert (found.channel, found.source, found.signal) == (channel, source, signal)


def test_utm_fields_are_kept() -> None:
    found = classify(
        f"{SHOP}?utm_source=Instagram&utm_medium=Paid_Social&utm_campaign=Spring&utm_content=ad_17"
        "&utm_term=mugs&ttclid=abc",
        None,
    )
    assert (found.source, found.medium, found.campaign, found.content, found.term) == (
        "instagram",
        "paid_social",
        "Spring",
        "ad_17",
        "mugs",
    )
    assert (found.click_id_type, found.click_id, found.social_platform) == (
        "ttclid",
        "abc",
        "instagram",
    )


def test_every_social_host_of_the_reference_is_social() -> None:
    hosts = [
        "facebook.com",
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
        "instagram.com",
        "l.instagram.com",
        "messenger.com",
        "l.messenger.com",
        "whatsapp.com",
        "twitter.com",
        "t.co",
        "tweetdeck.com",
        "tiktok.com",
        "pinterest.com",
        "snapchat.com",
        "reddit.com",
        "out.reddit.com",
        "old.reddit.com",
        "amp.reddit.com",
        "linkedin.com",
        "lnkd.in",
        "t.me",
        "line.me",
        "bit.ly",
        "x.com",
        "pin.it",
        "threads.net",
        "bsky.app",
    ]
    aliases = [
        "facebook",
        "fb",
        "instagram",
        "ig",
        "messenger",
        "whatsapp",
        "twitter",
        "tweetdeck",
        "tiktok",
        "pinterest",
        "snapchat",
        "linkedin",
    ]
    not_social = [name for name in hosts + aliases if (lookup(name) or ("",))[0] != "social"]
    assert not_social == []
    assert lookup("youtube")[0] == "video"  # type: ignore[index]
    assert lookup("igshopping")[0] == "shopping"  # type: ignore[index]


def test_registrable_domain() -> None:
    assert registrable_domain("a.b.pinterest.co.uk") == "pinterest.co.uk"
    assert registrable_domain("lm.facebook.com") == "facebook.com"


def test_ga4_paid_medium_regex() -> None:
    for medium in ("cpc", "cpm", "cpv", "cpa", "ppc", "retargeting", "paid", "paid_social", "xcpx"):
        assert ga4_channel("facebook", medium, "") == "Paid Social", medium
    for medium in ("social-paid", "social_paid", "ads", "facebook-ads"):
        assert ga4_channel("facebook", medium, "") == "Organic Social", medium


IN_APP = [
    (INSTAGRAM_UA, "Instagram"),
    (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148 "
        "[FBAN/FBIOS;FBAV/440.0]",
        "Facebook",
    ),
    (
        "Mozilla/5.0 (Linux; Android 14; wv) Chrome/120 Mobile Safari/537.36 "
        "[FB_IAB/FB4A;FBAV/440.0;]",
        "Facebook",
    ),
    (TIKTOK_UA, "TikTok"),
    ("Mozilla/5.0 (Linux; Android 14) Chrome/120 Mobile Safari/537.36 trill_320", "TikTok"),
    (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148 Snapchat/12.60.0.45",
        "Snapchat",
    ),
    ("Mozilla/5.0 (iPhone) Mobile/15E148 Barcelona 289.0.0.77 Instagram", "Threads"),
    ("Mozilla/5.0 (iPhone) Mobile/15E148 MessengerForiOS", "Messenger"),
    ("Mozilla/5.0 (iPhone) Mobile/15E148 [Pinterest/iOS]", "Pinterest"),
    ("Mozilla/5.0 (iPhone) Mobile/15E148 LinkedInApp", "LinkedIn"),
    ("Mozilla/5.0 (iPhone) Mobile/15E148 Twitter for iPhone", "X"),
    ("Mozilla/5.0 (iPhone) Mobile/15E148 Line/13.0.0", "LINE"),
    (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Mobile/15E148 Safari Line/14.9.0",
        "LINE",
    ),
    (
        "Mozilla/5.0 (Linux; Android 14; SO-51D Build/68.1.A.2.112; wv) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Version/4.0 Chrome/126.0.6478.71 Mobile Safari/537.36 "
        "Line/14.9.1/IAB",
        "LINE",
    ),
    ("Mozilla/5.0 (X11; Linux x86_64) Timeline/2.0 Chrome/120", None),
    (
        "Mozilla/5.0 (Linux; Android 13; Pixel 7; wv) AppleWebKit/537.36 Chrome/120 "
        "Mobile Safari/537.36",
        "Android WebView",
    ),
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36",
        None,
    ),
]


@pytest.mark.parametrize(("agent", "app"), IN_APP)
def test_in_app_markers(agent: str, app: str | None) -> None:
    assert in_app_browser(agent) == app


def test_user_agent_parsing_and_bots() -> None:
    instagram = parse_client(INSTAGRAM_UA)
    assert (instagram.device, instagram.os, instagram.in_app_browser, instagram.is_bot) == (
        "mobile",
        "iOS",
        "Instagram",
        False,
    )
    desktop = parse_client(
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/120.0.0.0 Safari/537.36"
    )
    assert (desktop.device, desktop.browser, desktop.os) == ("desktop", "Chrome", "Windows")
    ipad = parse_client(
        "Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 "
        "Safari/604.1"
    )
    assert ipad.device == "tablet"
    for bot in (
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/120.0 Safari/537.36",
        "curl/8.4.0",
        "python-requests/2.31",
        "facebookexternalhit/1.1",
        "",
    ):
        assert parse_client(bot).is_bot, bot
