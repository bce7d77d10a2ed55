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
from mercato.catalog.models.galleries import Gallery, GalleryItem, ShopPage
from mercato.catalog.models.ugc import (
    Collection,
    CollectionItem,
    Creator,
    ProductTag,
    RightsEvent,
    UgcItem,
    UgcMedia,
    UgcSettings,
)

__all__ = [
    "ApiToken",
    "Base",
    "Collection",
    "CollectionItem",
    "Creator",
    "Gallery",
    "GalleryItem",
    "Membership",
    "Product",
    "ProductTag",
    "RightsEvent",
    "ShopPage",
    "Site",
    "SocialAccount",
    "UgcCandidate",
    "UgcItem",
    "UgcMedia",
    "UgcSettings",
    "User",
    "Workspace",
]
