"""`seed_demo_brand`: the one orchestrator of the demo brand's stages.

Each stage draws from its own random stream, `default_rng([seed, crc32(stage)])`, so a stage
added later (UGC, galleries) never changes the data of the stages before it.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from mercato.catalog.db import Catalog
from mercato.core.settings import Settings
from mercato.demo.audiences import AUDIENCE_WORDS, LEAD_CTR, seed_audiences
from mercato.demo.brand import BrandIds, reset_brand
from mercato.demo.channels import ORGANIC_SOCIAL
from mercato.demo.events import build_events
from mercato.demo.experiments import END as EXPERIMENTS_END
from mercato.demo.experiments import START as EXPERIMENTS_START
from mercato.demo.experiments import seed_experiments
from mercato.demo.gallery_log import Holdout, seed_adaptive_gallery
from mercato.demo.line import line_daily_table
from mercato.demo.locale import ENGLISH, DemoLocale
from mercato.demo.orders import build_orders
from mercato.demo.outcomes import draw_outcomes
from mercato.demo.pages import build_pages, entry_pages
from mercato.demo.paid import plan_ads, spend_table
from mercato.demo.platforms import PLATFORM_NAMES
from mercato.demo.products import DemoProducts, build_products
from mercato.demo.site import Site, cart_products, platforms_of_devices, visitor_countries
from mercato.demo.social import (
    PlatformPosts,
    generate_social,
    post_metrics_table,
    posts_table,
)
from mercato.demo.social_daily import account_daily_table
from mercato.demo.tables import events_table, order_items_table, orders_table, sessions_table
from mercato.demo.timeline import DAYS, conversion_lift, traffic_weights
from mercato.demo.touches import resolve_touches
from mercato.demo.traffic import plan_sessions
from mercato.demo.truth import GroundTruth, build_truth
from mercato.demo.ugc_library import WORDS, DemoLibrary, seed_library
from mercato.demo.writer import WarehouseWriter
from mercato.galleries.shop import POST_TILES
from mercato.ugc.embedding import Embedder
from mercato.ugc.items import IntakeContext
from mercato.warehouse.connection import Warehouse
from mercato.warehouse.loader import LoadMode, load

IntArray = npt.NDArray[np.int64]
ProgressCallback = Callable[[str, int, int], None]  # (stage, done, total)
SESSION_CHUNK = 100_000
STAGES = (
    "catalog",
    "social",
    "traffic",
    "site",
    "orders",
    "social daily",
    "ad spend",
    "ugc library",
    "experiments",
    "audiences",
    "gallery log",
    "truth",
)
DEMO_UGC_ITEMS = 60
TRUTH_FILE = Path("demo") / "ground_truth.json"


class Stores(Protocol):
    """What the generator needs of `mercato.runtime.Services` (demo sits beside web)."""

    settings: Settings
    catalog: Catalog
    warehouse: Warehouse


@dataclass(frozen=True)
class DemoSummary:
    workspace_id: str
    seed: int
    visitors: int
    rows: dict[str, int]
    truth: GroundTruth
    truth_path: Path
    seconds: float
    library: DemoLibrary | None = None


def stage_rng(seed: int, stage: str) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(stage.encode())])


def _quiet(stage: str, done: int, total: int) -> None:
    del stage, done, total


def seed_demo_brand(
    services: Stores,
    *,
    seed: int,
    visitors: int,
    progress: ProgressCallback | None = None,
    ugc_items: int = DEMO_UGC_ITEMS,
    embedder: Embedder | None = None,
    locale: DemoLocale = ENGLISH,
) -> DemoSummary:
    """(Re)create a demo brand: catalog rows, 13 months of warehouse data, ground truth.
    `locale` picks the brand (docs/demo.md): the same numbers, its own words and currency."""
    if visitors < 1:
        raise ValueError("visitors must be at least 1")
    report = progress or _quiet
    started = time.perf_counter()
    products = build_products(stage_rng(seed, "products"), locale=locale)
    with services.catalog.session() as session:
        ids = reset_brand(session, products)
    report("catalog", 1, 1)
    writer = WarehouseWriter(services.warehouse)
    with services.warehouse.transaction():
        services.warehouse.purge_workspace(ids.workspace_id)
        social = _write_social(seed, ids.workspace_id, writer, report, locale)
        site = _plan_site(seed, visitors, ids, products, social)
        report("traffic", 1, 1)
        engaged = _write_site(seed, site, writer, report)
        writer.write("orders", orders_table(site))
        writer.write("order_items", order_items_table(site))
        report("orders", 1, 1)
        _write_social_daily(seed, site, social, writer)
        line = _write_line(seed, site, writer)
        report("social daily", 1, 1)
        _write_ad_spend(seed, site, writer)
        report("ad spend", 1, 1)
    library = None
    if ugc_items:
        context = IntakeContext(
            workspace_id=ids.workspace_id, media_dir=services.settings.media_dir
        )
        with services.catalog.session() as session:
            library = seed_library(
                session,
                context,
                stage_rng(seed, "ugc"),
                count=ugc_items,
                embedder=embedder,
                words=WORDS[locale.code],
                brand_posts=latest_posts(social, "instagram", POST_TILES),
            )
    report("ugc library", 1, 1)
    experiments: dict[str, Any] = {}
    if library is not None:
        with services.catalog.session() as session:
            experiments = seed_experiments(
                session,
                services.warehouse.for_workspace(ids.workspace_id),
                writer,
                stage_rng(seed, "experiments"),
                seed,
                locale.slug,
            )
    report("experiments", 1, 1)
    audiences: dict[str, Any] = {}
    if library is not None:  # after the experiments: their home gallery stays the first
        with services.catalog.session() as session:
            audiences = seed_audiences(session, services.warehouse, ids.workspace_id, locale.code)
    report("audiences", 1, 1)
    if audiences:
        audiences["adaptive_gallery"]["log"] = _write_gallery_log(
            services, writer, ids.workspace_id, seed, locale, experiments
        )
    report("gallery log", 1, 1)
    truth = build_truth(
        seed=seed,
        visitors=visitors,
        site=site,
        engaged=engaged,
        social=social,
        lift=conversion_lift(),
    )
    truth.rows = dict(writer.rows)
    truth.currency, truth.time_zone, truth.line = locale.currency, locale.time_zone, line
    truth.experiments = experiments
    truth.audiences = audiences
    path = truth.save(services.settings.data_dir / truth_file(locale))
    report("truth", 1, 1)
    return DemoSummary(
        workspace_id=ids.workspace_id,
        seed=seed,
        visitors=visitors,
        rows=dict(writer.rows),
        truth=truth,
        truth_path=path,
        seconds=time.perf_counter() - started,
        library=library,
    )


def _write_gallery_log(
    services: Stores,
    writer: WarehouseWriter,
    workspace_id: str,
    seed: int,
    locale: DemoLocale,
    experiments: dict[str, Any],
) -> dict[str, Any]:
    """The adaptive gallery's decisions, impressions and clicks (demo/gallery_log.py)."""
    holdout = experiments.get("holdout")
    with services.catalog.session() as session:
        table, truth, sessions = seed_adaptive_gallery(
            session,
            services.warehouse.for_workspace(workspace_id),
            stage_rng(seed, "gallery log"),
            AUDIENCE_WORDS[locale.code].adaptive_gallery,
            LEAD_CTR,
            EXPERIMENTS_END,
            Holdout(holdout["id"], holdout["share"], EXPERIMENTS_START, EXPERIMENTS_END)
            if holdout
            else None,
        )
    if table.num_rows:
        with services.warehouse.transaction():  # the events and their sessions' counts
            writer.write("events", table)
            load(services.warehouse, "sessions", sessions, mode=LoadMode.UPSERT)
    return truth


def latest_posts(social: list[PlatformPosts], platform: str, count: int) -> list[tuple[str, str]]:
    """(platform, post id) of a platform's latest posts: those its link-in-bio page shows."""
    for posts in social:
        if posts.profile.name == platform:
            order = np.argsort(posts.posted_epoch, kind="stable")[::-1][:count]
            return [(platform, posts.post_ids[int(i)]) for i in order]
    return []


def truth_file(locale: DemoLocale) -> Path:
    """Each demo brand keeps its own ground truth (the US brand's name is unchanged)."""
    return (
        TRUTH_FILE
        if locale is ENGLISH
        else TRUTH_FILE.with_name(f"ground_truth_{locale.code}.json")
    )


def _write_social(
    seed: int,
    workspace_id: str,
    writer: WarehouseWriter,
    report: ProgressCallback,
    locale: DemoLocale = ENGLISH,
) -> list[PlatformPosts]:
    social = generate_social(stage_rng(seed, "social"), traffic_weights(), locale.time_zone)
    prefix = locale.id_prefix
    for done, platform in enumerate(social, start=1):
        writer.write("social_posts", posts_table(workspace_id, platform, prefix))
        writer.write("social_post_metrics", post_metrics_table(workspace_id, platform, prefix))
        report("social", done, len(social))
    return social


def _plan_site(
    seed: int,
    visitors: int,
    ids: BrandIds,
    products: DemoProducts,
    social: list[PlatformPosts],
) -> Site:
    rng = stage_rng(seed, "traffic")
    journeys = plan_sessions(rng, visitors, products.locale.time_zone)
    every_outcome = draw_outcomes(rng, journeys, conversion_lift())
    in_window = journeys.day >= 0
    sessions, outcomes = journeys.subset(in_window), every_outcome.subset(in_window)
    ads = plan_ads(rng, [name for name in PLATFORM_NAMES if name != "x"])
    touches = resolve_touches(rng, sessions, social, ads)
    pages = build_pages(products)
    entry = entry_pages(rng, pages, sessions.channel, products.popularity)
    cart = cart_products(rng, pages, entry, products)
    orders = build_orders(rng, sessions, outcomes, cart, products)
    order_of_session = np.full(len(sessions), -1, np.int64)
    order_of_session[orders.session] = np.arange(len(orders))
    os, browser = platforms_of_devices(rng, sessions.device)
    return Site(
        workspace_id=ids.workspace_id,
        site_id=ids.site_id,
        journeys=journeys,
        sessions=sessions,
        outcomes=outcomes,
        touches=touches,
        pages=pages,
        products=products,
        entry_page=entry,
        cart_product=cart,
        orders=orders,
        order_of_session=order_of_session,
        country=visitor_countries(rng, sessions.visitor),
        os=os,
        browser=browser,
        ads=ads,
    )


def _write_site(
    seed: int, site: Site, writer: WarehouseWriter, report: ProgressCallback
) -> npt.NDArray[np.bool_]:
    """Events and sessions chunk by chunk; returns each session's GA4 engaged flag."""
    rng = stage_rng(seed, "site")
    total = len(site.sessions)
    engaged = np.zeros(total, bool)
    for lo in range(0, total, SESSION_CHUNK):
        hi = min(lo + SESSION_CHUNK, total)
        events = build_events(rng, site, lo, hi)
        sessions = sessions_table(site, events, lo, hi)
        engaged[lo:hi] = sessions.column("is_engaged").to_numpy()
        writer.write("events", events_table(site, events))
        writer.write("sessions", sessions)
        report("site", hi, total)
    return engaged


def _by_day(day: IntArray, key: IntArray, width: int, weights: IntArray | None = None) -> IntArray:
    """Sum of `weights` (or a count) per (day, key) as a DAYS * width matrix."""
    flat = np.bincount(day * width + key, weights, DAYS * width)
    return np.round(flat).astype(np.int64).reshape(DAYS, width)


def _write_social_daily(
    seed: int, site: Site, social: list[PlatformPosts], writer: WarehouseWriter
) -> None:
    rng = stage_rng(seed, "social daily")
    s = site.sessions
    organic = s.channel == ORGANIC_SOCIAL
    per_day = _by_day(s.day[organic], s.platform[organic], len(PLATFORM_NAMES))
    for code, platform in enumerate(social):
        prefix = site.products.locale.id_prefix
        table = account_daily_table(rng, site.workspace_id, platform, per_day[:, code], prefix)
        writer.write("social_account_daily", table)


def _write_line(seed: int, site: Site, writer: WarehouseWriter) -> dict[str, Any]:
    """The LINE Official Account's days, for brands that have one (its own random stream)."""
    locale = site.products.locale
    if "line" not in locale.extra_platforms:
        return {}
    table, truth = line_daily_table(stage_rng(seed, "line"), site.workspace_id, locale)
    writer.write("social_account_daily", table)
    return truth


def _write_ad_spend(seed: int, site: Site, writer: WarehouseWriter) -> None:
    rng = stage_rng(seed, "ad spend")
    ad = site.touches.ad
    paid = np.flatnonzero(ad >= 0)
    width = len(site.ads.ad_id)
    sessions = _by_day(site.sessions.day[paid], ad[paid], width)
    bought = site.orders.session[ad[site.orders.session] >= 0]
    order = site.order_of_session[bought]
    orders = _by_day(site.sessions.day[bought], ad[bought], width)
    revenue = _by_day(site.sessions.day[bought], ad[bought], width, site.orders.paid[order])
    table = spend_table(
        rng, site.workspace_id, site.ads, sessions, orders, revenue, site.products.locale
    )
    writer.write("ad_spend", table)
