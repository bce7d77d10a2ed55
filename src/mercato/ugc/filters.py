"""The UGC library's filter vocabulary, defined once (issue #15): each filter's name (the
`UgcQuery` field and the API's query parameter), the page form's field, what it accepts, and
the values a choice offers. The search builds its conditions from these names, the library
page reads its form with them and draws its choices from them, the API's parameters and the
CLI's options are checked against them (tests/ugc/test_filter_vocabulary.py)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from mercato.catalog.models import RightsStatus, UgcStatus

# What a rights filter accepts: a stored status, or "publishable" (what the gate lets through).
PUBLISHABLE = "publishable"
RIGHTS = (*(status.value for status in RightsStatus), PUBLISHABLE)
SOURCES = ("mention", "tag", "hashtag", "upload", "review", "url")
CONTENT_TYPES = ("photo", "video", "carousel", "text")
STATUSES = tuple(status.value for status in UgcStatus)
SORTS = ("recent", "engagement", "performance", "curation", "relevance")
# The page's "tagged" choice and the value it stands for.
TAGGED = {"yes": True, "no": False}


class Kind(StrEnum):
    TEXT = "text"  # free text, compared without regard to case
    CHOICE = "choice"  # one of `choices`
    ID = "id"  # a stored id
    DATE = "date"  # a day (the page) or a moment (the API); `to` is exclusive
    FLAG = "flag"  # yes / no


@dataclass(frozen=True)
class LibraryFilter:
    name: str
    kind: Kind
    choices: tuple[str, ...] = ()
    form_name: str = ""  # the page's field when it differs from `name`

    @property
    def field(self) -> str:
        return self.form_name or self.name


FILTERS = (
    LibraryFilter("product_id", Kind.ID),
    LibraryFilter("product_type", Kind.TEXT),
    LibraryFilter("product_line", Kind.TEXT),
    LibraryFilter("category", Kind.TEXT),
    LibraryFilter("content_type", Kind.CHOICE, CONTENT_TYPES),
    LibraryFilter("platform", Kind.TEXT),
    LibraryFilter("source", Kind.CHOICE, SOURCES),
    LibraryFilter("creator", Kind.TEXT),
    LibraryFilter("posted_from", Kind.DATE, form_name="from"),
    LibraryFilter("posted_to", Kind.DATE, form_name="to"),
    LibraryFilter("status", Kind.CHOICE, STATUSES),
    LibraryFilter("rights", Kind.CHOICE, RIGHTS),
    LibraryFilter("tagged", Kind.FLAG, tuple(TAGGED)),
    LibraryFilter("collection_id", Kind.ID),
)
BY_NAME = {f.name: f for f in FILTERS}
NAMES = tuple(BY_NAME)
# Filters the page's form carries as they are (text, ids and choices).
PLAIN = tuple(f for f in FILTERS if f.kind in (Kind.TEXT, Kind.ID, Kind.CHOICE))
