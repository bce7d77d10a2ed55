"""`mercato serve`: migrate the catalog, then run the web app with Uvicorn."""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn

from mercato.cli.context import console, opened_services, settings
from mercato.web.app import create_app


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
) -> None:
    """Serve the dashboard, the API and the public endpoints."""
    config = settings()
    with opened_services(upgrade=True):
        pass  # migrations applied and stores checked before the server takes traffic
    app = create_app(config)
    console.print(f"Mercato is serving on [bold]http://{host}:{port}/[/]")
    uvicorn.run(app, host=host, port=port, log_level="info", proxy_headers=False)
