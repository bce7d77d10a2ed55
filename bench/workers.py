"""bench/workers: collector intake with `mercato serve --workers 1` and `--workers 2` (ADR 0604).

Two real servers, started through the CLI as a user would, each on its own fresh data dir with
the same seeded site; wrk (C, one thread, 32 connections) posts single events and batches of
20 to `POST /api/collect` (new event ids every request, so the loaders store every event) and
fetches the same server's `GET /tracker.js`, a fixed script answered without any work (the
no-op route: with workers it is answered by the intake workers too). Runs are interleaved
(`--workers 1`, `--workers 2`, ... per round) and medians reported; the verdict is the events/s
of two workers over one in the same run (target >= 1.6x on a machine with a core per process
and one for wrk). Nothing is pinned: with N workers the owner's loaders and the workers share
the cores, as in production.
"""

from __future__ import annotations

import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

import bench.http as http
from bench.http import _collect_body, _post_script, _seed

ROOT = Path(__file__).parents[1]
WORKERS = (1, 2)
ROUNDS = int(os.environ.get("BENCH_WORKERS_ROUNDS", "3"))
BATCHES = (1, 20)


def _serve(data_dir: Path, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}",
        "MERCATO_DATA_DIR": str(data_dir),
        "MERCATO_SECRET_KEY": "b" * 48,
        # One load generator on one address: the per-client budget would measure itself.
        "MERCATO_COLLECT_RATE_LIMIT_PER_MINUTE": "1000000000",
    }
    command = [sys.executable, "-m", "mercato.cli", "serve", "--port", str(port)]
    process = subprocess.Popen(
        [*command, "--workers", str(workers)], env=env, stdout=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                time.sleep(2.0)  # the workers are up once the owner is
                return process
        except httpx.HTTPError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError(f"serve --workers {workers} did not start")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=180)


def _wrk(url: str, script: Path | None = None) -> dict[str, float]:
    """bench/http's wrk run, on every core this process may use (the servers use them too)."""
    http.LOAD_CPU = ",".join(str(cpu) for cpu in sorted(os.sched_getaffinity(0)))
    return http._wrk(url, script)


def main() -> None:
    from tests.support.postgres import free_port

    if shutil.which("wrk") is None or shutil.which("taskset") is None:
        raise SystemExit("bench/workers needs wrk and taskset: scripts/install-system-deps.sh")
    print(f"  {platform.machine()}, {os.cpu_count()} CPUs, {ROUNDS} rounds, wrk -t1 -c32")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        servers: dict[int, tuple[subprocess.Popen[bytes], str]] = {}
        key = ""
        try:
            for workers in WORKERS:
                data_dir = root / f"data{workers}"
                _gallery, key = _seed(data_dir)
                port = free_port()
                servers[workers] = (_serve(data_dir, port, workers), f"http://127.0.0.1:{port}")
            scripts = {n: _post_script(root, _collect_body(key, n)) for n in BATCHES}
            runs: dict[tuple[str, int], list[float]] = {}
            for _ in range(ROUNDS):
                for workers, (_process, base) in servers.items():
                    noop = _wrk(f"{base}/tracker.js")["rps"]
                    runs.setdefault(("no-op GET /tracker.js", workers), []).append(noop)
                    for batch, script in scripts.items():
                        rps = _wrk(f"{base}/api/collect", script)["rps"]
                        runs.setdefault((f"collect x{batch}", workers), []).append(rps * batch)
        finally:
            for process, _base in servers.values():
                _stop(process)
    labels = dict.fromkeys(label for label, _ in runs)
    for label in labels:
        one = statistics.median(runs[(label, 1)])
        two = statistics.median(runs[(label, 2)])
        unit = "req/s" if label.startswith("no-op") else "events/s"
        print(
            f"  {label:24s} 1 worker {one:9.0f} {unit:8s} 2 workers {two:9.0f} {unit:8s}"
            f"  {two / one:5.2f}x"
        )


if __name__ == "__main__":
    main()
