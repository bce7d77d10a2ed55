"""Experiments API under /api/v1/experiments (reads: analytics:read; changes: ugc:write)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from mercato.core.scopes import Scope
from mercato.experiments import service
from mercato.experiments.schemas import (
    ExperimentCreate,
    ExperimentPublic,
    ExperimentUpdate,
    ResultsPublic,
)
from mercato.web.auth import Principal, Requires, ServicesDep

Reader = Annotated[Principal, Depends(Requires(Scope.ANALYTICS_READ))]
Writer = Annotated[Principal, Depends(Requires(Scope.UGC_WRITE))]
router = APIRouter(prefix="/api/v1/experiments", tags=["experiments"])


@router.get("", operation_id="experiments_list")
def experiments_list(services: ServicesDep, principal: Reader) -> list[ExperimentPublic]:
    with services.catalog.session() as session:
        found = service.list_experiments(session, principal.workspace_id)
        return [service.public(session, e) for e in found]


@router.post("", operation_id="experiments_create", status_code=201)
def experiments_create(
    body: ExperimentCreate, services: ServicesDep, principal: Writer
) -> ExperimentPublic:
    with services.catalog.session() as session:
        experiment = service.create_experiment(session, principal.workspace_id, body)
        return service.public(session, experiment)


@router.get("/{experiment_id}", operation_id="experiments_get")
def experiments_get(
    experiment_id: str, services: ServicesDep, principal: Reader
) -> ExperimentPublic:
    with services.catalog.session() as session:
        experiment = service.get_experiment(session, principal.workspace_id, experiment_id)
        return service.public(session, experiment)


@router.patch("/{experiment_id}", operation_id="experiments_update")
def experiments_update(
    experiment_id: str, body: ExperimentUpdate, services: ServicesDep, principal: Writer
) -> ExperimentPublic:
    with services.catalog.session() as session:
        experiment = service.update_experiment(session, principal.workspace_id, experiment_id, body)
        return service.public(session, experiment)


@router.post("/{experiment_id}/start", operation_id="experiments_start")
def experiments_start(
    experiment_id: str, services: ServicesDep, principal: Writer
) -> ExperimentPublic:
    with services.catalog.session() as session:
        experiment = service.start_experiment(session, principal.workspace_id, experiment_id)
        return service.public(session, experiment)


@router.post("/{experiment_id}/stop", operation_id="experiments_stop")
def experiments_stop(
    experiment_id: str, services: ServicesDep, principal: Writer
) -> ExperimentPublic:
    with services.catalog.session() as session:
        experiment = service.stop_experiment(session, principal.workspace_id, experiment_id)
        return service.public(session, experiment)


@router.get("/{experiment_id}/results", operation_id="experiments_results")
def experiments_results(
    experiment_id: str, services: ServicesDep, principal: Reader
) -> ResultsPublic:
    scoped = services.warehouse.for_workspace(principal.workspace_id)
    with services.catalog.session() as session:
        return service.experiment_results(session, scoped, principal.workspace_id, experiment_id)
