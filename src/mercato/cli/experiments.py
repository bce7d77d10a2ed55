"""`mercato experiments ...`: A/B tests of galleries and holdouts, and their results."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.table import Table

from mercato.catalog import workspaces
from mercato.cli.context import console, fail, opened_services
from mercato.core import labels
from mercato.experiments import service
from mercato.experiments.schemas import (
    ExperimentCreate,
    ExperimentPublic,
    Kind,
    Metric,
    ResultsPublic,
    VariantCreate,
)

experiments_app = typer.Typer(
    help="A/B tests of gallery configurations and holdouts that see no gallery.",
    no_args_is_help=True,
)
Workspace = Annotated[str, typer.Option("--workspace", "-w", help="Workspace slug.")]


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"


FormatOption = Annotated[OutputFormat, typer.Option("--format", help="table or json.")]


def _variants(raw: str | None) -> list[VariantCreate]:
    if not raw:
        return []
    try:
        document = json.loads(raw)
        if not isinstance(document, list):
            raise ValueError("not a list")
        return [VariantCreate.model_validate(v) for v in document]
    except (ValueError, ValidationError) as exc:
        raise fail(
            f"--variants must be a JSON list of variants, e.g. "
            f'\'[{{"key": "control"}}, {{"key": "big", "kind": "configured", "config": '
            f'{{"layout": "carousel", "max_items": 24}}}}]\': {exc}'
        ) from None


def _print_experiments(rows: list[ExperimentPublic], output: OutputFormat) -> None:
    if output is OutputFormat.JSON:
        print(json.dumps([r.model_dump(mode="json") for r in rows], indent=2))
        return
    table = Table("id", "name", "kind", "gallery", "status", "variants", "primary", "assigned")
    for r in rows:
        variants = ", ".join(f"{v.key}:{v.kind}:{v.weight:g}" for v in r.variants)
        table.add_row(
            r.id,
            r.name,
            labels.label(labels.Kind.EXPERIMENT_KIND, r.kind),
            r.gallery_id or "(workspace)",
            labels.label(labels.Kind.EXPERIMENT_STATUS, r.status),
            variants,
            labels.label(labels.Kind.EXPERIMENT_METRIC, r.primary_metric),
            str(r.assigned),
        )
    console.print(table)


@experiments_app.command("create")
def experiments_create(
    workspace: Workspace,
    name: Annotated[str, typer.Option("--name", help="A name for people.")],
    gallery: Annotated[str | None, typer.Option("--gallery", help="Gallery id.")] = None,
    variants: Annotated[str | None, typer.Option("--variants", help="JSON list.")] = None,
    holdout_share: Annotated[
        float | None, typer.Option("--holdout-share", help="Share that sees no gallery.")
    ] = None,
    primary: Annotated[Metric, typer.Option("--primary", help="Primary metric.")] = (
        Metric.CONVERSION_RATE
    ),
    guardrail: Annotated[list[Metric] | None, typer.Option("--guardrail")] = None,
    output: FormatOption = OutputFormat.TABLE,
) -> None:
    """Create a draft experiment (an A/B test with --variants, a holdout with --holdout-share)."""
    try:
        draft = ExperimentCreate(
            name=name,
            kind=Kind.HOLDOUT if holdout_share is not None else Kind.AB,
            gallery_id=gallery,
            variants=_variants(variants),
            holdout_share=holdout_share,
            primary_metric=primary,
            guardrails=guardrail or [],
        )
    except ValidationError as exc:
        raise fail(str(exc)) from None
    with opened_services() as services, services.catalog.session() as session:
        ws = workspaces.get_workspace(session, workspace)
        created = service.public(session, service.create_experiment(session, ws.id, draft))
    _print_experiments([created], output)


@experiments_app.command("list")
def experiments_list(workspace: Workspace, output: FormatOption = OutputFormat.TABLE) -> None:
    """List the workspace's experiments."""
    with opened_services() as services, services.catalog.session() as session:
        ws = workspaces.get_workspace(session, workspace)
        rows = [service.public(session, e) for e in service.list_experiments(session, ws.id)]
    _print_experiments(rows, output)


@experiments_app.command("start")
def experiments_start(
    workspace: Workspace, experiment_id: str, output: FormatOption = OutputFormat.TABLE
) -> None:
    """Start a draft: galleries begin serving its variants."""
    with opened_services() as services, services.catalog.session() as session:
        ws = workspaces.get_workspace(session, workspace)
        row = service.public(session, service.start_experiment(session, ws.id, experiment_id))
    _print_experiments([row], output)


@experiments_app.command("stop")
def experiments_stop(
    workspace: Workspace, experiment_id: str, output: FormatOption = OutputFormat.TABLE
) -> None:
    """Stop a running experiment: galleries serve their own definition again."""
    with opened_services() as services, services.catalog.session() as session:
        ws = workspaces.get_workspace(session, workspace)
        row = service.public(session, service.stop_experiment(session, ws.id, experiment_id))
    _print_experiments([row], output)


def _print_results(results: ResultsPublic) -> None:
    console.print(f"[bold]{results.experiment.name}[/] — {results.verdict_text}", highlight=False)
    counts = Table("variant", "exposed", "activated", "expected share", "cookieless")
    for c in results.counts:
        counts.add_row(
            c.variant,
            str(c.exposed),
            str(c.activated),
            f"{c.expected_share:.1%}",
            str(c.cookieless),
        )
    console.print(counts)
    if results.srm:
        console.print(
            f"SRM: chi2={results.srm.chi2:.2f} p={results.srm.p_value:.3g}"
            f"{' FLAGGED' if results.srm.flagged else ''}"
        )
    for title, rows in (
        ("randomised", results.comparisons),
        ("correlational (not causal)", results.correlational),
    ):
        if not rows:
            continue
        table = Table("metric", "variant", "baseline", "lift", "interval", "p adj", title=title)
        for r in rows:
            p = r.adjusted_p_value if r.adjusted_p_value is not None else r.p_value
            table.add_row(
                labels.label(labels.Kind.EXPERIMENT_METRIC, r.metric),
                r.variant,
                r.baseline,
                f"{r.relative_lift:+.1%}",
                f"{r.ci_low:+.1%} .. {r.ci_high:+.1%}",
                "" if p is None else f"{p:.3g}",
            )
        console.print(table)
    console.print(f"[dim]method: {results.method}[/]", highlight=False)


@experiments_app.command("results")
def experiments_results(
    workspace: Workspace, experiment_id: str, output: FormatOption = OutputFormat.TABLE
) -> None:
    """Exposures, lifts with intervals, the SRM check and the verdict."""
    with opened_services() as services, services.catalog.session() as session:
        ws = workspaces.get_workspace(session, workspace)
        scoped = services.warehouse.for_workspace(ws.id)
        results = service.experiment_results(session, scoped, ws.id, experiment_id)
    if output is OutputFormat.JSON:
        print(json.dumps(results.model_dump(mode="json"), indent=2))
    else:
        _print_results(results)
