"""Human labels for the raw identifiers pages, exports and the CLI show: attribution models,
social platforms, channels, statuses, units (docs/i18n.md, "Labels").

One table per kind maps a stored identifier (`first_touch`, `instagram`, `rights_granted`)
to its English label, marked with `N_()` so `scripts/i18n.py extract` puts it in the
catalogs. The label is translated when it is shown, through the translator the i18n layer
installs (`install_translator`): the language of the page or command being produced. An
identifier with no entry comes back as it is, with underscores turned into spaces, so a
new value never breaks a page; the label tests name every enum member that lacks one.

This module sits in `mercato.core` (it imports nothing of Mercato's), so every layer can use
it; the identifiers are spelled out here rather than imported from the domains' enums.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import StrEnum


def N_(message: str) -> str:
    """Marks a message for extraction; it is translated where it is shown."""
    return message


def N_plural(singular: str, plural: str) -> tuple[str, str]:
    """Marks a message with a plural form (`%(num)s` the count) for extraction; it is
    translated with `ngettext` where it is shown."""
    return singular, plural


def _identity(message: str) -> str:
    return message


_translate: Callable[[str], str] = _identity


def install_translator(gettext: Callable[[str], str]) -> None:
    """Called once by `mercato.i18n.locales`: labels then follow the active language."""
    global _translate
    _translate = gettext


class Kind(StrEnum):
    MODEL = "model"
    CREDIT = "credit"
    GRANULARITY = "granularity"
    CONVERSION = "conversion"
    PLATFORM = "platform"
    CHANNEL = "channel"
    UGC_STATUS = "ugc_status"
    RIGHTS_STATUS = "rights_status"
    TAG_STATUS = "tag_status"
    CONTENT_TYPE = "content_type"
    UGC_SOURCE = "ugc_source"
    EXPERIMENT_STATUS = "experiment_status"
    EXPERIMENT_KIND = "experiment_kind"
    VARIANT_KIND = "variant_kind"
    EXPERIMENT_METRIC = "experiment_metric"
    EXPERIMENT_VERDICT = "experiment_verdict"
    GOAL_VERDICT = "goal_verdict"
    UGC_SORT = "ugc_sort"
    STAGE = "stage"
    UNIT = "unit"
    PARAMETER = "parameter"
    TEAM = "team"
    GALLERY_LAYOUT = "gallery_layout"
    GALLERY_PLACEMENT = "gallery_placement"
    GALLERY_SELECTION = "gallery_selection"
    RUN_STATUS = "run_status"
    ACCOUNT_STATUS = "account_status"


# No value for a dimension (a session without a channel or social platform).
NONE = "(none)"

MODELS: dict[str, str] = {
    "first_touch": N_("First touch"),
    "last_touch": N_("Last touch"),
    "last_non_direct": N_("Last non-direct touch"),
    "linear": N_("Linear"),
    "position_based": N_("Position-based"),
    "time_decay": N_("Time decay"),
    "markov": N_("Markov chain"),
    "markov_pooled": N_("Markov (pooled)"),
    "markov_per_journey": N_("Markov (per journey)"),
    "markov_per_journey_distinct": N_("Markov (per journey, distinct)"),
    "shapley": N_("Shapley value"),
}

CREDITS: dict[str, str] = {
    "pooled": N_("Pooled"),
    "per_journey": N_("Per journey"),
    "per_journey_distinct": N_("Per journey, distinct channels"),
}

GRANULARITIES: dict[str, str] = {
    "channel": N_("Channel"),
    "platform": N_("Platform"),
    "campaign": N_("Campaign"),
    "content": N_("Ad content"),
    "ugc": N_("UGC item"),
}

CONVERSIONS: dict[str, str] = {
    "any": N_("Purchase or lead"),
    "purchase": N_("Purchase"),
    "lead": N_("Lead"),
}

# Social platforms (sessions' `social_platform`, accounts, UGC) and ad platforms (ad spend).
PLATFORMS: dict[str, str] = {
    "instagram": N_("Instagram"),
    "facebook": N_("Facebook"),
    # Spend bought across Meta's platforms that an export did not split (ad_spend.platform).
    "meta": N_("Meta (Facebook + Instagram)"),
    "tiktok": N_("TikTok"),
    "x": N_("X"),
    "twitter": N_("X"),
    "youtube": N_("YouTube"),
    "pinterest": N_("Pinterest"),
    "snapchat": N_("Snapchat"),
    "line": N_("LINE"),
    "threads": N_("Threads"),
    "whatsapp": N_("WhatsApp"),
    "messenger": N_("Messenger"),
    "audience_network": N_("Meta Audience Network"),
    "linkedin": N_("LinkedIn"),
    "reddit": N_("Reddit"),
    "bluesky": N_("Bluesky"),
    "discord": N_("Discord"),
    "mastodon": N_("Mastodon"),
    "telegram": N_("Telegram"),
    "tumblr": N_("Tumblr"),
    "vk": N_("VK"),
    "google": N_("Google Ads"),
    "google_ads": N_("Google Ads"),
    "bing": N_("Microsoft Advertising"),
    "microsoft": N_("Microsoft Advertising"),
    "upload": N_("Upload"),
    "review": N_("Review"),
    "web": N_("Web page"),
    NONE: N_("Not from social"),
}

# GA4's channel names are already words; only the missing channel needs one.
CHANNELS: dict[str, str] = {
    NONE: N_("Direct / none"),
    "Unassigned": N_("Unassigned"),
}

UGC_STATUSES: dict[str, str] = {
    "new": N_("New"),
    "approved": N_("Approved"),
    "rejected": N_("Rejected"),
}

RIGHTS_STATUSES: dict[str, str] = {
    "none": N_("Not requested"),
    "requested": N_("Requested"),
    "granted": N_("Granted"),
    "revoked": N_("Revoked"),
    "expired": N_("Expired"),
}

TAG_STATUSES: dict[str, str] = {
    "suggested": N_("Suggested"),
    "accepted": N_("Accepted"),
    "rejected": N_("Rejected"),
}

CONTENT_TYPES: dict[str, str] = {
    "photo": N_("Photo"),
    "image": N_("Photo"),
    "video": N_("Video"),
    "carousel": N_("Carousel"),
    "text": N_("Text"),
}

UGC_SOURCES: dict[str, str] = {
    "mention": N_("Mention"),
    "tag": N_("Tag"),
    "hashtag": N_("Hashtag"),
    "upload": N_("Upload"),
    "review": N_("Review"),
    "url": N_("Link"),
}

UGC_SORTS: dict[str, str] = {
    "recent": N_("Most recent"),
    "engagement": N_("Engagement"),
    "performance": N_("On-site performance"),
    "curation": N_("Curation order"),
    "relevance": N_("Relevance"),
}

EXPERIMENT_STATUSES: dict[str, str] = {
    "draft": N_("Draft"),
    "running": N_("Running"),
    "stopped": N_("Stopped"),
}

EXPERIMENT_KINDS: dict[str, str] = {
    "ab": N_("A/B test"),
    "holdout": N_("Holdout"),
}

VARIANT_KINDS: dict[str, str] = {
    "current": N_("Current gallery"),
    "configured": N_("Configured gallery"),
    "holdout": N_("No gallery"),
}

EXPERIMENT_METRICS: dict[str, str] = {
    "gallery_ctr": N_("Gallery click-through rate"),
    "add_to_cart_rate": N_("Add-to-cart rate"),
    "conversion_rate": N_("Conversion rate"),
    "revenue_per_visitor": N_("Revenue per visitor"),
    "aov": N_("Average order value"),
    "bounce_rate": N_("Bounce rate"),
}

EXPERIMENT_VERDICTS: dict[str, str] = {
    "winner": N_("Winner"),
    "loser": N_("Loser"),
    "inconclusive": N_("Inconclusive"),
    "blocked_by_srm": N_("Blocked: sample-ratio mismatch"),
    "no_data": N_("No data yet"),
}

GOAL_VERDICTS: dict[str, str] = {
    "ahead": N_("Ahead"),
    "on_track": N_("On track"),
    "behind": N_("Behind"),
}

STAGES: dict[str, str] = {
    "awareness": N_("Awareness"),
    "consideration": N_("Consideration"),
    "purchase": N_("Purchase"),
}

UNITS: dict[str, str] = {
    "count": N_("Count"),
    "money": N_("Money"),
    "percent": N_("Percent"),
    "ratio": N_("Ratio"),
    "seconds": N_("Seconds"),
    "sessions": N_("Sessions"),
}

# Workspace parameters a KPI formula multiplies by (metrics.spec.Scaled).
PARAMETERS: dict[str, str] = {
    "revenue_forecast": N_("Revenue forecast"),
}

# Who answers for a goal (catalog.kpi_settings.Team), in the funnel's order.
TEAMS: dict[str, str] = {
    "social": N_("Social"),
    "site": N_("Site"),
    "ecommerce": N_("E-commerce"),
}

GALLERY_LAYOUTS: dict[str, str] = {
    "grid": N_("Grid"),
    "carousel": N_("Carousel"),
    "strip": N_("Strip"),
    "lookbook": N_("Lookbook"),
}

GALLERY_PLACEMENTS: dict[str, str] = {
    "home": N_("Home page"),
    "product": N_("Product page"),
    "collection": N_("Collection page"),
}

GALLERY_SELECTIONS: dict[str, str] = {
    "rule": N_("By rule"),
    "manual": N_("Hand-picked"),
}

# How a sync, import or webhook delivery ended (catalog RunStatus), and a sync's outcome
# (connectors.sync.SyncOutcome.status, which adds "skipped").
RUN_STATUSES: dict[str, str] = {
    "running": N_("Running"),
    "ok": N_("Done"),
    "partial": N_("Partly done"),
    "failed": N_("Failed"),
    "skipped": N_("Skipped"),
}

# A social account's state after its last sync (catalog AccountStatus).
ACCOUNT_STATUSES: dict[str, str] = {
    "active": N_("Active"),
    "needs_token": N_("Needs a token"),
    "reconnect_needed": N_("Reconnect needed"),
    "token_expired": N_("Token expired"),
    "token_invalid": N_("Token invalid"),
    "missing_permission": N_("Missing permission"),
}

TABLES: Mapping[Kind, Mapping[str, str]] = {
    Kind.MODEL: MODELS,
    Kind.CREDIT: CREDITS,
    Kind.GRANULARITY: GRANULARITIES,
    Kind.CONVERSION: CONVERSIONS,
    Kind.PLATFORM: PLATFORMS,
    Kind.CHANNEL: CHANNELS,
    Kind.UGC_STATUS: UGC_STATUSES,
    Kind.RIGHTS_STATUS: RIGHTS_STATUSES,
    Kind.TAG_STATUS: TAG_STATUSES,
    Kind.CONTENT_TYPE: CONTENT_TYPES,
    Kind.UGC_SOURCE: UGC_SOURCES,
    Kind.UGC_SORT: UGC_SORTS,
    Kind.EXPERIMENT_STATUS: EXPERIMENT_STATUSES,
    Kind.EXPERIMENT_KIND: EXPERIMENT_KINDS,
    Kind.VARIANT_KIND: VARIANT_KINDS,
    Kind.EXPERIMENT_METRIC: EXPERIMENT_METRICS,
    Kind.EXPERIMENT_VERDICT: EXPERIMENT_VERDICTS,
    Kind.GOAL_VERDICT: GOAL_VERDICTS,
    Kind.STAGE: STAGES,
    Kind.UNIT: UNITS,
    Kind.PARAMETER: PARAMETERS,
    Kind.TEAM: TEAMS,
    Kind.GALLERY_LAYOUT: GALLERY_LAYOUTS,
    Kind.GALLERY_PLACEMENT: GALLERY_PLACEMENTS,
    Kind.GALLERY_SELECTION: GALLERY_SELECTIONS,
    Kind.RUN_STATUS: RUN_STATUSES,
    Kind.ACCOUNT_STATUS: ACCOUNT_STATUSES,
}

YES, NO = N_("Yes"), N_("No")
IN_APP = "Social in-app ("


def english(kind: Kind | str, raw: object) -> str:
    """The untranslated label (for exports' column keys and logs)."""
    text = "" if raw is None else str(raw)
    found = TABLES[Kind(kind)].get(text)
    if found is not None:
        return found
    if Kind(kind) is Kind.PLATFORM:
        found = PLATFORMS.get(text.lower())
        if found is not None:
            return found
    return text if Kind(kind) is Kind.CHANNEL else text.replace("_", " ")


def label(kind: Kind | str, raw: object, gettext: Callable[[str], str] | None = None) -> str:
    """`raw` as people read it, in the active language (or through `gettext`)."""
    translate = gettext or _translate
    text = "" if raw is None else str(raw)
    if Kind(kind) is Kind.CHANNEL and text.startswith(IN_APP) and text.endswith(")"):
        app = text[len(IN_APP) : -1]
        return translate(N_("Social in-app (%(app)s)")) % {"app": app}
    found = english(kind, raw)
    return translate(found) if found else found


NOT_RECORDED = N_("Not recorded")


def row_label(by: str, raw: object, gettext: Callable[[str], str] | None = None) -> str:
    """A report row's key as people read it, for the granularity `by` the report groups by:
    a channel or platform by its label, a missing landing page (`(none)` by page) as "Not
    recorded", a touch without a campaign or content as its channel in brackets, any other
    campaign, content or page as written. Pages (the `row_label` filter), exports and charts
    all call this; `gettext=str` gives the English of report views."""
    text = "" if raw is None else str(raw)
    if by in ("channel", "ugc"):  # "by UGC" credits channels beside its items (ugc.names)
        return label(Kind.CHANNEL, text, gettext)
    if by == "platform":
        return label(Kind.PLATFORM, text, gettext)
    if by == "page" and text == "(none)":
        return (gettext or _translate)(NOT_RECORDED)
    if text.startswith("(") and text.endswith(")"):
        return f"({label(Kind.CHANNEL, text[1:-1], gettext)})"
    return text


def yes_no(value: object, gettext: Callable[[str], str] | None = None) -> str:
    """`True` → "Yes", `False` → "No", in the active language."""
    return (gettext or _translate)(YES if value else NO)


def known(kind: Kind | str) -> frozenset[str]:
    """The identifiers of a kind that have a label."""
    return frozenset(TABLES[Kind(kind)])
