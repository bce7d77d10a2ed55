"""Source, medium, campaign, content and referrer of each session, per the conventions of
docs/collect.md, Channels.

Columns are kept as (labels, codes) pairs so millions of sessions cost only integer arrays;
they are decoded to Arrow strings chunk by chunk when written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np
import numpy.typing as npt

from mercato.demo.channels import (
    DIRECT,
    EMAIL,
    ORGANIC_SEARCH,
    ORGANIC_SOCIAL,
    PAID_SEARCH,
    PAID_SOCIAL,
    REFERRAL,
)
from mercato.demo.paid import PAID_SEARCH_PLATFORM, Ads, choose_ads
from mercato.demo.platforms import PLATFORM_NAMES
from mercato.demo.social import PlatformPosts, campaign_for
from mercato.demo.timeline import SECONDS_PER_DAY, START_DAY, START_EPOCH
from mercato.demo.traffic import Sessions

IntArray = npt.NDArray[np.int64]

SEARCH_ENGINES = {
    "google": "www.google.com",
    "bing": "www.bing.com",
    "duckduckgo": "duckduckgo.com",
}
SEARCH_SHARE = np.array([0.86, 0.1, 0.04])
REFERRERS = ("gearpatrol.com", "outdoorgearlab.com", "thezoereport.com", "goodhousekeeping.com")
SOCIAL_REFERRERS = {
    "instagram": "l.instagram.com",
    "facebook": "l.facebook.com",
    "x": "t.co",
    "pinterest": "www.pinterest.com",
    "tiktok": None,  # the in-app webview sends no referrer (docs/collect.md, Channels)
}
CLICK_IDS = {"instagram": "fbclid", "facebook": "fbclid", "tiktok": "ttclid", "pinterest": "epik"}
IN_APP = {"instagram": "Instagram", "facebook": "Facebook", "tiktok": "TikTok"}
BIO_LINK_SHARE = 0.3  # organic social clicks from the profile link carry no post id


@dataclass
class Coded:
    """A string column as labels plus one code per session (-1 = NULL)."""

    labels: list[str] = field(default_factory=list)
    codes: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))

    @classmethod
    def empty(cls, count: int) -> Coded:
        return cls([], np.full(count, -1, np.int64))

    def code(self, label: str) -> int:
        if label not in self.labels:
            self.labels.append(label)
        return self.labels.index(label)

    def set(self, where: npt.NDArray[np.bool_], label: str | None) -> None:
        self.codes[where] = -1 if label is None else self.code(label)

    def set_many(self, where: IntArray, labels: list[str], picks: IntArray) -> None:
        """Give sessions `where` the labels `labels[picks]`."""
        base = len(self.labels)
        self.labels.extend(labels)
        self.codes[where] = base + picks


@dataclass
class Touches:
    source: Coded
    medium: Coded
    campaign: Coded
    content: Coded
    term: Coded
    referrer_host: Coded
    click_id_type: Coded
    channel_signal: Coded
    in_app_browser: Coded
    ad: IntArray  # index into Ads, -1 when not a paid session


def _blank(count: int) -> Touches:
    names = [name for name in Touches.__dataclass_fields__ if name != "ad"]
    columns = {name: Coded.empty(count) for name in names}
    return Touches(**columns, ad=np.full(count, -1, np.int64))


def resolve_touches(
    rng: np.random.Generator, sessions: Sessions, posts: list[PlatformPosts], ads: Ads
) -> Touches:
    touches = _blank(len(sessions))
    _organic_social(rng, sessions, posts, touches)
    _paid(rng, sessions, ads, touches)
    _search_email_referral(rng, sessions, touches)
    return touches


def _social_common(
    rng: np.random.Generator, sessions: Sessions, where: npt.NDArray[np.bool_], touches: Touches
) -> None:
    mobile = sessions.device == 0
    for code, platform in enumerate(PLATFORM_NAMES):
        on = where & (sessions.platform == code)
        touches.source.set(on, platform)
        touches.referrer_host.set(on, SOCIAL_REFERRERS[platform])
        if platform in IN_APP:
            touches.in_app_browser.set(on & mobile & (rng.random(on.size) < 0.75), IN_APP[platform])
        if platform in CLICK_IDS:
            touches.click_id_type.set(on & (rng.random(on.size) < 0.8), CLICK_IDS[platform])
    touches.channel_signal.set(where, "utm")


def _organic_social(
    rng: np.random.Generator, sessions: Sessions, posts: list[PlatformPosts], touches: Touches
) -> None:
    organic = sessions.channel == ORGANIC_SOCIAL
    _social_common(rng, sessions, organic, touches)
    touches.medium.set(organic, "social")
    for code, platform in enumerate(posts):
        on = np.flatnonzero(organic & (sessions.platform == code))
        # Clicks come from the latest posts: the newest one before the visit, or a few back.
        latest = np.searchsorted(platform.posted_epoch, sessions.start[on], "right") - 1
        picked = latest - rng.geometric(0.45, on.size) + 1
        from_post = (picked >= 0) & (rng.random(on.size) >= BIO_LINK_SHARE)
        touches.content.set_many(on[from_post], platform.post_ids, picked[from_post])
        campaigns = campaign_for(platform.posted_epoch[picked[from_post]])
        touches.campaign.set_many(on[from_post], campaigns, np.arange(len(campaigns)))
        bio = np.zeros(len(sessions), bool)
        bio[on[~from_post]] = True
        touches.campaign.set(bio, "link-in-bio")
    _compact(touches.campaign)


def _compact(column: Coded) -> None:
    """Deduplicate labels added by `set_many` (one per session) into a small dictionary."""
    labels, inverse = np.unique(np.array([*column.labels, ""], dtype=object), return_inverse=True)
    lookup = inverse[:-1] if column.labels else np.zeros(0, np.int64)
    present = column.codes >= 0
    column.codes[present] = lookup[column.codes[present]]
    column.labels = [str(label) for label in labels]


def _paid(rng: np.random.Generator, sessions: Sessions, ads: Ads, touches: Touches) -> None:
    paid_social = sessions.channel == PAID_SOCIAL
    _social_common(rng, sessions, paid_social, touches)
    touches.medium.set(paid_social, "paid_social")
    for code, platform in enumerate(PLATFORM_NAMES):
        on = np.flatnonzero(paid_social & (sessions.platform == code))
        if on.size:
            touches.ad[on] = choose_ads(rng, ads, platform, sessions.day[on])
    search = np.flatnonzero(sessions.channel == PAID_SEARCH)
    touches.ad[search] = choose_ads(rng, ads, PAID_SEARCH_PLATFORM, sessions.day[search])
    paid_search = sessions.channel == PAID_SEARCH
    touches.source.set(paid_search, "google")
    touches.medium.set(paid_search, "cpc")
    touches.referrer_host.set(paid_search, "www.google.com")
    touches.click_id_type.set(paid_search, "gclid")
    touches.channel_signal.set(paid_search, "utm")
    paid = np.flatnonzero(touches.ad >= 0)
    touches.campaign.set_many(paid, ads.campaign, touches.ad[paid])
    touches.content.set_many(paid, ads.ad_id, touches.ad[paid])
    with_term = np.array([term is not None for term in ads.term])[touches.ad[paid]]
    terms = [term or "" for term in ads.term]
    touches.term.set_many(paid[with_term], terms, touches.ad[paid][with_term])
    for column in (touches.campaign, touches.content, touches.term):
        _compact(column)


def _search_email_referral(rng: np.random.Generator, sessions: Sessions, touches: Touches) -> None:
    search = np.flatnonzero(sessions.channel == ORGANIC_SEARCH)
    engines = rng.choice(len(SEARCH_ENGINES), size=search.size, p=SEARCH_SHARE)
    touches.source.set_many(search, list(SEARCH_ENGINES), engines)
    touches.referrer_host.set_many(search, list(SEARCH_ENGINES.values()), engines)
    touches.medium.set(sessions.channel == ORGANIC_SEARCH, "organic")
    touches.channel_signal.set(sessions.channel == ORGANIC_SEARCH, "referrer")
    email = np.flatnonzero(sessions.channel == EMAIL)
    # One newsletter a week: the campaign is named after the week the email went out.
    week = (sessions.start[email] - START_EPOCH) // (7 * SECONDS_PER_DAY)
    sends = int(week.max(initial=0)) + 1
    names = [f"newsletter-{START_DAY + timedelta(days=7 * w)}" for w in range(sends)]
    touches.source.set(sessions.channel == EMAIL, "klaviyo")
    touches.medium.set(sessions.channel == EMAIL, "email")
    touches.campaign.set_many(email, names, week.astype(np.int64))
    touches.channel_signal.set(sessions.channel == EMAIL, "utm")
    referral = np.flatnonzero(sessions.channel == REFERRAL)
    hosts = rng.integers(0, len(REFERRERS), size=referral.size)
    touches.source.set_many(referral, list(REFERRERS), hosts)
    touches.referrer_host.set_many(referral, list(REFERRERS), hosts)
    touches.medium.set(sessions.channel == REFERRAL, "referral")
    touches.channel_signal.set(sessions.channel == REFERRAL, "referrer")
    touches.channel_signal.set(sessions.channel == DIRECT, "direct")
    for column in (touches.source, touches.referrer_host, touches.campaign):
        _compact(column)
