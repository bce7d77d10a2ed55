"""Liveness and readiness: both stores answer."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from mercato.web.auth import ServicesDep

router = APIRouter(tags=["public"])


@router.get("/healthz", operation_id="healthz")
def healthz(services: ServicesDep) -> JSONResponse:
    checks: dict[str, str] = {}
    try:
        with services.catalog.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        checks["catalog"] = "ok"
    except Exception as exc:  # report, do not crash: this is the health endpoint
        checks["catalog"] = f"error: {type(exc).__name__}"
    try:
        services.warehouse.execute(services.warehouse.raw_table("events").count())
        checks["warehouse"] = "ok"
    except Exception as exc:
        checks["warehouse"] = f"error: {type(exc).__name__}"
    healthy = all(value == "ok" for value in checks.values())
    return JSONResponse(
        {"status": "ok" if healthy else "degraded", "checks": checks},
        status_code=200 if healthy else 503,
    )
