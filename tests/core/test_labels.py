"""Human labels (core.labels): every stored identifier people can meet has one, in English
and in Japanese, and unknown ones still read as words."""

from __future__ import annotations

from enum import StrEnum

import pytest
from babel.messages.pofile import read_po

from mercato.attribution.journeys import Conversion, Granularity
from mercato.attribution.models import MarkovCredit, ModelName
from mercato.attribution.path_report import model_keys
from mercato.attribution.service import AttributionRequest, comparison_keys
from mercato.catalog.kpi_settings import Team
from mercato.catalog.models import (
    AccountStatus,
    GalleryLayout,
    GalleryPlacement,
    GallerySelection,
    RightsStatus,
    RunStatus,
    TagStatus,
    UgcStatus,
)
from mercato.collect.sources import SOURCES
from mercato.connectors.accounts import PLATFORMS
from mercato.core import labels
from mercato.core.labels import Kind, label, yes_no
from mercato.experiments.schemas import Kind as ExperimentKind
from mercato.experiments.schemas import Metric, Status, VariantKind
from mercato.experiments.schemas import Verdict as ExperimentVerdict
from mercato.i18n import locales
from mercato.metrics.goals import Verdict as GoalVerdict
from mercato.metrics.spec import Stage, Unit

ENUMS: list[tuple[Kind, type[StrEnum]]] = [
    (Kind.MODEL, ModelName),
    (Kind.CREDIT, MarkovCredit),
    (Kind.GRANULARITY, Granularity),
    (Kind.CONVERSION, Conversion),
    (Kind.UGC_STATUS, UgcStatus),
    (Kind.RIGHTS_STATUS, RightsStatus),
    (Kind.TAG_STATUS, TagStatus),
    (Kind.EXPERIMENT_STATUS, Status),
    (Kind.EXPERIMENT_KIND, ExperimentKind),
    (Kind.VARIANT_KIND, VariantKind),
    (Kind.EXPERIMENT_METRIC, Metric),
    (Kind.EXPERIMENT_VERDICT, ExperimentVerdict),
    (Kind.GOAL_VERDICT, GoalVerdict),
    (Kind.STAGE, Stage),
    (Kind.UNIT, Unit),
    (Kind.TEAM, Team),
    (Kind.GALLERY_LAYOUT, GalleryLayout),
    (Kind.GALLERY_PLACEMENT, GalleryPlacement),
    (Kind.GALLERY_SELECTION, GallerySelection),
    (Kind.RUN_STATUS, RunStatus),
    (Kind.ACCOUNT_STATUS, AccountStatus),
]


@pytest.mark.parametrize(("kind", "enum"), ENUMS, ids=[kind.value for kind, _ in ENUMS])
def test_every_enum_member_has_a_label(kind: Kind, enum: type[StrEnum]) -> None:
    missing = sorted(member.value for member in enum if member.value not in labels.known(kind))
    assert missing == []


def test_every_model_key_a_report_can_show_has_a_label() -> None:
    keys = {key for key, _, _ in comparison_keys(AttributionRequest())} | set(model_keys())
    assert keys - labels.known(Kind.MODEL) == set()
    assert label(Kind.MODEL, "first_touch") == "First touch"
    assert label(Kind.MODEL, "markov_pooled") == "Markov (pooled)"


def test_every_platform_mercato_knows_has_a_label() -> None:
    social = {platform for _, platform in SOURCES.values() if platform}
    assert (set(PLATFORMS) | social) - labels.known(Kind.PLATFORM) == set()
    shown = {key: label(Kind.PLATFORM, key) for key in ("instagram", "x", "tiktok", "youtube")}
    assert shown == {"instagram": "Instagram", "x": "X", "tiktok": "TikTok", "youtube": "YouTube"}
    assert label(Kind.PLATFORM, "line") == "LINE"
    assert label(Kind.PLATFORM, "TikTok") == "TikTok"  # ad platforms arrive in any case


def test_channels_keep_their_names_and_the_missing_one_reads_in_words() -> None:
    assert label(Kind.CHANNEL, "Paid Social") == "Paid Social"
    assert label(Kind.CHANNEL, labels.NONE) == "Direct / none"
    assert label(Kind.CHANNEL, "Social in-app (LINE)") == "Social in-app (LINE)"


def test_unknown_identifiers_read_as_words() -> None:
    assert label(Kind.PLATFORM, "new_network") == "new network"
    assert label(Kind.UGC_STATUS, None) == ""


def test_labels_follow_the_active_language() -> None:
    with locales.activate("ja"):
        assert label(Kind.MODEL, "first_touch") == "ファーストタッチ"
        assert label(Kind.CHANNEL, labels.NONE) == "ダイレクト / なし"
        assert label(Kind.CHANNEL, "Paid Social") == "有料ソーシャル"
        assert label(Kind.PLATFORM, "instagram") == "Instagram"
        assert yes_no(True) == "はい"
        assert yes_no(False) == "いいえ"
    assert yes_no(True) == "Yes"
    assert yes_no(False) == "No"
    assert label(Kind.MODEL, "first_touch", gettext=str.upper) == "FIRST TOUCH"


def test_every_label_is_in_the_japanese_catalog() -> None:
    with locales.catalog_path("ja").open("rb") as source:
        catalog = read_po(source, locale="ja")
    texts = {text for table in labels.TABLES.values() for text in table.values()}
    texts |= {labels.YES, labels.NO}
    translated = {t: message.string for t in texts if (message := catalog.get(t)) is not None}
    untranslated = sorted(t for t in texts if not translated.get(t))
    assert untranslated == []
    # Brand names stay as the brands write them; the rest is Japanese.
    words = [t for t in texts if t not in set(labels.PLATFORMS.values())]
    same = sorted(t for t in words if translated[t] == t)
    assert same == []
