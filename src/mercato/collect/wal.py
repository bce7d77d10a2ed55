"""Write-ahead log: an event is acknowledged only once its bytes are fsynced to disk.

Handlers hand records to one writer thread, which writes everything queued, fsyncs once and
then wakes every waiter (group commit), so throughput survives the cost of fsync. Segments
are `wal/<seq>.wal` files of frames `<length:u32><crc32:u32><payload>`; a torn frame at the
end of a segment (a crash mid-write, never acknowledged) ends that segment. The loader reads
from the checkpoint up to the durable position and advances the checkpoint after the rows are
in the warehouse; segments wholly before the checkpoint are deleted.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import os
import queue
import struct
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol

from mercato.core.errors import DataDirError

FRAME = struct.Struct("<II")
SEGMENT_BYTES = 16 * 1024 * 1024
MAX_GROUP = 4096
_STOP = object()


@dataclass(frozen=True, order=True)
class Position:
    segment: int
    offset: int


class WalUnavailable(Exception):
    """The log cannot take writes (stopped, or the disk failed): answer 503, never ack."""


@dataclass
class _Pending:
    payload: bytes
    loop: asyncio.AbstractEventLoop | None
    future: asyncio.Future[None] | None
    done: threading.Event | None
    error: BaseException | None = None


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def segment_path(directory: Path, segment: int) -> Path:
    return directory / f"{segment:012d}.wal"


def segments_in(directory: Path) -> list[int]:
    found = []
    for path in directory.glob("*.wal"):
        with contextlib.suppress(ValueError):
            found.append(int(path.stem))
    return sorted(found)


class DurableLog(Protocol):
    """What the loader reads: a log's folder, how far it is durable, a wake-up signal."""

    directory: Path
    data_ready: threading.Event

    @property
    def durable(self) -> Position: ...


class WriteAheadLog:
    def __init__(self, directory: Path, segment_bytes: int = SEGMENT_BYTES) -> None:
        self.directory = directory
        self.segment_bytes = segment_bytes
        self.data_ready = threading.Event()
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._file: IO[bytes] | None = None
        self._lock_file: IO[bytes] | None = None
        self._durable = Position(0, 0)
        self._durable_lock = threading.Lock()
        self.first_segment = 0

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self._lock_file = open(self.directory / "LOCK", "ab")  # noqa: SIM115
        try:
            fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise DataDirError(
                f"another Mercato process is writing the event log in {self.directory}"
            ) from None
        existing = segments_in(self.directory)
        # Never append to a segment a crashed process may have left with a torn tail, nor
        # start below the checkpoint (a loader in another process skips what lies before it).
        last = max(existing[-1] if existing else 0, Checkpoint(self.directory).load().segment)
        self.first_segment = last + 1
        self._open_segment(self.first_segment)
        self._thread = threading.Thread(target=self._run, name="mercato-wal", daemon=True)
        self._thread.start()

    def _open_segment(self, segment: int) -> None:
        if self._file is not None:
            self._file.close()
        self._file = open(segment_path(self.directory, segment), "ab")  # noqa: SIM115
        _fsync_dir(self.directory)
        with self._durable_lock:
            self._durable = Position(segment, 0)

    @property
    def durable(self) -> Position:
        with self._durable_lock:
            return self._durable

    async def append(self, payload: bytes) -> None:
        """Return once `payload` is on disk; raise WalUnavailable if it cannot be."""
        loop = asyncio.get_running_loop()
        pending = _Pending(payload, loop, loop.create_future(), None)
        self._submit(pending)
        assert pending.future is not None
        await pending.future

    def append_blocking(self, payload: bytes) -> None:
        pending = _Pending(payload, None, None, threading.Event())
        self._submit(pending)
        assert pending.done is not None
        pending.done.wait()
        if pending.error is not None:
            raise WalUnavailable(str(pending.error))

    def _submit(self, pending: _Pending) -> None:
        if self._thread is None or not self._thread.is_alive():
            raise WalUnavailable("the event log is not running")
        self._queue.put(pending)

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is _STOP:
                return
            group = [first]
            while len(group) < MAX_GROUP:
                try:
                    group.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            stop = any(item is _STOP for item in group)
            self._commit([item for item in group if isinstance(item, _Pending)])
            if stop:
                return

    def _commit(self, group: list[_Pending]) -> None:
        error: BaseException | None = None
        try:
            self._write(group)
        except OSError as exc:  # disk full, I/O error: nothing in this group is acknowledged
            error = exc
            # Later frames must not follow a half-written one: continue in a fresh segment.
            with contextlib.suppress(OSError):
                self._open_segment(self.durable.segment + 1)
        self._wake(group, error)
        if error is None:
            self.data_ready.set()

    def _write(self, group: list[_Pending]) -> None:
        assert self._file is not None
        frames = bytearray()
        for pending in group:
            frames += FRAME.pack(len(pending.payload), zlib.crc32(pending.payload))
            frames += pending.payload
        self._file.write(frames)
        self._file.flush()
        os.fdatasync(self._file.fileno())
        with self._durable_lock:
            self._durable = Position(self._durable.segment, self._durable.offset + len(frames))
            position = self._durable
        if position.offset >= self.segment_bytes:
            self._open_segment(position.segment + 1)

    @staticmethod
    def _wake(group: list[_Pending], error: BaseException | None) -> None:
        by_loop: dict[asyncio.AbstractEventLoop, list[asyncio.Future[None]]] = {}
        for pending in group:
            pending.error = error
            if pending.done is not None:
                pending.done.set()
            elif pending.loop is not None and pending.future is not None:
                by_loop.setdefault(pending.loop, []).append(pending.future)
        for loop, futures in by_loop.items():
            with contextlib.suppress(RuntimeError):  # the loop closed: its callers are gone
                loop.call_soon_threadsafe(_settle, futures, error)

    def stop(self) -> None:
        if self._thread is not None:
            self._queue.put(_STOP)
            self._thread.join(timeout=30)
            self._thread = None
        if self._file is not None:
            self._file.close()
            self._file = None
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None


class WorkerLog:
    """Another process's log, seen from the loader (ADR 0604): an intake worker writes it,
    the owner's loader reads it. Written frames end where the newest segment ends; a frame
    still being written reads as torn and is taken on the next pass. A segment is complete
    once a newer one exists (the writer opens the next only after its last fsync)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.data_ready = threading.Event()  # never set from outside: the loader polls

    @property
    def durable(self) -> Position:
        existing = segments_in(self.directory)
        if not existing:
            return Position(0, 0)
        last = existing[-1]
        try:
            return Position(last, segment_path(self.directory, last).stat().st_size)
        except FileNotFoundError:
            return Position(last, 0)


def _settle(futures: list[asyncio.Future[None]], error: BaseException | None) -> None:
    for future in futures:
        if future.done():
            continue
        if error is None:
            future.set_result(None)
        else:
            future.set_exception(WalUnavailable(str(error)))


def read_frames(path: Path, start: int, end: int | None) -> Iterator[tuple[bytes, int]]:
    """(payload, offset after it) from `start`; stops at `end`, EOF or a torn frame."""
    with open(path, "rb") as handle:
        handle.seek(start)
        offset = start
        while end is None or offset < end:
            header = handle.read(FRAME.size)
            if len(header) < FRAME.size:
                return
            length, checksum = FRAME.unpack(header)
            payload = handle.read(length)
            if len(payload) < length or zlib.crc32(payload) != checksum:
                return
            offset += FRAME.size + length
            yield payload, offset


class Checkpoint:
    """How far the loader has moved the log into the warehouse."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / "checkpoint.json"

    def load(self) -> Position:
        try:
            stored = json.loads(self.path.read_text())
            return Position(int(stored["segment"]), int(stored["offset"]))
        except FileNotFoundError:
            return Position(0, 0)
        except (ValueError, KeyError, TypeError):
            # Replaying from the start is safe: loading drops known event ids.
            return Position(0, 0)

    def save(self, position: Position) -> None:
        tmp = self.path.with_suffix(".tmp")
        with open(tmp, "w") as handle:
            json.dump({"segment": position.segment, "offset": position.offset}, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.path)
        _fsync_dir(self.path.parent)
