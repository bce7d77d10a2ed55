"""The real app served by Uvicorn on a loopback port, in a background thread."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import uvicorn
from fastapi import FastAPI

from tests.support.postgres import free_port


@contextmanager
def serve_app(app: FastAPI, *, proxy_headers: bool = True) -> Iterator[str]:
    """`proxy_headers=False` serves as `mercato serve` does (the app reads proxy headers)."""
    port = free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="on",
        proxy_headers=proxy_headers,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("test server did not start")
        time.sleep(0.02)
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def csrf_in(html: str) -> str:
    """The CSRF token a rendered page carries in its hidden form field."""
    marker = 'name="csrf_token" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


def login(client: httpx.Client, email: str, password: str) -> None:
    """Log in through the real form (CSRF token included), as a browser would."""
    csrf = csrf_in(client.get("/login").text)
    response = client.post(
        "/login", data={"email": email, "password": password, "csrf_token": csrf, "next": "/"}
    )
    assert response.status_code == 303, response.text


def csrf_of(client: httpx.Client) -> str:
    return csrf_in(client.get("/").text)
