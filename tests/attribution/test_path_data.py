"""Path data (ChannelAttribution format) on the CLI and the API equals independent solvers."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from mercato.attribution.path_file import read_path_file
from mercato.core.errors import ValidationFailed
from mercato.core.scopes import Scope
from mercato.runtime import Services
from mercato.web.routes.attribution_api import MAX_PATH_FILE_BYTES
from tests.attribution.path_fixture import path_file, path_rows
from tests.attribution.reference_models import Row, every_model, markov_reference
from tests.cli.test_cli import mercato
from tests.support.brands import Brand, make_token

SRC = str(Path(__file__).resolve().parents[2] / "src")
ROWS = path_rows()
EVERY_MODEL = [
    "first_touch", "last_touch", "last_non_direct", "linear", "position_based", "shapley",
    "markov_pooled", "markov_per_journey", "markov_per_journey_distinct",
]  # fmt: skip


def assert_equals_reference(body: dict[str, Any], rows: list[Row], order: int) -> None:
    """Every model, on conversions and on value, equals the pandas / numpy reference."""
    assert body["models"] == EVERY_MODEL
    expected = every_model(rows, order)
    credits = {row["label"]: row for row in body["credits"]}
    assert set(credits) == {label for path, *_ in rows for label in path}
    for model in EVERY_MODEL:
        for label, row in credits.items():
            conversions, value = expected[model].get(label, (0.0, 0.0))
            assert row["conversions"][model] == pytest.approx(conversions, rel=1e-12, abs=1e-9)
            assert row["value"][model] == pytest.approx(value, rel=1e-12, abs=1e-9)
    effects, p_conv = markov_reference(rows, order)
    assert body["conversion_probability"] == pytest.approx(p_conv, abs=1e-12)
    for label, effect in effects.items():
        assert body["removal_effects"][label] == pytest.approx(effect, abs=1e-9)
    assert body["conversions"] == pytest.approx(sum(row[1] for row in rows))
    assert body["nulls"] == pytest.approx(sum(row[3] for row in rows))
    assert any("time decay is left out" in notice for notice in body["notices"])


@pytest.mark.parametrize("order", [1, 3])
def test_cli_paths_equals_the_exact_solver_and_pandas(tmp_path: Path, order: int) -> None:
    file = tmp_path / "paths.csv"
    file.write_text(path_file(ROWS), encoding="utf-8")
    empty = tmp_path / "never-created"
    done = mercato(empty, "attribution", "--paths", str(file), "--order", str(order),
                   "--format", "json", PYTHONPATH=SRC)  # fmt: skip
    assert done.returncode == 0, done.stderr
    body = json.loads(done.stdout)
    assert (body["source"], body["paths"], body["order"]) == ("paths.csv", len(ROWS), order)
    assert_equals_reference(body, ROWS, order)
    assert not empty.exists()  # path data needs no data dir


def test_cli_paths_table_and_csv_agree_with_json(tmp_path: Path) -> None:
    file = tmp_path / "export.csv"
    file.write_text(path_file(ROWS, delimiter=","), encoding="utf-8")
    as_json = json.loads(
        mercato(
            tmp_path, "attribution", "--paths", str(file), "--format", "json", PYTHONPATH=SRC
        ).stdout
    )
    as_csv = mercato(tmp_path, "attribution", "--paths", str(file), "--format", "csv",
                     PYTHONPATH=SRC)  # fmt: skip
    records = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert len(records) == len(as_json["credits"]) * len(EVERY_MODEL)
    for record in records:
        row = next(row for row in as_json["credits"] if row["label"] == record["label"])
        assert float(record["conversions"]) == row["conversions"][record["model"]]
        assert float(record["value"]) == row["value"][record["model"]]
    table = mercato(tmp_path, "attribution", "--paths", str(file), PYTHONPATH=SRC)
    assert table.returncode == 0, table.stderr
    assert "attributed conversions, Markov order 1" in table.stdout
    assert "Markov (per journey, distinct)" in table.stdout  # models by their label
    assert f"{len(ROWS):,} paths" in table.stdout
    assert "affiliate & 'co' <x" in table.stdout


BAD_FILES = [
    ("path;total_conversions\nfacebook > > email;3\n", "bad.csv line 2, path: "),
    (
        "path;total_conversions;total_null\nemail;1;2\nemail;x;1\n",
        "bad.csv line 3, total_conversions: 'x' is not a count",
    ),
    ("Path,Conversions,Null\nemail,1,-4\n", "bad.csv line 2, Null: '-4' is not a count"),
    ("path,total_conversions\nemail,nan\n", "bad.csv line 2, total_conversions: 'nan'"),
    ("path;conversions;total_null\n\nemail;1\n", "bad.csv line 3, total_null: the row has 2"),
    ("channels;total_conversions\nemail;1\n", "bad.csv line 1: the header has no path"),
    ("path;total_conversions;conversions\na;1;1\n", "bad.csv line 1: two columns mean"),
    ("path;total_conversions\n", "bad.csv: the file has a header but no path rows"),
    ("\n\n", "bad.csv: the file is empty"),
]


@pytest.mark.parametrize(("text", "message"), BAD_FILES)
def test_a_bad_path_file_is_refused_naming_file_line_and_field(text: str, message: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        read_path_file(text, "bad.csv")
    assert message in str(refused.value)


def test_cli_paths_reports_a_bad_row_or_missing_file_without_a_traceback(tmp_path: Path) -> None:
    file = tmp_path / "bad.csv"
    file.write_text(BAD_FILES[1][0], encoding="utf-8")
    done = mercato(tmp_path, "attribution", "--paths", str(file), PYTHONPATH=SRC)
    assert done.returncode == 2
    assert BAD_FILES[1][1] in done.stderr
    assert "Traceback" not in done.stderr
    missing = mercato(tmp_path, "attribution", "--paths", str(tmp_path / "no.csv"), PYTHONPATH=SRC)
    assert missing.returncode == 2
    assert "no.csv" in missing.stderr
    ranged = mercato(tmp_path, "attribution", "--paths", str(file), "--from", "2026-01-01",
                     PYTHONPATH=SRC)  # fmt: skip
    assert ranged.returncode == 2
    assert "--from and --to do not apply" in ranged.stderr


@pytest.fixture
def reader(services: Services, brand: Brand) -> str:
    return make_token(services, brand, [Scope.ANALYTICS_READ])


def test_api_paths_from_multipart_and_text_bodies(live_server: str, reader: str) -> None:
    text = path_file(ROWS)
    with httpx.Client(
        base_url=live_server, headers={"Authorization": f"Bearer {reader}"}, timeout=60
    ) as client:
        uploaded = client.post(
            "/api/v1/attribution/paths",
            params={"order": 2},
            files={"file": ("shop-paths.csv", text.encode(), "text/csv")},
        )
        raw = client.post(
            "/api/v1/attribution/paths",
            params={"order": 2, "name": "raw.csv"},
            content=text.encode("utf-8-sig"),
            headers={"content-type": "text/csv"},
        )
    assert uploaded.status_code == 200, uploaded.text
    body = uploaded.json()
    assert (body["source"], body["order"]) == ("shop-paths.csv", 2)
    assert_equals_reference(body, ROWS, 2)
    assert raw.status_code == 200, raw.text
    assert raw.json()["source"] == "raw.csv"
    assert raw.json()["credits"] == body["credits"]


def test_api_paths_refuses_bad_files_and_callers(
    live_server: str, services: Services, brand: Brand, reader: str
) -> None:
    auth = {"Authorization": f"Bearer {reader}"}
    with httpx.Client(base_url=live_server, headers=auth, timeout=60) as client:
        bad = client.post(
            "/api/v1/attribution/paths",
            files={"file": ("mine.csv", b"path;total_conversions\nemail;1\nsearch;lots\n")},
        )
        latin = client.post(
            "/api/v1/attribution/paths",
            content="path;total_conversions\nm\xe9l;1\n".encode("latin-1"),
        )
        no_file = client.post("/api/v1/attribution/paths", files={"other": ("x.csv", b"a")})
        order = client.post("/api/v1/attribution/paths", params={"order": 5}, content=b"x")
        huge = client.post(
            "/api/v1/attribution/paths",
            content=b"path;total_conversions\n" + b"a;1\n" * (MAX_PATH_FILE_BYTES // 4),
        )
    assert bad.status_code == 422
    assert bad.json()["error"]["location"] == "mine.csv line 3, total_conversions"
    assert latin.status_code == 422
    assert "UTF-8" in latin.json()["error"]["message"]
    assert no_file.status_code == 422
    assert no_file.json()["error"]["location"] == "file"
    assert order.status_code == 422
    assert huge.status_code == 413
    assert huge.json()["error"]["code"] == "too_large"
    other = make_token(services, brand, [Scope.CATALOG_READ])
    denied = httpx.post(f"{live_server}/api/v1/attribution/paths", content=b"x",
                        headers={"Authorization": f"Bearer {other}"})  # fmt: skip
    assert denied.status_code == 403
    assert httpx.post(f"{live_server}/api/v1/attribution/paths", content=b"x").status_code == 401
