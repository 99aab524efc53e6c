"""Hooks of the live-server tests: measured figures at the end of the run, and the servers'
output in a failed test's report (helpers: :mod:`tests.live.server`)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.live.server import FIGURES, SERVERS


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if FIGURES:
        terminalreporter.section("live server figures")
        for line in FIGURES:
            terminalreporter.write_line(line)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """A failed test shows the tail of the output of the servers it used (500s land there)."""
    report = yield
    if report.failed:
        started = getattr(item, "_live_servers_before", 0)
        for server in SERVERS:
            if server.proc.poll() is None or SERVERS.index(server) >= started:
                report.sections.append((f"rashinban serve :{server.port}", server.tail()))
    return report


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    item._live_servers_before = len(SERVERS)  # type: ignore[attr-defined]
