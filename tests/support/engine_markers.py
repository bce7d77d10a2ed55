"""Ibis-style limitation markers for engine-parametrised tests (a pytest plugin).

    @pytest.mark.notimpl(["clickhouse"], reason="...")  # Mercato has not built it there
    @pytest.mark.notyet(["spark"], reason="...")       # the engine cannot do it yet
    @pytest.mark.never(["spark"], reason="...")        # the engine never will

On the named engines' cases the test must fail (strict xfail, optionally only with `raises=`):
a limitation that goes away shows as XPASS, which fails the run. A marker without a reason, or
without a list of known engines, fails collection. A test's engine is its `engine` parameter.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest

LIMITATIONS = {
    "notimpl": "Mercato has not implemented this on the engine",
    "notyet": "the engine cannot do this yet",
    "never": "the engine will never do this",
}
KNOWN_ENGINES = frozenset({"duckdb", "spark", "clickhouse"})


def pytest_configure(config: pytest.Config) -> None:
    for name, meaning in LIMITATIONS.items():
        config.addinivalue_line(
            "markers", f"{name}(engines, reason, raises=None): {meaning} (reason required)"
        )


def _engine_of(item: pytest.Item) -> str | None:
    callspec = getattr(item, "callspec", None)
    if callspec is None:
        return None
    found = callspec.params.get("engine")
    return found if isinstance(found, str) else None


def limitation_problems(item: pytest.Item) -> list[str]:
    """What is wrong with the item's limitation markers (empty: nothing)."""
    problems = []
    for name in LIMITATIONS:
        for mark in item.iter_markers(name):
            reason = mark.kwargs.get("reason")
            if not isinstance(reason, str) or not reason.strip():
                problems.append(f"{item.nodeid}: @pytest.mark.{name} needs reason='why'")
            engines = mark.args[0] if mark.args else None
            if (
                not isinstance(engines, Sequence)
                or isinstance(engines, str)
                or not engines
                or not set(engines) <= KNOWN_ENGINES
            ):
                known = ", ".join(sorted(KNOWN_ENGINES))
                problems.append(
                    f"{item.nodeid}: @pytest.mark.{name} needs a list of engines ({known})"
                )
    return problems


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    problems = [problem for item in items for problem in limitation_problems(item)]
    if problems:
        raise pytest.UsageError("limitation markers:\n" + "\n".join(problems))
    for item in items:
        engine = _engine_of(item)
        if engine is None:
            continue
        for name in LIMITATIONS:
            for mark in item.iter_markers(name):
                if engine in mark.args[0]:
                    item.add_marker(
                        pytest.mark.xfail(
                            strict=True,
                            reason=f"{name} on {engine}: {mark.kwargs['reason']}",
                            raises=mark.kwargs.get("raises"),
                        )
                    )
