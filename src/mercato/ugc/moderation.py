"""Explainable moderation flags: each says what matched, so a person decides quickly.

Word lists are per workspace (UgcSettings); a short built-in profanity list is always on,
because swimwear or baby brands need to extend lists, not switch the checks off.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mercato.catalog.models import UgcSettings

BUILTIN_PROFANITY = (
    "fuck",
    "fucking",
    "shit",
    "bitch",
    "cunt",
    "asshole",
    "bastard",
    "dickhead",
    "motherfucker",
    "wanker",
)
SPAM_PHRASES = (
    "follow for follow",
    "f4f",
    "like for like",
    "l4l",
    "dm to buy",
    "dm for promo",
    "free followers",
    "check my bio",
    "link in my bio",
    "crypto",
    "giveaway winner",
)
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
PHONE = re.compile(
    r"(?<!\w)(?:\+\d{1,3}[\s.-]?)?(?:\(\d{2,4}\)[\s.-]?)?\d{2,4}(?:[\s.-]?\d{2,4}){2,4}"
)
LINK = re.compile(r"(?i)\b(?:https?://|www\.)\S+|\b[a-z0-9-]+\.(?:com|net|org|io|shop|ly|co)\b/\S*")
MAX_HASHTAGS = 15


@dataclass(frozen=True)
class Flag:
    code: str  # profanity|email|phone|link|spam|competitor|brand_safety
    detail: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "detail": self.detail}


def _terms_in(text: str, terms: list[str] | tuple[str, ...]) -> list[str]:
    lowered = text.lower()
    found = []
    for term in terms:
        term = term.strip().lower()
        if term and re.search(rf"(?<!\w){re.escape(term)}(?!\w)", lowered):
            found.append(term)
    return found


def _phones(text: str) -> list[str]:
    # At least 8 digits: shorter runs are prices, dates and sizes.
    return [m for m in PHONE.findall(text) if sum(ch.isdigit() for ch in m) >= 8]


def _spam_flags(text: str, hashtags: list[str], allow_links: bool) -> list[Flag]:
    flags = []
    if not allow_links and (links := LINK.findall(text)):
        flags.append(Flag("link", ", ".join(links[:3])))
    if phrases := _terms_in(text, SPAM_PHRASES):
        flags.append(Flag("spam", "spam phrase: " + ", ".join(phrases)))
    if len(hashtags) > MAX_HASHTAGS:
        flags.append(Flag("spam", f"{len(hashtags)} hashtags (more than {MAX_HASHTAGS})"))
    if re.search(r"(.)\1{9,}", text):
        flags.append(Flag("spam", "a character repeated 10 or more times"))
    return flags


def moderate(text: str, hashtags: list[str], settings: UgcSettings | None) -> list[Flag]:
    """All flags for one item's text (caption, title, review text)."""
    profanity = list(BUILTIN_PROFANITY) + list(settings.profanity_terms if settings else [])
    flags: list[Flag] = []
    if words := _terms_in(text, profanity):
        flags.append(Flag("profanity", ", ".join(sorted(set(words)))))
    if EMAIL.search(text):
        flags.append(Flag("email", "personal data: an e-mail address"))
    if _phones(text):
        flags.append(Flag("phone", "personal data: a phone number"))
    flags += _spam_flags(text, hashtags, bool(settings and settings.allow_links))
    if settings and (hits := _terms_in(text, settings.competitor_terms)):
        flags.append(Flag("competitor", ", ".join(hits)))
    if settings and (hits := _terms_in(text, settings.brand_safety_terms)):
        flags.append(Flag("brand_safety", ", ".join(hits)))
    return flags
