"""Money is Decimal with an ISO 4217 currency, never float, in the currency's own precision
(JPY none, EUR two decimals, KWD and BHD three)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from mercato.core.currencies import minor_unit
from mercato.core.errors import ValidationFailed

CENT = Decimal("0.01")


def parse_currency(raw: str, *, field: str = "currency") -> str:
    """An ISO 4217 code (any case, spaces trimmed); three letters that are not one are refused."""
    code = str(raw).strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise ValidationFailed(f"expected a 3-letter ISO 4217 code, got {raw!r}", location=field)
    if minor_unit(code) is None:
        raise ValidationFailed(f"{code!r} is not an ISO 4217 currency code", location=field)
    return code


def quantum(currency: str, *, field: str = "currency") -> Decimal:
    """The currency's smallest unit as a Decimal exponent: JPY 1, EUR 0.01, KWD 0.001."""
    code = parse_currency(currency, field=field)
    return Decimal(1).scaleb(-(minor_unit(code) or 0))


def parse_amount(
    raw: str | int | float | Decimal, *, field: str = "amount", currency: str | None = None
) -> Decimal:
    """Parse an amount exactly (floats go through their shortest repr, not binary), rounded
    half-even to `currency`'s minor unit; to cents when no currency is known."""
    try:
        value = Decimal(str(raw)) if not isinstance(raw, Decimal) else raw
    except InvalidOperation as exc:
        raise ValidationFailed(f"not a number: {raw!r}", location=field) from exc
    if not value.is_finite():
        raise ValidationFailed(f"not a finite number: {raw!r}", location=field)
    step = CENT if currency is None else quantum(currency, field=f"{field} currency")
    try:
        return value.quantize(step, rounding=ROUND_HALF_EVEN)
    except InvalidOperation:  # more digits than the decimal context holds: no real amount
        shown = str(raw)[:40] + ("…" if len(str(raw)) > 40 else "")
        raise ValidationFailed(f"amount out of range: {shown}", location=field) from None


def money_step(currency: str | None) -> Decimal:
    """The smallest unit of `currency` (JPY 1, EUR 0.01, KWD 0.001); cents when it is unknown
    (no currency, or three letters that are not one)."""
    known = currency is not None and minor_unit(currency.strip().upper()) is not None
    return quantum(currency) if known and currency is not None else CENT


def round_money(value: Decimal | float | int | str, currency: str | None) -> Decimal:
    """`value` rounded half-even to `currency`'s minor unit; floats (sums an engine returns)
    through their shortest repr, so 0.1 + 0.2 rounds as 0.3 does."""
    exact = value if isinstance(value, Decimal) else Decimal(str(value))
    return exact.quantize(money_step(currency), rounding=ROUND_HALF_EVEN)


def format_amount(amount: Decimal | float | int, currency: str | None) -> str:
    """`amount` with thousands separators in the currency's precision (cents when unknown)."""
    return f"{round_money(amount, currency):,}"


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    def __add__(self, other: Money) -> Money:
        if other.currency != self.currency:
            raise ValueError(f"cannot add {self.currency} and {other.currency}")
        return Money(self.amount + other.amount, self.currency)

    def __str__(self) -> str:
        return f"{format_amount(self.amount, self.currency)} {self.currency}"
