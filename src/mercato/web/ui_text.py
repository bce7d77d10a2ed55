"""Text that the dashboard's scripts (web/static/*.js) put on a page: marked here for the
catalogs, translated into the page's language and handed to the scripts as one JSON block
(`<script type="application/json" id="ui-text">` in base.html), so no script holds English of
its own (docs/i18n.md, "Text set by scripts").

A plain entry is one string; a plural entry gives the script a form per CLDR plural category
the script picks with `Intl.PluralRules` (`one`, `other`). `{n}` is where the script writes the
count, formatted in the page's language.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from mercato.core.labels import N_, N_plural

COUNT = "{n}"

MESSAGES: Mapping[str, str] = {
    "copied": N_("Copied"),
    "select_to_copy": N_("Selected: press Ctrl+C"),
    "saved": N_("Saved."),
    "snippet_copied": N_("Snippet copied."),
    "could_not_save": N_("could not save"),
    "table": N_("Table"),
}

# The gallery builder's preview line, one sentence per case (segment rule, fallback gallery).
PLURALS: Mapping[str, tuple[str, str]] = {
    "preview_items": N_plural("%(num)s item", "%(num)s items"),
    "preview_items_segment": N_plural(
        "%(num)s item by the segment's rule", "%(num)s items by the segment's rule"
    ),
    "preview_items_fallback": N_plural(
        "%(num)s item from the fallback gallery", "%(num)s items from the fallback gallery"
    ),
    "preview_items_segment_fallback": N_plural(
        "%(num)s item by the segment's rule, from the fallback gallery",
        "%(num)s items by the segment's rule, from the fallback gallery",
    ),
}


def ui_text(
    gettext: Callable[[str], str], ngettext: Callable[[str, str, int], str]
) -> dict[str, str | dict[str, str]]:
    """Every script text in the language of `gettext`/`ngettext` (the page's)."""
    texts: dict[str, str | dict[str, str]] = {k: gettext(v) for k, v in MESSAGES.items()}
    for key, (singular, plural) in PLURALS.items():
        texts[key] = {
            "one": ngettext(singular, plural, 1) % {"num": COUNT},
            "other": ngettext(singular, plural, 2) % {"num": COUNT},
        }
    return texts
