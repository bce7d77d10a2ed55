"""Finds the visible text of a Jinja HTML template: the words between tags and in the
attributes people read (placeholder, title, aria-label, alt), outside `<code>`, `<script>`,
`<style>`, Jinja tags and `{% trans %}` blocks. The catalog test uses it to prove every
visible string is translatable; `scripts/i18n.py wrap` uses it to wrap new ones.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

READABLE_ATTRIBUTES = ("placeholder", "title", "aria-label", "alt")
_HIDDEN_ELEMENTS = ("code", "script", "style", "pre")
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
_ATTRIBUTE = re.compile(
    r"""\b(?P<name>placeholder|title|aria-label|alt)=(?P<quote>["'])(?P<value>.*?)(?P=quote)""",
    re.DOTALL,
)
_TAG_NAME = re.compile(r"</?\s*([a-zA-Z][a-zA-Z0-9-]*)")


@dataclass(frozen=True)
class Text:
    """A stretch of visible text: where it starts and ends in the source, and its words."""

    start: int
    end: int
    text: str
    attribute: str | None = None  # the attribute it is the value of, if any


def _closing(source: str, at: int) -> int:
    """The index just past the Jinja tag that starts at `at`."""
    close = {"{{": "}}", "{%": "%}", "{#": "#}"}[source[at : at + 2]]
    found = source.find(close, at + 2)
    return len(source) if found == -1 else found + 2


def _html_tag_end(source: str, at: int) -> int:
    position = at + 1
    while position < len(source):
        if source[position : position + 2] in ("{{", "{%", "{#"):
            position = _closing(source, position)
            continue
        if source[position] == ">":
            return position + 1
        position += 1
    return len(source)


def has_words(text: str) -> bool:
    return bool(_LETTER.search(text))


def _attribute_texts(source: str, start: int, end: int) -> Iterator[Text]:
    for match in _ATTRIBUTE.finditer(source, start, end):
        value = match.group("value")
        if has_words(value) and "{{" not in value and "{%" not in value:
            yield Text(match.start("value"), match.end("value"), value, match.group("name"))


def _jinja_statement(tag: str) -> str:
    return tag[2:-2].strip("-+ \n\t").split(" ", 1)[0]


def visible_texts(source: str) -> Iterator[Text]:
    """Every untranslated visible text of a template, in source order."""
    position, text_start = 0, 0
    hidden: list[str] = []
    in_trans = False

    def flush(until: int) -> Iterator[Text]:
        chunk = source[text_start:until]
        if not hidden and not in_trans and has_words(chunk):
            stripped = chunk.strip()
            offset = text_start + chunk.index(stripped)
            yield Text(offset, offset + len(stripped), stripped)

    while position < len(source):
        pair = source[position : position + 2]
        if pair in ("{{", "{%", "{#"):
            yield from flush(position)
            end = _closing(source, position)
            if pair == "{%":
                statement = _jinja_statement(source[position:end])
                in_trans = statement in ("trans", "pluralize") or (
                    in_trans and statement != "endtrans"
                )
            position = text_start = end
        elif source[position] == "<" and re.match(r"</?[a-zA-Z!]", source[position : position + 3]):
            yield from flush(position)
            end = _html_tag_end(source, position)
            tag = source[position:end]
            name = _TAG_NAME.match(tag)
            element = name.group(1).lower() if name else ""
            if element in _HIDDEN_ELEMENTS:
                if tag.startswith("</"):
                    if hidden and hidden[-1] == element:
                        hidden.pop()
                elif not tag.endswith("/>"):
                    hidden.append(element)
            elif not hidden and not in_trans:
                yield from _attribute_texts(source, position, end)
            position = text_start = end
        else:
            position += 1
    yield from flush(len(source))


def line_of(source: str, offset: int) -> int:
    return source.count("\n", 0, offset) + 1
