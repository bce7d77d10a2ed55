"""Every stored status or mode has one definition (a StrEnum); the API's literal types, the
search filters and the validators offer exactly its values, so none can drift."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, get_args

import pytest

from mercato.catalog.models import (
    GalleryLayout,
    GalleryPlacement,
    GallerySelection,
    RightsStatus,
    TagStatus,
    UgcStatus,
)
from mercato.galleries import definitions
from mercato.ugc import filters, search
from mercato.web.routes import galleries_api, ugc_api


def _literal(annotation: Any) -> set[str]:
    """The values of a Literal (or Optional[Literal])."""
    values: set[str] = set()
    for arg in get_args(annotation) or (annotation,):
        values |= (
            set(get_args(arg)) if get_args(arg) else ({arg} if isinstance(arg, str) else set())
        )
    return values


@pytest.mark.parametrize(
    ("offered", "vocabulary"),
    [
        (set(filters.STATUSES), UgcStatus),
        (set(search.RIGHTS) - {search.PUBLISHABLE}, RightsStatus),
        (set(definitions.LAYOUTS), GalleryLayout),
        (set(definitions.PLACEMENTS), GalleryPlacement),
        (set(definitions.SELECTIONS), GallerySelection),
        (_literal(ugc_api.StatusUpdate.model_fields["status"].annotation), UgcStatus),
        (_literal(galleries_api.Layout), GalleryLayout),
        (_literal(galleries_api.Placement), GalleryPlacement),
        (
            _literal(galleries_api.GalleryCreate.model_fields["selection"].annotation),
            GallerySelection,
        ),
        (
            _literal(galleries_api.GalleryUpdate.model_fields["selection"].annotation),
            GallerySelection,
        ),
        (
            _literal(ugc_api.TagUpdate.model_fields["status"].annotation),
            {TagStatus.ACCEPTED, TagStatus.REJECTED},
        ),
    ],
)
def test_offered_values_are_the_vocabulary(
    offered: set[str], vocabulary: type[StrEnum] | set[StrEnum]
) -> None:
    assert offered == {str(member) for member in vocabulary}
    assert offered, "the surface offers no values at all"
