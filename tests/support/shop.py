"""The brand's own shop: static pages on another loopback origin than Mercato, as a real shop
embeds galleries and the tracker from elsewhere."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from tests.support.postgres import free_port


@contextmanager
def shop_server(pages: dict[str, str], headers: dict[str, str] | None = None) -> Iterator[str]:
    """Serve `pages` (path → HTML) and yield the shop's origin. Both dicts are read on every
    request, so a test may fill them in once it knows the origin (galleries and CSPs need it)."""
    extra = headers if headers is not None else {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = pages.get(urlsplit(self.path).path, "<h1>Not found</h1>").encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            for name, value in extra.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
