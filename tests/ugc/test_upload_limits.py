"""The public upload form over the real server: a forged post is refused before its files are
taken in, oversized files and bodies are refused while they stream, and each client has a
budget of posts per minute."""

from __future__ import annotations

import re
import socket
from urllib.parse import urlsplit

import httpx
import pytest

from mercato.runtime import Services
from tests.support.brands import Brand
from tests.support.streaming import stream_until_answer
from tests.ugc.support import image_bytes

BOUNDARY = "----mercatoTestBoundary7MA4YWxkTrZu0gW"
FILLER = b"\xff\xd8" * 32768  # 64 KiB of JPEG-ish bytes
TOTAL = 64 * 1024 * 1024


def _session(client: httpx.Client, slug: str) -> tuple[str, str]:
    """(Cookie header, CSRF token) of a visitor who opened the form."""
    page = client.get(f"/u/{slug}")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    return cookie, token.group(1)


def _preamble(csrf: str) -> bytes:
    fields = {"csrf_token": csrf, "email": "fan@example.org", "consent": "yes"}
    text = "".join(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
        for k, v in fields.items()
    )
    text += (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n"
    )
    return text.encode()


def _post_streamed(base: str, slug: str, cookie: str, csrf: str) -> tuple[int, bytes]:
    headers = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
    if cookie:
        headers["Cookie"] = cookie
    return stream_until_answer(base, f"/u/{slug}", headers, _preamble(csrf), FILLER, TOTAL)


@pytest.mark.slow
def test_a_forged_upload_is_refused_before_its_file_is_read(
    services: Services, brand: Brand, live_server: str
) -> None:
    with httpx.Client(base_url=live_server) as client:
        cookie, _csrf = _session(client, brand.slug)
    for sent_cookie, token in (("", "anything"), (cookie, "not-the-token")):
        sent, answer = _post_streamed(live_server, brand.slug, sent_cookie, token)
        assert answer.startswith(b"HTTP/1.1 403"), answer[:200]
        assert sent < 24 * 1024 * 1024, sent  # answered while the 64 MB file was still coming


@pytest.mark.slow
def test_oversized_files_and_bodies_are_refused_while_streaming(
    services: Services, brand: Brand, live_server: str
) -> None:
    with httpx.Client(base_url=live_server) as client:
        cookie, csrf = _session(client, brand.slug)
    sent, answer = _post_streamed(live_server, brand.slug, cookie, csrf)
    assert answer.startswith(b"HTTP/1.1 422"), answer[:200]
    assert b"big.jpg is larger than 26 MB" in answer
    assert sent < 26 * 1024 * 1024 + 24 * 1024 * 1024, sent
    parts = urlsplit(live_server)
    with socket.create_connection((parts.hostname or "", parts.port or 80)) as sock:
        sock.sendall(
            f"POST /u/{brand.slug} HTTP/1.1\r\nHost: {parts.netloc}\r\nCookie: {cookie}\r\n"
            f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
            f"Content-Length: {2 * 1024**3}\r\n\r\n".encode()
        )
        sock.settimeout(30)
        assert sock.recv(200).startswith(b"HTTP/1.1 413")


def test_upload_posts_are_rate_limited_per_client(
    services: Services, brand: Brand, live_server: str
) -> None:
    services.settings = services.settings.model_copy(update={"upload_rate_limit_per_minute": 2})
    with httpx.Client(base_url=live_server, timeout=20) as client:
        _cookie, csrf = _session(client, brand.slug)
        fields = {"csrf_token": csrf, "email": "fan@example.org", "consent": "yes"}
        answers = [
            client.post(
                f"/u/{brand.slug}",
                data=fields,
                files={"file": ("a.png", image_bytes(i + 1), "image/png")},
            )
            for i in range(3)
        ]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert 1 <= int(answers[-1].headers["Retry-After"]) <= 60
    assert "Too many uploads" in answers[-1].text
