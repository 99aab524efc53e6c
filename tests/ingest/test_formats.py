"""Encodings and value formats: CP932 round trip, BOM, Japanese dates and amounts, XLSX."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from rashinban.cli import main
from rashinban.errors import IngestError
from rashinban.ingest import values as V
from rashinban.ingest.encoding import detect_encoding
from rashinban.ingest.people import Choices
from rashinban.ingest.readers import open_table
from rashinban.ingest.run import ImportOptions, run_import
from rashinban.store import Store

REPORT_HEADER = "商談名,取引先名,フェーズ,金額,完了予定日,商談 所有者,確度 (%),リードソース,売上予測分類\n"
REPORT_ROWS = [
    '①新規導入,㈱髙島屋商事,提案,"￥1,200,000",2026/3/31,髙橋 一郎,20,Web～セミナー,パイプライン\n',
    "増設案件,株式会社サンプル,受注,１５０万円,2026-03-15,山田 花子,100%,紹介,完了\n",
]


def _deals(url: str) -> list[sa.Row[tuple[object, ...]]]:
    store = Store.open(url)
    try:
        with store.engine.connect() as conn:
            return list(
                conn.execute(
                    sa.text(
                        "SELECT d.name, a.name, d.stage, d.amount, d.expected_close_on, m.name, "
                        "d.probability, d.channel, d.is_closed, d.is_won FROM deals d "
                        "LEFT JOIN accounts a ON a.id = d.account_id "
                        "LEFT JOIN members m ON m.id = d.owner_id ORDER BY d.name"
                    )
                )
            )
    finally:
        store.dispose()


def test_cp932_report_round_trips(store_url: str, tmp_path: Path) -> None:
    path = tmp_path / "report.csv"
    path.write_bytes((REPORT_HEADER + "".join(REPORT_ROWS)).encode("cp932"))
    assert detect_encoding(path) == "cp932"
    code = main(["import", str(path), "--preset", "salesforce-report-ja", "--db", store_url, "--json"])
    assert code == 0
    rows = {r[0]: r for r in _deals(store_url)}
    first = rows["①新規導入"]
    assert first[1] == "㈱髙島屋商事"
    assert first[3] == Decimal("1200000.00")
    assert first[4] == date(2026, 3, 31)
    assert first[5] == "髙橋 一郎"
    assert first[7] == "Web～セミナー"
    assert (first[8], first[9]) == (False, False)
    second = rows["増設案件"]
    assert second[3] == Decimal("1500000.00")
    assert second[6] == Decimal("100")
    assert (second[8], second[9]) == (True, True)
    # the same report saved as UTF-8 without the space in 商談所有者 is the same rows
    utf8 = tmp_path / "report-utf8.csv"
    utf8.write_text(
        REPORT_HEADER.replace("商談 所有者", "商談所有者") + "".join(REPORT_ROWS), encoding="utf-8"
    )
    store = Store.open(store_url)
    try:
        r = run_import(store, utf8, ImportOptions(preset="salesforce-report-ja"))
    finally:
        store.dispose()
    assert (r.inserted, r.updated, r.unchanged) == (0, 0, 2)


def test_encoding_detection_and_override(tmp_path: Path) -> None:
    bom = tmp_path / "bom.csv"
    bom.write_bytes(b"\xef\xbb\xbf" + "Id,名前\n1,①\n".encode())
    assert detect_encoding(bom) == "utf-8-sig"
    sjis = tmp_path / "sjis.csv"
    sjis.write_bytes("Id,Name\n1,髙～\n".encode("cp932"))
    assert detect_encoding(sjis) == "cp932"
    assert detect_encoding(sjis, "Shift_JIS") == "cp932"
    with pytest.raises(IngestError) as e:
        list(open_table(sjis, "utf-8").batches())
    assert e.value.code == "bad_encoding" and e.value.params["row"] == 2


def test_values_parse_what_people_type() -> None:
    ts = V.to_timestamp(
        pa.array(["2026-03-31", "2026/3/31", "2024-01-22T16:14:25.000+0000", "45382", "2026-02-30"])
    )
    assert ts.values.to_pylist()[:4] == [
        datetime(2026, 3, 31),
        datetime(2026, 3, 31),
        datetime(2024, 1, 23, 1, 14, 25),
        datetime(2024, 3, 31),
    ]
    assert ts.bad.to_pylist() == [False, False, False, False, True]
    money = V.to_number(pa.array(["¥1,200,000", "１２３，４５６円", "1,000円", "12x"]))
    assert money.values.to_pylist()[:3] == [1200000.0, 123456.0, 1000.0]
    assert money.bad.to_pylist() == [False, False, False, True]
    flags = V.to_bool(pa.array(["1", None, "TRUE", "true", "0", "maybe"]), default=False)
    assert flags.values.to_pylist()[:5] == [True, False, True, True, False]
    assert flags.bad.to_pylist()[5] is True


def test_xlsx_with_excel_dates(duck_url: str, tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["Id", "Name", "StageName", "Amount", "CloseDate", "CreatedDate", "IsClosed", "IsWon"])
    ws.append(["006A", "Excel 日付", "Closed Won", 1500000, datetime(2026, 3, 31), 45382, True, True])
    ws.append(["006B", "シリアル値", "Prospecting", "¥2,000", 46112, datetime(2026, 1, 5, 9, 30), None, None])
    path = tmp_path / "opps.xlsx"
    wb.save(path)
    store = Store.open(duck_url)
    store.create_all()
    try:
        r = run_import(store, path, ImportOptions(preset="salesforce-opportunity"))
        assert r.inserted == 2 and r.rejected == 0
        with store.engine.connect() as conn:
            rows = conn.execute(
                sa.text(
                    "SELECT external_id, amount, expected_close_on, created_at, is_won FROM deals ORDER BY 1"
                )
            ).all()
    finally:
        store.dispose()
    assert rows[0] == ("006A", Decimal("1500000.00"), date(2026, 3, 31), datetime(2024, 3, 31), True)
    assert rows[1] == ("006B", Decimal("2000.00"), date(2026, 3, 31), datetime(2026, 1, 5, 9, 30), False)


def test_hubspot_label_and_internal_headers(duck_url: str, tmp_path: Path) -> None:
    labels = tmp_path / "deals-labels.csv"
    labels.write_text(
        "Record ID,Deal Name,Deal Stage,Close Date,Deal owner,Amount,Pipeline,Create Date\n"
        "101,大型案件,closedwon,2026-03-31,佐藤,1000000,default,2026-01-10\n",
        encoding="utf-8",
    )
    internal = tmp_path / "deals-internal.csv"
    internal.write_text(
        "hs_object_id,dealname,dealstage,closedate,hubspot_owner_id,amount,pipeline,createdate\n"
        "102,小型案件,closedlost,2026-02-28,77,50000,default,2026-01-12\n",
        encoding="utf-8",
    )
    store = Store.open(duck_url)
    store.create_all()
    try:
        a = run_import(store, labels, ImportOptions())  # detected without --preset
        # owner 77 matches no member now that the store has one: refused until it is mapped
        with pytest.raises(IngestError) as refused:
            run_import(store, internal, ImportOptions(preset="hubspot-deals"))
        with store.engine.connect() as conn:
            sato = conn.execute(sa.text("SELECT id FROM members WHERE name = '佐藤'")).scalar_one()
        choices = Choices(owners={"77": str(sato)})
        b = run_import(store, internal, ImportOptions(preset="hubspot-deals", choices=choices))
        with store.engine.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT external_id, is_closed, is_won, owner_id FROM deals ORDER BY 1")
            ).all()
            people = conn.execute(sa.text("SELECT count(*) FROM members")).scalar_one()
    finally:
        store.dispose()
    assert refused.value.code == "import_unmatched_owners" and "77" in str(refused.value.params["owners"])
    assert a.preset == "hubspot-deals" and (a.inserted, b.inserted) == (1, 1)
    assert rows == [("101", True, True, sato), ("102", True, False, sato)] and people == 1


def test_repeated_ids_keep_the_last_row_and_say_so(duck_url: str, tmp_path: Path) -> None:
    path = tmp_path / "dups.csv"
    path.write_text(
        "Id,Name,StageName,Amount,CloseDate,CreatedDate\n"
        "006A,first,Prospecting,100,2026-03-31,2026-01-01\n"
        "006B,other,Prospecting,200,2026-03-31,2026-01-01\n"
        "006A,second,Negotiation,300,2026-03-31,2026-01-01\n",
        encoding="utf-8",
    )
    store = Store.open(duck_url)
    store.create_all()
    try:
        r = run_import(store, path, ImportOptions(preset="salesforce-opportunity"))
        again = run_import(store, path, ImportOptions(preset="salesforce-opportunity"))
        with store.engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT external_id, name, stage FROM deals ORDER BY 1")).all()
    finally:
        store.dispose()
    assert r.inserted == 2 and [n["count"] for n in r.notes if n["code"] == "duplicate_keys"] == [1]
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 2)
    assert rows == [("006A", "second", "Negotiation"), ("006B", "other", "Prospecting")]
