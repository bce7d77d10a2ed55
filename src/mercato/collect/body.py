"""Reading an untrusted request body: size limits while streaming, gzip, JSON depth limits.

Nothing here buffers more than the limit it is given. A body over the limit is still read to
its end (and thrown away, chunk by chunk) up to a drain allowance, so the client reads the 413
on a healthy connection instead of a reset; past the allowance the server stops reading and
closes the connection.
"""

from __future__ import annotations

import json
import math
import zlib
from collections.abc import AsyncIterator
from typing import Any

from mercato.core.errors import ValidationFailed

MAX_JSON_DEPTH = 32
DRAIN_BYTES = 8 * 1024 * 1024  # read and discard up to this much of an oversize body


class BodyTooLarge(ValidationFailed):
    """413: the body (or what it inflates to) is over the route's limit."""

    code = "body_too_large"

    def __init__(self, limit: int, *, drained: bool) -> None:
        super().__init__(f"body over {limit} bytes", location="body")
        self.drained = drained


class UnsupportedEncoding(ValidationFailed):
    """415: a Content-Encoding other than gzip or identity."""

    code = "unsupported_encoding"


def declared_too_large(content_length: str | None, limit: int) -> BodyTooLarge | None:
    """A declared length no drain allowance covers is refused before reading a byte."""
    if content_length and content_length.isdigit() and int(content_length) > limit + DRAIN_BYTES:
        return BodyTooLarge(limit, drained=False)
    return None


async def read_limited(chunks: AsyncIterator[bytes], limit: int) -> bytes:
    """The whole body if it fits in `limit` bytes; otherwise BodyTooLarge (memory stays bounded)."""
    body = bytearray()
    seen = 0
    async for chunk in chunks:
        seen += len(chunk)
        if seen <= limit:
            body += chunk
            continue
        body = bytearray()  # over the limit: keep counting, keep nothing
        if seen > limit + DRAIN_BYTES:
            raise BodyTooLarge(limit, drained=False)
    if seen > limit:
        raise BodyTooLarge(limit, drained=True)
    return bytes(body)


def decoded(raw: bytes, content_encoding: str | None, limit: int) -> bytes:
    """The body after its Content-Encoding; a gzip bomb stops at `limit` inflated bytes."""
    encoding = (content_encoding or "identity").strip().lower()
    if encoding in ("", "identity"):
        return raw
    if encoding not in ("gzip", "x-gzip"):
        raise UnsupportedEncoding(
            f"Content-Encoding {encoding!r} is not supported (use gzip or none)",
            location="content-encoding",
        )
    inflater = zlib.decompressobj(wbits=31)
    try:
        inflated = inflater.decompress(raw, limit + 1)
    except zlib.error:
        raise ValidationFailed("body is not valid gzip", location="body") from None
    if len(inflated) > limit:
        raise BodyTooLarge(limit, drained=True)
    if not inflater.eof:
        raise ValidationFailed("gzip body is truncated", location="body")
    return inflated


class _NonFinite(ValueError):
    pass


def _refuse_constant(name: str) -> Any:
    raise _NonFinite(name)


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e999 parses as inf
        raise _NonFinite(text)
    return value


_DECODER = json.JSONDecoder(parse_constant=_refuse_constant, parse_float=_finite_float)


def _depth_over(document: Any, limit: int) -> bool:
    if not isinstance(document, dict | list):
        return False
    stack: list[tuple[Any, int]] = [(document, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        children = node.values() if isinstance(node, dict) else node
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def parse_json(raw: bytes, *, max_depth: int | None = MAX_JSON_DEPTH) -> Any:
    """JSON with finite numbers only and at most `max_depth` nested arrays/objects.

    `max_depth=None` skips the depth walk, for a caller whose strict schema refuses anything
    nested deeper than itself (the tracker's); nesting too deep for the parser is still a 422.
    """
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed("body is not UTF-8", location="body") from None
    try:
        document = _DECODER.decode(text)
    except _NonFinite as exc:
        raise ValidationFailed(
            f"numbers must be finite (got {str(exc)[:20]})", location="body"
        ) from None
    except RecursionError:
        raise ValidationFailed(
            f"JSON nested deeper than {max_depth or MAX_JSON_DEPTH} levels", location="body"
        ) from None
    except ValueError:
        raise ValidationFailed("body is not valid JSON", location="body") from None
    # Fewer brackets than the limit cannot nest deeper than it: most bodies skip the walk.
    if (
        max_depth is not None
        and text.count("[") + text.count("{") > max_depth
        and _depth_over(document, max_depth)
    ):
        raise ValidationFailed(f"JSON nested deeper than {max_depth} levels", location="body")
    return document
