"""`mercato serve`: migrate the catalog, then run the web app with Uvicorn.

While it runs, `mercato` commands on the same data dir run inside it (ADR 1500).
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import queue
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
import uvicorn

from mercato.cli import context
from mercato.cli.channel import ChannelBusy, ControlChannel
from mercato.cli.context import console, err_console, fail, settings
from mercato.cli.hosted import HostedRunner, install_routes
from mercato.cli.workers import IntakeSupervisor, OwnerRun, OwnerServer, default_workers
from mercato.core.errors import MercatoError
from mercato.core.settings import Settings
from mercato.runtime import Services
from mercato.web.app import create_app
from mercato.web.owner_link import FromIntakeWorkers


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Processes taking collector events on the port (default: one per core). "
            "With more than one, this process keeps the data dir and every other route; "
            "1 serves everything in this one process.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Serve the dashboard, the API and the public endpoints."""
    count = default_workers() if workers is None else workers
    config = _anchored(settings())
    url = config.base_url or f"http://{host}:{port}/"
    try:
        services = Services.open(config, upgrade=True)
    except MercatoError as exc:
        raise fail(context.advice_for(exc)) from None
    channel = ControlChannel(config.data_dir, _runner(), {"pid": os.getpid(), "url": url})
    try:
        channel.start()
    except ChannelBusy as busy:  # a server of this data dir that does not hold the warehouse
        services.close()
        pid = busy.about.get("pid")
        raise fail(f"a Mercato server (pid {pid}) already serves this data dir") from None
    except OSError as exc:
        services.close()
        raise fail(f"cannot open the command socket {channel.path}: {exc}") from None
    context.host(services)
    if count > 1:
        try:
            _serve_with_workers(config, services, host, port, count, url)
        finally:
            channel.stop()
            context.host(None)
            services.close()
        return
    try:
        app = create_app(config, services)
        console.print(f"Mercato is serving on [bold]{url}[/]")
        # Client addresses come from the app's own trusted-proxies rule (web.proxies), so
        # Uvicorn must not rewrite them from headers first.
        server = uvicorn.Server(
            uvicorn.Config(
                app,
                host=host,
                port=port,
                log_level="info",
                proxy_headers=False,
                access_log=config.access_log,
            )
        )
        with _access_log_off_the_loop(config.access_log):
            server.run()
    finally:
        channel.stop()
        context.host(None)
        services.close()


def _serve_with_workers(
    config: Settings, services: Services, host: str, port: int, count: int, url: str
) -> None:
    """The owner on a private socket, `count` intake workers on the port (ADR 0604)."""
    try:
        run = OwnerRun.open(host, port)
    except OSError as exc:
        raise fail(f"cannot listen on {host}:{port}: {exc}") from None
    try:
        app = create_app(config, services, intake_workers=count)
        owner = FromIntakeWorkers(app, run.token, lambda: app.state.site_activity)
        supervisor = IntakeSupervisor(config, count, run.listener, run.owner_socket, run.token)
        server = OwnerServer(
            uvicorn.Config(
                owner,
                uds=str(run.owner_socket),
                log_level="info",
                proxy_headers=False,
                access_log=config.access_log,
            ),
            supervisor,
            run,
        )
        console.print(f"Mercato is serving on [bold]{url}[/] ({count} intake workers)")
        with _access_log_off_the_loop(config.access_log):
            server.run()
    finally:
        run.close()


class _RawQueueHandler(logging.handlers.QueueHandler):
    """Queues the record as it is: Uvicorn's access formatter needs its `args` intact (the
    stock handler merges them into the message on the loop thread)."""

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        return record


@contextmanager
def _access_log_off_the_loop(enabled: bool) -> Iterator[None]:
    """Uvicorn's access lines go through a queue: a thread formats and writes them, so a
    slow terminal or log file never blocks the event loop."""
    logger = logging.getLogger("uvicorn.access")
    if not enabled or not logger.handlers:
        yield
        return
    handlers, records = list(logger.handlers), queue.SimpleQueue[logging.LogRecord]()
    listener = logging.handlers.QueueListener(records, *handlers, respect_handler_level=True)
    logger.handlers = [_RawQueueHandler(records)]
    listener.start()
    try:
        yield
    finally:
        listener.stop()
        logger.handlers = handlers


def _anchored(config: Settings) -> Settings:
    """The settings with absolute paths: commands from the channel run in their client's
    working directory, which must not move the server's stores."""
    warehouse = config.warehouse_path.resolve() if config.warehouse_path else None
    return config.model_copy(
        update={"data_dir": config.data_dir.resolve(), "warehouse_path": warehouse}
    )


def _runner() -> HostedRunner:
    from mercato.cli.main import app  # the command tree that includes `serve` itself

    install_routes()
    return HostedRunner(app, (console, err_console))
