"""UTC in storage, the workspace time zone at reporting."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from mercato.core.errors import SettingsError, ValidationFailed


def utcnow() -> datetime:
    """Naive UTC now: the warehouse stores naive timestamps that are always UTC."""
    return datetime.now(UTC).replace(tzinfo=None)


def to_naive_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise SettingsError(f"time_zone: unknown IANA time zone {name!r}") from exc


def local_day_bounds_utc(first: date, last: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants [start, end) covering local days first..last inclusive in `tz`."""
    start = datetime.combine(first, time.min, tzinfo=tz)
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=tz)
    return to_naive_utc(start), to_naive_utc(end)


def check_day_range(
    first: date | datetime | None, last: date | datetime | None, *, location: str = "to"
) -> None:
    """Refuse a range whose start is after its end, with the one message every page, API and
    CLI command gives (never silently swapped)."""
    if first is not None and last is not None and first > last:
        raise ValidationFailed(
            f"From ({_shown(first)}) is after To ({_shown(last)}): choose a From on or before To",
            location=location,
            code="range_reversed",
        )


def _shown(moment: date | datetime) -> str:
    if isinstance(moment, datetime) and moment.time() == time(0) and moment.tzinfo is None:
        return str(moment.date())
    return str(moment)
