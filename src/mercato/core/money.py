"""Money is Decimal with an ISO currency, never float."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from mercato.core.errors import ValidationFailed

CENT = Decimal("0.01")


def parse_amount(raw: str | int | float | Decimal, *, field: str = "amount") -> Decimal:
    """Parse an amount exactly; floats go through their shortest repr, not binary."""
    try:
        value = Decimal(str(raw)) if not isinstance(raw, Decimal) else raw
    except InvalidOperation as exc:
        raise ValidationFailed(f"not a number: {raw!r}", location=field) from exc
    if not value.is_finite():
        raise ValidationFailed(f"not a finite number: {raw!r}", location=field)
    return value.quantize(CENT, rounding=ROUND_HALF_EVEN)


def parse_currency(raw: str, *, field: str = "currency") -> str:
    code = raw.strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise ValidationFailed(f"expected a 3-letter ISO 4217 code, got {raw!r}", location=field)
    return code


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    def __add__(self, other: Money) -> Money:
        if other.currency != self.currency:
            raise ValueError(f"cannot add {self.currency} and {other.currency}")
        return Money(self.amount + other.amount, self.currency)

    def __str__(self) -> str:
        return f"{self.amount:,.2f} {self.currency}"
