"""A two-week event log shaped like a real export, generated in code (seeded).

Three files: the first has an `event_id` column, a referrer column and acquisition columns;
the second renamed the id column to `uuid` and dropped the referrer; the third is NDJSON with
no order id at all (its purchases get derived ids). Spread through them: empty visitor ids,
bot user agents, GA4 item keys, microsecond timestamps with UTC offsets, exact duplicate
rows, order ids two visitors share (different revenue), rows dated in the future and rows
whose time cannot be read. Every written row is also kept in `rows` with its raw values, so
a test can recompute the expected numbers independently (pandas).
"""

from __future__ import annotations

import csv
import json
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36"
)
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)
BOTS = (
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "python-requests/2.32.3",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "HeadlessChrome/124.0.0.0 Safari/537.36",
)
OFFSETS = (timedelta(hours=2), timedelta(hours=-5), timedelta(hours=5, minutes=30), timedelta(0))
MAPPING = """
optional = ["referrer", "order_id", "revenue", "currency", "items", "source", "medium"]
[columns]
event_id = ["event_id", "uuid"]
ts = "event_time"
name = "event_name"
url = "page_location"
referrer = "page_referrer"
visitor_id = "user_pseudo_id"
user_agent = "user_agent"
order_id = "transaction_id"
revenue = "purchase_revenue"
currency = "currency"
items = "items"
source = "traffic_source"
medium = "traffic_medium"
[events]
pageview = ["page_view"]
purchase = ["purchase"]
"""
FIRST_COLUMNS = (
    "event_id",
    "event_time",
    "event_name",
    "page_location",
    "page_referrer",
    "user_pseudo_id",
    "user_agent",
    "transaction_id",
    "purchase_revenue",
    "currency",
    "items",
    "traffic_source",
    "traffic_medium",
)
SECOND_COLUMNS = tuple(
    "uuid" if c == "event_id" else c
    for c in FIRST_COLUMNS
    if c not in ("page_referrer", "traffic_source", "traffic_medium")
)


@dataclass
class LogRow:
    values: dict[str, Any]  # the raw values as written (id under "id")
    file: str
    kind: str = "normal"  # normal | bot | empty_visitor | future | bad | duplicate


@dataclass
class EventLog:
    files: list[Path]
    mapping: Path
    first_day: datetime
    rows: list[LogRow] = field(default_factory=list)


def _stamp(moment: datetime, rng: random.Random) -> str:
    """ISO 8601 with microseconds, in one of several UTC offsets."""
    offset = rng.choice(OFFSETS)
    local = moment.replace(tzinfo=UTC).astimezone(timezone(offset))
    return local.isoformat(timespec="microseconds")


def _items(rng: random.Random, revenue: Decimal) -> list[dict[str, Any]]:
    quantity = rng.randint(1, 3)
    return [
        {
            "item_id": f"SKU-{rng.randint(1, 40):03d}",
            "item_name": "Linen shirt",
            "item_brand": "Acme",
            "price": str((revenue / quantity).quantize(Decimal("0.01"))),
            "quantity": quantity,
        }
    ]


class _Writer:
    def __init__(self, rng: random.Random, now: datetime) -> None:
        self.rng = rng
        self.now = now
        self.rows: list[LogRow] = []
        self.serial = 0

    def event(self, file: str, moment: datetime, name: str, visitor: str, **extra: Any) -> LogRow:
        self.serial += 1
        values = {
            "id": f"ev-{self.serial:06d}",
            "event_time": _stamp(moment, self.rng),
            "event_name": name,
            "page_location": f"https://shop.example/products/{self.rng.randint(1, 40)}",
            "page_referrer": None,
            "user_pseudo_id": visitor,
            "user_agent": self.rng.choice((CHROME, IPHONE)),
            **extra,
        }
        row = LogRow(values, file)
        self.rows.append(row)
        return row

    def purchase(
        self, file: str, moment: datetime, visitor: str, order_id: str | None, revenue: Decimal
    ) -> LogRow:
        return self.event(
            file,
            moment,
            "purchase",
            visitor,
            transaction_id=order_id,
            purchase_revenue=str(revenue),
            currency="EUR",
            items=_items(self.rng, revenue),
        )


def _file_of(day: int) -> str:
    return "a.csv" if day < 5 else "b.csv" if day < 10 else "c.ndjson"


def _visits(writer: _Writer, first_day: datetime) -> None:
    rng = writer.rng
    for number in range(150):
        visitor = f"v{number:04d}.{rng.randint(10**9, 10**10)}"
        for _visit in range(rng.randint(1, 3)):
            day = rng.randrange(14)
            moment = first_day + timedelta(days=day, hours=rng.randint(7, 20), seconds=rng.random())
            file = _file_of(day)
            extra: dict[str, Any] = {}
            if file == "a.csv" and rng.random() < 0.3:
                extra = {"traffic_source": "newsletter", "traffic_medium": "email"}
            elif file != "b.csv" and rng.random() < 0.3:
                extra = {"page_referrer": "https://l.instagram.com/"}
            writer.event(file, moment, "page_view", visitor, **extra)
            for _page in range(rng.randint(0, 3)):
                moment += timedelta(minutes=rng.randint(1, 9), microseconds=rng.randint(0, 999999))
                writer.event(file, moment, "page_view", visitor)
            if rng.random() < 0.25:
                moment += timedelta(minutes=rng.randint(1, 9), microseconds=rng.randint(1, 999))
                revenue = Decimal(rng.randint(1500, 25000)) / 100
                order_id = None if file == "c.ndjson" else f"{1000 + len(writer.rows)}"
                writer.purchase(file, moment, visitor, order_id, revenue)


def _oddities(writer: _Writer, first_day: datetime) -> None:
    rng = writer.rng
    for index, order_id in enumerate(("5001", "5002", "5003")):
        for visitor, revenue in ((f"collide-a{index}", "40.00"), (f"collide-b{index}", "73.10")):
            day = 1 + index * 3  # files a and b
            moment = first_day + timedelta(days=day, hours=12 + len(visitor) % 3)
            writer.purchase(_file_of(day), moment, visitor, order_id, Decimal(revenue))
    for _index in range(12):
        day = rng.randrange(14)
        row = writer.event(_file_of(day), first_day + timedelta(days=day, hours=9), "page_view", "")
        row.kind = "empty_visitor"
    for index in range(15):
        day = rng.randrange(14)
        moment = first_day + timedelta(days=day, hours=3, minutes=index)
        row = writer.event(_file_of(day), moment, "page_view", f"crawler-{index}")
        row.values["user_agent"] = BOTS[index % len(BOTS)]
        row.kind = "bot"
    for index in range(2):
        row = writer.event("b.csv", writer.now + timedelta(days=3), "page_view", f"skew-{index}")
        row.kind = "future"
    for index in range(2):
        row = writer.event("a.csv", first_day, "page_view", f"broken-{index}")
        row.values["event_time"] = ("31/12/2024 25:61", "[/] yesterday")[index]
        row.kind = "bad"


def build_event_log(directory: Path, now: datetime, seed: int = 13) -> EventLog:
    """Write the three files and the mapping; the log's 14 days end 6 days before `now`."""
    first_day = (now - timedelta(days=20)).replace(hour=0, minute=0, second=0, microsecond=0)
    writer = _Writer(random.Random(seed), now)
    _visits(writer, first_day)
    _oddities(writer, first_day)
    originals = [r for r in writer.rows if r.kind == "normal"]
    for original in writer.rng.sample(originals, 10):
        writer.rows.append(LogRow(dict(original.values), original.file, "duplicate"))
    log = EventLog([], directory / "ga4.toml", first_day, writer.rows)
    log.mapping.write_text(MAPPING)
    for name, columns in (("a.csv", FIRST_COLUMNS), ("b.csv", SECOND_COLUMNS)):
        log.files.append(
            _write_csv(directory / name, columns, [r for r in writer.rows if r.file == name])
        )
    ndjson = directory / "c.ndjson"
    with open(ndjson, "w") as handle:
        for row in (r for r in writer.rows if r.file == "c.ndjson"):
            record = {
                "uuid": row.values["id"],
                **{k: v for k, v in row.values.items() if k != "id"},
            }
            record.pop("transaction_id", None)  # this export has no order id at all
            handle.write(json.dumps({k: v for k, v in record.items() if v is not None}) + "\n")
    log.files.append(ndjson)
    return log


def _write_csv(path: Path, columns: tuple[str, ...], rows: list[LogRow]) -> Path:
    id_column = columns[0]
    with open(path, "w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(columns)
        for row in rows:
            values = {id_column: row.values["id"], **row.values}
            out.writerow(
                [
                    json.dumps(values[c]) if c == "items" and values.get(c) else values.get(c) or ""
                    for c in columns
                ]
            )
    return path
