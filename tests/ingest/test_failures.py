"""Bad files fail with the promised messages and leave the store exactly as it was."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from rashinban.cli import main
from rashinban.errors import IngestError
from rashinban.i18n import render_error
from rashinban.ingest.run import ImportOptions, run_import
from rashinban.store import Store
from tests.ingest.conftest import count, snapshot

HEADER = "Id,Name,StageName,Amount,CloseDate,IsClosed,IsWon,CreatedDate,OwnerId\n"


def _opps(n: int, amount: str = "1000") -> str:
    return "".join(
        f"006{i:05d},案件{i},Prospecting,{amount},2026/3/{1 + i % 28},,,2026-01-0{1 + i % 9},005A\n"
        for i in range(n)
    )


def _run(url: str, path: Path, **kw: object) -> object:
    store = Store.open(url)
    try:
        store.create_all()
        return run_import(store, path, ImportOptions(preset="salesforce-opportunity", **kw))  # type: ignore[arg-type]
    finally:
        store.dispose()


@pytest.fixture
def loaded(store_url: str, tmp_path: Path) -> str:
    """A store holding 20 deals, so that 'unchanged' means something."""
    base = tmp_path / "base.csv"
    base.write_text(HEADER + _opps(20), encoding="utf-8")
    _run(store_url, base)
    return store_url


def test_wrong_typed_value_rejects_the_file(loaded: str, tmp_path: Path) -> None:
    bad = tmp_path / "typed.csv"
    rows = _opps(30).splitlines(keepends=True)
    rows[24] = rows[24].replace("2026/3/", "2026/13/")  # row 26 in the spreadsheet: month 13
    rows[26] = rows[26].replace(",1000,", ",12x,")
    bad.write_text(HEADER + "".join(rows), encoding="utf-8")
    before = snapshot(loaded)
    with pytest.raises(IngestError) as e:
        _run(loaded, bad)
    err = e.value
    assert err.code == "rows_rejected"
    assert (err.params["row"], err.params["column"], err.params["value"]) == (26, "CloseDate", "2026/13/25")
    assert err.params["count"] == 2
    text = render_error(err, "en")
    assert "typed.csv" in text and "row 26" in text and "CloseDate" in text and "expected a date" in text
    assert "26 行目" in render_error(err, "ja")
    assert snapshot(loaded) == before


def test_skip_invalid_loads_the_rest_and_writes_rejects(loaded: str, tmp_path: Path) -> None:
    bad = tmp_path / "typed.csv"
    rows = _opps(30).splitlines(keepends=True)
    rows[26] = rows[26].replace(",1000,", ",12x,")
    bad.write_text(HEADER + "".join(rows), encoding="utf-8")
    rejects = tmp_path / "out" / "rejects.csv"
    code = main(
        [
            "import",
            str(bad),
            "--preset",
            "salesforce-opportunity",
            "--db",
            loaded,
            "--skip-invalid",
            "--rejects",
            str(rejects),
            "--json",
        ]
    )
    assert code == 0
    assert count(loaded, "SELECT COUNT(*) FROM deals") == 29
    with rejects.open(encoding="utf-8-sig") as f:
        got = list(csv.DictReader(f))
    assert len(got) == 1
    assert (got[0]["file"], got[0]["row"], got[0]["column"], got[0]["value"]) == (
        "typed.csv",
        "28",
        "Amount",
        "12x",
    )
    assert got[0]["reason"] == "bad_value" and "number" in got[0]["message"]


def test_truncated_file_fails_and_names_the_row(loaded: str, tmp_path: Path) -> None:
    full = (HEADER + _opps(40)).encode("utf-8")
    cut = tmp_path / "truncated.csv"
    last = full.rindex(b"\n", 0, len(full) - 1)
    cut.write_bytes(full[: last + 10])  # the last row cut after its id and a comma
    before = snapshot(loaded)
    with pytest.raises(IngestError) as e:
        _run(loaded, cut)
    assert e.value.code == "rows_rejected"
    assert e.value.params["row"] == 41 and e.value.params["reason"] == "wrong_field_count"
    assert "2 fields where the header has 9" in render_error(e.value, "en")
    # cut in the middle of a character (案 is three bytes in UTF-8)
    cut.write_bytes(full[: last + 11])
    with pytest.raises(IngestError) as e:
        _run(loaded, cut)
    assert e.value.code == "bad_encoding" and e.value.params["row"] == 41
    assert snapshot(loaded) == before


def test_mis_encoded_file_fails_before_loading(loaded: str, tmp_path: Path) -> None:
    text = HEADER + _opps(10)
    mixed = tmp_path / "mixed.csv"
    # UTF-8 Japanese, then one row saved as CP932 by another tool
    mixed.write_bytes(
        text.encode("utf-8") + "006X,髙橋案件,Prospecting,1,2026/3/1,,,2026-01-01,005A\n".encode("cp932")
    )
    before = snapshot(loaded)
    with pytest.raises(IngestError) as e:
        _run(loaded, mixed)
    assert e.value.code == "bad_encoding" and e.value.params["row"] == 12
    assert "row 12 is not valid utf-8" in render_error(e.value, "en")
    # a CP932 file read with the wrong override
    sjis = tmp_path / "sjis.csv"
    sjis.write_bytes(text.encode("cp932"))
    with pytest.raises(IngestError) as e:
        _run(loaded, sjis, encoding="utf-8")
    assert e.value.code == "bad_encoding" and e.value.params["row"] == 2
    assert snapshot(loaded) == before


def test_headers_of_another_export_name_the_closest_preset(duck_url: str, datasets: Path) -> None:
    lead = datasets / "sfdc_data_cloud_workshop_format_samples" / "Lead.csv"
    with pytest.raises(IngestError) as e:
        _run(duck_url, lead)
    assert e.value.code == "headers_missing"
    assert e.value.params["closest"] == "salesforce-lead"
    assert "StageName" in e.value.params["missing"]


def test_changed_row_is_updated_and_audited(loaded: str, tmp_path: Path) -> None:
    changed = tmp_path / "changed.csv"
    rows = _opps(20).splitlines(keepends=True)
    rows[3] = rows[3].replace(",1000,", ',"¥2,500",')
    changed.write_text(HEADER + "".join(rows), encoding="utf-8")
    store = Store.open(loaded)
    try:
        dry = run_import(store, changed, ImportOptions(preset="salesforce-opportunity", dry_run=True))
        assert (dry.inserted, dry.updated, dry.unchanged) == (0, 1, 19)
        assert count(loaded, "SELECT COUNT(*) FROM audit_log") == 0
        r = run_import(store, changed, ImportOptions(preset="salesforce-opportunity"))
        assert (r.inserted, r.updated, r.unchanged) == (0, 1, 19)
        again = run_import(store, changed, ImportOptions(preset="salesforce-opportunity"))
        assert (again.inserted, again.updated, again.unchanged) == (0, 0, 20)
    finally:
        store.dispose()
    assert count(loaded, "SELECT COUNT(*) FROM deals WHERE external_id = '00600003' AND amount = 2500") == 1
    store = Store.open(loaded)
    try:
        with store.engine.connect() as conn:
            import sqlalchemy as sa

            row = conn.execute(
                sa.text("SELECT row_key, before_json, after_json, import_run_id FROM audit_log")
            ).one()
    finally:
        store.dispose()
    assert row[0] == "salesforce:00600003"
    assert float(json.loads(row[1])["amount"]) == 1000 and float(json.loads(row[2])["amount"]) == 2500
    assert row[3] == r.run_id


def test_history_of_an_unknown_deal_is_rejected(loaded: str, tmp_path: Path) -> None:
    history = tmp_path / "OpportunityHistory.csv"
    history.write_text(
        "OpportunityId,CreatedDate,StageName,Amount,CloseDate,Probability\n"
        "00600001,2026-01-05T09:00:00.000+0000,Prospecting,1000,2026-03-01,10\n"
        "006NOPE,2026-01-06T09:00:00.000+0000,Negotiation,1000,2026-03-01,60\n",
        encoding="utf-8",
    )
    store = Store.open(loaded)
    try:
        with pytest.raises(IngestError) as e:
            run_import(store, history, ImportOptions(preset="salesforce-opportunity-history"))
        assert (e.value.params["row"], e.value.params["reason"]) == (3, "ref_missing")
        assert "no such row in deals" in render_error(e.value, "en")
        r = run_import(
            store,
            history,
            ImportOptions(
                preset="salesforce-opportunity-history", skip_invalid=True, rejects_path=tmp_path / "r.csv"
            ),
        )
    finally:
        store.dispose()
    assert (r.inserted, r.rejected) == (1, 1)
    assert count(loaded, "SELECT COUNT(*) FROM deal_stage_history") == 1
