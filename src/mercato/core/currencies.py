"""ISO 4217 currency codes and their minor units (decimal places), shipped as data.

Written from the ISO 4217 list of active codes (list one). Units without a minor unit
(precious metals, SDR, the testing codes XTS/XXX) and the fund codes (BOV, CHE, CHW, CLF, COU,
MXV, USN, UYI, UYW: units of account, two of them with four decimals) are not money a shop
takes, so they are absent; the most decimals left is three (BHD, KWD, ...). Codes ISO withdrew
recently stay accepted for historical records (an order export from 2022 in Croatian kuna is
still a real order), listed apart.
"""

from __future__ import annotations

from typing import Final

_ZERO = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX VND VUV XAF XOF XPF"
_THREE = "BHD IQD JOD KWD LYD OMR TND"
_TWO = (
    "AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BRL BSD BTN BWP BYN "
    "BZD CAD CDF CHF CNY COP CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP "
    "GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT "
    "LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN "
    "NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE "
    "SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD UYU UZS VED VES "
    "WST XCD XCG YER ZAR ZMW ZWG"
)
# Withdrawn since 2008, still found in historical exports: code → minor unit.
_WITHDRAWN_TWO = "ANG CUC EEK HRK LTL LVL MRO SKK SLL STD VEF ZWL"
_WITHDRAWN_ZERO = "BYR"


def _table(*groups: tuple[str, int]) -> dict[str, int]:
    return {code: unit for codes, unit in groups for code in codes.split()}


MINOR_UNITS: Final[dict[str, int]] = _table((_TWO, 2), (_ZERO, 0), (_THREE, 3))
WITHDRAWN_MINOR_UNITS: Final[dict[str, int]] = _table((_WITHDRAWN_TWO, 2), (_WITHDRAWN_ZERO, 0))
# The warehouse's money scale: the most decimals of any currency a shop can be paid in.
MAX_MINOR_UNIT: Final = 3


def iso_currency(code: str) -> str:
    """`code` upper-cased if it is an ISO 4217 currency, else ValueError (for validators)."""
    upper = code.strip().upper()
    if minor_unit(upper) is None:
        raise ValueError(f"{code!r} is not an ISO 4217 currency code")
    return upper


def minor_unit(code: str) -> int | None:
    """Decimal places of an upper-case ISO 4217 code; None when the code is not a currency."""
    found = MINOR_UNITS.get(code)
    return found if found is not None else WITHDRAWN_MINOR_UNITS.get(code)
