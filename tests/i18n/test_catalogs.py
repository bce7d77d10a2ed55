"""Every visible string of every template (and every navigation label) is in the English and
Japanese catalogs, translated, with its placeholders intact."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from mercato.i18n.locales import LANGUAGES, catalog_path, translations
from mercato.i18n.template_text import line_of, visible_texts
from mercato.web.templating import ADMIN_NAVIGATION, NAVIGATION, TEMPLATES_DIR

ROOT = Path(__file__).resolve().parents[2]
HOW = (
    'wrap it as {{ _("…") }} (or {% trans %}…{% endtrans %}; `python scripts/i18n.py wrap` '
    "does it for bare text), then run `python scripts/i18n.py extract` and translate the new "
    "entries in src/mercato/locale/ja/LC_MESSAGES/messages.po (docs/i18n.md)"
)
PLACEHOLDER = re.compile(r"%\([a-z_]+\)s|%%")


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("i18n_script", ROOT / "scripts" / "i18n.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _catalog(language: str) -> Catalog:
    with catalog_path(language).open("rb") as source:
        return read_po(source, locale=language)


@pytest.mark.parametrize("template", sorted(p.name for p in TEMPLATES_DIR.glob("*.html")))
def test_no_template_shows_untranslatable_text(template: str) -> None:
    source = (TEMPLATES_DIR / template).read_text(encoding="utf-8")
    bare = [
        f"{template}:{line_of(source, t.start)}: {t.text!r}"
        + (f" (attribute {t.attribute})" if t.attribute else "")
        for t in visible_texts(source)
    ]
    assert bare == [], f"visible text outside the catalogs: {bare}; {HOW}"


def test_every_message_is_translated_in_every_catalog() -> None:
    wanted = _script().extract()
    for language in LANGUAGES:
        catalog = _catalog(language)
        missing = [m.id for m in wanted if m.id and not _translated(catalog, m.id)]
        assert missing == [], f"{language}: not translated: {missing}; {HOW}"
        broken = [
            m.id
            for m in catalog
            if m.id
            and any(
                sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(text))
                for source, text in _forms(m.id, m.string)
            )
        ]
        assert broken == [], f"{language}: placeholders differ from the message: {broken}"


def _translated(catalog: Catalog, message_id: str | tuple[str, ...]) -> bool:
    """A message has its translation; a plural message one for every plural form."""
    entry = catalog.get(message_id)
    if entry is None:
        return False
    if isinstance(entry.string, tuple):
        return len(entry.string) == catalog.num_plurals and all(entry.string)
    return bool(entry.string)


def _forms(
    message_id: str | tuple[str, ...], string: str | tuple[str, ...]
) -> list[tuple[str, str]]:
    """(source, translation) pairs: each plural form against the plural message."""
    if isinstance(message_id, str):
        return [(message_id, str(string))]
    return [(message_id[-1], text) for text in string]


def test_navigation_labels_are_in_the_catalogs() -> None:
    japanese = _catalog("ja")
    for _path, label in NAVIGATION + ADMIN_NAVIGATION:
        entry = japanese.get(label)
        assert entry is not None, f"navigation label {label!r}: mark it N_({label!r}); {HOW}"
        assert entry.string != label


def test_catalogs_compile_from_po_at_load_and_translate() -> None:
    translations.cache_clear()
    assert translations("ja").gettext("Log in") == "ログイン"
    assert translations("en").gettext("Log in") == "Log in"
    assert translations("ja").gettext("a message no one wrote") == "a message no one wrote"
    # No compiled catalog is kept in git: the .po is the only source.
    assert not list((ROOT / "src" / "mercato" / "locale").rglob("*.mo"))
