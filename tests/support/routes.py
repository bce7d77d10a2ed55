"""Walk the app's routes and find what each one requires."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from mercato.core.scopes import Scope
from mercato.web.auth import Requires


@dataclass(frozen=True)
class RouteInfo:
    path: str
    method: str
    scope: Scope | None
    public: bool
    page: bool

    def concrete_path(self) -> str:
        """The path with every `{param}` filled by a harmless placeholder."""
        return re.sub(r"\{[^}]+\}", "x", self.path)


def _requirements(dependant: Dependant) -> Iterator[Requires]:
    if isinstance(dependant.call, Requires):
        yield dependant.call
    for sub in dependant.dependencies:
        yield from _requirements(sub)


def _api_routes(routes: list[Any]) -> Iterator[APIRoute]:
    """APIRoutes, descending into included routers (FastAPI ≥ 0.165 keeps them nested)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        nested = getattr(route, "original_router", None)
        if nested is not None:
            yield from _api_routes(nested.routes)


def walk(app: FastAPI) -> list[RouteInfo]:
    found = []
    for route in _api_routes(app.routes):
        requirements = list(_requirements(route.dependant))
        scope = requirements[0].scope if requirements else None
        page = any(r.page for r in requirements)
        for method in sorted(route.methods or ()):
            found.append(RouteInfo(route.path, method, scope, "public" in route.tags, page))
    return found
