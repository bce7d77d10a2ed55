"""`mercato demo seed` seeds the brand with progress and ends with a summary table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from mercato.catalog.models import ProductTag, UgcEmbedding, UgcItem
from mercato.cli.context import opened_services
from mercato.cli.main import app
from mercato.ugc.embedding import load_embedder, model_id
from mercato.ugc.search import UgcQuery, search


def test_demo_seed_command_prints_summary_and_writes_truth(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MERCATO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MERCATO_SECRET_KEY", "k" * 40)
    result = CliRunner().invoke(app, ["demo", "seed", "--seed", "4", "--visitors", "300"])
    assert result.exit_code == 0, result.output
    assert "Demo brand seeded (seed 4)" in result.output
    assert "conversion rate" in result.output
    assert "demo@mercato.local" in result.output
    truth = json.loads((tmp_path / "data" / "demo" / "ground_truth.json").read_text())
    assert truth["seed"] == 4
    assert truth["visitors"] == 300


def test_demo_seed_rejects_too_few_visitors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MERCATO_DATA_DIR", str(tmp_path / "data"))
    result = CliRunner().invoke(app, ["demo", "seed", "--visitors", "5"])
    assert result.exit_code == 2
    assert "visitors" in result.output.lower()


@pytest.mark.slow
def test_demo_has_semantic_search_and_ai_suggestions_out_of_the_box(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sentence model is a base dependency (ADR 2310): the seeded library is embedded,
    products are suggested from the vectors, and semantic search answers without a notice."""
    monkeypatch.setenv("MERCATO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MERCATO_SECRET_KEY", "k" * 40)
    seeded = CliRunner().invoke(app, ["demo", "seed", "--seed", "4", "--visitors", "300"])
    assert seeded.exit_code == 0, seeded.output
    with opened_services() as services, services.catalog.session() as s:
        items = s.scalar(select(func.count()).select_from(UgcItem))
        models = list(s.scalars(select(UgcEmbedding.model)))
        from_vectors = s.scalar(select(func.count()).where(ProductTag.method == "embedding"))
        item_id, caption = s.execute(
            select(UgcItem.id, UgcItem.caption).where(UgcItem.caption != "").limit(1)
        ).one()
    assert items
    assert models == [model_id()] * items
    assert from_vectors, "no product suggestion came from the embeddings"
    found = CliRunner().invoke(
        app, ["ugc", "search", "-w", "demo", "--semantic", caption, "--limit", "3"]
    )
    assert found.exit_code == 0, found.output
    assert "embedding model" not in found.output
    assert "sentence model" not in found.output
    assert f"{items} match(es)" in found.output
    embedder = load_embedder()
    assert embedder is not None
    with opened_services() as services, services.catalog.session() as s:
        workspace_id = s.scalar(select(UgcItem.workspace_id).where(UgcItem.id == item_id))
        assert workspace_id is not None
        nearest = search(s, workspace_id, UgcQuery(semantic=caption, limit=1), embedder)
    assert [item.id for item in nearest.items] == [item_id]  # its own caption is the nearest
