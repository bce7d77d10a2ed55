"""All catalog models. Each domain adds a module here and imports it below,
so Alembic and `Base.metadata` see every table."""

from mercato.catalog.models.brand_posts import BrandPost, BrandPostProduct
from mercato.catalog.models.candidates import UgcCandidate
from mercato.catalog.models.connect import (
    DiscoveryWatch,
    OAuthApp,
    OAuthState,
    PendingGrant,
    ShopConnection,
)
from mercato.catalog.models.connectors import (
    AccountConnection,
    RunStatus,
    ShopRefund,
    ShopWebhookSecret,
    SyncCursor,
    SyncRun,
)
from mercato.catalog.models.core import (
    AccountStatus,
    ApiToken,
    Base,
    Membership,
    Product,
    Site,
    SocialAccount,
    User,
    Workspace,
)
from mercato.catalog.models.engines import WorkspaceEngine
from mercato.catalog.models.experiments import (
    Experiment,
    ExperimentAssignment,
    ExperimentVariant,
)
from mercato.catalog.models.galleries import (
    Gallery,
    GalleryItem,
    GalleryLayout,
    GalleryPlacement,
    GallerySelection,
    ShopPage,
)
from mercato.catalog.models.guard import LoginSession, WebhookDelivery
from mercato.catalog.models.i18n import UserLanguage, WorkspaceLanguage
from mercato.catalog.models.kpis import KpiBenchmark, KpiGoal, RevenueForecast
from mercato.catalog.models.quality import FlaggedProduct, QualityEntry
from mercato.catalog.models.segments import Segment
from mercato.catalog.models.sharing import ReportDelivery, ReportSchedule, ShareLink, SmtpServer
from mercato.catalog.models.sites import Invitation, SiteOriginActivity
from mercato.catalog.models.ugc import (
    GRANT_CHANNELS,
    REQUEST_CHANNELS,
    Collection,
    CollectionItem,
    Creator,
    ProductTag,
    RightsChannel,
    RightsEvent,
    RightsStatus,
    TagStatus,
    UgcEmbedding,
    UgcItem,
    UgcMedia,
    UgcSettings,
    UgcStatus,
)

__all__ = [
    "GRANT_CHANNELS",
    "REQUEST_CHANNELS",
    "AccountConnection",
    "AccountStatus",
    "ApiToken",
    "Base",
    "BrandPost",
    "BrandPostProduct",
    "Collection",
    "CollectionItem",
    "Creator",
    "DiscoveryWatch",
    "Experiment",
    "ExperimentAssignment",
    "ExperimentVariant",
    "FlaggedProduct",
    "Gallery",
    "GalleryItem",
    "GalleryLayout",
    "GalleryPlacement",
    "GallerySelection",
    "Invitation",
    "KpiBenchmark",
    "KpiGoal",
    "LoginSession",
    "Membership",
    "OAuthApp",
    "OAuthState",
    "PendingGrant",
    "Product",
    "ProductTag",
    "QualityEntry",
    "ReportDelivery",
    "ReportSchedule",
    "RevenueForecast",
    "RightsChannel",
    "RightsEvent",
    "RightsStatus",
    "RunStatus",
    "Segment",
    "ShareLink",
    "ShopConnection",
    "ShopPage",
    "ShopRefund",
    "ShopWebhookSecret",
    "Site",
    "SiteOriginActivity",
    "SmtpServer",
    "SocialAccount",
    "SyncCursor",
    "SyncRun",
    "TagStatus",
    "UgcCandidate",
    "UgcEmbedding",
    "UgcItem",
    "UgcMedia",
    "UgcSettings",
    "UgcStatus",
    "User",
    "UserLanguage",
    "WebhookDelivery",
    "Workspace",
    "WorkspaceEngine",
    "WorkspaceLanguage",
]
