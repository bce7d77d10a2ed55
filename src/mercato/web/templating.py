"""Jinja2 templates with autoescaping on (UGC text is hostile until escaped), translated with
the Jinja i18n extension (`{% trans %}`, `{{ _("…") }}`) in the request's language, and
Babel filters for numbers, money, percentages and dates (docs/i18n.md)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context

from mercato.core import labels
from mercato.core.errors import MercatoError
from mercato.core.scopes import Scope
from mercato.core.urls import safe_link
from mercato.i18n import formatting, locales
from mercato.i18n.locales import mark as N_
from mercato.i18n.service import effective_language
from mercato.web.auth import Principal, csrf_token
from mercato.web.exports import export_href
from mercato.web.security_headers import csp_nonce
from mercato.web.ui_text import ui_text

TEMPLATES_DIR = Path(__file__).parent / "templates"
templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
# `{{ url|safe_link }}` is the URL when it is http(s) (or a same-origin path), else None.
templates.env.filters["safe_link"] = lambda url: safe_link(url, relative=True)
templates.env.add_extension("jinja2.ext.i18n")
templates.env.install_gettext_callables(  # type: ignore[attr-defined]
    locales.gettext, locales.ngettext, newstyle=True
)


def _language(context: Context) -> str:
    return str(context.get("language") or locales.DEFAULT_LANGUAGE)


def _workspace_value(context: Context, name: str, default: str) -> str:
    principal = context.get("principal")
    return str(getattr(principal.workspace, name)) if principal is not None else default


@pass_context
def _number(context: Context, value: Any, decimals: int | None = None) -> str:
    return formatting.number(value, _language(context), decimals)


@pass_context
def _money(context: Context, value: Any, currency: str | None = None) -> str:
    """`{{ amount|money(currency) }}`: the locale's separators in the currency's own decimals
    (JPY none, KWD three), without its sign: headings name the currency."""
    chosen = currency or _workspace_value(context, "currency", "USD")
    return formatting.amount(value, chosen, _language(context))


@pass_context
def _percent(context: Context, value: Any, decimals: int = 1) -> str:
    return formatting.percent(value, _language(context), decimals)


@pass_context
def _day(context: Context, value: Any, style: str = "medium") -> str:
    return formatting.day(value, _language(context), style)


@pass_context
def _moment(context: Context, value: Any, style: str = "medium") -> str:
    zone = _workspace_value(context, "time_zone", "UTC")
    return formatting.moment(value, _language(context), style, zone)


templates.env.filters["channel"] = lambda name: channel_label(locales.gettext, name)
# `{{ raw|human("platform") }}`: a raw identifier's label (core.labels) in the page's language;
# `platform`, `model` and `yes_no` are the common ones.
templates.env.filters["human"] = lambda raw, kind: labels.label(kind, raw)
# `{{ row.label|row_label(by) }}`: a report row's key for the granularity `by` (core.labels).
templates.env.filters["row_label"] = lambda raw, by: labels.row_label(by, raw)
templates.env.filters["platform"] = lambda raw: labels.label(labels.Kind.PLATFORM, raw)
templates.env.filters["model"] = lambda raw: labels.label(labels.Kind.MODEL, raw)
templates.env.filters["yes_no"] = lambda value: labels.yes_no(value)
# `{{ text|label }}`: a label Python put in a page (marked N_()), in the page's language;
# plain gettext, so a `%` in it is not a format.
templates.env.filters["label"] = lambda text: locales.gettext(str(text))
templates.env.filters.update(
    number=_number, money=_money, percent=_percent, day=_day, moment=_moment
)
templates.env.globals["export_href"] = export_href
# The scripts' text in the page's language (base.html's `ui-text` block; web/ui_text.py).
templates.env.globals["ui_text"] = lambda: ui_text(locales.gettext, locales.ngettext)

# Pages listed in the navigation: (path, label). Each domain appends its pages.
# The dashboard's navigation, in funnel order: measure, then curate and sell, then sources.
# Labels are marked with N_() for the catalogs and translated where base.html shows them.
NAVIGATION: list[tuple[str, str]] = [
    ("/", N_("Overview")),
    ("/funnel", N_("Full funnel")),
    ("/traffic", N_("Traffic")),
    ("/attribution", N_("Attribution")),
    ("/goals", N_("Goals")),
    ("/segments", N_("Segments")),
    ("/ugc", N_("UGC library")),
    ("/ugc/moderation", N_("Moderation")),
    ("/ugc/creators", N_("Creators")),
    ("/galleries", N_("Galleries")),
    ("/experiments", N_("Experiments")),
    ("/sources", N_("Sources")),
    ("/data-quality", N_("Data quality")),
]
# Shown only to callers holding the admin scope (base.html checks it).
ADMIN_NAVIGATION: list[tuple[str, str]] = [("/settings", N_("Settings"))]


def _is_admin(principal: Principal | None) -> bool:
    return principal is not None and Scope.ADMIN in principal.scopes


def request_language(request: Request, principal: Principal | None) -> str:
    """The user's language, else the workspace's, else the browser's, else English."""
    accept = request.headers.get("accept-language")
    services = getattr(request.app.state, "services", None)
    if principal is None or services is None:
        return effective_language(None, None, None, accept)
    with services.catalog.session() as session:
        return effective_language(session, principal.user_id, principal.workspace_id, accept)


def channel_label(gettext: Callable[[str], str], channel: str) -> str:
    """A channel's name in the page's language; "Social in-app (LINE)" keeps the app's name,
    "(none)" reads "Direct / none"."""
    return labels.label(labels.Kind.CHANNEL, channel, gettext)


def translator(request: Request, principal: Principal | None) -> Callable[[str], str]:
    """gettext in the request's language, for text that Python puts in a page (chart labels);
    channel names (and in-app labels) come out translated too."""
    gettext = locales.translations(request_language(request, principal)).gettext
    return lambda message: channel_label(gettext, message)


def render(
    request: Request,
    template: str,
    principal: Principal | None = None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    workspaces: list[Any] = []
    if principal is not None and principal.user_id is not None:
        workspaces = request.app.state.workspaces_of(principal.user_id)
    language = request_language(request, principal)
    # The response renders here, inside the block: gettext reads the active language.
    with locales.activate(language):
        if isinstance(context.get("error"), MercatoError):  # a refused input, in the page's words
            context["error"] = context["error"].translated(locales.gettext)
        response = templates.TemplateResponse(
            request,
            template,
            {
                "principal": principal,
                "csrf_token": csrf_token(request),
                "csp_nonce": csp_nonce(request),
                "navigation": NAVIGATION + (ADMIN_NAVIGATION if _is_admin(principal) else []),
                "workspaces": workspaces,
                "language": language,
                "languages": locales.LANGUAGES,
                **context,
            },
            status_code=status_code,
        )
    response.headers["Content-Language"] = language
    response.headers.append("Vary", "Accept-Language")  # a shared cache must not mix languages
    return response
