"""`mercato sites`, `mercato team` and `mercato settings` as a user runs them."""

from __future__ import annotations

import re
from pathlib import Path

from tests.sites.support import mercato


def _workspace(data: Path) -> None:
    assert mercato(data, "db", "upgrade").returncode == 0
    created = mercato(data, "workspaces", "create", "acme", "--name", "Acme", "--currency", "EUR")
    assert created.returncode == 0, created.stderr


def test_sites_commands(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _workspace(data)
    empty = mercato(data, "sites", "list", "--workspace", "acme")
    assert "acme has no site yet" in empty.stdout
    added = mercato(
        data,
        "sites",
        "add",
        "Shop.Acme.example",
        "--workspace",
        "acme",
        "--origin",
        "http://127.0.0.1:8080",
        "--origin",
        "https://www.acme.example/",
        "--identity-mode",
        "first_party_id",
        "--base-url",
        "https://stats.acme.example/",
    )
    assert added.returncode == 0, added.stderr
    key = re.search(r"key:\s+(pk_[\w-]+)", added.stdout)
    assert key is not None
    assert (
        f'<script defer src="https://stats.acme.example/tracker.js" data-key="{key.group(1)}" '
        'data-identity="first_party_id" data-respect-dnt></script>'
    ) in added.stdout
    assert (
        "https://shop.acme.example, http://127.0.0.1:8080, https://www.acme.example" in added.stdout
    )
    assert "no events yet" in added.stdout
    listed = mercato(data, "sites", "list", "--workspace", "acme")
    assert key.group(1) in listed.stdout
    assert 'src="http://127.0.0.1:8000/tracker.js"' in listed.stdout
    updated = mercato(
        data,
        "sites",
        "update",
        "shop.acme.example",
        "--workspace",
        "acme",
        "--add-origin",
        "https://m.acme.example",
        "--remove-origin",
        "http://127.0.0.1:8080",
        "--page-types",
        '{"product": ["/p/*"]}',
        "--ignore-dnt",
    )
    assert updated.returncode == 0, updated.stderr
    assert (
        "https://shop.acme.example, https://www.acme.example, https://m.acme.example"
        in updated.stdout
    )
    assert "data-respect-dnt" not in updated.stdout
    assert '{"product": ["/p/*"]}' in updated.stdout
    bad = mercato(
        data, "sites", "update", key.group(1), "--workspace", "acme", "--add-origin", "shop"
    )
    assert bad.returncode == 2
    assert "site.allowed_origins" in bad.stderr
    assert "Traceback" not in bad.stderr
    missing = mercato(data, "sites", "remove", "nope.example", "--workspace", "acme", "--yes")
    assert missing.returncode == 2
    assert "no site 'nope.example'" in missing.stderr
    removed = mercato(data, "sites", "remove", "shop.acme.example", "--workspace", "acme", "--yes")
    assert removed.returncode == 0, removed.stderr
    assert "has no site yet" in mercato(data, "sites", "list", "--workspace", "acme").stdout


def test_team_and_settings_commands(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _workspace(data)
    owner = mercato(
        data,
        "users",
        "create",
        "owner@acme.example",
        "--workspace",
        "acme",
        "--role",
        "owner",
        "--password",
        "long-enough-pw",
    )
    assert owner.returncode == 0, owner.stderr
    invited = mercato(
        data,
        "team",
        "invite",
        "Sam@Acme.example",
        "--workspace",
        "acme",
        "--role",
        "analyst",
        "--base-url",
        "https://mercato.acme.example",
    )
    assert invited.returncode == 0, invited.stderr
    link = invited.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"https://mercato\.acme\.example/invite/inv_[\w-]+", link), link
    listed = mercato(data, "team", "list", "--workspace", "acme")
    assert "owner@acme.example" in listed.stdout
    assert "sam@acme.example" in listed.stdout
    assert link.rsplit("/", 1)[1] not in listed.stdout
    last = mercato(
        data, "team", "role", "owner@acme.example", "--workspace", "acme", "--role", "viewer"
    )
    assert last.returncode == 2
    assert "last owner" in last.stderr
    ugc = mercato(
        data,
        "settings",
        "ugc",
        "--workspace",
        "acme",
        "--approval-hashtag",
        "#YesAcme",
        "--reward-discount-pct",
        "20",
        "--competitor-terms",
        "Rival Co, OtherBrand,Rival Co",
        "--no-links",
    )
    assert ugc.returncode == 0, ugc.stderr
    assert "approval_hashtag: #YesAcme" in ugc.stdout
    assert "reward_discount_pct: 20.00" in ugc.stdout
    assert "competitor_terms: ['Rival Co', 'OtherBrand']" in ugc.stdout
    assert "allow_links: False" in ugc.stdout
    shown = mercato(data, "settings", "ugc", "--workspace", "acme")
    assert "approval_hashtag: #YesAcme" in shown.stdout
    figure = mercato(
        data,
        "settings",
        "benchmark-set",
        "engagement_rate_by_followers",
        "--workspace",
        "acme",
        "--value",
        "0.02",
        "--method",
        "median",
        "--source",
        "Our agency",
        "--platform",
        "instagram",
    )
    assert figure.returncode == 0, figure.stderr
    benchmark_id = figure.stdout.split()[1].rstrip(":")
    table = mercato(data, "settings", "benchmarks", "--workspace", "acme")
    assert benchmark_id in table.stdout
    unknown = mercato(
        data,
        "settings",
        "benchmark-set",
        "no_such_kpi",
        "--workspace",
        "acme",
        "--value",
        "1",
        "--method",
        "m",
        "--source",
        "s",
    )
    assert unknown.returncode == 2
    assert "no_such_kpi" in unknown.stderr
    deleted = mercato(data, "settings", "benchmark-delete", benchmark_id, "--workspace", "acme")
    assert deleted.returncode == 0, deleted.stderr
