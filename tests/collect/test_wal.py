"""The write-ahead log: group commit, torn tails, checkpoints, replay after a crash."""

from __future__ import annotations

import asyncio
import json
import threading
from pathlib import Path

from mercato.collect.loader import EventLoader
from mercato.collect.store import EventStore
from mercato.collect.wal import Checkpoint, Position, WriteAheadLog, read_frames, segment_path
from mercato.warehouse.connection import Warehouse


def _rows(*ids: str) -> bytes:
    return json.dumps(
        [
            {
                "workspace_id": "ws",
                "event_id": i,
                "site_id": "s",
                "ts": "2024-11-22T10:00:00",
                "name": "pageview",
                "visitor_id": "v",
                "url": "https://a.example/",
                "path": "/",
            }
            for i in ids
        ]
    ).encode()


def test_group_commit_acknowledges_every_writer(tmp_path: Path) -> None:
    wal = WriteAheadLog(tmp_path)
    wal.start()

    async def many() -> None:
        await asyncio.gather(*(wal.append(_rows(f"e{i}")) for i in range(300)))

    # A thread of its own: Playwright's sync API may hold this thread's event loop.
    runner = threading.Thread(target=asyncio.run, args=(many(),))
    runner.start()
    runner.join(60)
    durable = wal.durable
    wal.stop()
    frames = list(read_frames(segment_path(tmp_path, durable.segment), 0, None))
    assert len(frames) == 300
    assert frames[-1][1] == durable.offset


def test_torn_tail_ends_the_segment_and_replay_loads_the_rest(tmp_path: Path) -> None:
    wal = WriteAheadLog(tmp_path)
    wal.start()
    wal.append_blocking(_rows("a", "b"))
    wal.append_blocking(_rows("c"))
    first = wal.durable.segment
    wal.stop()
    with open(segment_path(tmp_path, first), "ab") as handle:
        handle.write(b"\x99\x00\x00\x00garbage")  # a crash in the middle of a frame
    warehouse = Warehouse.open_duckdb(":memory:")
    restarted = WriteAheadLog(tmp_path)
    restarted.start()  # a new segment: the torn one is never appended to
    assert restarted.durable.segment == first + 1
    loader = EventLoader(restarted, EventStore(warehouse), interval_s=0.05)
    loader.start()
    restarted.append_blocking(_rows("d", "a"))  # "a" again: dropped as a duplicate
    assert loader.wait_until_loaded(30)
    loader.stop()
    restarted.stop()
    events = warehouse.backend.to_pyarrow(warehouse.raw_table("events"))
    assert sorted(events["event_id"].to_pylist()) == ["a", "b", "c", "d"]
    assert Checkpoint(tmp_path).load() == Position(first + 1, restarted_offset(tmp_path, first + 1))
    assert not segment_path(tmp_path, first).exists()  # loaded segments are deleted


def restarted_offset(directory: Path, segment: int) -> int:
    return segment_path(directory, segment).stat().st_size


def test_appending_to_a_stopped_log_is_refused(tmp_path: Path) -> None:
    import pytest

    from mercato.collect.wal import WalUnavailable

    wal = WriteAheadLog(tmp_path)
    with pytest.raises(WalUnavailable):
        wal.append_blocking(b"[]")


def test_daily_salts_are_discarded_after_48_hours(tmp_path: Path) -> None:
    from datetime import date, datetime

    from mercato.collect.identity import SaltStore, cookieless_visitor_id

    salts = SaltStore(tmp_path / "salts.json")
    monday = salts.salt_for(date(2024, 11, 18), datetime(2024, 11, 18, 0, 1))
    assert salts.salt_for(date(2024, 11, 18), datetime(2024, 11, 18, 23, 0)) == monday
    tuesday = salts.salt_for(date(2024, 11, 19), datetime(2024, 11, 19, 0, 1))
    assert tuesday != monday
    restarted = SaltStore(tmp_path / "salts.json")
    assert restarted.salt_for(date(2024, 11, 19), datetime(2024, 11, 19, 5, 0)) == tuesday
    salts.salt_for(date(2024, 11, 20), datetime(2024, 11, 20, 0, 2))
    assert salts.known_days() == ["2024-11-19", "2024-11-20"]
    assert monday not in (tmp_path / "salts.json").read_text()
    a = cookieless_visitor_id(tuesday, "site", "10.0.0.1", "UA")
    assert a == cookieless_visitor_id(tuesday, "site", "10.0.0.1", "UA")
    assert a != cookieless_visitor_id(monday, "site", "10.0.0.1", "UA")
    assert a != cookieless_visitor_id(tuesday, "other-site", "10.0.0.1", "UA")
    assert "10.0.0.1" not in a


def test_a_failed_write_is_not_acknowledged_and_later_writes_land_cleanly(tmp_path: Path) -> None:
    import pytest

    from mercato.collect.wal import WalUnavailable

    wal = WriteAheadLog(tmp_path)
    wal.start()
    wal.append_blocking(_rows("ok-1"))
    real_file = wal._file
    assert real_file is not None
    written = real_file  # narrowed: the methods below run after this line

    class Broken:
        def write(self, data: bytes) -> int:
            written.write(data[: len(data) // 2])  # half a frame reaches the disk
            raise OSError(28, "No space left on device")

        def close(self) -> None:
            written.close()

    wal._file = Broken()  # type: ignore[assignment]
    with pytest.raises(WalUnavailable):
        wal.append_blocking(_rows("lost"))
    wal.append_blocking(_rows("ok-2"))
    wal.stop()
    warehouse = Warehouse.open_duckdb(":memory:")
    restarted = WriteAheadLog(tmp_path)
    restarted.start()
    loader = EventLoader(restarted, EventStore(warehouse), interval_s=0.05)
    loader.start()
    assert loader.wait_until_loaded(30)
    loader.stop()
    restarted.stop()
    events = warehouse.backend.to_pyarrow(warehouse.raw_table("events"))
    assert sorted(events["event_id"].to_pylist()) == ["ok-1", "ok-2"]
