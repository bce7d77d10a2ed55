"""The client's end of the channel: a command hands itself to the running server (ADR 1500).

The command line is parsed here first, exactly as without a server, so `--help`, usage errors
and prompts (a hidden password) happen in the user's terminal. Only when a command is about
to run is it sent, with every value the user typed at a prompt or set in the environment
appended, so the server parses the same invocation without asking anything.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import typer

from mercato.cli import channel
from mercato.cli.commands import LazyGroup
from mercato.cli.context import console, err_console, fail
from mercato.cli.hosted import terminal_profile

# Values the server cannot see unless they travel with the command line (ParameterSource).
_CLIENT_SOURCES = ("PROMPT", "ENVIRONMENT")


def forwarding_command(
    app: typer.Typer, argv: Sequence[str], data_dir: Path, about: channel.Frame
) -> Any:
    """`app` as a click command whose leaf commands run in the server of `data_dir`.

    Typer ships its own click, so commands are told apart by shape, not by class."""
    root = typer.main.get_command(app)
    if isinstance(root, LazyGroup):  # areas load lazily; every leaf must be replaced
        root.load_all()
    _replace_leaves(root, list(argv), data_dir, about)
    return root


def _replace_leaves(command: Any, argv: list[str], data_dir: Path, about: channel.Frame) -> None:
    children = getattr(command, "commands", None)
    if children is not None:
        for child in children.values():
            _replace_leaves(child, argv, data_dir, about)
        return
    if command.name == "serve":
        command.callback = lambda **_: _already_serving(data_dir, about)
        return

    def run_in_server(ctx: Any) -> None:
        raise typer.Exit(forward(data_dir, [*argv, *_client_values(ctx)]))

    # `invoke` receives the parsed context (the callback only gets the values).
    setattr(command, "invoke", run_in_server)  # noqa: B010


def _already_serving(data_dir: Path, about: channel.Frame) -> None:
    raise fail(
        f"a Mercato server (pid {about.get('pid')}) already serves data dir {data_dir} "
        f"at {about.get('url')}: stop it first, or serve another data dir (MERCATO_DATA_DIR)"
    )


def _client_values(ctx: Any) -> list[str]:
    """The options the user gave at a prompt or through an environment variable."""
    extra: list[str] = []
    for param in ctx.command.params:
        if param.param_type_name != "option" or param.name is None:
            continue
        source = ctx.get_parameter_source(param.name)
        if getattr(source, "name", None) not in _CLIENT_SOURCES:
            continue
        value = ctx.params[param.name]
        if param.is_flag:
            extra.append(param.opts[0] if value else (param.secondary_opts or [""])[0])
            continue
        values = value if param.multiple else [value]
        for item in values:
            extra.extend([param.opts[0], str(getattr(item, "value", item))])
    return [item for item in extra if item]


def forward(data_dir: Path, argv: list[str]) -> int:
    """Run `argv` in the server and relay its output; returns the command's exit code."""
    request = {
        "argv": argv,
        "cwd": os.getcwd(),
        "consoles": {"out": terminal_profile(console), "err": terminal_profile(err_console)},
    }
    with channel.connect(data_dir) as stream:
        if stream is None:
            raise fail(f"the Mercato server of data dir {data_dir} stopped answering; run again")
        channel.send(stream, request)
        for frame in channel.frames(stream):
            if "exit" in frame:
                return int(frame["exit"])
            for name, target in (("out", sys.stdout), ("err", sys.stderr)):
                if name in frame:
                    target.write(str(frame[name]))
                    target.flush()
    raise fail(f"the Mercato server of data dir {data_dir} stopped before the command ended")
