"""Liveness and readiness: both stores answer, and the event loader keeps up."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from mercato.collect.pipeline import Collector
from mercato.runtime import Services
from mercato.web.auth import ServicesDep
from mercato.web.fast_json import FastJSONResponse

router = APIRouter(tags=["public"])


def _loader_check(collector: Collector, max_lag_s: float) -> tuple[str, dict[str, Any]]:
    stats = collector.stats()
    if collector.running and not stats.loader_alive:
        status = "error: the loader thread stopped"
    elif stats.loader_lag_s > max_lag_s:
        status = f"error: events waited {stats.loader_lag_s:.0f} s for the loader"
    else:
        status = "ok"
    # Public: the lag and the rejected count only (no traffic volumes, no error texts).
    return status, {
        "loader_lag_s": stats.loader_lag_s,
        "max_lag_s": max_lag_s,
        "rejected": stats.rejected,
    }


def _store_checks(services: Services) -> dict[str, str]:
    """Both stores answer a trivial query (blocking I/O: runs in the thread pool)."""
    return services.check_stores()


@router.get("/healthz", operation_id="healthz")
async def healthz(request: Request, services: ServicesDep) -> FastJSONResponse:
    checks = await run_in_threadpool(_store_checks, services)
    checks["loader"], collector = _loader_check(
        request.app.state.collector, services.settings.loader_max_lag_seconds
    )
    healthy = all(value == "ok" for value in checks.values())
    return FastJSONResponse(
        {"status": "ok" if healthy else "degraded", "checks": checks, "collector": collector},
        status_code=200 if healthy else 503,
    )
