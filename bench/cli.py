"""CLI latency with and without a running server (ADR 1500).

A fresh data dir with one workspace and one token. The same commands are timed as a user runs
them (`python -m mercato.cli ...`, a new process each time) with no server, then with a live
`mercato serve` on the data dir, where each command goes through the Unix socket and runs
inside the server. The channel's own cost is also timed in-process: one `forward()` round
trip against running the same command in this process on its own stores.

`BENCH_CLI_RUNS` changes the repetitions (default 5).
"""

from __future__ import annotations

import io
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager, redirect_stdout, suppress
from functools import partial
from pathlib import Path
from typing import Any

import typer

from mercato.cli.channel import socket_path
from mercato.cli.forward import forward
from mercato.cli.main import app

RUNS = int(os.environ.get("BENCH_CLI_RUNS", "5"))
COMMANDS = [("workspaces", "list"), ("tokens", "list", "--workspace", "acme")]


def _env(data: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MERCATO_")}
    env["MERCATO_DATA_DIR"] = str(data)
    return env


def _mercato(data: Path, *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "mercato.cli", *args],
        env=_env(data),
        capture_output=True,
        check=True,
        timeout=300,
    )


def _median(action: Callable[[], object]) -> float:
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _free_port() -> int:
    with closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def _server(data: Path) -> Iterator[None]:
    server = subprocess.Popen(
        [sys.executable, "-m", "mercato.cli", "serve", "--port", str(_free_port())],
        env=_env(data),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 300
    while not socket_path(data).exists():
        if time.monotonic() > deadline or server.poll() is not None:
            raise RuntimeError("mercato serve did not start")
        time.sleep(0.2)
    try:
        yield
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=60)


def _in_process(args: tuple[str, ...]) -> None:
    with redirect_stdout(io.StringIO()), suppress(SystemExit):
        typer.main.get_command(app).main(list(args), prog_name="mercato", standalone_mode=False)


def _forwarded(data: Path, args: tuple[str, ...]) -> None:
    if forward(data, list(args)) != 0:
        raise RuntimeError(f"mercato {' '.join(args)} failed in the server")


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "data"
        _mercato(data, "db", "upgrade")
        _mercato(data, "workspaces", "create", "acme", "--name", "Acme")
        _mercato(
            data, "tokens", "create", "--workspace", "acme", "--name", "bi", "--scopes", "admin"
        )
        os.environ["MERCATO_DATA_DIR"] = str(data)
        rows: list[list[Any]] = []
        for args in COMMANDS:
            direct = _median(partial(_mercato, data, *args))
            in_process = _median(partial(_in_process, args))
            rows.append([" ".join(args), direct, in_process])
        with _server(data):
            for row, args in zip(rows, COMMANDS, strict=True):
                served = _median(partial(_mercato, data, *args))
                with redirect_stdout(io.StringIO()):
                    channel = _median(partial(_forwarded, data, args))
                row += [served, channel]
    print(f"median of {RUNS} runs; load average {os.getloadavg()[0]:.1f}")
    print("command | process, no server | process, via server | ratio | in-process | forward()")
    for name, direct, in_process, served, channel in rows:
        print(
            f"{name} | {direct:.2f} s | {served:.2f} s | {served / direct:.2f} | "
            f"{in_process * 1000:.0f} ms | {channel * 1000:.0f} ms"
        )
