"""JSON as RFC 8259 defines it, for bodies signed by a platform: Python's `json` also accepts
`NaN`, `Infinity` and numbers like `1e400` (read as infinity), and `"\ud800"` escapes that
decode to lone surrogates no UTF-8 store can hold; they then break integer, money and Arrow
conversions far from the door. Here they are refused while parsing."""

from __future__ import annotations

import json
import math
from typing import Any


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number out of range: {text[:40]}")
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def loads(text: str | bytes) -> Any:
    """The parsed document; ValueError (or RecursionError for absurd nesting) when it is not
    strict JSON."""
    document = json.loads(text, parse_float=_finite, parse_constant=_no_constant)
    try:  # any lone surrogate, in a key or a value, fails to encode
        json.dumps(document, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("a string holds a lone surrogate (\\ud800-\\udfff), not text") from None
    return document
