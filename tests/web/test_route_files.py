"""Route files say which surface they serve: `<domain>_api.py` answers under `/api/v1` (or
the Segment-spec `/v1`), `<domain>_pages.py` serves HTML pages outside the OpenAPI schema, and
`<domain>_public.py` serves callers without a login (in the schema only when tagged public)."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from fastapi import APIRouter
from fastapi.routing import APIRoute

import mercato.web.routes as routes_package
from mercato.web.routes import ROUTERS

MODULES = sorted(m.name for m in pkgutil.iter_modules(routes_package.__path__))


def _routes(module_name: str) -> list[APIRoute]:
    module = importlib.import_module(f"mercato.web.routes.{module_name}")
    routers = [value for value in vars(module).values() if isinstance(value, APIRouter)]
    return [route for router in routers for route in router.routes if isinstance(route, APIRoute)]


def test_every_route_file_is_named_for_its_surface() -> None:
    misnamed = [
        name for name in MODULES if name.rsplit("_", 1)[-1] not in ("api", "pages", "public")
    ]
    assert misnamed == []


@pytest.mark.parametrize("name", MODULES)
def test_a_route_file_serves_only_its_surface(name: str) -> None:
    surface = name.rsplit("_", 1)[-1]
    found = _routes(name)
    assert found, f"{name} defines no route"
    for route in found:
        where = f"{name}: {sorted(route.methods or ())} {route.path}"
        if surface == "api":
            assert route.path.startswith(("/api/v1", "/v1/")), where
            assert route.include_in_schema, where
        elif surface == "pages":
            assert not route.include_in_schema, where
        else:
            assert not route.include_in_schema or "public" in (route.tags or []), where


def test_every_router_of_a_route_file_is_registered() -> None:
    registered = {id(router) for router in ROUTERS}
    for name in MODULES:
        module = importlib.import_module(f"mercato.web.routes.{name}")
        for attribute, value in vars(module).items():
            if isinstance(value, APIRouter):
                assert id(value) in registered, f"{name}.{attribute} is not in ROUTERS"
