"""The workspace-scoped catalog: another tenant's rows are invisible by construction."""

from __future__ import annotations

import pytest

from mercato.catalog import workspaces
from mercato.catalog.models import Site
from mercato.core.errors import NotFoundError
from mercato.runtime import Services


def _two_workspaces(services: Services) -> tuple[str, str, str]:
    with services.catalog.session() as session:
        acme = workspaces.create_workspace(session, slug="acme", name="Acme")
        globex = workspaces.create_workspace(session, slug="globex", name="Globex")
        workspaces.add_site(session, acme, domain="acme.example")
        workspaces.add_site(session, acme, domain="shop.acme.example")
        theirs = workspaces.add_site(session, globex, domain="globex.example")
        return acme.id, globex.id, theirs.id


def test_get_and_select_stay_in_the_workspace(services_any_catalog: Services) -> None:
    acme, globex, globex_site = _two_workspaces(services_any_catalog)
    with services_any_catalog.catalog.for_workspace(acme).session() as scoped:
        assert scoped.get(Site, globex_site) is None
        with pytest.raises(NotFoundError, match="no site"):
            scoped.get_owned(Site, globex_site, "site")
        domains = sorted(s.domain for s in scoped.scalars(scoped.select(Site)))
        assert domains == ["acme.example", "shop.acme.example"]
        workspace = scoped.workspace()
        assert workspace is not None
        assert workspace.slug == "acme"
    with services_any_catalog.catalog.for_workspace(globex).session() as scoped:
        found = scoped.get(Site, globex_site)
        assert found is not None
        assert found.domain == "globex.example"
        first = scoped.first(scoped.select(Site))
        assert first is not None
        assert first.id == globex_site


def test_writes_naming_another_workspace_are_refused(services_any_catalog: Services) -> None:
    acme, _globex, globex_site = _two_workspaces(services_any_catalog)
    with services_any_catalog.catalog.session() as session:
        theirs = session.get(Site, globex_site)
    assert theirs is not None
    with services_any_catalog.catalog.for_workspace(acme).session() as scoped:
        with pytest.raises(ValueError, match="another workspace"):
            scoped.delete(theirs)
        with pytest.raises(ValueError, match="another workspace"):
            scoped.add(Site(workspace_id=globex_site, domain="x.example", public_key="k"))
    with services_any_catalog.catalog.session() as session:
        assert session.get(Site, globex_site) is not None
