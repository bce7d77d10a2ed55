"""Builders for UGC tests: images made with Pillow, items added through the real intake."""

from __future__ import annotations

import io
from datetime import datetime
from decimal import Decimal

import numpy as np
from PIL import Image
from sqlalchemy.orm import Session

from mercato.catalog.models import Product, UgcItem
from mercato.runtime import Services
from mercato.ugc.items import IntakeContext, NewItem, add_item


def image_bytes(seed: int = 0, size: tuple[int, int] = (64, 48), fmt: str = "PNG") -> bytes:
    """A deterministic noisy picture; different seeds give perceptually different images."""
    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 255, size=(size[1] // 8, size[0] // 8, 3), dtype=np.uint8)
    picture = Image.fromarray(pixels).resize(size, Image.Resampling.NEAREST)
    out = io.BytesIO()
    picture.save(out, fmt)
    return out.getvalue()


def context(services: Services, workspace_id: str) -> IntakeContext:
    return IntakeContext(workspace_id=workspace_id, media_dir=services.settings.media_dir)


def add(
    session: Session,
    ctx: IntakeContext,
    external_id: str,
    caption: str,
    *,
    handle: str = "jane",
    platform: str = "instagram",
    posted_at: datetime | None = None,
    metrics: dict[str, float] | None = None,
    files: list[bytes] | None = None,
) -> UgcItem:
    item = add_item(
        session,
        ctx,
        NewItem(
            source="mention",
            platform=platform,
            external_id=external_id,
            caption=caption,
            creator_handle=handle,
            posted_at=posted_at or datetime(2026, 5, 1, 12),
            metrics=dict(metrics or {}),
            media_files=files if files is not None else [],
        ),
    )
    assert item is not None
    return item


def product(session: Session, workspace_id: str, sku: str, title: str, **extra: str) -> Product:
    found = Product(
        workspace_id=workspace_id,
        sku=sku,
        title=title,
        price=Decimal("49.00"),
        currency="USD",
        **extra,
    )
    session.add(found)
    session.flush()
    return found
