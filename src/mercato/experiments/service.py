"""What the routes and the CLI call: create, list, change, start and stop experiments."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mercato.catalog.models import (
    Experiment,
    ExperimentAssignment,
    ExperimentVariant,
    Gallery,
    UgcItem,
)
from mercato.core.errors import ConflictError, NotFoundError, ValidationFailed
from mercato.core.ids import new_id
from mercato.core.timeutil import utcnow
from mercato.experiments.aggregate import Executor, visitor_facts
from mercato.experiments.errors import ExperimentError
from mercato.experiments.results import analyse
from mercato.experiments.schemas import (
    ExperimentCreate,
    ExperimentPublic,
    ExperimentUpdate,
    GalleryConfig,
    Kind,
    Metric,
    ResultsPublic,
    Status,
    VariantCreate,
    VariantKind,
    VariantPublic,
)
from mercato.galleries.definitions import GalleryDraft, validate
from mercato.warehouse.connection import ScopedWarehouse

HOLDOUT_KEYS = ("galleries", "holdout")


def get_experiment(session: Session, workspace_id: str, experiment_id: str) -> Experiment:
    found = session.get(Experiment, experiment_id)
    if found is None or found.workspace_id != workspace_id:
        raise NotFoundError(f"no experiment {experiment_id!r}", code=ExperimentError.NOT_FOUND)
    return found


def variants_of(session: Session, experiment_id: str) -> list[ExperimentVariant]:
    statement = (
        select(ExperimentVariant)
        .where(ExperimentVariant.experiment_id == experiment_id)
        .order_by(ExperimentVariant.position)
    )
    return list(session.scalars(statement))


def _check_config(
    session: Session, workspace_id: str, config: GalleryConfig, where: str
) -> GalleryConfig:
    """A variant's configuration obeys the same rules as a gallery definition."""
    draft = GalleryDraft(
        name="variant",
        layout=config.layout,
        placement=config.placement or "home",
        selection=config.selection,
        rule=dict(config.rule),
        max_items=config.max_items,
        min_items=0,
        item_ids=list(config.item_ids),
    )
    try:
        validate(draft)
    except ValidationFailed as exc:
        raise ValidationFailed(exc.reason, location=f"{where}.{exc.location}") from None
    owned = set(
        session.scalars(
            select(UgcItem.id).where(
                UgcItem.workspace_id == workspace_id, UgcItem.id.in_(config.item_ids)
            )
        )
    )
    for position, item_id in enumerate(config.item_ids):
        if item_id not in owned:
            raise ValidationFailed(
                f"no UGC item {item_id!r}", location=f"{where}.item_ids[{position}]"
            )
    return config.model_copy(update={"rule": draft.rule})


def _check_variant(
    session: Session, workspace_id: str, variant: VariantCreate, where: str
) -> VariantCreate:
    if variant.kind == VariantKind.CONFIGURED:
        if variant.config is None:
            raise ValidationFailed(
                "a configured variant needs a config", location=f"{where}.config"
            )
        config = _check_config(session, workspace_id, variant.config, f"{where}.config")
        return variant.model_copy(update={"config": config})
    if variant.config is not None:
        raise ValidationFailed(
            f"only a configured variant has a config, this one is {variant.kind}",
            location=f"{where}.config",
        )
    return variant


def _variants_for(draft: ExperimentCreate) -> list[VariantCreate]:
    if draft.holdout_share is None:
        return draft.variants
    if draft.variants:
        raise ValidationFailed(
            "give either holdout_share or variants, not both", location="holdout_share"
        )
    share = draft.holdout_share
    return [
        VariantCreate(key=HOLDOUT_KEYS[0], kind=VariantKind.CURRENT, weight=1 - share),
        VariantCreate(key=HOLDOUT_KEYS[1], kind=VariantKind.HOLDOUT, weight=share),
    ]


def _check_variants(variants: Sequence[VariantCreate], kind: Kind) -> None:
    if len(variants) < 2:
        raise ValidationFailed(
            "an experiment needs a baseline and at least one more variant",
            location="variants",
            code=ExperimentError.BAD_VARIANTS,
        )
    keys = [v.key for v in variants]
    if len(set(keys)) != len(keys):
        raise ValidationFailed("variant keys must be distinct", location="variants")
    if sum(v.weight for v in variants) <= 0:
        raise ValidationFailed("weights must not all be 0", location="variants")
    if kind == Kind.HOLDOUT and not any(v.kind == VariantKind.HOLDOUT for v in variants):
        raise ValidationFailed("a holdout experiment needs a holdout variant", location="variants")


def _check_target(session: Session, workspace_id: str, draft: ExperimentCreate) -> None:
    if draft.gallery_id is None:
        if draft.kind == Kind.AB:
            raise ValidationFailed(
                "an A/B test targets a gallery",
                location="gallery_id",
                code=ExperimentError.BAD_TARGET,
            )
        return
    gallery = session.get(Gallery, draft.gallery_id)
    if gallery is None or gallery.workspace_id != workspace_id:
        raise ValidationFailed(f"no gallery {draft.gallery_id!r}", location="gallery_id")


def create_experiment(
    session: Session,
    workspace_id: str,
    draft: ExperimentCreate,
    *,
    experiment_id: str | None = None,
) -> Experiment:
    """A draft experiment; `experiment_id` (also its hashing seed) is for reproducible demos."""
    _check_target(session, workspace_id, draft)
    variants = _variants_for(draft)
    _check_variants(variants, draft.kind)
    checked = [
        _check_variant(session, workspace_id, v, f"variants[{i}]") for i, v in enumerate(variants)
    ]
    experiment_id = experiment_id or new_id("exp")
    experiment = Experiment(
        id=experiment_id,
        seed=experiment_id,  # GrowthBook's seed is the experiment key
        workspace_id=workspace_id,
        name=draft.name.strip(),
        kind=draft.kind,
        gallery_id=draft.gallery_id,
        status=Status.DRAFT,
        coverage=draft.coverage,
        primary_metric=draft.primary_metric,
        guardrails=[g.value for g in dict.fromkeys(draft.guardrails) if g != draft.primary_metric],
    )
    session.add(experiment)
    session.flush()
    _add_variants(session, experiment, checked, start=0)
    session.flush()
    return experiment


def _add_variants(
    session: Session, experiment: Experiment, variants: Sequence[VariantCreate], start: int
) -> None:
    session.add_all(
        ExperimentVariant(
            experiment_id=experiment.id,
            key=variant.key,
            position=start + index,
            kind=variant.kind,
            weight=variant.weight,
            config=variant.config.model_dump() if variant.config else None,
        )
        for index, variant in enumerate(variants)
    )


def update_experiment(
    session: Session, workspace_id: str, experiment_id: str, change: ExperimentUpdate
) -> Experiment:
    experiment = get_experiment(session, workspace_id, experiment_id)
    if experiment.status == Status.STOPPED:
        raise ConflictError("a stopped experiment cannot change", code=ExperimentError.BAD_STATUS)
    current = variants_of(session, experiment.id)
    by_key = {v.key: v for v in current}
    for key, weight in change.weights.items():
        if key not in by_key:
            raise ValidationFailed(f"no variant {key!r}", location=f"weights.{key}")
        if weight < 0:
            raise ValidationFailed("must be 0 or more", location=f"weights.{key}")
        by_key[key].weight = weight
    added = [
        _check_variant(session, workspace_id, v, f"add_variants[{i}]")
        for i, v in enumerate(change.add_variants)
    ]
    keys = [v.key for v in current] + [v.key for v in added]
    if len(set(keys)) != len(keys):
        raise ValidationFailed("variant keys must be distinct", location="add_variants")
    _add_variants(session, experiment, added, start=len(current))
    if sum(v.weight for v in current) + sum(v.weight for v in added) <= 0:
        raise ValidationFailed("weights must not all be 0", location="weights")
    if change.name:
        experiment.name = change.name.strip()
    if change.guardrails is not None:
        experiment.guardrails = [g.value for g in change.guardrails]
    session.flush()
    return experiment


def _running_on_target(session: Session, experiment: Experiment) -> Experiment | None:
    return session.scalar(
        select(Experiment).where(
            Experiment.workspace_id == experiment.workspace_id,
            Experiment.status == Status.RUNNING,
            Experiment.kind == experiment.kind,
            Experiment.gallery_id.is_(None)
            if experiment.gallery_id is None
            else Experiment.gallery_id == experiment.gallery_id,
        )
    )


def start_experiment(session: Session, workspace_id: str, experiment_id: str) -> Experiment:
    experiment = get_experiment(session, workspace_id, experiment_id)
    if experiment.status != Status.DRAFT:
        raise ConflictError(
            f"only a draft can start; this experiment is {experiment.status}",
            code=ExperimentError.BAD_STATUS,
        )
    clash = _running_on_target(session, experiment)
    if clash is not None:
        raise ConflictError(
            f"experiment {clash.id} ({clash.name}) already runs on this target; stop it first",
            code=ExperimentError.ALREADY_RUNNING,
        )
    experiment.status, experiment.started_at = Status.RUNNING, utcnow()
    return experiment


def stop_experiment(session: Session, workspace_id: str, experiment_id: str) -> Experiment:
    experiment = get_experiment(session, workspace_id, experiment_id)
    if experiment.status != Status.RUNNING:
        raise ConflictError(
            f"only a running experiment can stop; this one is {experiment.status}",
            code=ExperimentError.BAD_STATUS,
        )
    experiment.status, experiment.stopped_at = Status.STOPPED, utcnow()
    return experiment


def list_experiments(session: Session, workspace_id: str) -> list[Experiment]:
    statement = (
        select(Experiment)
        .where(Experiment.workspace_id == workspace_id)
        .order_by(Experiment.created_at.desc(), Experiment.name)
    )
    return list(session.scalars(statement))


def assigned_count(session: Session, experiment_id: str) -> int:
    statement = select(func.count()).where(ExperimentAssignment.experiment_id == experiment_id)
    return int(session.scalar(statement) or 0)


def public(session: Session, experiment: Experiment) -> ExperimentPublic:
    return ExperimentPublic(
        id=experiment.id,
        name=experiment.name,
        kind=Kind(experiment.kind),
        gallery_id=experiment.gallery_id,
        status=Status(experiment.status),
        seed=experiment.seed,
        coverage=experiment.coverage,
        primary_metric=Metric(experiment.primary_metric),
        guardrails=[Metric(g) for g in experiment.guardrails],
        variants=[
            VariantPublic(
                key=v.key,
                kind=VariantKind(v.kind),
                weight=v.weight,
                config=GalleryConfig(**v.config) if v.config else None,
            )
            for v in variants_of(session, experiment.id)
        ],
        assigned=assigned_count(session, experiment.id),
        started_at=experiment.started_at,
        stopped_at=experiment.stopped_at,
        created_at=experiment.created_at,
    )


def experiment_results(
    session: Session,
    scoped: ScopedWarehouse,
    workspace_id: str,
    experiment_id: str,
    executor: Executor | None = None,
) -> ResultsPublic:
    """Exposures and outcomes from the warehouse, compared (see docs/experiments.md)."""
    experiment = public(session, get_experiment(session, workspace_id, experiment_id))
    frame = visitor_facts(scoped, experiment.id, experiment.gallery_id, executor)
    return analyse(frame, experiment)


def latest_holdout_id(session: Session, workspace_id: str) -> str | None:
    """The holdout the Experiments page reports: a workspace-wide one first, newest first."""
    return session.scalar(
        select(Experiment.id)
        .where(Experiment.workspace_id == workspace_id, Experiment.kind == Kind.HOLDOUT)
        .order_by(Experiment.gallery_id.is_not(None), Experiment.created_at.desc())
        .limit(1)
    )
