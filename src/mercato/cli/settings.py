"""`mercato team` (members, roles, invitation links) and `mercato settings` (UGC settings,
benchmark overrides): what Settings shows, from the command line."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from mercato.catalog import kpi_settings, team, users, workspaces
from mercato.catalog.warehouse_engines import (
    WarehouseEngine,
    parse_engine,
    set_workspace_engine,
    workspace_engine,
)
from mercato.cli.context import console, fail, opened_services, public_url
from mercato.core.errors import ValidationFailed
from mercato.core.scopes import Role
from mercato.metrics.benchmarks import catalogue as benchmark_catalogue
from mercato.metrics.benchmarks import from_row
from mercato.metrics.registry import KPI_BY_ID
from mercato.ugc.items import ugc_settings
from mercato.ugc.rights import clean_hashtag
from mercato.warehouse.spark_lakes import spark_problem

team_app = typer.Typer(help="A workspace's members, roles and invitations.", no_args_is_help=True)
settings_app = typer.Typer(
    help="UGC settings, benchmark overrides and the warehouse engine.", no_args_is_help=True
)

WorkspaceOption = Annotated[str, typer.Option(help="Workspace slug.")]
KNOWN_KPIS = frozenset(KPI_BY_ID)


@team_app.command("list")
def team_list(workspace: WorkspaceOption) -> None:
    """Members with their roles, and open invitations."""
    with opened_services() as services, services.catalog.session() as session:
        target = workspaces.get_workspace(session, workspace)
        table = Table("user id", "email", "role")
        for member in team.list_members(session, target.id):
            table.add_row(member.user_id, escape(member.email), member.role)
        console.print(table)
        invitations = team.list_invitations(session, target.id)
        if invitations:
            pending = Table("invitation", "email", "role", "expires")
            for i in invitations:
                pending.add_row(i.id, escape(i.email), i.role, f"{i.expires_at:%Y-%m-%d %H:%M}")
            console.print(pending)


@team_app.command("invite")
def team_invite(
    email: str,
    workspace: WorkspaceOption,
    role: Annotated[Role, typer.Option(help="Role once joined.")] = Role.VIEWER,
    base_url: Annotated[
        str | None,
        typer.Option(help="The URL people reach Mercato at (for the link); default: base_url."),
    ] = None,
) -> None:
    """Create a one-time invitation link (printed once; valid 7 days)."""
    with opened_services() as services, services.catalog.session() as session:
        target = workspaces.get_workspace(session, workspace)
        issued = team.invite(session, target, email=email, role=role, created_by=None)
        console.print(
            f"invited {escape(issued.invitation.email)} as {role.value}; link (shown once):"
        )
        print(f"{public_url(services, base_url)}/invite/{issued.secret}")


@team_app.command("role")
def team_role(
    email: str,
    workspace: WorkspaceOption,
    role: Annotated[Role, typer.Option(help="The new role.")],
) -> None:
    """Change a member's role (the last owner stays owner)."""
    with opened_services() as services, services.catalog.session() as session:
        target = workspaces.get_workspace(session, workspace)
        user = users.get_user_by_email(session, email)
        team.set_role(session, target.id, user.id, role)
        console.print(f"{escape(user.email)} is now {role.value} of {target.slug}")


@team_app.command("remove")
def team_remove(email: str, workspace: WorkspaceOption) -> None:
    """Remove a member from the workspace (their user stays for other workspaces)."""
    with opened_services() as services, services.catalog.session() as session:
        target = workspaces.get_workspace(session, workspace)
        user = users.get_user_by_email(session, email)
        team.remove_member(session, target.id, user.id)
        console.print(f"removed {escape(user.email)} from {target.slug}")


@team_app.command("revoke-invitation")
def team_revoke_invitation(invitation_id: str, workspace: WorkspaceOption) -> None:
    """Revoke an invitation link before it is used."""
    with opened_services() as services, services.catalog.session() as session:
        target = workspaces.get_workspace(session, workspace)
        team.revoke_invitation(session, target.id, invitation_id)
        console.print(f"revoked {invitation_id}")


@settings_app.command("engine")
def settings_engine(
    workspace: WorkspaceOption,
    engine: Annotated[
        str | None, typer.Option(help="duckdb (the warehouse) or spark (the lake on Spark).")
    ] = None,
) -> None:
    """Show where the workspace's analyses run (warehouse_engine); with --engine, choose."""
    chosen = None
    if engine is not None:
        try:
            chosen = parse_engine(engine, "--engine")
        except ValidationFailed as exc:
            raise fail(str(exc)) from None
    with opened_services() as services, services.catalog.session() as session:
        target = workspaces.get_workspace(session, workspace)
        if chosen is not None:
            set_workspace_engine(session, target.id, chosen)
        current = workspace_engine(session, target.id)
        problem = None
        if current is WarehouseEngine.SPARK:
            problem = spark_problem(services.settings, target.slug)
        console.print(f"warehouse_engine: {current.value}")
        if current is WarehouseEngine.SPARK:
            console.print(f"lake_dir: {escape(services.settings.lake_dir or '(not set)')}")
            console.print(f"spark_master: {escape(services.settings.spark_master)}")
        if problem is not None:
            console.print(f"[yellow]not ready:[/] {escape(problem)}", highlight=False)


@settings_app.command("ugc")
def settings_ugc(
    workspace: WorkspaceOption,
    approval_hashtag: Annotated[str | None, typer.Option(help="Rights hashtag.")] = None,
    terms_url: Annotated[str | None, typer.Option(help="Link to the rights terms.")] = None,
    terms_version: Annotated[str | None, typer.Option(help="Version of the terms.")] = None,
    rights_days: Annotated[int | None, typer.Option(min=1, help="Days rights last.")] = None,
    reward_discount_pct: Annotated[
        str | None, typer.Option(help="Creator reward discount, percent.")
    ] = None,
    profanity_terms: Annotated[str | None, typer.Option(help="Comma-separated terms.")] = None,
    competitor_terms: Annotated[str | None, typer.Option(help="Comma-separated terms.")] = None,
    brand_safety_terms: Annotated[str | None, typer.Option(help="Comma-separated.")] = None,
    allow_links: Annotated[
        bool | None, typer.Option("--allow-links/--no-links", help="Links in captions.")
    ] = None,
) -> None:
    """Show the UGC settings; with options, change them first."""
    discount = _percent(reward_discount_pct) if reward_discount_pct is not None else None
    if terms_url and not terms_url.startswith(("https://", "http://")):
        raise fail("--terms-url: use an http(s) link")
    if approval_hashtag is not None:
        try:
            approval_hashtag = clean_hashtag(approval_hashtag, "--approval-hashtag")
        except ValidationFailed as exc:
            raise fail(str(exc)) from None
    with opened_services() as services, services.catalog.session() as session:
        target = workspaces.get_workspace(session, workspace)
        found = ugc_settings(session, target.id)
        changes = {
            "approval_hashtag": approval_hashtag,
            "terms_url": terms_url,
            "terms_version": terms_version,
            "rights_days": rights_days,
            "reward_discount_pct": discount,
            "allow_links": allow_links,
            "profanity_terms": _terms(profanity_terms),
            "competitor_terms": _terms(competitor_terms),
            "brand_safety_terms": _terms(brand_safety_terms),
        }
        for name, value in changes.items():
            if value is not None:
                setattr(found, name, value)
        session.flush()
        for name in changes:
            console.print(f"{name}: {escape(str(getattr(found, name)))}")


def _terms(raw: str | None) -> list[str] | None:
    if raw is None:
        return None
    return list(dict.fromkeys(t.strip() for t in raw.split(",") if t.strip()))


def _percent(raw: str) -> Decimal:
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise fail(f"--reward-discount-pct: {raw!r} is not a number") from None
    if not Decimal(0) <= value <= Decimal(100):
        raise fail("--reward-discount-pct: use 0 to 100")
    return value.quantize(Decimal("0.01"))


@settings_app.command("benchmarks")
def settings_benchmarks(workspace: WorkspaceOption) -> None:
    """Benchmarks in force: shipped defaults and the workspace's overrides."""
    with opened_services() as services, services.catalog.session() as session:
        target = workspaces.get_workspace(session, workspace)
        rows = kpi_settings.list_benchmarks(session, target.id)
        ids = {(b.kpi_id, b.platform): b.id for b in rows}
        overrides = [from_row(b) for b in rows]
    table = Table("kpi", "platform", "value", "source", "origin", "override id")
    for b in benchmark_catalogue(overrides):
        table.add_row(
            b.kpi_id,
            b.platform or "all",
            f"{b.value:g}",
            escape(b.label),
            b.origin,
            ids.get((b.kpi_id, b.platform), "") if b.origin == "workspace" else "",
        )
    console.print(table)


@settings_app.command("benchmark-set")
def settings_benchmark_set(
    kpi_id: str,
    workspace: WorkspaceOption,
    value: Annotated[float, typer.Option(help="A fraction for percentages: 0.0047 = 0.47 %.")],
    method: Annotated[str, typer.Option(help="How the figure is computed.")],
    source: Annotated[str, typer.Option(help="Where it comes from.")],
    platform: Annotated[str | None, typer.Option(help="Only for this platform.")] = None,
    report_year: Annotated[int | None, typer.Option(help="Year of the report.")] = None,
) -> None:
    """Override a benchmark for (KPI, platform)."""
    data = kpi_settings.BenchmarkInput(
        kpi_id=kpi_id,
        value=value,
        method=method,
        source=source,
        platform=platform,
        report_year=report_year,
    )
    with opened_services() as services, services.catalog.session() as session:
        target = workspaces.get_workspace(session, workspace)
        row = kpi_settings.set_benchmark(session, target.id, data, KNOWN_KPIS)
        console.print(f"benchmark {row.id}: {kpi_id} = {value:g} ({escape(source)})")


@settings_app.command("benchmark-delete")
def settings_benchmark_delete(benchmark_id: str, workspace: WorkspaceOption) -> None:
    """Remove an override; the shipped default applies again."""
    with opened_services() as services, services.catalog.session() as session:
        target = workspaces.get_workspace(session, workspace)
        kpi_settings.delete_benchmark(session, target.id, benchmark_id)
        console.print(f"deleted {benchmark_id}")
