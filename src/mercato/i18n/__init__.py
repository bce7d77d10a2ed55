"""Languages and locales: gettext catalogs, language choice, locale-aware formatting."""
