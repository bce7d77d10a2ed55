"""All catalog models. Each domain adds a module here and imports it below,
so Alembic and `Base.metadata` see every table."""

from mercato.catalog.models.candidates import UgcCandidate
from mercato.catalog.models.core import (
    ApiToken,
    Base,
    Membership,
    Product,
    Site,
    SocialAccount,
    User,
    Workspace,
)
from mercato.catalog.models.kpis import KpiBenchmark, KpiGoal, RevenueForecast

__all__ = [
    "ApiToken",
    "Base",
    "KpiBenchmark",
    "KpiGoal",
    "Membership",
    "Product",
    "RevenueForecast",
    "Site",
    "SocialAccount",
    "UgcCandidate",
    "User",
    "Workspace",
]
