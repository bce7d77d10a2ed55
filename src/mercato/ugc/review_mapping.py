"""Which column of a review file holds which field: the seven-column default, or a mapping.

A mapping (JSON or TOML, like the orders and products imports) names a column, or a list of
alternatives (the first present wins), for each field:

    {"product_sku": ["SKU", "Product ID"], "rating": "Stars", "text": "Review body",
     "author": "Reviewer", "date": "Published", "product_title": "Product name"}

Fields a mapping leaves out keep their default column name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mercato.core.errors import ValidationFailed

FIELDS = ("product_sku", "rating", "title", "text", "photo_urls", "author", "date", "product_title")
REQUIRED = ("product_sku", "rating", "author", "date")


@dataclass(frozen=True)
class ReviewMapping:
    columns: dict[str, tuple[str, ...]]

    @classmethod
    def default(cls) -> ReviewMapping:
        return cls({name: (name,) for name in FIELDS})

    @classmethod
    def parse(cls, raw: Mapping[str, Any], source: str = "mapping") -> ReviewMapping:
        unknown = sorted(set(raw) - set(FIELDS))
        if unknown:
            raise ValidationFailed(
                f"unknown field(s) {unknown}; known: {', '.join(FIELDS)}", location=source
            )
        columns = dict(cls.default().columns)
        for name, value in raw.items():
            names = [value] if isinstance(value, str) else value
            if (
                not isinstance(names, list)
                or not names
                or not all(isinstance(n, str) and n.strip() for n in names)
            ):
                raise ValidationFailed(
                    "expected a column name or a list of names", location=f"{source}:{name}"
                )
            columns[name] = tuple(n.strip() for n in names)
        return cls(columns)

    def resolve(self, header: Sequence[str], source: str) -> dict[str, str]:
        """field → the header's column for it; a required field without one is an error."""
        present = set(header)
        found = {
            name: next((c for c in columns if c in present), None)
            for name, columns in self.columns.items()
        }
        missing = [f"{n} ({' or '.join(self.columns[n])})" for n in REQUIRED if not found[n]]
        if missing:
            raise ValidationFailed(
                f"missing column(s) {', '.join(missing)}", location=f"{source}:1"
            )
        return {name: column for name, column in found.items() if column}
