"""Experiments pages: the list, one experiment's results, and the galleries' holdout report."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from mercato.core.scopes import Scope
from mercato.experiments import service
from mercato.web.auth import Principal, Requires, ServicesDep
from mercato.web.templating import render

ExperimentsPage = Annotated[Principal, Depends(Requires(Scope.ANALYTICS_READ, page=True))]
router = APIRouter(include_in_schema=False)


@router.get("/experiments", operation_id="experiments_page")
def experiments_page(
    request: Request, services: ServicesDep, principal: ExperimentsPage
) -> HTMLResponse:
    with services.catalog.session() as session:
        found = service.list_experiments(session, principal.workspace_id)
        rows = [service.public(session, e) for e in found]
    return render(request, "experiments.html", principal, experiments=rows)


def _results_page(
    request: Request, services: ServicesDep, principal: Principal, experiment_id: str | None
) -> HTMLResponse:
    results = None
    if experiment_id is not None:
        scoped = services.warehouse.for_workspace(principal.workspace_id)
        with services.catalog.session() as session:
            results = service.experiment_results(
                session, scoped, principal.workspace_id, experiment_id
            )
    return render(request, "experiment_results.html", principal, results=results)


@router.get("/experiments/holdout", operation_id="experiments_holdout_page")
def experiments_holdout_page(
    request: Request, services: ServicesDep, principal: ExperimentsPage
) -> HTMLResponse:
    """The latest holdout's report (what the galleries add), or how to start one."""
    with services.catalog.session() as session:
        latest = service.latest_holdout_id(session, principal.workspace_id)
    return _results_page(request, services, principal, latest)


@router.get("/experiments/{experiment_id}", operation_id="experiment_results_page")
def experiment_results_page(
    request: Request, experiment_id: str, services: ServicesDep, principal: ExperimentsPage
) -> HTMLResponse:
    return _results_page(request, services, principal, experiment_id)
