"""An experiment or segment view is shared from the CLI and from Settings as from the API:
the subject is chosen there, checked against the workspace, and the link shows it."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import httpx
import pytest
from typer.testing import CliRunner

from mercato.cli.context import host
from mercato.cli.main import app as cli_app
from mercato.runtime import Services
from tests.sharing.support import RANGE, set_up
from tests.support.server import csrf_in


@pytest.fixture
def hosted(services: Services) -> Iterator[Services]:
    host(services)
    yield services
    host(None)


def test_segment_and_experiment_links_from_the_cli_and_settings(
    hosted: Services, live_server: str
) -> None:
    owner = set_up(hosted, live_server)
    made = owner.post(
        "/api/v1/segments",
        json={"name": "Returning <b>fans</b>", "definition": {"kind": "flag", "flag": "returning"}},
    )
    assert made.status_code == 201, made.text
    segment_id = made.json()["id"]
    runner = CliRunner()
    base = ["share", "create", "-w", owner.slug, "--format", "json"]
    done = runner.invoke(
        cli_app,
        [*base, "--view", "segment", "--segment", segment_id, "--from", RANGE["start"],
         "--to", RANGE["end"]],
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    (link,) = json.loads(done.stdout)
    path = "/" + link["url"].split("/", 3)[3]
    with httpx.Client(base_url=live_server) as stranger:
        shown = stranger.get(path)
        assert shown.status_code == 200
        assert "Segment: Returning &lt;b&gt;fans&lt;/b&gt;" in shown.text
        members = stranger.get(path, params={"format": "json", "table": "segment"}).json()
    listed = owner.client.get("/segments", params={"format": "json", "table": "segments"}).json()
    assert members[0]["Members"] == listed[0]["Members"]
    missing = runner.invoke(cli_app, [*base, "--view", "experiment"])
    assert missing.exit_code != 0
    assert "experiment_id" in missing.output
    # A scheduled report of the segment view takes the same subject; an unknown one is refused.
    schedule = ["reports", "add", "-w", owner.slug, "--format", "json", "--view", "segment",
                "--cadence", "weekly", "--to", "board@example.com"]  # fmt: skip
    scheduled = runner.invoke(cli_app, [*schedule, "--segment", segment_id])
    assert scheduled.exit_code == 0, scheduled.output
    (made_schedule,) = json.loads(scheduled.stdout)
    listed_schedules = owner.client.get("/api/v1/report-schedules").json()
    (stored,) = [row for row in listed_schedules if row["id"] == made_schedule["id"]]
    assert stored["parameters"]["segment_id"] == segment_id
    unknown = runner.invoke(cli_app, [*schedule, "--segment", "seg_nowhere"])
    assert unknown.exit_code != 0
    assert "seg_nowhere" in unknown.output or "segment" in unknown.output

    page = owner.client.get("/settings/sharing")
    assert f'<option value="{segment_id}">Returning &lt;b&gt;fans&lt;/b&gt;</option>' in page.text
    form = {
        "csrf_token": csrf_in(page.text),
        "view": "segment",
        "segment_id": segment_id,
        "experiment_id": "",
        "compare_segment_id": "",
        "label": "Fans for the board",
    }
    created = owner.client.post("/settings/sharing/links", data=form)
    assert created.status_code == 200, created.text
    url = re.search(r"(http://[^\"<\s]+/shared/mcs_[\w-]+)", created.text)
    assert url is not None
    assert httpx.get(url.group(1)).status_code == 200
    refused = owner.client.post(
        "/settings/sharing/links", data={**form, "view": "experiment", "segment_id": ""}
    )
    assert refused.status_code == 422
    assert "needs experiment_id" in refused.text
