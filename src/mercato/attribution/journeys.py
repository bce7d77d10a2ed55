"""Journeys from the warehouse: ordered touches per person, split at every conversion.

Built as one Ibis expression over `sessions` (and `events` for UGC interactions), so the
engine does the grouping, ordering and splitting; only the flat touch columns come back, as
Arrow, and become `TouchPaths` without a Python loop per journey.

- A person is the identified customer when any of the visitor's sessions carries one
  (stitching devices and in-app/system browsers), else the visitor id.
- A conversion is a session with an order or a lead (or only one of them, by choice); it ends
  its journey and the next
  session starts a new one, so repeat buyers yield several journeys.
- Only touches within the lookback window before the journey's end are kept; journeys that
  never converted (null journeys) are kept: the Markov model needs them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mercato.attribution.models.paths import FloatArray, IntArray, Microseconds, TouchPaths
from mercato.warehouse.connection import ScopedWarehouse

UGC_EVENTS = ("ugc_click", "ugc_impression")
UGC_PREFIX = "ugc:"
DIRECT = "direct"
UNASSIGNED = "Unassigned"


class Granularity(StrEnum):
    """What a touch is credited to."""

    CHANNEL = "channel"
    PLATFORM = "platform"  # social platform; other touches by channel
    CAMPAIGN = "campaign"  # utm campaign; other touches as "(channel)"
    CONTENT = "content"  # utm content; other touches as "(channel)"
    UGC = "ugc"  # UGC items interacted with ("ugc:<id>") among sessions by channel


class Conversion(StrEnum):
    """Which sessions end a journey as a conversion."""

    ANY = "any"  # a purchase or a lead
    PURCHASE = "purchase"
    LEAD = "lead"


class Identity(StrEnum):
    VISITOR = "visitor"
    CUSTOMER = "customer"  # a visitor's known customer id joins their visitors


@dataclass(frozen=True)
class JourneyQuery:
    start: datetime | None = None  # journeys ending in [start, end), naive UTC
    end: datetime | None = None
    window: timedelta = timedelta(days=30)
    by: Granularity = Granularity.CHANNEL
    identity: Identity = Identity.CUSTOMER
    conversion: Conversion = Conversion.ANY


@dataclass(frozen=True)
class Journeys:
    paths: TouchPaths
    labels: list[str]
    revenue: FloatArray  # per journey: revenue of its converting session, 0 for null journeys
    sessions: IntArray  # per journey: sessions among its touches
    first_touch_time: Microseconds  # per journey, since the epoch (UTC)

    @property
    def n_conversions(self) -> int:
        return int(self.paths.converted.sum())


def _earlier(moment: datetime, window: timedelta) -> datetime:
    """`moment - window`, or the earliest datetime when that falls before the year 1."""
    try:
        return moment - window
    except OverflowError:
        return datetime.min


def _touch_label(sessions: ir.Table, by: Granularity) -> ir.StringValue:
    channel = sessions.channel.fill_null(UNASSIGNED)
    in_brackets = "(" + channel + ")"
    if by is Granularity.PLATFORM:
        return sessions.social_platform.fill_null(channel)
    if by is Granularity.CAMPAIGN:
        return sessions.campaign.fill_null(in_brackets)
    if by is Granularity.CONTENT:
        return sessions.content.fill_null(in_brackets)
    return channel


def _people(warehouse: ScopedWarehouse, sessions: ir.Table, identity: Identity) -> ir.Table:
    if identity is Identity.VISITOR:
        return sessions.mutate(person=ibis.coalesce(sessions.visitor_id, sessions.session_id))
    every = warehouse.table("sessions")
    known = (
        every.filter(every.customer_id.notnull() & every.visitor_id.notnull())
        .group_by(known_visitor=every.visitor_id)
        .aggregate(known_customer=every.customer_id.max())
    )
    joined = sessions.left_join(known, sessions.visitor_id == known.known_visitor)
    # Columns read from the join itself: `sessions` and `every` may be the same relation (a
    # segment's narrowed sessions), which Ibis cannot tell apart inside the join.
    fallback = ibis.coalesce(joined.customer_id, joined.visitor_id, joined.session_id)
    return joined.mutate(person=ibis.coalesce(joined.known_customer, fallback))


def session_touches(warehouse: ScopedWarehouse, query: JourneyQuery) -> ir.Table:
    """One row per session in range, with its person, journey number and journey end."""
    sessions = warehouse.table("sessions")
    if query.start is not None:
        sessions = sessions.filter(sessions.started_at >= _earlier(query.start, query.window))
    if query.end is not None:
        sessions = sessions.filter(sessions.started_at < query.end)
    people = _people(warehouse, sessions, query.identity)
    purchase, lead = people.orders.fill_null(0) > 0, people.leads.fill_null(0) > 0
    converts = {
        Conversion.ANY: purchase | lead,
        Conversion.PURCHASE: purchase,
        Conversion.LEAD: lead,
    }[query.conversion]
    people = people.mutate(converts=converts.cast("int64"))
    running = ibis.cumulative_window(group_by="person", order_by=["started_at", "session_id"])
    # SUM over BIGINT is HUGEINT in DuckDB (decimal128 in Arrow, Decimals in NumPy). Ibis
    # types it int64 and drops a cast to int64 as a no-op, so the SQL casts to int32: a
    # person's journey number counts their conversions, far below 2^31.
    journey_no = (people.converts.sum().over(running) - people.converts).cast("int32")
    numbered = people.mutate(journey_no=journey_no)
    journey = ibis.window(group_by=["person", "journey_no"])
    return numbered.mutate(
        ends_at=numbered.started_at.max().over(journey),
        converted=numbered.converts.max().over(journey),
        journey_revenue=(numbered.converts == 1)
        .ifelse(numbered.revenue.fill_null(0), 0)
        .sum()
        .over(journey),
        label=_touch_label(numbered, query.by),
        is_direct=numbered.channel.lower().fill_null("") == DIRECT,
        is_session=ibis.literal(1),
        touch_time=numbered.started_at,
    )


def _ugc_touches(warehouse: ScopedWarehouse, sessions: ir.Table) -> ir.Table:
    """UGC interactions, each in its session's journey."""
    events = warehouse.table("events")
    ugc = events.filter(events.name.isin(UGC_EVENTS) & events.ugc_id.notnull())
    keys = sessions.select(
        "session_id", "person", "journey_no", "ends_at", "converted", "journey_revenue"
    )
    joined = ugc.inner_join(keys, ugc.session_id == keys.session_id)
    return joined.mutate(
        label=UGC_PREFIX + joined.ugc_id,
        is_direct=ibis.literal(False),
        is_session=ibis.literal(0),
        touch_time=joined.ts,
    )


TOUCH_COLUMNS = (
    "person",
    "journey_no",
    "touch_time",
    "label",
    "is_direct",
    "is_session",
    "ends_at",
    "converted",
    "journey_revenue",
)


def journey_touches(warehouse: ScopedWarehouse, query: JourneyQuery) -> ir.Table:
    """The Ibis expression for every kept touch, ordered person → journey → time."""
    sessions = session_touches(warehouse, query)
    touches = sessions.select(*TOUCH_COLUMNS)
    if query.by is Granularity.UGC:
        touches = touches.union(_ugc_touches(warehouse, sessions).select(*TOUCH_COLUMNS))
    kept = touches.filter(touches.touch_time >= touches.ends_at - query.window)
    if query.start is not None:
        kept = kept.filter(kept.ends_at >= query.start)
    # Times stay timestamps: Ibis types epoch_seconds() as int32, which truncates the
    # microseconds every tracker event has and overflows in 2038.
    revenue = kept.mutate(journey_revenue=kept.journey_revenue.cast("float64"))
    return revenue.order_by(
        ["person", "journey_no", "touch_time", ibis.desc("is_session"), "label"]
    )


def build_journeys(warehouse: ScopedWarehouse, query: JourneyQuery) -> Journeys:
    expression = journey_touches(warehouse, query)
    with warehouse.warehouse.lock:
        table = warehouse.warehouse.backend.to_pyarrow(expression)
    return journeys_from_arrow(table)


def journeys_from_arrow(table: pa.Table) -> Journeys:
    """Flat, ordered touch rows → `Journeys` (vectorised: no loop per journey)."""
    n = table.num_rows
    person = table.column("person")
    number = table.column("journey_no").to_numpy()
    starts = np.ones(n, dtype=bool)
    if n > 1:
        same_person = pc.equal(person.slice(1), person.slice(0, n - 1)).to_numpy(
            zero_copy_only=False
        )
        starts[1:] = ~(same_person & (number[1:] == number[:-1]))
    first = np.flatnonzero(starts)
    offsets = np.append(first, n).astype(np.int64)
    encoded = pc.dictionary_encode(table.column("label")).combine_chunks()
    labels = [str(label) for label in encoded.dictionary.to_pylist()]
    time = epoch_microseconds(table.column("touch_time"))
    is_session = table.column("is_session").to_numpy().astype(np.int64)
    journey = np.repeat(np.arange(len(first)), np.diff(offsets))
    paths = TouchPaths(
        offsets=offsets,
        label=encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64),
        time=time,
        is_direct=table.column("is_direct").to_numpy(zero_copy_only=False).astype(bool),
        converted=table.column("converted").to_numpy()[first].astype(bool),
        conversion_time=epoch_microseconds(table.column("ends_at"))[first],
        n_labels=len(labels),
    )
    return Journeys(
        paths=paths,
        labels=labels,
        revenue=table.column("journey_revenue").to_numpy(zero_copy_only=False)[first],
        sessions=np.bincount(journey, weights=is_session, minlength=len(first)).astype(np.int64),
        first_touch_time=time[first],
    )


def epoch_microseconds(column: pa.ChunkedArray) -> Microseconds:
    """A timestamp column of any unit or time zone → int64 microseconds since the epoch.

    Arrow keeps zoned timestamps as UTC instants, so a zone only relabels them; nanoseconds
    (Spark, pandas) are floored to microseconds, the warehouse's resolution.
    """
    kind = column.type
    if not pa.types.is_timestamp(kind):
        raise TypeError(f"journey times must be timestamps, got {kind}")
    if kind.unit != "us":
        column = pc.floor_temporal(column, unit="microsecond") if kind.unit == "ns" else column
        column = column.cast(pa.timestamp("us", kind.tz), safe=False)
    raw = column.cast(pa.int64())
    return np.asarray(raw.to_numpy(zero_copy_only=False), dtype=np.int64)
