"""Catalog upkeep for the interface languages (docs/i18n.md, "Adding or changing text").

    python scripts/i18n.py wrap      # wrap bare visible text in templates as {{ _("…") }}
    python scripts/i18n.py extract   # update every messages.po from templates and code

`extract` keeps existing translations, adds new messages with an empty translation (the
catalog test then names them) and drops messages no longer used.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from mercato.i18n.locales import DEFAULT_LANGUAGE as SOURCE_LANGUAGE
from mercato.i18n.locales import LANGUAGES, catalog_path
from mercato.i18n.template_text import visible_texts

ROOT = Path(__file__).resolve().parent.parent / "src" / "mercato"
TEMPLATES = ROOT / "web" / "templates"
METHODS = [("**/templates/**.html", "jinja2.ext:babel_extract"), ("**.py", "python")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None, "N_plural": (1, 2)}


def msgid_of(text: str) -> str:
    """Whitespace collapsed as HTML shows it; `%` doubled (newstyle gettext formats)."""
    return re.sub(r"\s+", " ", text).replace("%", "%%")


def wrap(path: Path) -> int:
    source = path.read_text(encoding="utf-8")
    found = list(visible_texts(source))
    for text in reversed(found):
        message = msgid_of(text.text).replace("\\", "\\\\").replace('"', '\\"')
        source = f'{source[: text.start]}{{{{ _("{message}") }}}}{source[text.end :]}'
    path.write_text(source, encoding="utf-8")
    return len(found)


# Labels that reach pages as data (a KPI's name, a GA4 channel) and are translated there.
CHANNELS = (
    "Direct",
    "Organic Search",
    "Paid Search",
    "Organic Social",
    "Paid Social",
    "Referral",
    "Email",
    "Affiliates",
    "Display",
    "Paid Other",
    "Organic Shopping",
    "Paid Shopping",
    "Organic Video",
    "Paid Video",
    "AI Assistants",
    "Audio",
    "SMS",
    "Mobile Push Notifications",
    "Cross-network",
)


# Stored values that pages show translated (funnel stages, UGC filters, conversions).
VALUES = (
    "awareness",
    "consideration",
    "purchase",
    "lead",
    "any",
    "photo",
    "video",
    "carousel",
    "text",
    "mention",
    "tag",
    "hashtag",
    "upload",
    "review",
    "url",
    "new",
    "approved",
    "rejected",
    "none",
    "requested",
    "granted",
    "revoked",
    "expired",
    "publishable",
)


def data_labels() -> list[str]:
    from mercato.metrics.registry import KPIS

    return sorted({k.name for k in KPIS} | set(CHANNELS) | set(VALUES))


def extract() -> Catalog:
    catalog = Catalog(project="Mercato", domain="messages")
    for label in data_labels():
        catalog.add(label, None, [("data", 0)])
    options = {"extensions": "jinja2.ext.i18n", "newstyle_gettext": "true"}
    for filename, lineno, message, comments, _ctx in extract_from_dir(
        ROOT, METHODS, options_map={"**/templates/**.html": options}, keywords=KEYWORDS
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments)
    return catalog


def update(template: Catalog) -> None:
    # The source language last: Babel shares new messages with the template, and the source
    # catalog fills their translations in place.
    for language in sorted(LANGUAGES, key=lambda code: code == SOURCE_LANGUAGE):
        path = catalog_path(language)
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            with path.open("rb") as existing:
                catalog = read_po(existing, locale=language)
        else:
            catalog = Catalog(locale=language, project="Mercato", domain="messages")
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        if language == SOURCE_LANGUAGE:  # the source catalog is complete by construction
            for message in catalog:
                if message.id:
                    message.string = message.id
        with path.open("wb") as out:
            write_po(out, catalog, width=100, omit_header=False, sort_output=True)


def main(command: str) -> None:
    if command == "wrap":
        count = sum(wrap(path) for path in sorted(TEMPLATES.glob("*.html")))
        print(f"wrapped {count} texts")
    elif command == "extract":
        template = extract()
        update(template)
        print(f"{len(template)} messages in {', '.join(LANGUAGES)}")
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "")
