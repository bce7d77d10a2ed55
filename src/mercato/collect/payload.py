"""The collector's payload: strict pydantic models, size limits, and readable field errors."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    ValidationError,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from mercato.collect.body import BodyTooLarge, parse_json
from mercato.core.currencies import iso_currency
from mercato.core.errors import ValidationFailed

MAX_BODY_BYTES = 512 * 1024
MAX_BATCH_EVENTS = 500
MAX_PROPS = 32

EventName = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:$ -]+$")]
Identifier = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.:@+=/-]+$")]
Url = Annotated[str, Field(min_length=1, max_length=4096, pattern=r"^https?://")]
# A Plausible-style `data-domain` snippet names its site by domain instead of a key.
SiteDomain = Annotated[str, Field(min_length=1, max_length=253, pattern=r"^[A-Za-z0-9.-]+$")]
ShortText = Annotated[str, Field(max_length=200)]
MAX_PROP_TEXT = 500


def _prop_value(value: Any) -> Any:
    """Text (≤ 500 characters), a boolean, a finite number or null: one clear error if not."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        value = value.strip()
        if len(value) > MAX_PROP_TEXT:
            raise ValueError(f"text props are at most {MAX_PROP_TEXT} characters")
        return value
    if isinstance(value, int) and -(2**63) <= value < 2**63:
        return value
    if isinstance(value, float) and math.isfinite(value):
        return value
    raise ValueError("a prop is text, a boolean, a finite number or null")


PropValue = Annotated[
    Any,
    PlainValidator(_prop_value),
    WithJsonSchema({"type": ["string", "number", "boolean", "null"]}),
]
# Keys the collector writes into `properties` itself: a prop of the same name would be read
# back as line items or a form name (a scalar `items` once stalled the loader).
RESERVED_PROPS = frozenset({"items", "form"})
# Three decimals: KWD and BHD have three; enrich rounds to the currency's own minor unit.
Money = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=3, allow_inf_nan=False)]
Currency = Annotated[str, Field(pattern=r"^[A-Za-z]{3}$"), AfterValidator(iso_currency)]

# Parameters the tracker keeps for the session (docs/collect.md, Sessions) and may resend with any
# event.
ATTRIBUTION_PARAMS = frozenset(
    {
        "utm_source",
        "utm_medium",
        "utm_campaign",
        "utm_content",
        "utm_term",
        "fbclid",
        "ttclid",
        "twclid",
        "gclid",
        "gad_source",
        "msclkid",
        "sccid",
        "scid",
        "epik",
        "rdt_cid",
        "li_fat_id",
        "igshid",
        "igsh",
    }
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class Item(_Strict):
    id: Identifier | None = None
    sku: ShortText | None = None
    name: ShortText | None = None
    quantity: int = Field(default=1, ge=0, le=100_000)
    price: Money | None = None


class TrackerEvent(_Strict):
    """One hit. `ts` and `sent_at` are client milliseconds; the server corrects the clock."""

    name: EventName
    url: Url
    referrer: Annotated[str, Field(max_length=4096)] | None = None
    event_id: Identifier | None = None
    ts: int | None = Field(default=None, ge=0, le=10**14)
    visitor_id: Identifier | None = None
    customer_id: Identifier | None = None
    consent: bool = False
    engaged_ms: int | None = Field(default=None, ge=0, le=86_400_000)
    scroll_pct: int | None = Field(default=None, ge=0, le=100)
    props: dict[Annotated[str, Field(max_length=64)], PropValue] | None = Field(
        default=None, max_length=MAX_PROPS
    )
    attribution: dict[str, Annotated[str, Field(max_length=500)]] | None = Field(
        default=None, max_length=len(ATTRIBUTION_PARAMS)
    )
    order_id: Identifier | None = None
    revenue: Money | None = None
    currency: Currency | None = None
    items: list[Item] | None = Field(default=None, max_length=200)
    form: ShortText | None = None
    ugc_id: Identifier | None = None
    gallery_id: Identifier | None = None
    dnt: bool = False

    @field_validator("props")
    @classmethod
    def _no_reserved_props(cls, props: dict[str, Any] | None) -> dict[str, Any] | None:
        clash = sorted(RESERVED_PROPS.intersection(props or ()))
        if clash:
            raise ValueError(f"{clash[0]!r} is a top-level field, not a prop")
        return props


class _Addressed(BaseModel):
    """The site a hit is for: its public key, or (snippets without one) its domain."""

    key: Identifier | None = None
    domain: SiteDomain | None = None

    @model_validator(mode="after")
    def _names_a_site(self) -> _Addressed:
        if self.key is None and self.domain is None:
            raise ValueError("a site key (or a site domain) is required")
        return self


class SingleHit(TrackerEvent, _Addressed):
    sent_at: int | None = Field(default=None, ge=0, le=10**14)


class Batch(_Strict, _Addressed):
    sent_at: int | None = Field(default=None, ge=0, le=10**14)
    events: list[TrackerEvent] = Field(min_length=1, max_length=MAX_BATCH_EVENTS)


def error_location(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "body"


def _raise_first(error: ValidationError) -> ValidationFailed:
    first = error.errors(include_url=False)[0]
    return ValidationFailed(first["msg"], location=error_location(tuple(first["loc"])))


def parse_body(raw: bytes) -> Batch:
    """A single hit or a batch, as a batch; ValidationFailed names the offending field."""
    if len(raw) > MAX_BODY_BYTES:
        raise BodyTooLarge(MAX_BODY_BYTES, drained=True)
    # The schema is at most four levels deep and refuses anything nested below it.
    document: Any = parse_json(raw, max_depth=None)
    if not isinstance(document, dict):
        raise ValidationFailed("expected a JSON object", location="body")
    if document.get("key") is None and document.get("domain") is None:
        raise ValidationFailed("a site key (or a site domain) is required", location="key")
    try:
        if "events" in document:
            return Batch.model_validate(document)
        hit = SingleHit.model_validate(document)
    except ValidationError as error:
        raise _raise_first(error) from None
    # A SingleHit is a TrackerEvent already validated: no second validation pass.
    return Batch.model_construct(key=hit.key, domain=hit.domain, sent_at=hit.sent_at, events=[hit])


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return _inline(defs[ref.removeprefix("#/$defs/")], defs)
        return {k: _inline(v, defs) for k, v in node.items() if k != "$defs"}
    if isinstance(node, list):
        return [_inline(v, defs) for v in node]
    return node


def inline_schema(model: type[BaseModel]) -> dict[str, Any]:
    """A model's JSON schema with its definitions inlined, for OpenAPI `openapi_extra`."""
    schema = model.model_json_schema()
    inlined: dict[str, Any] = _inline(schema, schema.get("$defs", {}))
    return inlined
