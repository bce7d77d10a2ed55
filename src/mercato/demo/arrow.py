"""Exact, vectorised conversions from the generator's numpy arrays to Arrow columns."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

MONEY_TYPE = pa.decimal128(18, 2)


def money(cents: npt.NDArray[np.int64], divisor: int = 100) -> pa.Array:
    """Integer cents → decimal(18, 2) without a float round trip (two's-complement int128).
    `divisor` 1 reads the integers as whole units (yen: the Japanese demo, docs/demo.md)."""
    values = np.ascontiguousarray(cents, dtype=np.int64) * (100 // divisor)
    words = np.empty((values.size, 2), dtype=np.int64)
    words[:, 0] = values
    words[:, 1] = np.where(values < 0, -1, 0)
    return pa.Array.from_buffers(MONEY_TYPE, values.size, [None, pa.py_buffer(words.tobytes())])


def money_or_null(
    cents: npt.NDArray[np.int64], present: npt.NDArray[np.bool_], divisor: int = 100
) -> pa.Array:
    values = money(cents, divisor)
    return pc.if_else(pa.array(present), values, pa.scalar(None, MONEY_TYPE))


def cents_to_decimal(cents: int, divisor: int = 100) -> Decimal:
    return Decimal(int(cents)).scaleb(-2) if divisor == 100 else Decimal(int(cents))


def ids(prefix: str, numbers: npt.NDArray[np.int64], width: int = 7) -> pa.Array:
    """`prefix` + zero-padded number, e.g. ids("s-", [3]) → "s-0000003"."""
    digits = pc.utf8_lpad(pc.cast(pa.array(numbers, pa.int64()), pa.string()), width, "0")
    return pc.binary_join_element_wise(pa.scalar(prefix), digits, "")


def timestamps(epoch_ms: npt.NDArray[np.int64]) -> pa.Array:
    """Milliseconds since the epoch (naive UTC) → timestamp[us]."""
    return pa.array(epoch_ms.astype("datetime64[ms]")).cast(pa.timestamp("us"))


def dates(epoch_days: npt.NDArray[np.int64]) -> pa.Array:
    return pa.array(epoch_days.astype("datetime64[D]"))


def take_strings(labels: list[str], codes: npt.NDArray[np.int64]) -> pa.Array:
    """Dictionary decode: `labels[codes]`, a negative code meaning NULL."""
    codes = np.asarray(codes, dtype=np.int64)
    indices = pa.array(np.where(codes < 0, 0, codes), mask=codes < 0)
    return pc.take(pa.array(labels, pa.string()), indices)
