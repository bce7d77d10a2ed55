"""The library's filters have one definition (`ugc.filters`, issue #15): the search query, the
API's parameters, the page's form and the CLI's options name exactly its filters (the CLI a
subset), and the choices each offers are the vocabulary's."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import get_args, get_type_hints

from typer.models import OptionInfo

from mercato.cli.ugc import ugc_search
from mercato.ugc import filters
from mercato.ugc.search import UgcQuery
from mercato.web.routes import ugc_api

# What a search takes besides its filters.
NOT_FILTERS = {"text", "semantic", "sort", "limit", "offset", "exact_count"}
TEMPLATE = Path(filters.__file__).parents[1] / "web" / "templates" / "ugc_library.html"


def test_the_query_and_the_api_take_exactly_the_vocabulary() -> None:
    query_fields = {f.name for f in dataclasses.fields(UgcQuery)}
    assert query_fields - NOT_FILTERS == set(filters.NAMES)
    assert set(ugc_api.UgcSearchParams.model_fields) == query_fields
    sort = ugc_api.UgcSearchParams.model_fields["sort"].annotation
    assert set(get_args(sort)) == set(filters.SORTS)


def test_the_page_form_names_the_vocabularys_fields() -> None:
    form = TEMPLATE.read_text(encoding="utf-8").split('id="filters"', 1)[1].split("</form>")[0]
    named = set(re.findall(r'name="([a-z_]+)"', form))
    # Collections are picked on their own page; the library links there with collection_id.
    offered = {f.field for f in filters.FILTERS if f.name != "collection_id"}
    assert named - {"text", "semantic", "sort"} == offered
    for name in ("content_type", "source", "status", "rights"):
        assert f"choices.{name}" in form, name  # drawn from the vocabulary, not listed again


def _cli_options() -> set[str]:
    """The `ugc search` options, as the names they are given on the command line."""
    hints = get_type_hints(ugc_search, include_extras=True)
    names: set[str] = set()
    for name, hint in hints.items():
        infos = [m for m in getattr(hint, "__metadata__", ()) if isinstance(m, OptionInfo)]
        if infos:
            # In `Annotated[..., typer.Option("--rights")]` the name lands in `default`.
            given = (infos[0].default, *(infos[0].param_decls or ()))
            declared = [d for d in given if isinstance(d, str) and d.startswith("--")]
            names.add(declared[0][2:].replace("-", "_") if declared else name)
    return names


def test_cli_options_are_vocabulary_filters() -> None:
    offered = _cli_options() - NOT_FILTERS - {"workspace"}
    assert {"status", "rights", "platform", "creator"} <= offered
    assert offered <= set(filters.NAMES)
