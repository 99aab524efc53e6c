"""The data commands: presets, generic mappings, JSON output, XLSX errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from rashinban.cli import main
from rashinban.store import Store


def _err(capsys: pytest.CaptureFixture[str]) -> str:
    """stderr with Rich's line wrapping undone."""
    return " ".join(capsys.readouterr().err.split())


def test_presets_lists_every_preset_with_its_columns(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["presets", "--json"]) == 0
    infos = {p["name"]: p for p in json.loads(capsys.readouterr().out)}
    for name in (
        "salesforce-opportunity",
        "salesforce-opportunity-history",
        "salesforce-lead",
        "salesforce-task",
        "salesforce-report-ja",
        "hubspot-deals",
        "hubspot-contacts",
        "maven-crm",
        "olist-funnel",
        "generic",
    ):
        assert name in infos
    report = infos["salesforce-report-ja"]["parts"][0]
    headers = {c["header"] for c in report["columns"]}
    assert {
        "商談名",
        "取引先名",
        "フェーズ",
        "金額",
        "完了予定日",
        "商談 所有者",
        "確度 (%)",
        "リードソース",
    } <= headers
    maven = infos["maven-crm"]
    assert {p["file"] for p in maven["parts"]} == {
        "sales_teams.csv",
        "products.csv",
        "accounts.csv",
        "sales_pipeline.csv",
    }
    assert main(["--lang", "ja", "presets"]) == 0
    assert "取り込みプリセット" in capsys.readouterr().out


def test_generic_mapping_file(duck_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mapping = tmp_path / "kintone.yaml"
    mapping.write_text(
        "source: kintone\n"
        "table: deals\n"
        "key: レコード番号\n"
        "columns:\n"
        "  name: 案件名\n"
        "  stage: {from: ステータス, map: {受注: won, 失注: lost, 商談中: open}}\n"
        "  amount: 見込金額\n"
        "  expected_close_on: 受注予定日\n"
        "  is_won: {from: ステータス, map: {受注: true}, default: false}\n",
        encoding="utf-8",
    )
    data = tmp_path / "kintone.csv"
    data.write_bytes(
        'レコード番号,案件名,ステータス,見込金額,受注予定日\n1,㈱髙木 基幹刷新,受注,"1,200,000円",2026/3/31\n'
        "2,①次期案件,商談中,３００万,2026/4/15\n".encode("cp932")
    )
    args = ["import", str(data), "--preset", "generic", "--mapping", str(mapping), "--db", duck_url, "--json"]
    assert main(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["inserted"], out["encoding"], out["source"]) == (2, "cp932", "kintone")
    store = Store.open(duck_url)
    try:
        with store.engine.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT name, stage, amount, is_won FROM deals ORDER BY external_id")
            ).all()
    finally:
        store.dispose()
    assert [(r[0], r[1], float(r[2]), r[3]) for r in rows] == [
        ("㈱髙木 基幹刷新", "won", 1200000.0, True),
        ("①次期案件", "open", 3000000.0, False),
    ]
    # a label the mapping does not know is rejected, naming the allowed ones
    data.write_bytes(
        "レコード番号,案件名,ステータス,見込金額,受注予定日\n3,x,保留,1,2026/3/31\n".encode("cp932")
    )
    assert main(args) == 2
    assert "保留" in _err(capsys)


def test_generic_needs_a_mapping_and_a_known_preset(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    f = tmp_path / "x.csv"
    f.write_text("a,b\n1,2\n", encoding="utf-8")
    assert (
        main(["--lang", "en", "import", str(f), "--preset", "generic", "--db", str(tmp_path / "s.duckdb")])
        == 2
    )
    assert "--mapping" in _err(capsys)
    assert (
        main(
            [
                "--lang",
                "en",
                "import",
                str(f),
                "--preset",
                "salesforce-opportunty",
                "--db",
                str(tmp_path / "s.duckdb"),
            ]
        )
        == 2
    )
    assert "did you mean 'salesforce-opportunity'" in _err(capsys)


def test_broken_xlsx_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "export.xlsx"
    bad.write_bytes(b"PK\x03\x04 not really a workbook")
    assert (
        main(
            [
                "--lang",
                "en",
                "import",
                str(bad),
                "--preset",
                "salesforce-opportunity",
                "--db",
                str(tmp_path / "s.duckdb"),
            ]
        )
        == 2
    )
    assert "is not a readable XLSX workbook" in _err(capsys)
