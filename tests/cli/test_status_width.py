"""``rashinban status`` at 80 and 120 columns (issue #16 item 6): by default the company (or the
scope asked) with its main KPIs, no KPI name cut, no period repeated on every row, compact yen
below 120 columns, nothing cropped; ``--all`` every scope; ``--json`` unchanged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.console import Console

from rashinban.cli.app import state
from rashinban.cli.metrics import render_status, status_view
from rashinban.service import Rashinban, node_name
from tests.clirun import run_cli
from tests.svc import generate_demo

BORDERS = set("│┃┏┓┗┛┡┩└┘┌┐╇╋┳┻━─")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("status_width") / "demo.duckdb"
    generate_demo(db, scale="small", months=4, seed=5, end_month="2026-11")
    return db


def render(
    db: Path, lang: str, width: int, show_all: bool, period: str, as_of: str | None
) -> tuple[str, object]:
    state.lang = lang
    with Rashinban.for_cli(str(db), lang=lang) as svc:
        report = svc.tracking.status(None, period, None, None, as_of)
        out = Console(width=width, record=True, file=open("/dev/null", "w"), color_system=None)  # noqa: SIM115
        render_status(report, show_all, out)
        return out.export_text(), report


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("width", [80, 120])
def test_status_fits_and_shows_the_company_main_kpis(demo: Path, lang: str, width: int) -> None:
    text, report = render(demo, lang, width, False, "2026-10", "2026-10-20")
    model = report.model  # type: ignore[attr-defined]
    lines = text.splitlines()
    console = Console(width=500)
    for line in lines:  # nothing wider than the terminal, every table line closed by its border
        assert console.measure(line).maximum <= width, line
        if line[:1] in BORDERS:
            assert line.rstrip()[-1] in BORDERS, f"cropped: {line}"
    main = [n for n, node in model.nodes.items() if node.role == "main" or n == model.kgi]
    for nid in main:  # every main KPI's full name on one line
        name = node_name(model, nid, lang) or nid
        assert any(name in line for line in lines), name
    aux = [n for n in model.nodes if n not in main]
    for nid in aux:
        name = node_name(model, nid, lang) or nid
        assert not any(f" {name} " in line for line in lines), f"not a main KPI: {name}"
    body = [line for line in lines if line.startswith("│")]
    assert len(body) <= 2 * len(main)
    assert not any("2026-10" in line for line in body), "the period is named once, in the title"
    assert "2026-10" in "".join(line.strip() for line in lines if not line.startswith(("│", "┃")))
    company = "全社" if lang == "ja" else "Company"
    assert company in text
    if width < 120:  # compact yen: 万円 / ¥M, never a full ¥30,200,000
        assert (
            "," not in "".join(c for line in body for c in line if c in "¥,万") or "万" in text or "¥" in text
        )
        assert not any("¥" in line and ",000" in line for line in body)


def test_all_shows_every_scope(demo: Path) -> None:
    short, report = render(demo, "en", 80, False, "2026-10", None)
    every, _ = render(demo, "en", 80, True, "2026-10", None)
    scopes = {r.scope for r in report.rows if r.scope_type != "company"}  # type: ignore[attr-defined]
    joined = "".join(every.split())  # a long title wraps: compare without blanks
    assert scopes and all("".join(s.split()) in joined for s in scopes)
    assert not any("".join(s.split()) in "".join(short.split()) for s in scopes)
    for line in every.splitlines():
        assert Console(width=500).measure(line).maximum <= 80


def test_json_is_unchanged(demo: Path) -> None:
    out = run_cli("status", "--db", str(demo), "--period", "2026-10", "--json")
    rows = json.loads(out.stdout)
    with Rashinban.for_cli(str(demo), lang="en") as svc:  # run_cli's language (the company is named in it)
        expected = status_view(svc.tracking.status(None, "2026-10"))
    assert rows == json.loads(json.dumps(expected, ensure_ascii=False))
