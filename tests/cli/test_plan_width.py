"""``rashinban plan`` at 80 and 120 columns (issue #16 item 6): nothing wider than the
terminal, no name or figure cut (no ``…``), formulas in words, levers with the same effect on
one row, the split per member in tables of the columns that fit with every member and figure
in them (the members' revenue adds up to the KGI read from the model file); ``--json``
byte-identical to the output before the change (tests/cli/data/plan_json, recorded then)."""

from __future__ import annotations

import os
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest
import yaml
from rich.console import Console

from rashinban.app.plan_input import parse_yen
from rashinban.cli.plan_render import render_plan
from rashinban.i18n import format as fmt
from rashinban.service import Rashinban, formula_label, node_name

ROOT = Path(__file__).resolve().parents[2]
MODELS = {
    "demo": ROOT / "examples/demo/model.yaml",
    "maven": ROOT / "examples/maven/model.yaml",
    "seed-001": ROOT / "examples/seed-001.yaml",
    "seed-004": ROOT / "examples/seed-004.yaml",
}
GOLDEN = Path(__file__).parent / "data" / "plan_json"
BORDERS = set("│┃┏┓┗┛┡┩└┘┌┐╇╋┳┻━─")


def render(path: Path, lang: str, width: int) -> tuple[str, object]:
    with Rashinban.for_cli(None, lang=lang) as svc:
        plan = svc.planning.plans(path)["target"]
        out = Console(width=width, record=True, file=open(os.devnull, "w"), color_system=None)  # noqa: SIM115
        render_plan(plan, svc.planning.default_mode(plan.model), lang, out)
        return out.export_text(), plan


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("│").split("│")]


@pytest.mark.parametrize("name", sorted(MODELS))
@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("width", [80, 120])
def test_plan_fits_and_cuts_nothing(name: str, lang: str, width: int) -> None:
    text, plan = render(MODELS[name], lang, width)
    model = plan.model  # type: ignore[attr-defined]
    lines = text.splitlines()
    measure = Console(width=500)
    for line in lines:
        assert measure.measure(line).maximum <= width, line
        if line[:1] in BORDERS:
            assert line.rstrip()[-1] in BORDERS, f"cropped: {line}"
    assert "…" not in text
    for nid in model.nodes:  # every KPI name whole on a line of the tree
        assert any(node_name(model, nid, lang) in line for line in lines), nid
    kgi_with_id = f"{node_name(model, model.kgi, lang)} {model.kgi}"
    assert (kgi_with_id in text) == (width >= 120)  # ids (what --set takes) where there is room
    for nid, node in model.nodes.items():  # formulas in words, never the raw expression
        if node.formula_text and "*" in node.formula_text:
            assert node.formula_text not in text
            assert "×" in text
        equation = formula_label(model, nid, lang)
        if equation and width < 120 and len(equation) < width - 4:  # one a line under the tree
            assert any(line.strip() == equation for line in lines), equation


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("width", [80, 120])
def test_levers_with_the_same_effect_share_a_row(lang: str, width: int) -> None:
    text, plan = render(MODELS["demo"], lang, width)
    levers = plan.levers  # type: ignore[attr-defined]
    effects = {(lv.elasticity, lv.kgi_delta) for lv in levers}
    assert len(effects) < len(levers), "the demo's product levers all move the KGI alike"
    rows = [line for line in text.splitlines() if line.startswith("│") and "%" in line and "+" in line]
    lever_rows = [r for r in rows if any(f"{float(e):+.2f}%" in r for e, _ in effects)]
    assert len(lever_rows) == len(effects)
    model = plan.model  # type: ignore[attr-defined]
    for lv in levers:
        assert node_name(model, lv.node, lang) in text


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("width", [80, 120])
def test_members_split_over_tables_that_fit(lang: str, width: int) -> None:
    path = MODELS["demo"]
    text, plan = render(path, lang, width)
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    members = [m["name"] for m in raw["members"]]
    kgi_target = Fraction(str(raw["nodes"][raw["kgi"]]["target"]))
    model = plan.model  # type: ignore[attr-defined]
    lines = text.splitlines()
    headers = [
        i for i, line in enumerate(lines) if line.startswith("┃") and ("Member" in line or "メンバー" in line)
    ]
    assert headers, text
    if width < 120:
        assert len(headers) > 1, "nine KPI columns do not fit 80 columns: the split is cut in parts"
    kgi_name = node_name(model, model.kgi, lang)
    revenue: dict[str, Fraction] = {}
    seen_nodes: set[str] = set()
    for h in headers:
        head = _cells(lines[h].replace("┃", "│"))
        seen_nodes |= set(head[1:])
        body = []
        for line in lines[h + 2 :]:
            if not line.startswith("│"):
                break
            body.append(_cells(line))
        assert [r[0] for r in body] == members  # every member in every part
        if kgi_name in head:
            col = head.index(kgi_name)
            for r in body:
                value = (
                    parse_yen(r[col])[0]
                    if lang == "ja"
                    else Fraction(r[col].replace("¥", "").replace(",", ""))
                )
                assert value is not None, r[col]
                revenue[r[0]] = value
    additive = [n for n, pv in plan.values.items() if plan.additive.get(n) and pv.value is not None]  # type: ignore[attr-defined]
    assert seen_nodes == {node_name(model, n, lang) for n in additive}
    assert sum(revenue.values()) == kgi_target  # the split adds up to the KGI of the model file
    assert fmt.value(kgi_target, "yen", lang) in text


@pytest.mark.parametrize("name", sorted(MODELS))
@pytest.mark.parametrize("lang", ["ja", "en"])
def test_json_is_byte_identical(name: str, lang: str) -> None:
    env = {**os.environ, "RASHINBAN_LANG": lang, "COLUMNS": "80"}
    res = subprocess.run(
        [sys.executable, "-m", "rashinban", "plan", str(MODELS[name].relative_to(ROOT)), "--json"],
        capture_output=True,
        env=env,
        cwd=ROOT,
        check=False,
        timeout=120,
    )
    assert res.returncode == 0, res.stderr
    assert res.stdout == (GOLDEN / f"{name}.{lang}.json").read_bytes()


def test_the_command_fits_80_columns() -> None:
    env = {**os.environ, "RASHINBAN_LANG": "ja", "COLUMNS": "80"}
    res = subprocess.run(
        [sys.executable, "-m", "rashinban", "plan", str(MODELS["demo"])],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
        timeout=120,
    )
    assert res.returncode == 0, res.stderr
    measure = Console(width=500)
    assert all(measure.measure(line).maximum <= 80 for line in res.stdout.splitlines())
    assert "…" not in res.stdout and "×" in res.stdout


def test_with_a_store_members_are_named(tmp_path: Path) -> None:
    """``plan --db``: the split names the members as the store does (not rep001), still at 80."""
    import duckdb

    from tests.svc import generate_demo

    db = tmp_path / "demo.duckdb"
    generate_demo(db, scale="small", months=2, seed=3, end_month="2026-11")
    model = tmp_path / "demo.model.yaml"
    env = {**os.environ, "RASHINBAN_LANG": "ja", "COLUMNS": "80"}
    res = subprocess.run(
        [sys.executable, "-m", "rashinban", "plan", str(model), "--db", str(db)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
        timeout=120,
    )
    assert res.returncode == 0, res.stderr
    listed = [m["name"] for m in yaml.safe_load(model.read_text(encoding="utf-8"))["members"]]
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = dict(con.execute("SELECT external_id, name FROM members").fetchall())
    finally:
        con.close()
    body = [line for line in res.stdout.splitlines() if line.startswith("│")]
    first_cells = [_cells(line)[0] for line in body]
    for ext in listed:
        assert names[ext] in first_cells, names[ext]
        assert ext not in first_cells
    measure = Console(width=500)
    assert all(measure.measure(line).maximum <= 80 for line in res.stdout.splitlines())
