"""Numbers, counts and dates as marketers' export files write them.

Counts come as `1,200`, `1.200` (German), `541.2K`, `1.2M` or `"1 200"`; the locale decides
whether `.` or `,` separates thousands. A blank cell, `-` or `--` is missing, never 0.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from mercato.core.timeutil import to_naive_utc

MISSING_MARKERS = frozenset({"", "-", "--", "n/a", "na", "null", "none", "—"})
_SUFFIX = {"k": Decimal(1_000), "m": Decimal(1_000_000), "b": Decimal(1_000_000_000)}
_COUNT = re.compile(r"^([+-]?)([\d.,'\u00a0\u202f ]+)\s*([kmb])?$", re.IGNORECASE)


class NumberLocale(StrEnum):
    """Which character separates thousands in a file's numbers."""

    EN = "en"  # 1,200.5
    DE = "de"  # 1.200,5 (also fr/es/it style with , as decimal mark)


class NotANumber(ValueError):
    """The cell is not a number in the expected format; the message says what was expected."""


def is_missing(raw: str | None) -> bool:
    return raw is None or raw.strip().lower() in MISSING_MARKERS


def parse_decimal(raw: str, locale: NumberLocale = NumberLocale.EN) -> Decimal:
    """A number with thousands separators and an optional K/M/B suffix, exactly."""
    text = raw.strip().replace("%", "")
    match = _COUNT.match(text)
    if not match:
        raise NotANumber(f"expected a number like 1,200 or 541.2K, got {raw!r}")
    sign, digits, suffix = match.groups()
    digits = re.sub(r"['\u00a0\u202f ]", "", digits)
    thousands, decimal_mark = (",", ".") if locale is NumberLocale.EN else (".", ",")
    if suffix and digits.count(decimal_mark) == 0 and digits.count(thousands) == 1:
        # "541,2K" in an English file or "1.2M" in a German one: a suffix means decimals.
        thousands, decimal_mark = decimal_mark, thousands
    digits = digits.replace(thousands, "").replace(decimal_mark, ".")
    try:
        value = Decimal(sign + digits)
    except InvalidOperation:
        raise NotANumber(f"expected a number like 1,200 or 541.2K, got {raw!r}") from None
    if suffix:
        value *= _SUFFIX[suffix.lower()]
    return value


def parse_count(raw: str, locale: NumberLocale = NumberLocale.EN) -> int:
    """A whole count; `541.2K` becomes 541200. Negative revisions are kept."""
    value = parse_decimal(raw, locale)
    if value != value.to_integral_value():
        raise NotANumber(f"expected a whole count, got {raw!r}")
    return int(value)


def parse_optional_count(raw: str | None, locale: NumberLocale = NumberLocale.EN) -> int | None:
    return None if raw is None or is_missing(raw) else parse_count(raw, locale)


def parse_optional_float(raw: str | None, locale: NumberLocale = NumberLocale.EN) -> float | None:
    return None if raw is None or is_missing(raw) else float(parse_decimal(raw, locale))


_TIMESTAMP_FORMATS = (
    "%Y-%m-%d %H:%M:%S %z",
    "%Y-%m-%dT%H:%M:%S%z",
    "%Y-%m-%dT%H:%M:%S.%f%z",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y %H:%M:%S",
    "%Y-%m-%d",
    "%m/%d/%Y",
    "%a, %b %d, %Y",
    "%b %d, %Y",
)


def parse_timestamp(raw: str) -> datetime:
    """Naive UTC from the timestamp shapes platforms and shops export (offsets honoured)."""
    text = raw.strip()
    if text[:4].isdigit() and text[4:5] == "-":
        # ISO shapes (incl. Shopify's "2026-09-12 14:03:22 -0400"): the fast C parser.
        try:
            return to_naive_utc(datetime.fromisoformat(text.replace(" -", "-").replace(" +", "+")))
        except ValueError:
            pass
    if text.endswith("Z"):
        text = text[:-1] + "+0000"
    for fmt in _TIMESTAMP_FORMATS:
        try:
            parsed = datetime.strptime(text, fmt)
        except ValueError:
            continue
        return to_naive_utc(parsed)
    raise NotANumber(
        f"expected a date/time like 2026-09-12 14:03:22 -0400 or 2026-09-12T14:03:22+0000, "
        f"got {raw!r}"
    )


def parse_day(raw: str) -> date:
    """A calendar day (no time zone shift: export days are already the account's days)."""
    text = raw.strip()
    for fmt in ("%Y-%m-%d", "%m/%d/%Y", "%a, %b %d, %Y", "%b %d, %Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    if "T" in text:
        return datetime.fromisoformat(text.split("T", 1)[0]).date()
    raise NotANumber(f"expected a day like 2026-09-12 or 09/12/2026, got {raw!r}")


def from_unix(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None)
