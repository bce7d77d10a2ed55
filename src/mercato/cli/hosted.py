"""Running a `mercato` command inside `mercato serve`, for a client on the channel (ADR 1500).

The command runs through the same Typer app as on the shell, against the server's open
stores (`context.host`), in the client's working directory. What it writes goes back to the
client as frames: `print` and click's echo through a per-thread route on `sys.stdout` and
`sys.stderr`, Rich output through the CLI's two consoles, which take the client's terminal
(width, colours) for the command.
Commands run one at a time, as they would on the shell, where each one owns the stores.
"""

from __future__ import annotations

import io
import os
import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TextIO, cast

import typer
from rich.console import COLOR_SYSTEMS, Console

from mercato.cli.channel import Frame

Send = Callable[[Frame], None]

_route: ContextVar[dict[str, TextIO] | None] = ContextVar("mercato_command_route", default=None)


class FrameWriter(io.TextIOBase):
    """A text stream whose writes go to the client as `{name: text}` frames."""

    def __init__(self, name: str, send: Send, *, terminal: bool) -> None:
        self._name = name
        self._send = send
        self._terminal = terminal

    def write(self, text: str) -> int:
        if text:
            self._send({self._name: text})
        return len(text)

    def isatty(self) -> bool:
        return self._terminal

    def writable(self) -> bool:
        return True


class RoutedStream(io.TextIOBase):
    """Stands in for sys.stdout/stderr in the server: a command's thread writes to its
    client, every other thread (web requests, logs) to the server's own stream."""

    def __init__(self, name: str, fallback: TextIO) -> None:
        self._name = name
        self._fallback = fallback

    def _target(self) -> TextIO:
        route = _route.get()
        return route[self._name] if route else self._fallback

    def write(self, text: str) -> int:
        return self._target().write(text)

    def flush(self) -> None:
        self._target().flush()

    def isatty(self) -> bool:
        return self._target().isatty()

    def fileno(self) -> int:
        return self._fallback.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"

    def writable(self) -> bool:
        return True


def install_routes() -> None:
    """Route the process's standard streams per thread (once, when the channel starts)."""
    if not isinstance(sys.stdout, RoutedStream):
        sys.stdout = RoutedStream("out", sys.stdout)
    if not isinstance(sys.stderr, RoutedStream):
        sys.stderr = RoutedStream("err", sys.stderr)


@contextmanager
def _terminal(console: Console, stream: TextIO, profile: dict[str, Any]) -> Iterator[None]:
    """`console` writes to `stream` as if it were the client's terminal, for one command."""
    saved = (console._file, console._width, console._height)
    saved_terminal, saved_colors = console._force_terminal, console._color_system
    console.file = stream
    console.size = (int(profile.get("width") or 80), int(profile.get("height") or 25))
    console._force_terminal = bool(profile.get("terminal"))
    color = profile.get("color")
    console._color_system = COLOR_SYSTEMS.get(color) if isinstance(color, str) else None
    try:
        yield
    finally:
        console._file, console._width, console._height = saved
        console._force_terminal, console._color_system = saved_terminal, saved_colors


def terminal_profile(console: Console) -> dict[str, Any]:
    """What the client tells the server about one of its consoles."""
    width, height = console.size
    return {
        "width": width,
        "height": height,
        "terminal": console.is_terminal,
        "color": console.color_system,
    }


@contextmanager
def _client_folder(folder: object) -> Iterator[None]:
    """Run in the client's working directory, so its relative file names (and the messages
    naming them) are the same as on its shell. The server's own paths are absolute from
    start-up (`serve`), and commands run one at a time, so nothing else depends on it."""
    if not isinstance(folder, str) or not os.path.isdir(folder):
        yield
        return
    previous = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(previous)


class HostedRunner:
    """Runs client requests through `command` one at a time, in the caller's thread."""

    def __init__(self, app: typer.Typer, consoles: tuple[Console, Console]) -> None:
        self._command: Any = typer.main.get_command(app)
        self._consoles = consoles
        self._one_at_a_time = threading.Lock()

    def __call__(self, request: Frame, send: Send) -> None:
        argv = [str(arg) for arg in request.get("argv", [])]
        profiles = request.get("consoles") or {}
        # FrameWriter is a text stream; typeshed's TextIO is the protocol Rich and print take.
        out = cast(TextIO, FrameWriter("out", send, terminal=_terminal_of(profiles, "out")))
        err = cast(TextIO, FrameWriter("err", send, terminal=_terminal_of(profiles, "err")))
        with self._one_at_a_time:
            route = _route.set({"out": out, "err": err})
            try:
                with (
                    _client_folder(request.get("cwd")),
                    _terminal(self._consoles[0], out, profiles.get("out", {})),
                    _terminal(self._consoles[1], err, profiles.get("err", {})),
                ):
                    code = self._run(argv, err)
            finally:
                _route.reset(route)
        send({"exit": code})

    def _run(self, argv: list[str], err: TextIO) -> int:
        try:
            self._command.main(args=argv, prog_name="mercato", standalone_mode=True)
        except SystemExit as exit_:
            return _exit_code(exit_.code)
        except Exception:
            err.write(traceback.format_exc())
            return 1
        return 0


def _terminal_of(profiles: dict[str, Any], name: str) -> bool:
    return bool((profiles.get(name) or {}).get("terminal"))


def _exit_code(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1
