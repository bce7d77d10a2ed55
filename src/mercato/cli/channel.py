"""The local channel between `mercato` commands and a running `mercato serve` (ADR 1500).

DuckDB lets one process open the warehouse, so while the server runs, a command hands its
command line to the server over a Unix socket in the data dir, and the server runs it
in-process against its open stores, streaming the output and exit code back. Only the data
dir's owner can reach the socket: it is created 0600 and the server checks the peer's uid.

Wire format: one JSON object per line. The client sends a request; the server answers with
`{"out": text}` / `{"err": text}` frames and ends with `{"exit": code}`.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import struct
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from io import BufferedIOBase
from pathlib import Path
from typing import Any

SOCKET_NAME = "mercato.sock"
# sun_path holds 108 bytes on Linux; a longer data dir path gets a socket in a private
# per-user folder instead, named after the data dir so client and server find the same one.
_MAX_SOCKET_PATH = 100

Frame = dict[str, Any]
Handler = Callable[[Frame, Callable[[Frame], None]], None]


class ChannelBusy(Exception):
    """Another server already answers on this data dir's socket."""

    def __init__(self, about: Frame) -> None:
        super().__init__(f"pid {about.get('pid')}")
        self.about = about


def socket_path(data_dir: Path) -> Path:
    """Where the server of `data_dir` listens."""
    resolved = data_dir.resolve()
    direct = resolved / SOCKET_NAME
    if len(str(direct).encode()) <= _MAX_SOCKET_PATH:
        return direct
    digest = hashlib.sha256(str(resolved).encode()).hexdigest()[:20]
    runtime = Path(os.environ.get("XDG_RUNTIME_DIR") or "/tmp")  # noqa: S108 - private 0700 dir
    return runtime / f"mercato-{os.getuid()}" / f"{digest}.sock"


def _private_dir(folder: Path) -> None:
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = folder.stat()
    if info.st_uid != os.getuid() or info.st_mode & 0o077:
        raise PermissionError(f"{folder} must be owned by this user and private (0700)")


def send(stream: BufferedIOBase, frame: Frame) -> None:
    stream.write(json.dumps(frame).encode() + b"\n")
    stream.flush()


def frames(stream: BufferedIOBase) -> Iterator[Frame]:
    for line in stream:
        frame = json.loads(line)
        if not isinstance(frame, dict):
            raise ValueError("a channel frame must be a JSON object")
        yield frame


@contextmanager
def connect(data_dir: Path) -> Iterator[BufferedIOBase | None]:
    """The open connection to the data dir's server, or None when no server answers."""
    path = socket_path(data_dir)
    if not path.exists():
        yield None
        return
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        client.connect(str(path))
    except (ConnectionRefusedError, FileNotFoundError, PermissionError):
        client.close()
        yield None  # a stale socket of a stopped server, or one that is not ours
        return
    stream = client.makefile("rwb")
    try:
        yield stream
    finally:
        stream.close()
        client.close()


def probe(data_dir: Path) -> Frame | None:
    """What the server of `data_dir` says about itself (pid, url), or None if none runs."""
    with connect(data_dir) as stream:
        if stream is None:
            return None
        send(stream, {"probe": True})
        for frame in frames(stream):
            return frame
    return None


def _peer_uid(connection: socket.socket) -> int:
    credentials = connection.getsockopt(
        socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i")
    )
    _pid, uid, _gid = struct.unpack("3i", credentials)
    return int(uid)


@dataclass
class ControlChannel:
    """The server's end: accepts commands on the socket and hands each to `handler`."""

    data_dir: Path
    handler: Handler
    about: Frame

    def __post_init__(self) -> None:
        self.path = socket_path(self.data_dir)
        self._listener: socket.socket | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self.path.parent != self.data_dir.resolve():
            _private_dir(self.path.parent)
        if (running := probe(self.data_dir)) is not None:
            raise ChannelBusy(running)
        with suppress(FileNotFoundError):
            self.path.unlink()  # left by a server that was killed
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        previous = os.umask(0o177)  # never reachable by others, not even for a moment
        try:
            listener.bind(str(self.path))
        finally:
            os.umask(previous)
        self.path.chmod(0o600)
        listener.listen(16)
        self._listener = listener
        self._thread = threading.Thread(target=self._accept, name="mercato-channel", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._listener is None:
            return
        with suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        self._listener = None
        with suppress(FileNotFoundError):
            self.path.unlink()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _accept(self) -> None:
        listener = self._listener
        while listener is not None:
            try:
                connection, _ = listener.accept()
            except OSError:
                return  # stopped
            threading.Thread(
                target=self._serve, args=(connection,), name="mercato-command", daemon=True
            ).start()

    def _serve(self, connection: socket.socket) -> None:
        with connection, connection.makefile("rwb") as stream:
            if _peer_uid(connection) != os.getuid():
                return  # the 0600 socket should have stopped them; refuse without a word
            try:
                request = next(frames(stream))
            except (StopIteration, ValueError):
                return
            if request.get("probe"):
                send(stream, self.about)
                return
            with suppress(BrokenPipeError, ConnectionResetError):
                self.handler(request, lambda frame: send(stream, frame))
