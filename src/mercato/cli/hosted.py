"""Running a `mercato` command inside `mercato serve`, for a client on the channel (ADR 1500).

The command runs through the same Typer app as on the shell, against the server's open
stores (`context.hosting`). What it writes goes back to the client as frames: `print` and
click's echo through a per-thread route on `sys.stdout`/`sys.stderr`, Rich output through the
CLI's two consoles, which take the client's terminal (width, colours) for the command.
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
from pathlib import Path, PurePath
from typing import Any, TextIO, get_args

import typer
from rich.console import COLOR_SYSTEMS, Console

from mercato.cli.channel import Frame

Send = Callable[[Frame], None]

_route: ContextVar[dict[str, TextIO] | None] = ContextVar("mercato_command_route", default=None)
_client_cwd: ContextVar[Path | None] = ContextVar("mercato_client_cwd", default=None)


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


def absolute_paths(command: Any) -> None:
    """Make relative path arguments of every leaf command relative to the client's cwd.

    Typer ships its own click, so commands and types are told apart by shape."""
    children = getattr(command, "commands", None)
    if children is not None:
        for child in children.values():
            absolute_paths(child)
        return
    callback = command.callback
    path_params = {param.name for param in command.params if param.name and _is_path(param)}
    if callback is None or not path_params:
        return

    def in_client_cwd(**kwargs: Any) -> Any:
        cwd = _client_cwd.get()
        if cwd is not None:
            for name in path_params:
                kwargs[name] = _rebased(kwargs.get(name), cwd)
        return callback(**kwargs)

    command.callback = in_client_cwd


def _is_path(param: Any) -> bool:
    """Whether the parameter's annotation holds a Path (`Path`, `Path | None`, `list[Path]`)."""
    return _holds_path(getattr(getattr(param, "type_descriptor", None), "annotation", None))


def _holds_path(annotation: Any) -> bool:
    if isinstance(annotation, type) and issubclass(annotation, PurePath):
        return True
    return any(_holds_path(inner) for inner in get_args(annotation))


def _rebased(value: Any, cwd: Path) -> Any:
    if isinstance(value, list | tuple):
        return type(value)(_rebased(item, cwd) for item in value)
    if isinstance(value, str | Path) and str(value) != "-" and not os.path.isabs(value):
        return type(value)(cwd / value)
    return value


class HostedRunner:
    """Runs client requests through `command` one at a time, in the caller's thread."""

    def __init__(self, app: typer.Typer, consoles: tuple[Console, Console]) -> None:
        self._command: Any = typer.main.get_command(app)
        absolute_paths(self._command)
        self._consoles = consoles
        self._one_at_a_time = threading.Lock()

    def __call__(self, request: Frame, send: Send) -> None:
        argv = [str(arg) for arg in request.get("argv", [])]
        profiles = request.get("consoles") or {}
        out = FrameWriter("out", send, terminal=bool(profiles.get("out", {}).get("terminal")))
        err = FrameWriter("err", send, terminal=bool(profiles.get("err", {}).get("terminal")))
        with self._one_at_a_time:
            route = _route.set({"out": out, "err": err})
            cwd = _client_cwd.set(Path(str(request.get("cwd") or os.getcwd())))
            try:
                with (
                    _terminal(self._consoles[0], out, profiles.get("out", {})),
                    _terminal(self._consoles[1], err, profiles.get("err", {})),
                ):
                    code = self._run(argv, err)
            finally:
                _client_cwd.reset(cwd)
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


def _exit_code(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1
