"""`serve --workers N`: the owner process and its N intake workers on one port (ADR 0604).

The process that runs `serve` owns the data dir as with one worker: the catalog, the DuckDB
warehouse, the loaders, the command channel and every route but intake. It opens the public
listening socket, hands it to N intake worker processes (`web.intake_worker`) and serves its
own app on a private Unix socket the workers pass other requests to. A worker that dies is
started again; when the owner stops it stops the workers first (their answered events are
in their logs), then its loaders drain every log into the warehouse.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import uvicorn

from mercato.core.settings import Settings
from mercato.web.intake_worker import WorkerOrders
from mercato.web.owner_link import OWNER_SOCKET

log = logging.getLogger("mercato.workers")
STOP_GRACE_S = 30.0
# A worker that keeps dying is started again at most this often (a broken install must not
# spin a core); one that dies once after running a while comes back at once.
RESTART_EVERY_S = 1.0
POLL_S = 0.1


def default_workers() -> int:
    """One worker per core this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def listening_socket(host: str, port: int) -> socket.socket:
    """The public port, opened once by the owner and shared by every worker."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.create_server((host, port), family=family, backlog=2048)
    sock.set_inheritable(True)
    return sock


@dataclass
class _Worker:
    number: int
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    restarts: int = 0


@dataclass
class IntakeSupervisor:
    """Starts the workers, starts again the ones that die, stops them all on `stop`."""

    settings: Settings
    count: int
    listener: socket.socket
    owner_socket: Path
    token: str
    _workers: list[_Worker] = field(default_factory=list)
    _stopping: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._workers = [_Worker(n) for n in range(1, self.count + 1)]
        # Workers are spawned from this thread: PR_SET_PDEATHSIG follows the spawning thread,
        # which lives until `stop` has ended them.
        self._thread = threading.Thread(target=self._run, name="mercato-workers", daemon=True)
        self._thread.start()

    def _spawn(self, worker: _Worker) -> None:
        orders = WorkerOrders(
            self.settings,
            worker.number,
            self.count,
            self.listener.fileno(),
            self.owner_socket,
            self.token,
        )
        process = subprocess.Popen(
            [sys.executable, "-m", "mercato.web.intake_worker"],
            stdin=subprocess.PIPE,
            pass_fds=(self.listener.fileno(),),
        )
        assert process.stdin is not None
        process.stdin.write(orders.to_json().encode())
        process.stdin.close()
        worker.process, worker.started_at = process, time.monotonic()

    def _run(self) -> None:
        for worker in self._workers:
            self._spawn(worker)
        while not self._stopping.wait(POLL_S):
            for worker in self._workers:
                process = worker.process
                if process is None or process.poll() is None:
                    continue
                if time.monotonic() - worker.started_at < RESTART_EVERY_S:
                    continue  # died at once: wait out the restart interval
                log.warning(
                    "intake worker %d (pid %d) stopped with %s; starting it again",
                    worker.number,
                    process.pid,
                    process.returncode,
                )
                worker.restarts += 1
                self._spawn(worker)
        self._end_all()

    def _end_all(self) -> None:
        live = [w.process for w in self._workers if w.process and w.process.poll() is None]
        for process in live:
            process.terminate()  # Uvicorn stops accepting, finishes what it answers
        deadline = time.monotonic() + STOP_GRACE_S
        for process in live:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def stop(self) -> None:
        """Stop every worker (a graceful stop, then a kill after STOP_GRACE_S)."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def pids(self) -> dict[int, int]:
        """Worker number -> pid of the live workers."""
        return {
            w.number: w.process.pid
            for w in self._workers
            if w.process is not None and w.process.poll() is None
        }


class OwnerServer(uvicorn.Server):
    """The owner's Uvicorn: the workers start with the app and stop before its lifespan
    ends, so the loaders' last pass sees everything the workers answered."""

    def __init__(self, config: uvicorn.Config, supervisor: IntakeSupervisor, run: OwnerRun) -> None:
        super().__init__(config)
        self.supervisor = supervisor
        self.run_state = run

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        # The workers start while the owner's app starts (each takes seconds to import): the
        # port takes events at once, and the owner's routes answer 503 until it is up.
        self.supervisor.start()
        await super().startup(sockets)
        if self.should_exit:  # the app failed to start: Uvicorn will not call shutdown
            await asyncio.get_running_loop().run_in_executor(None, self.supervisor.stop)
            self.run_state.close()

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        await asyncio.get_running_loop().run_in_executor(None, self.supervisor.stop)
        await super().shutdown(sockets)
        # Uvicorn re-raises a stop signal once `run` returns: no `finally` after it runs.
        self.run_state.close()


@dataclass
class OwnerRun:
    """What one multi-worker run holds: the port, the private socket's folder, the token."""

    listener: socket.socket
    folder: Path
    token: str = field(default_factory=lambda: secrets.token_urlsafe(32))

    @property
    def owner_socket(self) -> Path:
        return self.folder / OWNER_SOCKET

    @classmethod
    def open(cls, host: str, port: int) -> OwnerRun:
        listener = listening_socket(host, port)
        # mkdtemp makes the folder 0700: only this user reaches the owner's socket.
        return cls(listener, Path(tempfile.mkdtemp(prefix="mercato-owner-")))

    def close(self) -> None:
        self.listener.close()
        shutil.rmtree(self.folder, ignore_errors=True)
