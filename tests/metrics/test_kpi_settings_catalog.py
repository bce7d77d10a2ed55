"""KPI settings in the catalog on SQLite and PostgreSQL: overrides, goals, forecasts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from mercato.catalog import kpi_settings, workspaces
from mercato.core.errors import NotFoundError, ValidationFailed
from mercato.metrics.registry import KPI_BY_ID
from mercato.runtime import Services

KNOWN = frozenset(KPI_BY_ID)


def test_settings_round_trip(services_any_catalog: Services) -> None:
    catalog = services_any_catalog.catalog
    with catalog.session() as session:
        ws = workspaces.create_workspace(session, slug="kpi-set", name="K").id
        data = kpi_settings.BenchmarkInput("cart_abandonment_rate", 0.6, "median", "own", 2025)
        first = kpi_settings.set_benchmark(session, ws, data, KNOWN)
        again = kpi_settings.set_benchmark(session, ws, data, KNOWN)  # replaces, same row
        assert first.id == again.id
        with pytest.raises(ValidationFailed, match=r"goal\.period_end"):
            kpi_settings.create_goal(
                session,
                ws,
                kpi_id="transactions",
                period_start=date(2024, 3, 2),
                period_end=date(2024, 3, 1),
                target=Decimal(1),
                known=KNOWN,
            )
        goal = kpi_settings.create_goal(
            session,
            ws,
            kpi_id="transactions",
            period_start=date(2024, 3, 1),
            period_end=date(2024, 3, 31),
            target=Decimal("40.5"),
            known=KNOWN,
        )
        kpi_settings.set_forecast(
            session,
            ws,
            period_start=date(2024, 3, 1),
            period_end=date(2024, 3, 31),
            amount=Decimal("3100.00"),
            currency="usd",
        )
    with catalog.session() as session:
        assert kpi_settings.list_goals(session, ws)[0].target == Decimal("40.5")
        # 10 of the forecast's 31 days fall in the range: pro rata.
        assert kpi_settings.forecast_for(
            session, ws, date(2024, 2, 20), date(2024, 3, 10)
        ) == Decimal("1000.00")
        assert kpi_settings.forecast_for(session, ws, date(2024, 5, 1), date(2024, 5, 2)) is None
        with pytest.raises(NotFoundError):
            kpi_settings.delete_goal(session, "other-workspace", goal.id)  # tenant-checked
        kpi_settings.delete_goal(session, ws, goal.id)
        assert kpi_settings.list_goals(session, ws) == []
