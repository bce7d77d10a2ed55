"""FastJSONResponse writes the same bytes as Starlette's JSONResponse for plain values."""

from __future__ import annotations

import json
import math

import pytest
from starlette.responses import JSONResponse

from mercato.web.fast_json import FastJSONResponse

DOCUMENTS = [
    {"accepted": 100, "filtered": 0, "clamped": 3},
    {
        "status": "degraded",
        "checks": {"catalog": "ok", "warehouse": "error: IOException", "loader": "ok"},
        "collector": {"loader_lag_s": 61.25, "max_lag_s": 60.0, "rejected": 0},
    },
    {"error": {"code": "invalid", "message": 'bad "key" <script>\u2028 Zoë 🛍', "n": [1, 2.5]}},
    {"nested": [[], {}, None, True, False, -0.0, 12345678901234567890, 0.1, 1234.5]},
]


@pytest.mark.parametrize("document", DOCUMENTS)
def test_same_bytes_as_starlette(document: object) -> None:
    assert FastJSONResponse(document).body == JSONResponse(document).body


def test_exponent_floats_differ_only_in_spelling() -> None:
    document = {"tiny": 1e-7, "huge": 1e300}
    fast, plain = FastJSONResponse(document).body, JSONResponse(document).body
    assert fast == b'{"tiny":1e-7,"huge":1e+300}'
    assert plain == b'{"tiny":1e-07,"huge":1e+300}'
    assert json.loads(bytes(fast)) == json.loads(bytes(plain)) == document


def test_nan_is_refused_as_by_starlette() -> None:
    for bad in ({"lag": math.nan}, [1, {"x": math.inf}]):
        with pytest.raises(ValueError):
            JSONResponse(bad)
        with pytest.raises(ValueError):
            FastJSONResponse(bad)
