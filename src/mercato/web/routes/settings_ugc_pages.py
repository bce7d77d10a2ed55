"""Settings → UGC: rights hashtag, terms link and version, rights duration, the creator
reward, and the moderation word lists (the same fields as `PUT /api/v1/ugc/settings`)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from mercato.catalog.db import CatalogSession
from mercato.core.errors import ValidationFailed
from mercato.runtime import Services
from mercato.ugc import rights
from mercato.ugc.items import ugc_settings
from mercato.web.auth import AdminPage, Principal, ServicesDep
from mercato.web.routes.settings_pages import attempt, page_for
from mercato.web.templating import translator

router = APIRouter(include_in_schema=False)
WORD_LISTS = ("profanity_terms", "competitor_terms", "brand_safety_terms")
MAX_TERMS = 500


def ugc_page(
    request: Request, services: Services, principal: Principal, **context: Any
) -> HTMLResponse:
    with services.catalog.session() as session:
        found = ugc_settings(session, principal.workspace_id)
        values: dict[str, Any] = {
            "approval_hashtag": found.approval_hashtag,
            "terms_url": found.terms_url,
            "terms_version": found.terms_version,
            "rights_days": "" if found.rights_days is None else str(found.rights_days),
            "reward_discount_pct": str(found.reward_discount_pct),
            "allow_links": found.allow_links,
            **{name: "\n".join(getattr(found, name) or []) for name in WORD_LISTS},
        }
        # The one hashtag requests ask for and replies are matched on (the default if unset).
        hashtag = rights.approval_hashtag(found, principal.workspace.slug)
    return page_for(
        request, principal, "settings_ugc.html", "ugc", values=values, hashtag=hashtag, **context
    )


@router.get("/settings/ugc", operation_id="settings_ugc_page")
def settings_ugc_page(
    request: Request, services: ServicesDep, principal: AdminPage
) -> HTMLResponse:
    return ugc_page(request, services, principal)


def terms(text: str, field: str) -> list[str]:
    """One term per line (or comma-separated), trimmed, without duplicates."""
    found = [t.strip() for line in text.splitlines() for t in line.split(",") if t.strip()]
    unique = list(dict.fromkeys(found))
    if len(unique) > MAX_TERMS or any(len(t) > 100 for t in unique):
        raise ValidationFailed(f"at most {MAX_TERMS} terms of 100 characters", location=field)
    return unique


def ugc_values(form: dict[str, str]) -> dict[str, Any]:
    terms_url = form.get("terms_url", "").strip()
    if terms_url and not terms_url.startswith(("https://", "http://")):
        raise ValidationFailed("use an http(s) link", location="ugc.terms_url")
    days = form.get("rights_days", "").strip()
    if days and (not days.isdigit() or int(days) < 1):
        raise ValidationFailed("a whole number of days, at least 1", location="ugc.rights_days")
    try:
        discount = Decimal(form.get("reward_discount_pct", "").strip() or "0")
    except InvalidOperation:
        discount = Decimal(-1)
    if not Decimal(0) <= discount <= Decimal(100):
        raise ValidationFailed("a percentage from 0 to 100", location="ugc.reward_discount_pct")
    return {
        "approval_hashtag": rights.clean_hashtag(
            form.get("approval_hashtag", ""), "ugc.approval_hashtag"
        ),
        "terms_url": terms_url[:2000],
        "terms_version": form.get("terms_version", "").strip()[:64] or "1",
        "rights_days": int(days) if days else None,
        "reward_discount_pct": discount.quantize(Decimal("0.01")),
        "allow_links": form.get("allow_links") == "on",
        **{name: terms(form.get(name, ""), f"ugc.{name}") for name in WORD_LISTS},
    }


@router.post("/settings/ugc", operation_id="settings_ugc_save")
def settings_ugc_save(
    request: Request,
    services: ServicesDep,
    principal: AdminPage,
    approval_hashtag: Annotated[str, Form()] = "",
    terms_url: Annotated[str, Form()] = "",
    terms_version: Annotated[str, Form()] = "1",
    rights_days: Annotated[str, Form()] = "",
    reward_discount_pct: Annotated[str, Form()] = "15",
    allow_links: Annotated[str, Form()] = "",
    profanity_terms: Annotated[str, Form()] = "",
    competitor_terms: Annotated[str, Form()] = "",
    brand_safety_terms: Annotated[str, Form()] = "",
) -> Response:
    form = {
        "approval_hashtag": approval_hashtag,
        "terms_url": terms_url,
        "terms_version": terms_version,
        "rights_days": rights_days,
        "reward_discount_pct": reward_discount_pct,
        "allow_links": allow_links,
        "profanity_terms": profanity_terms,
        "competitor_terms": competitor_terms,
        "brand_safety_terms": brand_safety_terms,
    }

    def save(session: CatalogSession) -> None:
        found = ugc_settings(session, principal.workspace_id)
        for name, value in ugc_values(form).items():
            setattr(found, name, value)

    failure = attempt(services, save)
    if failure:
        return ugc_page(request, services, principal, error=failure[0], status_code=failure[1])
    return ugc_page(
        request, services, principal, notice=translator(request, principal)("UGC settings saved.")
    )
