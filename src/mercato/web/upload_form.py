"""A multipart form read as it streams, with limits, for the public UGC upload form.

Starlette's `request.form()` reads the whole body (spooling files to disk) before a route can
look at it, so a request without a valid CSRF token could still make the server take in
hundreds of megabytes. Here every part is checked while it arrives: the body, each file, each
text field and the counts have limits, and `before_files` runs when the first file part
starts (the form's hidden `csrf_token` comes first), so a forged post is refused before any
file byte is kept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from fastapi import Request
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

from mercato.core.errors import ValidationFailed
from mercato.web.public_limits import BodyTooLarge, declared_length_over


@dataclass(frozen=True)
class FormLimits:
    max_body_bytes: int
    max_file_bytes: int
    max_files: int
    max_fields: int = 20
    max_field_bytes: int = 64 * 1024


@dataclass
class StreamedForm:
    fields: dict[str, str] = field(default_factory=dict)
    files: list[tuple[str, bytes]] = field(default_factory=list)  # (file name, content)


@dataclass
class _Part:
    disposition: bytes = b""
    header_name: bytes = b""
    header_value: bytes = b""
    name: str = ""
    filename: str | None = None
    data: bytearray = field(default_factory=bytearray)


class _Collector:
    """python-multipart callbacks that keep parts within `limits`."""

    def __init__(self, limits: FormLimits, before_files: Callable[[dict[str, str]], None]):
        self.limits = limits
        self.before_files = before_files
        self.form = StreamedForm()
        self.part = _Part()
        self.file_parts = 0
        self.field_parts = 0

    def on_part_begin(self) -> None:
        self.part = _Part()

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.part.header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.part.header_value += data[start:end]

    def on_header_end(self) -> None:
        if self.part.header_name.lower() == b"content-disposition":
            self.part.disposition = self.part.header_value
        self.part.header_name, self.part.header_value = b"", b""

    def on_headers_finished(self) -> None:
        _kind, options = parse_options_header(self.part.disposition)
        self.part.name = options.get(b"name", b"").decode("utf-8", "replace")
        if b"filename" in options:
            self.file_parts += 1
            if self.file_parts == 1:
                self.before_files(self.form.fields)
            if self.file_parts > self.limits.max_files:
                raise ValidationFailed(
                    f"at most {self.limits.max_files} files per upload", location="file"
                )
            self.part.filename = options[b"filename"].decode("utf-8", "replace")
        else:
            self.field_parts += 1
            if self.field_parts > self.limits.max_fields:
                raise ValidationFailed(f"at most {self.limits.max_fields} form fields")

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        self.part.data.extend(data[start:end])
        if self.part.filename is not None:
            if len(self.part.data) > self.limits.max_file_bytes:
                mb = self.limits.max_file_bytes // 1_000_000
                raise ValidationFailed(
                    f"{self.part.filename} is larger than {mb} MB", location="file"
                )
        elif len(self.part.data) > self.limits.max_field_bytes:
            raise ValidationFailed("is too long", location=self.part.name or "field")

    def on_part_end(self) -> None:
        if self.part.filename is None:
            self.form.fields.setdefault(self.part.name, self.part.data.decode("utf-8", "replace"))
        elif self.part.filename:  # an empty file input sends a nameless, empty part
            self.form.files.append((self.part.filename, bytes(self.part.data)))


async def read_form(
    request: Request, limits: FormLimits, before_files: Callable[[dict[str, str]], None]
) -> StreamedForm:
    """The form's text fields and files; BodyTooLarge, ValidationFailed or whatever
    `before_files` raises as soon as a limit or check fails."""
    kind, options = parse_options_header(request.headers.get("content-type", ""))
    if kind != b"multipart/form-data" or not options.get(b"boundary"):
        raise ValidationFailed("the upload must be sent as multipart/form-data")
    if declared_length_over(request, limits.max_body_bytes):
        raise BodyTooLarge(limits.max_body_bytes)
    collector = _Collector(limits, before_files)
    parser = MultipartParser(options[b"boundary"], cast(Any, _callbacks(collector)))
    received = 0
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if received > limits.max_body_bytes:
                raise BodyTooLarge(limits.max_body_bytes)
            parser.write(chunk)
        parser.finalize()
    except FormParserError:
        raise ValidationFailed("the upload is not valid multipart/form-data") from None
    if collector.file_parts == 0:
        collector.before_files(collector.form.fields)  # a form without files is checked too
    return collector.form


def _callbacks(collector: _Collector) -> dict[str, Callable[..., None]]:
    names = (
        "part_begin", "header_field", "header_value", "header_end", "headers_finished",
        "part_data", "part_end",
    )  # fmt: skip
    return {f"on_{name}": getattr(collector, f"on_{name}") for name in names}
