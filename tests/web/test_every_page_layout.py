"""Every page at a desktop (1440x900) and a phone (390x844, English and Japanese) viewport
in real Chromium.

The pages come from the app's route table (tests/support/routes.py): every GET route that
needs a page login or is public is opened, unless `NOT_PAGES` says why it serves no page,
so a new page is checked without anyone listing it. A path parameter with no maker in
`PARAMS` fails the test rather than skipping the page. On each page: no horizontal scroll of
the page and no visible element wider than the viewport; on the phone, the navigation
folds behind a menu button and every visible link and button is at least 44 px tall and
wide; axe-core (bundled by the `axe-playwright-python` package, nothing downloaded) finds no
serious or critical violation. Screenshots go to the test's tmp directory.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe

from mercato.catalog import team, workspaces
from mercato.core.scopes import Role
from mercato.core.timeutil import utcnow
from mercato.experiments import service as experiments
from mercato.experiments.schemas import ExperimentCreate, Kind
from mercato.galleries.shop import create_shop_page
from mercato.runtime import Services
from mercato.sharing import service as sharing
from mercato.sharing.schemas import ShareLinkCreate, ViewName
from mercato.ugc import rights
from mercato.ugc.items import set_status
from mercato.ugc.tagging import set_tag
from mercato.web.app import create_app
from tests.conftest import make_settings
from tests.galleries.support import Shop, make_shop
from tests.metrics.test_surfaces import RANGE, seed
from tests.support.brands import PASSWORD
from tests.support.routes import RouteInfo, walk
from tests.support.server import serve_app
from tests.ugc.support import add, context, image_bytes

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
RANGE_QUERY = f"?start={RANGE['start']}&end={RANGE['end']}"
TAP = 44  # px, WCAG 2.5.5's target size
SHOP_HANDLE = "acme.shop"

# GET routes of the app that need a login or are public but are no page a person reads.
NOT_PAGES = {
    "/tracker.js": "a script for the shop's pages",
    "/gallery.js": "a script for the shop's pages",
    "/g/{gallery_id}.json": "gallery data for gallery.js",
    "/api/v1": "the API's JSON index",
    "/healthz": "a health probe",
    "/vendor/plotly.min.js": "a script",
    "/favicon.ico": "an icon",
    "/hooks/meta/{workspace}": "Meta's webhook verification",
    "/ugc/media/{media_id}": "a media file",
    "/m/{media_id}": "a media file",
    "/shop/{handle}/media/{brand_post_id}": "a brand post's picture",
    "/api/v1/docs/assets/{name}": "Swagger UI's own files",
    "/api/v1/docs": "Swagger UI, a third-party page for developers",
    "/api/v1/redoc": "ReDoc, a third-party page for developers",
    "/sources/connect/{platform}/callback": "an OAuth redirect that needs a platform's state",
    "/sources/connect/pick/{grant_id}": "needs a parked OAuth grant from a platform login",
}
# HTML fragments a shop includes in its own pages: the shop's document gives them a title and
# a language and its stylesheet lays them out, so only axe's rules for content apply.
FRAGMENTS = {"/g/{gallery_id}.html"}
FRAGMENT_AXE_RULES_OFF = ("document-title", "html-has-lang", "landmark-one-main", "region")
# Pages opened once more with these queries: their widest states (the funnel's campaign drill
# overflowed its card at 1440 px, issue #22).
VARIANTS = {"/funnel": ["compare=yoy&drill=campaign"]}
# Pages that exist only before the first user does: opened on a second, empty data dir.
FIRST_RUN = {"/setup"}


@dataclass
class Seeded:
    shop: Shop
    values: dict[str, str]
    portrait: str  # a UGC item with a full-size portrait photo


def _portrait(services: Services, shop: Shop) -> str:
    """A 1080x1350 photo (Instagram's portrait size), tagged, approved and with rights: the
    picture that pushes a naive lightbox's price below the fold."""
    ws = shop.brand.workspace_id
    with services.catalog.session() as session:
        item = add(
            session, context(services, ws), "p-portrait", "Linen dress at golden hour",
            handle="sunny.days", files=[image_bytes(11, size=(1080, 1350), fmt="JPEG")],
            posted_at=datetime(2026, 5, 9),
        )  # fmt: skip
        item.curation_score = 0.95
        set_tag(session, item, shop.products["DR-1"], "accepted")
        set_status(session, ws, [item.id], "approved")
        rights.grant(session, item, channel="comment", evidence="#yesacme", at=utcnow())
        return item.id


def _experiment(services: Services, shop: Shop) -> str:
    draft = ExperimentCreate(name="Gallery holdout", kind=Kind.HOLDOUT, holdout_share=0.1)
    with services.catalog.session() as session:
        return experiments.create_experiment(session, shop.brand.workspace_id, draft).id


def _shop_page(services: Services, shop: Shop) -> str:
    with services.catalog.session() as session:
        create_shop_page(
            session, shop.brand.workspace_id, shop.account_id, SHOP_HANDLE, "Acme looks"
        )
    return SHOP_HANDLE


def _invitation(services: Services, shop: Shop) -> str:
    with services.catalog.session() as session:
        workspace = workspaces.get_workspace(session, shop.brand.slug)
        issued = team.invite(
            session, workspace, email="new.analyst@acme.example", role=Role.ANALYST,
            created_by=None,
        )  # fmt: skip
        return issued.secret


def _share_token(services: Services, shop: Shop) -> str:
    data = ShareLinkCreate(view=ViewName.OVERVIEW, label="Board")
    created = sharing.create_share_link(
        services.catalog, shop.brand.workspace_id, data, "owner", "http://mercato.test"
    )
    return created.token


# How to make a real value of the seeded workspace, per path parameter.
PARAMS: dict[str, Callable[[Services, Shop], str]] = {
    "gallery_id": lambda services, shop: shop.home,
    "item_id": lambda services, shop: shop.items["dress_a"],
    "experiment_id": _experiment,
    "handle": _shop_page,
    "slug": lambda services, shop: shop.brand.slug,
    "secret": _invitation,
    "token": _share_token,
}


@pytest.fixture
def seeded(services: Services) -> Seeded:
    """A shop with products, UGC and galleries (tests/galleries/support.py) and the KPI
    fixture's sessions, orders, posts and ad spend (tests/metrics/fixture.py)."""
    shop = make_shop(services)
    seed(services, shop.brand)
    portrait = _portrait(services, shop)
    return Seeded(shop, {name: make(services, shop) for name, make in PARAMS.items()}, portrait)


@dataclass(frozen=True)
class Page:
    path: str
    member: bool  # needs a login
    fragment: bool


def _pages(routes: list[RouteInfo], values: dict[str, str]) -> list[Page]:
    """Every page route but the first-run ones, parameters filled."""
    found = []
    for route in routes:
        if route.method != "GET" or not (route.page or route.public):
            continue
        if route.path in NOT_PAGES or route.path in FIRST_RUN:
            continue
        names = re.findall(r"\{([^}]+)\}", route.path)
        missing = [n for n in names if n not in values]
        assert not missing, f"{route.path}: add a maker for {missing} to PARAMS (or NOT_PAGES)"
        path = route.path
        for name in names:
            path = path.replace("{" + name + "}", values[name])
        queries = [""] + [f"&{q}" for q in VARIANTS.get(route.path, [])]
        for query in queries:
            full = path + (RANGE_QUERY + query if route.page else "")
            found.append(Page(full, route.page, route.path in FRAGMENTS))
    return found


def test_the_page_list_follows_the_routes(services: Services) -> None:
    """The walk below finds the pages a person meets (a guard against an empty walk)."""
    paths = {
        p.path for p in _pages(walk(create_app(services=services)), dict.fromkeys(PARAMS, "x"))
    }
    stems = {p.split("?")[0] for p in paths}
    assert {"/", "/funnel", "/attribution", "/ugc", "/galleries/x", "/shop/x", "/login"} <= stems
    assert not any(p.startswith("/api/") for p in stems)
    routes = {r.path for r in walk(create_app(services=services))}
    assert routes >= FIRST_RUN | FRAGMENTS | set(VARIANTS)
    assert routes >= set(NOT_PAGES), "an exclusion names a route that is gone"


# Measured in the page: the document's scroll width, the visible elements wider than the
# viewport (their own box, so a table scrolling inside its card passes) and the visible
# links and buttons smaller than the tap size.
MEASURE = """(tap) => {
  const vw = window.innerWidth;
  const shown = (el) => {
    const s = getComputedStyle(el);
    if (s.visibility === "hidden" || s.display === "none" || Number(s.opacity) === 0) return false;
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0;
  };
  const clipped = (el) => {  // inside a scroller or clipper narrower than itself
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if (o !== "visible") return p.getBoundingClientRect().right <= vw + 1;
    }
    return false;
  };
  const name = (el) => {
    const cls = typeof el.className === "string" && el.className.trim();
    const text = el.innerText || el.value || el.getAttribute("aria-label") || "";
    return el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
      + (cls ? "." + cls.split(/\\s+/).join(".") : "") + " '" + text.trim().slice(0, 30) + "'";
  };
  const px = (a, b, sep) => Math.round(a) + sep + Math.round(b);
  const wide = [];
  for (const el of document.body.querySelectorAll("*")) {
    if (!shown(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.right <= 0) continue;  // parked off-screen to the left (measuring, visually hidden)
    if ((r.right > vw + 1 || r.left < -1) && !clipped(el)) {
      wide.push(name(el) + " " + px(r.left, r.right, ".."));
    }
  }
  const small = [];
  const targets = "a[href], button, summary, select, [role=button], "
    + "input[type=submit], input[type=button], input[type=reset]";
  for (const el of document.querySelectorAll(targets)) {
    if (!shown(el) || el.closest(".js-plotly-plot")) continue;
    const r = el.getBoundingClientRect();
    if (r.width < tap - 0.5 || r.height < tap - 0.5) {
      small.push(name(el) + " " + px(r.width, r.height, "x"));
    }
  }
  const scroll = document.scrollingElement.scrollWidth;
  return { scroll, vw, wide: wide.slice(0, 15), small: small.slice(0, 15) };
}"""

# Charts whose mode bar (shown on hover) would sit on their title.
COVERED_TITLES = """() => [...document.querySelectorAll(".js-plotly-plot")].filter((plot) => {
  const bar = plot.querySelector(".modebar"), title = plot.querySelector(".gtitle");
  if (!bar || !title) return false;
  const a = bar.getBoundingClientRect(), b = title.getBoundingClientRect();
  return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
}).map((plot) => plot.id)"""

CHARTS_DRAWN = """() => [...document.querySelectorAll("[data-figure]")]
  .every((el) => el.querySelector(".main-svg"))"""


class Walker:
    def __init__(
        self, browser: Any, base: str, viewport: dict[str, int], out: Path, locale: str = "en-US"
    ) -> None:
        self.context = browser.new_context(viewport=viewport, locale=locale)
        self.page = self.context.new_page()
        self.base, self.viewport, self.out = base, viewport, out
        self.problems: list[str] = []
        self.axe = Axe()

    def log_in(self, email: str) -> None:
        self.page.goto(f"{self.base}/login")
        self.page.fill("input[name=email]", email)
        self.page.fill("input[name=password]", PASSWORD)
        self.page.click("button[type=submit]")
        self.page.wait_for_url(f"{self.base}/")

    def check(self, path: str, fragment: bool = False) -> None:
        page, phone = self.page, self.viewport == PHONE
        response = page.goto(self.base + path)
        where = f"{self.viewport['width']}px {path}"
        assert response is not None, where
        assert response.status < 400, f"{where}: {response}"
        page.wait_for_load_state("networkidle")
        page.wait_for_function(CHARTS_DRAWN, timeout=30_000)
        stem = re.sub(r"[^a-z0-9]+", "_", path.lower().replace(RANGE_QUERY, "")).strip("_")
        stem = stem or "overview"
        page.screenshot(path=str(self.out / f"{self.viewport['width']}_{stem}.png"), full_page=True)
        found = page.evaluate(MEASURE, TAP)
        if fragment:  # laid out by the shop's stylesheet: only axe's rules apply
            found = {**found, "scroll": 0, "wide": [], "small": []}
        if found["scroll"] > found["vw"]:
            self.problems.append(f"{where}: the page scrolls sideways ({found['scroll']} px)")
        if found["wide"]:
            self.problems.append(f"{where}: wider than the viewport: {found['wide']}")
        if phone and found["small"]:
            self.problems.append(f"{where}: tap targets under {TAP} px: {found['small']}")
        covered = page.evaluate(COVERED_TITLES)
        if covered:
            self.problems.append(f"{where}: the mode bar covers the title of {covered}")
        if phone and page.locator(".js-plotly-plot .modebar").count():
            self.problems.append(f"{where}: Plotly's mode bar is shown on the phone")
        options: dict[str, Any] = {"resultTypes": ["violations"]}
        if fragment:
            options["rules"] = {rule: {"enabled": False} for rule in FRAGMENT_AXE_RULES_OFF}
        results = self.axe.run(page, options=options)
        for v in results.response["violations"]:
            if v["impact"] in ("serious", "critical"):
                nodes = [n["target"] for n in v["nodes"][:4]]
                self.problems.append(f"{where}: axe {v['id']} ({v['impact']}) at {nodes}")

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def first_run_server(tmp_path: Path) -> Iterator[str]:
    """The app over an empty data dir, as a new install meets it."""
    empty = Services.open(make_settings(tmp_path / "empty"), upgrade=True)
    try:
        with serve_app(create_app(services=empty)) as base:
            yield base
    finally:
        empty.close()


@pytest.fixture
def walk_server(services: Services, seeded: Seeded) -> Iterator[tuple[str, list[RouteInfo]]]:
    app = create_app(services=services)
    with serve_app(app) as base:
        yield base, walk(app)


@pytest.mark.parametrize(
    ("viewport", "locale"),
    [(DESKTOP, "en-US"), (PHONE, "en-US"), (PHONE, "ja-JP")],
    ids=["1440x900", "390x844", "390x844-ja"],  # Japanese labels are longer on a phone
)
def test_every_page_fits_the_screen_and_passes_axe(
    seeded: Seeded,
    walk_server: tuple[str, list[RouteInfo]],
    first_run_server: str,
    browser: Any,
    tmp_path: Path,
    viewport: dict[str, int],
    locale: str,
) -> None:
    base, routes = walk_server
    pages = _pages(routes, seeded.values)
    public = Walker(browser, base, viewport, tmp_path, locale)
    member = Walker(browser, base, viewport, tmp_path, locale)
    try:
        public.base = first_run_server
        for path in sorted(FIRST_RUN):
            public.check(path)
        public.base = base
        for found in [p for p in pages if not p.member]:  # public pages, logged out
            public.check(found.path, found.fragment)
        member.log_in(seeded.shop.brand.email())
        for found in [p for p in pages if p.member]:
            member.check(found.path)
    finally:
        public.close()
        member.close()
    problems = public.problems + member.problems
    assert not problems, "\n".join(problems) + f"\nscreenshots: {tmp_path}"


def test_phone_navigation_folds_behind_a_menu_button(
    seeded: Seeded, walk_server: tuple[str, list[RouteInfo]], browser: Any
) -> None:
    base, _ = walk_server
    walker = Walker(browser, base, PHONE, Path())
    try:
        walker.log_in(seeded.shop.brand.email())
        page = walker.page
        button = page.locator("button.menu-toggle")
        nav = page.locator("#site-nav")
        assert button.get_attribute("aria-expanded") == "false"
        assert button.get_attribute("aria-controls") == "site-nav"
        assert not nav.is_visible()
        header = page.locator("header.topbar").bounding_box()
        assert header is not None
        assert header["height"] <= PHONE["height"] * 0.12
        button.focus()  # the keyboard opens and closes it
        page.keyboard.press("Enter")
        assert button.get_attribute("aria-expanded") == "true"
        assert nav.is_visible()
        nav.locator("a", has_text="Attribution").click()
        page.wait_for_url(f"{base}/attribution")
        assert page.locator("button.menu-toggle").get_attribute("aria-expanded") == "false"
        page.locator("button.menu-toggle").click()
        assert page.locator("#site-nav").is_visible()
        page.keyboard.press("Escape")
        assert not page.locator("#site-nav").is_visible()
        assert page.locator("button.menu-toggle").get_attribute("aria-expanded") == "false"
    finally:
        walker.close()
    desktop = Walker(browser, base, DESKTOP, Path())
    try:
        desktop.log_in(seeded.shop.brand.email())
        assert not desktop.page.locator("button.menu-toggle").is_visible()
        assert desktop.page.locator("#site-nav").is_visible()
    finally:
        desktop.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1440x900", "390x844"])
def test_the_lightbox_keeps_price_and_cart_on_screen(
    seeded: Seeded,
    walk_server: tuple[str, list[RouteInfo]],
    browser: Any,
    tmp_path: Path,
    viewport: dict[str, int],
) -> None:
    base, _ = walk_server
    context = browser.new_context(viewport=viewport)
    try:
        page = context.new_page()
        page.goto(f"{base}/shop/{SHOP_HANDLE}")
        page.locator(f'#shop-grid .mg-tile[data-ugc-id="{seeded.portrait}"]').click()
        box = page.locator(".mg-lightbox .mg-box")
        box.wait_for()
        page.wait_for_function(
            "() => [...document.querySelectorAll('.mg-box img.mg-media')].every((i) => i.complete)"
        )
        page.screenshot(path=str(tmp_path / f"lightbox_{viewport['width']}.png"))
        for part in (".mg-price", ".mg-cart", ".mg-close"):
            found = page.locator(f".mg-lightbox {part}").first.bounding_box()
            assert found is not None, part
            off = f"{part} at {found} is off a {viewport} screen"
            assert found["y"] >= 0, off
            assert found["y"] + found["height"] <= viewport["height"], off
            assert found["x"] >= 0, off
            assert found["x"] + found["width"] <= viewport["width"], off
        cart = page.locator(".mg-lightbox .mg-cart").first.bounding_box()
        assert cart is not None
        assert cart["height"] >= TAP
    finally:
        context.close()
