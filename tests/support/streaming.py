"""Send a huge request body over a raw socket and stop as soon as the server answers, to
prove a limit is enforced while the body streams (not after it was all taken in)."""

from __future__ import annotations

import re
import select
import socket
from urllib.parse import urlsplit


def stream_until_answer(
    base: str, path: str, headers: dict[str, str], preamble: bytes, filler: bytes, total: int
) -> tuple[int, bytes]:
    """POST `preamble` then `filler` repeated up to `total` bytes, chunked; returns (bytes
    sent, the first bytes of the response)."""
    parts = urlsplit(base)
    sock = socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 80))
    lines = [f"POST {path} HTTP/1.1", f"Host: {parts.netloc}", "Transfer-Encoding: chunked"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    sent = 0
    try:
        sock.sendall(f"{len(preamble):x}\r\n".encode() + preamble + b"\r\n")
        frame = f"{len(filler):x}\r\n".encode() + filler + b"\r\n"
        while sent < total:
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:
                break
            sock.sendall(frame)
            sent += len(filler)
        else:
            sock.sendall(b"0\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass
    sock.settimeout(30)
    answer = b""
    try:
        while not _complete(answer) and (data := sock.recv(65536)):
            answer += data
    except (ConnectionResetError, TimeoutError):
        pass  # what arrived before the reset is the answer
    finally:
        sock.close()
    return sent, answer


def _complete(answer: bytes) -> bool:
    head, found, body = answer.partition(b"\r\n\r\n")
    if not found:
        return False
    length = re.search(rb"(?im)^content-length:\s*(\d+)", head)
    return length is None or len(body) >= int(length.group(1))
