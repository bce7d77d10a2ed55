"""Per-platform profiles of the brand's social accounts: sizes, cadence and typical rates.

Engagement-rate medians follow Rival IQ 2023 (median per post, by follower; docs/demo.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mercato.demo.timeline import START_DAY, epoch_seconds

POST_METRICS = (
    "views",
    "reach",
    "likes",
    "comments",
    "shares",
    "saves",
    "link_clicks",
    "profile_visits",
    "follows",
)
NOT_REPORTED = "not_reported_by_platform"
NOT_FOR_MEDIA = "not_available_for_media_type"


@dataclass(frozen=True)
class PlatformProfile:
    name: str
    handle: str
    display_name: str
    followers_at_start: int
    yearly_growth: float  # relative follower growth over a year
    posts_per_week: float
    content_mix: dict[str, float]
    engagement_rate_median: float  # per post, engagements ÷ followers
    engagement_numerator: tuple[str, ...]
    engagement_split: dict[str, float]  # shares of the numerator's engagements
    reach_rate: float  # median reach ÷ followers per post
    link_click_rate: float  # link clicks ÷ reach
    permalink: str
    post_id_base: int
    api_version: str
    vendor_names: dict[str, str] = field(default_factory=dict)
    # metric → reason, for every content type on this platform
    missing: dict[str, str] = field(default_factory=dict)
    # content type → {metric: reason}
    missing_by_type: dict[str, dict[str, str]] = field(default_factory=dict)

    def missing_reason(self, content_type: str, metric: str) -> str | None:
        return self.missing_by_type.get(content_type, {}).get(metric) or self.missing.get(metric)


PLATFORMS: tuple[PlatformProfile, ...] = (
    PlatformProfile(
        name="instagram",
        handle="northwind.outfitters",
        display_name="Northwind Outfitters",
        followers_at_start=84_000,
        yearly_growth=0.22,
        posts_per_week=6.0,
        content_mix={"image": 0.3, "carousel": 0.25, "reel": 0.3, "story": 0.15},
        engagement_rate_median=0.0047,
        engagement_numerator=("likes", "comments", "saves", "shares"),
        engagement_split={"likes": 0.84, "comments": 0.04, "saves": 0.07, "shares": 0.05},
        reach_rate=0.22,
        link_click_rate=0.004,
        permalink="https://www.instagram.com/p/{post_id}/",
        post_id_base=17_890_000_000_000_000,
        api_version="v23.0",
        vendor_names={"views": "views", "saves": "saved", "link_clicks": "profile_links_taps"},
        missing_by_type={
            "reel": {"follows": NOT_FOR_MEDIA, "profile_visits": NOT_FOR_MEDIA},
            "story": {"likes": NOT_FOR_MEDIA, "saves": NOT_FOR_MEDIA},
            "image": {"link_clicks": NOT_FOR_MEDIA},
            "carousel": {"link_clicks": NOT_FOR_MEDIA},
        },
    ),
    PlatformProfile(
        name="tiktok",
        handle="northwindoutfitters",
        display_name="Northwind Outfitters",
        followers_at_start=41_000,
        yearly_growth=0.45,
        posts_per_week=4.0,
        content_mix={"video": 1.0},
        engagement_rate_median=0.0569,
        engagement_numerator=("likes", "comments", "shares"),
        engagement_split={"likes": 0.9, "comments": 0.035, "shares": 0.065},
        reach_rate=0.9,
        link_click_rate=0.0,
        permalink="https://www.tiktok.com/@northwindoutfitters/video/{post_id}",
        post_id_base=7_300_000_000_000_000_000,
        api_version="v2",
        vendor_names={"views": "video_views", "likes": "like_count", "shares": "share_count"},
        missing={"saves": NOT_REPORTED, "link_clicks": NOT_REPORTED, "follows": NOT_REPORTED},
    ),
    PlatformProfile(
        name="facebook",
        handle="northwindoutfitters",
        display_name="Northwind Outfitters",
        followers_at_start=128_000,
        yearly_growth=0.03,
        posts_per_week=4.0,
        content_mix={"image": 0.5, "video": 0.3, "reel": 0.2},
        engagement_rate_median=0.0006,
        engagement_numerator=("likes", "comments", "shares"),
        engagement_split={"likes": 0.78, "comments": 0.1, "shares": 0.12},
        reach_rate=0.05,
        link_click_rate=0.006,
        permalink="https://www.facebook.com/northwindoutfitters/posts/{post_id}",
        post_id_base=100_200_300_000_000,
        api_version="v23.0",
        vendor_names={"likes": "post_reactions_by_type_total", "views": "post_media_view"},
        missing={"saves": NOT_REPORTED, "follows": NOT_REPORTED},
    ),
    PlatformProfile(
        name="x",
        handle="northwind",
        display_name="Northwind Outfitters",
        followers_at_start=62_000,
        yearly_growth=-0.02,
        posts_per_week=7.0,
        content_mix={"image": 0.6, "video": 0.4},
        engagement_rate_median=0.00035,
        engagement_numerator=("likes", "comments", "shares"),
        engagement_split={"likes": 0.7, "comments": 0.12, "shares": 0.18},
        reach_rate=0.04,
        link_click_rate=0.008,
        permalink="https://x.com/northwind/status/{post_id}",
        post_id_base=1_840_000_000_000_000_000,
        api_version="2",
        vendor_names={
            "views": "impression_count",
            "likes": "like_count",
            "comments": "reply_count",
            "shares": "retweet_count",
            "saves": "bookmark_count",
            "link_clicks": "url_link_clicks",
            "profile_visits": "user_profile_clicks",
        },
        missing={"reach": NOT_REPORTED, "follows": NOT_REPORTED},
    ),
    PlatformProfile(
        name="pinterest",
        handle="northwindoutfitters",
        display_name="Northwind Outfitters",
        followers_at_start=27_000,
        yearly_growth=0.15,
        posts_per_week=10.0,
        content_mix={"pin": 0.85, "video": 0.15},
        engagement_rate_median=0.0025,
        engagement_numerator=("likes", "comments", "saves", "link_clicks"),
        engagement_split={"likes": 0.15, "comments": 0.02, "saves": 0.5, "link_clicks": 0.33},
        reach_rate=0.35,
        link_click_rate=0.0,  # outbound clicks are part of the engagement split
        permalink="https://www.pinterest.com/pin/{post_id}/",
        post_id_base=987_000_000_000_000,
        api_version="v5",
        vendor_names={
            "views": "IMPRESSION",
            "saves": "SAVE",
            "link_clicks": "OUTBOUND_CLICK",
            "likes": "REACTION",
            "comments": "COMMENT",
            "profile_visits": "PROFILE_VISIT",
            "follows": "USER_FOLLOW",
        },
        missing={"shares": NOT_REPORTED, "reach": NOT_REPORTED},
    ),
)
PLATFORM_NAMES = [profile.name for profile in PLATFORMS]

# Organic campaign themes by the date they start (also used in organic social UTMs).
CAMPAIGN_THEMES = (
    (epoch_seconds(START_DAY), "fall-drop-2025"),
    (epoch_seconds(START_DAY.replace(month=11, day=20)), "bfcm-2025"),
    (epoch_seconds(START_DAY.replace(month=12, day=3)), "holiday-2025"),
    (epoch_seconds(START_DAY.replace(year=2026, month=1, day=5)), "winter-reset-2026"),
    (epoch_seconds(START_DAY.replace(year=2026, month=3, day=2)), "spring-2026"),
    (epoch_seconds(START_DAY.replace(year=2026, month=6, day=1)), "summer-2026"),
    (epoch_seconds(START_DAY.replace(year=2026, month=9, day=1)), "fall-drop-2026"),
)
