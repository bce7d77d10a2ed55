"""Views that show one thing of the workspace (an experiment, a segment) name it in their
parameters; a link or a schedule is only made for a thing of its own workspace."""

from __future__ import annotations

from sqlalchemy.orm import Session

from mercato.catalog.models import Experiment, Segment
from mercato.catalog.owned import get_owned
from mercato.core.errors import NotFoundError, ValidationFailed
from mercato.sharing.errors import SharingError
from mercato.sharing.schemas import SUBJECT_PARAMETER, ViewName, ViewParameters


def check_subject(
    session: Session, workspace_id: str, view: ViewName, parameters: ViewParameters
) -> None:
    """Raise ValidationFailed unless the view's subject is given and is this workspace's
    (another workspace's id reads as unknown); views without a subject take none."""
    wanted = SUBJECT_PARAMETER.get(view)
    given = {
        "experiment_id": parameters.experiment_id,
        "segment_id": parameters.segment_id,
        "compare_segment_id": parameters.compare_segment_id,
    }
    for name, value in given.items():
        allowed = name == wanted or (name == "compare_segment_id" and view is ViewName.SEGMENT)
        if value is not None and not allowed:
            raise ValidationFailed(
                f"the {view.value} view takes no {name}",
                location=f"parameters.{name}",
                code=SharingError.BAD_SUBJECT,
            )
    if wanted is None:
        return
    if given[wanted] is None:
        raise ValidationFailed(
            f"the {view.value} view needs {wanted}",
            location=f"parameters.{wanted}",
            code=SharingError.BAD_SUBJECT,
        )
    checks = [(wanted, given[wanted])]
    if view is ViewName.SEGMENT and parameters.compare_segment_id is not None:
        checks.append(("compare_segment_id", parameters.compare_segment_id))
    for name, value in checks:
        model: type[Experiment] | type[Segment] = Experiment if name == "experiment_id" else Segment
        try:
            get_owned(session, model, workspace_id, str(value), name.removesuffix("_id"))
        except NotFoundError as exc:
            raise ValidationFailed(
                exc.message, location=f"parameters.{name}", code=SharingError.BAD_SUBJECT
            ) from None
