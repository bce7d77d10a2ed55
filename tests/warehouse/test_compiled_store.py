"""Compiled report SQL kept in the data dir (ADR 0506): a fresh process skips the Ibis build,
and a changed definition, schema or code never gets stale SQL."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pytest

from mercato.metrics import compiler, registry
from mercato.metrics.compiler import Slice
from mercato.metrics.evaluate import evaluate
from mercato.metrics.spec import Condition, Op
from mercato.warehouse import compiled_store
from mercato.warehouse.compiled_store import Unpersistable, key_text
from mercato.warehouse.connection import Warehouse
from mercato.warehouse.loader import load

ROOT = Path(__file__).resolve().parents[2]
DAY = date(2019, 6, 3)  # far in the past: the clock never reaches it
SLICE = Slice(DAY, DAY + timedelta(days=6), "Asia/Tokyo")
KPIS = ["sessions", "social_sessions"]


def _open(tmp_path: Path) -> Warehouse:
    return Warehouse.open_duckdb(tmp_path / "warehouse.duckdb", compiled_dir=tmp_path / "sql")


def _events(workspace: str, names: list[str]) -> pa.Table:
    start = datetime(2019, 6, 4, 3, 15, 7, 123456)  # local 12:15 in Tokyo, microseconds
    return pa.table(
        {
            "workspace_id": [workspace] * len(names),
            "event_id": [f"e{i}" for i in range(len(names))],
            "ts": [start + timedelta(minutes=i, microseconds=i) for i in range(len(names))],
            "name": names,
            "session_id": ["s1"] * len(names),
        }
    )


def _sessions(workspace: str, count: int) -> pa.Table:
    return pa.table(
        {
            "workspace_id": [workspace] * count,
            "session_id": [f"s{i}" for i in range(count)],
            "started_at": [datetime(2019, 6, 5, 1, 0, i, 999999) for i in range(count)],
            "channel": ["Organic Social"] * count,
        }
    )


def _values(warehouse: Warehouse, workspace: str) -> dict[str, object]:
    results = evaluate(warehouse.for_workspace(workspace), SLICE, KPIS)
    return {kpi: total.value if (total := results[kpi].total) else None for kpi in KPIS}


def _seed(warehouse: Warehouse) -> None:
    load(warehouse, "events", _events("ws_a", ["pageview", "pageview", "add_to_cart"]))
    load(warehouse, "sessions", _sessions("ws_a", 2))
    load(warehouse, "events", _events("ws_b", ["pageview"]))
    load(warehouse, "sessions", _sessions("ws_b", 5))


def _forbid_builds(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the report was built with Ibis again")

    monkeypatch.setattr(compiler, "compile_query", refuse)
    import mercato.metrics.evaluate as evaluate_module

    monkeypatch.setattr(evaluate_module, "compile_query", refuse)


def test_a_new_process_reads_the_kept_sql_and_the_current_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _open(tmp_path)
    _seed(first)
    assert _values(first, "ws_a") == {"sessions": 2, "social_sessions": 2}
    assert _values(first, "ws_b") == {"sessions": 5, "social_sessions": 5}
    first.close()
    kept = list((tmp_path / "sql").glob("*.json"))
    assert kept, "no compiled SQL was kept"

    second = _open(tmp_path)  # a new warehouse object: an empty in-memory cache
    load(second, "sessions", _sessions("ws_a", 4))  # rows changed since the SQL was kept
    _forbid_builds(monkeypatch)
    assert _values(second, "ws_a") == {"sessions": 4, "social_sessions": 4}
    assert _values(second, "ws_b") == {"sessions": 5, "social_sessions": 5}  # its own tenant filter
    second.close()


def test_a_fresh_interpreter_skips_the_build(tmp_path: Path) -> None:
    warehouse = _open(tmp_path)
    _seed(warehouse)
    expected = _values(warehouse, "ws_a")
    warehouse.close()
    script = f"""
import json, sys
from datetime import date
from mercato.metrics import evaluate as ev
from mercato.metrics.compiler import Slice
from mercato.warehouse.connection import Warehouse
from pathlib import Path
def refuse(*a, **k):
    raise SystemExit("built with Ibis")
ev.compile_query = refuse
tmp = Path({str(tmp_path)!r})
w = Warehouse.open_duckdb(tmp / "warehouse.duckdb", compiled_dir=tmp / "sql")
s = Slice(date(2019, 6, 3), date(2019, 6, 9), "Asia/Tokyo")
r = ev.evaluate(w.for_workspace("ws_a"), s, {KPIS!r})
print(json.dumps({{k: r[k].total.value for k in {KPIS!r}}}))
"""
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": f"{ROOT / 'src'}:{ROOT}", "PATH": "/usr/bin:/bin"},
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr + done.stdout
    assert json.loads(done.stdout.strip().splitlines()[-1]) == expected


def test_a_changed_kpi_definition_is_compiled_afresh(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _open(tmp_path)
    _seed(first)
    assert _values(first, "ws_a")["social_sessions"] == 2
    first.close()
    # The same KPI, its measure now counting e-mail sessions only: a new definition.
    measure = registry.MEASURE_BY_NAME["social_sessions"]
    changed = dataclasses.replace(measure, any_of=(Condition("channel", Op.EQ, "Email"),))
    monkeypatch.setitem(registry.MEASURE_BY_NAME, "social_sessions", changed)
    second = _open(tmp_path)
    assert _values(second, "ws_a") == {"sessions": 2, "social_sessions": 0}
    second.close()


def test_a_changed_schema_or_code_is_another_fingerprint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    warehouse = _open(tmp_path)
    before = warehouse._sql_fingerprint()
    warehouse.backend.raw_sql('ALTER TABLE "events" ADD COLUMN "extra" VARCHAR')
    assert warehouse._sql_fingerprint() != before
    warehouse.close()
    monkeypatch.setattr(compiled_store, "code_digest", lambda: "another build of Mercato")
    assert compiled_store.fingerprint("duckdb", {}) != compiled_store.fingerprint("pyspark", {})
    changed_code = compiled_store.fingerprint("duckdb", {})
    monkeypatch.undo()
    assert compiled_store.fingerprint("duckdb", {}) != changed_code


def test_a_file_for_another_key_is_never_served(tmp_path: Path) -> None:
    warehouse = _open(tmp_path)
    _seed(warehouse)
    _values(warehouse, "ws_a")
    warehouse.close()
    for path in (tmp_path / "sql").glob("*.json"):
        document = json.loads(path.read_text())
        document["key"] = document["key"].replace("ws_a", "ws_b")  # a digest collision
        document["sql"] = "SELECT 1 AS nonsense"
        path.write_text(json.dumps(document))
    (tmp_path / "sql" / "garbage.json").write_text("{half")
    again = _open(tmp_path)
    assert _values(again, "ws_a") == {"sessions": 2, "social_sessions": 2}
    again.close()


def test_key_text_names_values_exactly_or_declines() -> None:
    assert key_text(("ws", SLICE)) == key_text(("ws", dataclasses.replace(SLICE)))
    assert key_text(("ws", SLICE)) != key_text(("ws", dataclasses.replace(SLICE, segment="x")))
    assert key_text((1, "1")) != key_text(("1", 1))
    assert key_text(datetime(2019, 1, 1, 0, 0, 0, 1)) != key_text(datetime(2019, 1, 1))
    with pytest.raises(Unpersistable):
        key_text(("ws", object()))
    with pytest.raises(Unpersistable):
        key_text(lambda: None)


def test_an_unpersistable_key_is_compiled_in_memory_only(tmp_path: Path) -> None:
    warehouse = _open(tmp_path)
    scoped = warehouse.for_workspace("ws_a")
    marker = object()
    table = scoped.table("orders")
    result = scoped.run_compiled(("mine", marker), lambda: table.aggregate(n=table.count()))
    assert result.to_pylist() == [{"n": 0}]
    assert not list((tmp_path / "sql").glob("*.json"))
    warehouse.close()
