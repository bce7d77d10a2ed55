"""The typed tree a segment is defined by, validated, stored as JSON.

Leaves test one trait of a visitor; `and`, `or` and `not` combine them. Every leaf is a
per-visitor yes/no: an unknown value (a visitor without a country, a first session without a
campaign) is "no", so `not` of it is "yes".
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator

MAX_DEPTH = 8
MAX_LEAVES = 64
Text = Annotated[str, Field(min_length=1, max_length=200)]
Values = Annotated[list[Text], Field(min_length=1, max_length=500)]


class Trait(StrEnum):
    """Session traits (the column of the `sessions` table each reads)."""

    PLATFORM = "platform"  # social platform the visit came from
    CHANNEL = "channel"
    CAMPAIGN = "campaign"
    DEVICE = "device"
    COUNTRY = "country"
    LANDING_PAGE_TYPE = "landing_page_type"


TRAIT_COLUMNS = {
    Trait.PLATFORM: "social_platform",
    Trait.CHANNEL: "channel",
    Trait.CAMPAIGN: "campaign",
    Trait.DEVICE: "device",
    Trait.COUNTRY: "country",
    Trait.LANDING_PAGE_TYPE: "entry_page_type",
}


class SessionScope(StrEnum):
    FIRST = "first"  # the visitor's first session
    CURRENT = "current"  # the visitor's latest session
    ANY = "any"  # any of the visitor's sessions


class Flag(StrEnum):
    RETURNING = "returning"  # more than one session (new = not returning)
    PURCHASER = "purchaser"  # at least one order
    LEAD = "lead"  # at least one generate_lead event


class Interest(StrEnum):
    VIEWED = "viewed"  # view_item events
    CARTED = "carted"  # add_to_cart events


INTEREST_EVENTS = {Interest.VIEWED: "view_item", Interest.CARTED: "add_to_cart"}


class Tier(StrEnum):
    """Customer value by RFM score (see `TierRule`): top 7 to 9, mid 5 or 6, low 3 or 4."""

    TOP = "top"
    MID = "mid"
    LOW = "low"


class _Node(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TraitRule(_Node):
    kind: Literal["trait"] = "trait"
    trait: Trait
    values: Values
    session: SessionScope = SessionScope.CURRENT

    @field_validator("values")
    @classmethod
    def _country_codes(cls, values: list[str], info: Any) -> list[str]:
        if info.data.get("trait") is Trait.COUNTRY:
            bad = [v for v in values if len(v) != 2 or not v.isalpha()]
            if bad:
                raise ValueError(f"countries are ISO 3166 two-letter codes, not {bad[:3]}")
            return [v.upper() for v in values]
        return values


class FlagRule(_Node):
    kind: Literal["flag"] = "flag"
    flag: Flag


class InterestRule(_Node):
    """Viewed or carted a product of one of `categories` (catalog categories) or `products`
    (product ids or SKUs as the tracker sends them)."""

    kind: Literal["interest"] = "interest"
    interest: Interest
    categories: Annotated[list[Text], Field(max_length=100)] = []
    products: Annotated[list[Text], Field(max_length=1000)] = []

    def model_post_init(self, _context: Any) -> None:
        if not self.categories and not self.products:
            raise ValueError("an interest rule names at least one category or product")


class TierRule(_Node):
    """Customer value tier from the visitor's orders: recency (≤ 30 days 3, ≤ 90 days 2,
    else 1) + frequency (≥ 3 orders 3, 2 orders 2, 1 order 1) + monetary (net spend
    ≥ `monetary_high` 3, ≥ `monetary_mid` 2, else 1). Visitors without orders have no tier."""

    kind: Literal["value_tier"] = "value_tier"
    tiers: Annotated[list[Tier], Field(min_length=1)]
    monetary_mid: Decimal = Decimal("50")
    monetary_high: Decimal = Decimal("200")

    def model_post_init(self, _context: Any) -> None:
        if not Decimal(0) <= self.monetary_mid <= self.monetary_high:
            raise ValueError("monetary thresholds need 0 <= monetary_mid <= monetary_high")


class AndNode(_Node):
    kind: Literal["and"] = "and"
    rules: Annotated[list[Node], Field(min_length=1, max_length=50)]


class OrNode(_Node):
    kind: Literal["or"] = "or"
    rules: Annotated[list[Node], Field(min_length=1, max_length=50)]


class NotNode(_Node):
    kind: Literal["not"] = "not"
    rule: Node


Leaf = TraitRule | FlagRule | InterestRule | TierRule
Node = Annotated[
    TraitRule | FlagRule | InterestRule | TierRule | AndNode | OrNode | NotNode,
    Field(discriminator="kind"),
]
AndNode.model_rebuild()
OrNode.model_rebuild()
NotNode.model_rebuild()
NODE: TypeAdapter[Node] = TypeAdapter(Node)


class DefinitionError(ValueError):
    """A definition that does not validate; `location` is the JSON path of the problem."""

    def __init__(self, reason: str, location: str) -> None:
        super().__init__(f"{location}: {reason}")
        self.reason = reason
        self.location = location


def children(node: Node) -> list[Node]:
    if isinstance(node, AndNode | OrNode):
        return list(node.rules)
    if isinstance(node, NotNode):
        return [node.rule]
    return []


def leaves(node: Node) -> list[Leaf]:
    kids = children(node)
    if not kids and not isinstance(node, AndNode | OrNode | NotNode):
        return [node]
    return [leaf for kid in kids for leaf in leaves(kid)]


def depth(node: Node) -> int:
    return 1 + max((depth(kid) for kid in children(node)), default=0)


def parse(document: Any, location: str = "definition") -> Node:
    """A validated tree from its JSON document, or DefinitionError naming where it fails."""
    try:
        node = NODE.validate_python(document)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join([location, *(str(part) for part in first["loc"])])
        raise DefinitionError(first["msg"], where) from None
    if depth(node) > MAX_DEPTH:
        raise DefinitionError(f"nested deeper than {MAX_DEPTH} levels", location)
    if len(leaves(node)) > MAX_LEAVES:
        raise DefinitionError(f"more than {MAX_LEAVES} rules", location)
    return node


def dump(node: Node) -> dict[str, Any]:
    """The stored JSON form (defaults included, so stored definitions never change meaning)."""
    return NODE.dump_python(node, mode="json")  # type: ignore[no-any-return]


def describe(node: Node) -> str:
    """One line a person reads: `channel (first) in Paid Social and not returning`."""
    if isinstance(node, AndNode | OrNode):
        inner = f" {node.kind} ".join(describe(kid) for kid in node.rules)
        return f"({inner})" if len(node.rules) > 1 else inner
    if isinstance(node, NotNode):
        return f"not {describe(node.rule)}"
    if isinstance(node, TraitRule):
        return f"{node.trait.value} ({node.session.value} session) in {', '.join(node.values)}"
    if isinstance(node, FlagRule):
        return node.flag.value
    if isinstance(node, InterestRule):
        things = [*node.categories, *node.products]
        return f"{node.interest.value} {', '.join(things)}"
    return f"value tier {', '.join(t.value for t in node.tiers)}"
