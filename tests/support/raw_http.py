"""A keep-alive HTTP/1.1 client over one raw socket, for fuzzing: it sends bytes no polite client
would (invalid UTF-8 in a path, garbage boundaries, oversize headers) and tells whether the
server kept the connection open afterwards."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class RawResponse:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def closes(self) -> bool:
        """The server said it ends the connection after this answer."""
        return self.headers.get("connection", "").lower() == "close"


class ConnectionDropped(AssertionError):
    """The server closed or reset the connection without a complete answer."""


class RawConnection:
    def __init__(self, base_url: str, timeout: float = 20.0) -> None:
        parts = urlsplit(base_url)
        self.host = parts.netloc
        self._address = (parts.hostname or "127.0.0.1", parts.port or 80)
        self._timeout = timeout
        self._sock: socket.socket | None = None
        self._buffer = b""

    def __enter__(self) -> RawConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
        self._sock = None
        self._buffer = b""

    def request(
        self,
        method: str,
        target: bytes,
        headers: list[tuple[bytes, bytes]] = (),  # type: ignore[assignment]
        body: bytes = b"",
        *,
        reconnect: bool = True,
    ) -> RawResponse:
        """Send one request on the open connection (opening one first if none is open, unless
        `reconnect` is false: then a closed connection is a failure)."""
        if self._sock is None:
            if not reconnect:
                raise ConnectionDropped("no open connection")
            self._sock = socket.create_connection(self._address, timeout=self._timeout)
        head = [method.encode() + b" " + target + b" HTTP/1.1", b"Host: " + self.host.encode()]
        head += [name + b": " + value for name, value in headers]
        if body or method in ("POST", "PUT", "PATCH"):
            head.append(b"Content-Length: " + str(len(body)).encode())
        try:
            self._sock.sendall(b"\r\n".join(head) + b"\r\n\r\n" + body)
            return self._read_response(method)
        except (ConnectionResetError, BrokenPipeError, ConnectionDropped) as error:
            self.close()
            raise ConnectionDropped(f"{method} {target!r}: {error}") from error

    def _fill(self) -> None:
        assert self._sock is not None
        chunk = self._sock.recv(65536)
        if not chunk:
            raise ConnectionDropped("connection closed mid-answer")
        self._buffer += chunk

    def _read_until(self, marker: bytes) -> bytes:
        while marker not in self._buffer:
            self._fill()
        found, self._buffer = self._buffer.split(marker, 1)
        return found

    def _read_exactly(self, size: int) -> bytes:
        while len(self._buffer) < size:
            self._fill()
        found, self._buffer = self._buffer[:size], self._buffer[size:]
        return found

    def _read_response(self, method: str) -> RawResponse:
        lines = self._read_until(b"\r\n\r\n").split(b"\r\n")
        status = int(lines[0].split(b" ")[1])
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        if method == "HEAD" or status in (204, 304):
            body = b""
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            body = self._read_chunks()
        else:
            body = self._read_exactly(int(headers.get("content-length", "0")))
        response = RawResponse(status, headers, body)
        if response.closes:
            self.close()
        return response

    def _read_chunks(self) -> bytes:
        body = b""
        while True:
            size = int(self._read_until(b"\r\n").split(b";")[0], 16)
            body += self._read_exactly(size)
            self._read_exactly(2)
            if size == 0:
                return body
