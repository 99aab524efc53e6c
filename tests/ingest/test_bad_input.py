"""The bad-file and bad-option matrix: every case is refused with one line naming the file,
row, column and what was expected (exit 2, the store unchanged to the last row), or — the
value forms people really write — stored exactly as an independent reading says."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa

from rashinban.cli import main
from rashinban.store import Store
from tests.ingest.conftest import snapshot

PRESET = "salesforce-opportunity"
HEADER = ["Id", "Name", "StageName", "Amount", "Probability", "CloseDate", "IsClosed", "IsWon", "OwnerId"]
GOOD = ["006A", "案件A", "Prospecting", "1000", "10", "2026-03-01", "", "", "005A"]


def row(**cells: str) -> list[str]:
    out = list(GOOD)
    for k, v in cells.items():
        out[HEADER.index(k)] = v
    return out


def csv_text(rows: list[list[str]], header: list[str] = HEADER, sep: str = ",") -> str:
    def cell(c: str) -> str:
        return f'"{c}"' if ("," in c and sep == ",") else c

    return "\n".join(sep.join(cell(c) for c in r) for r in [header, *rows]) + "\n"


def write_csv(folder: Path, name: str, rows: list[list[str]], **kw: str) -> Path:
    p = folder / name
    p.write_text(csv_text(rows, **kw), encoding="utf-8")  # type: ignore[arg-type]
    return p


def err_lines(capsys: pytest.CaptureFixture[str]) -> list[str]:
    return [line for line in capsys.readouterr().err.splitlines() if line.strip()]


def run(capsys: pytest.CaptureFixture[str], path: Path, db: str, *extra: str) -> tuple[int, list[str]]:
    capsys.readouterr()
    code = main(["--lang", "en", "import", str(path), "--db", db, "--json", *extra])
    return code, err_lines(capsys)


@pytest.fixture(scope="module", params=["duckdb", pytest.param("postgresql", marks=pytest.mark.postgres)])
def loaded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One store per backend for the module, holding three deals (so that "unchanged" means
    something): a refused import must leave it exactly as it was, so the cases can share it."""
    folder = tmp_path_factory.mktemp("bad_input")
    name = None
    if request.param == "duckdb":
        url = str(folder / "store.duckdb")
    else:
        import psycopg

        admin: str = request.getfixturevalue("pg_server")
        name = f"rashinban_test_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        url = f"{admin.rsplit('/', 1)[0]}/{name}"
    base = write_csv(folder, "base.csv", [row(Id=f"006B{i}") for i in range(3)])
    assert main(["import", str(base), "--preset", PRESET, "--db", url]) == 0
    try:
        yield url
    finally:
        if name is not None:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# (case, rows or a file maker, extra options, what the one line must say)
Maker = Callable[[Path], Path]
REFUSED: dict[str, tuple[list[list[str]] | Maker, tuple[str, ...], tuple[str, ...]]] = {
    "european_decimal": ([row(), row(Id="006X", Amount="1.234,56")], (), ("row 3", "'Amount'", "ambiguous")),
    "bad_grouping": ([row(Id="006X", Amount="1,2,3")], (), ("row 2", "'1,2,3'", "ambiguous")),
    "indian_grouping": ([row(Id="006X", Amount="12,34,567")], (), ("row 2", "ambiguous")),
    "decimal_comma": ([row(Id="006X", Amount="1,23")], (), ("row 2", "ambiguous")),
    "amount_1e16": ([row(Id="006X", Amount="10000000000000000")], (), ("row 2", "too large", "10^16")),
    "amount_1e400": ([row(Id="006X", Amount="1e400")], (), ("row 2", "too large")),
    "percent_150": ([row(Id="006X", Probability="150")], (), ("row 2", "'Probability'", "0–100", "--warn")),
    "percent_minus_5": ([row(Id="006X", Probability="-5")], (), ("row 2", "0–100")),
    "won_not_closed": ([row(Id="006X", IsWon="1")], (), ("row 2", "'IsWon'", "IsClosed", "--warn flags")),
    "date_year_1": ([row(Id="006X", CloseDate="0001-01-01")], (), ("row 2", "'CloseDate'", "1900-01-01")),
    "date_year_2150": ([row(Id="006X", CloseDate="2150-01-01")], (), ("row 2", "2099-12-31")),
    "nul_in_text": ([row(Id="006X", Name="a\x00b")], (), ("row 2", "'Name'", "NUL")),
    "repeated_header": (
        [[*row(), "5"]],
        (),
        ("'Amount'", "columns D (4), J (10)", PRESET),
    ),
    "unknown_check": ([row()], ("--warn", "sizes"), ("--warn", "sizes", "range, dates, flags, formulas")),
    "unsupported_encoding": ([row()], ("--encoding", "latin-1"), ("latin-1", "not supported", "cp932")),
    "unknown_encoding": ([row()], ("--encoding", "klingon"), ("klingon", "utf-16")),
    "sheet_on_csv": ([row()], ("--sheet", "Deals"), ("--sheet Deals", "not an XLSX")),
    "rejects_unwritable": (
        [row(Id="006X", Amount="12x")],
        ("--skip-invalid", "--rejects", "{tmp}/rejects_unwritable.csv/r.csv"),
        ("rejects file", "not writable"),
    ),
}


def _file(tmp_path: Path, name: str, rows: list[list[str]] | Maker) -> Path:
    if callable(rows):
        return rows(tmp_path)
    header = [*HEADER, "Amount"] if name == "repeated_header" else HEADER
    return write_csv(tmp_path, f"{name}.csv", rows, header=header)


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refused_with_one_line_and_the_store_unchanged(
    name: str, loaded: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows, extra, must = REFUSED[name]
    path = _file(tmp_path, name, rows)
    before = snapshot(loaded)
    args = [a.replace("{tmp}", str(tmp_path)) for a in extra]
    code, lines = run(capsys, path, loaded, "--preset", PRESET, *args)
    assert code == 2, lines
    assert len(lines) == 1 and lines[0].startswith("Error:"), lines
    for text in must:
        assert text in lines[0], (text, lines[0])
    if "row " in " ".join(must):
        assert path.name in lines[0]
    assert snapshot(loaded) == before


def test_rejected_rows_show_a_table_then_one_error_line(
    loaded: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_csv(
        tmp_path, "two.csv", [row(Id="006X", Amount="1.234,56"), row(Id="006Y", Probability="150")]
    )
    capsys.readouterr()
    assert main(["--lang", "ja", "import", str(path), "--preset", PRESET, "--db", loaded]) == 2
    err = capsys.readouterr().err
    assert [line for line in err.splitlines() if line.startswith("エラー:")] != []
    assert sum(line.startswith("エラー:") for line in err.splitlines()) == 1
    assert "あいまいな数値" in err and "範囲外" in err and "Traceback" not in err


def _deals(url: str) -> dict[str, tuple[object, ...]]:
    store = Store.open(url)
    try:
        with store.engine.connect() as conn:
            q = (
                "SELECT external_id, amount, probability, is_won, is_closed, expected_close_on, name "
                "FROM deals"
            )
            return {r[0]: tuple(r[1:]) for r in conn.execute(sa.text(q))}
    finally:
        store.dispose()


AMOUNTS = {  # what people write → the yen it means (read by hand, not by our parser)
    "1,234,567": Decimal("1234567"),
    "¥1,234円": Decimal("1234"),
    "￥１，２３４": Decimal("1234"),
    "1.5万": Decimal("15000"),
    "1,000万円": Decimal("10000000"),
    "3億6,000万": Decimal("360000000"),
    "12万3456": Decimal("123456"),
    "▲1,000": Decimal("-1000"),
    "1234.5": Decimal("1234.5"),
    "1,234.56": Decimal("1234.56"),
}


def test_amount_grammar_stores_what_people_mean(duck_url: str, tmp_path: Path) -> None:
    rows = [row(Id=f"006G{i}", Amount=text) for i, text in enumerate(AMOUNTS)]
    path = write_csv(tmp_path, "amounts.csv", rows)
    assert main(["import", str(path), "--preset", PRESET, "--db", duck_url]) == 0
    got = _deals(duck_url)
    for i, expected in enumerate(AMOUNTS.values()):
        assert Decimal(str(got[f"006G{i}"][0])) == expected, (list(AMOUNTS)[i], got[f"006G{i}"])


def test_warn_keeps_the_values_and_names_the_rows(
    store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [
        row(Id="006W1", Probability="150"),
        row(Id="006W2", IsWon="1"),
        row(Id="006W3", CloseDate="0001-01-01"),
        row(Id="006W4"),
    ]
    path = write_csv(tmp_path, "warn.csv", rows)
    capsys.readouterr()
    code = main(
        [
            "import",
            str(path),
            "--preset",
            PRESET,
            "--db",
            store_url,
            "--warn",
            "range,flags",
            "--warn",
            "dates",
            "--json",
        ]
    )
    assert code == 0, capsys.readouterr().err
    notes = {n["code"]: n for n in json.loads(capsys.readouterr().out)["notes"]}
    assert notes["warn_out_of_range"]["count"] == 1 and notes["warn_out_of_range"]["column"] == "Probability"
    assert notes["warn_contradicting_flags"]["count"] == 1
    assert notes["warn_date_out_of_range"]["by"] == {"0001-01-01": 1}
    got = _deals(store_url)
    assert float(got["006W1"][1]) == 150 and (got["006W2"][2], got["006W2"][3]) == (True, False)
    assert str(got["006W3"][4]) == "0001-01-01" and len(got) == 4


def _utf16(tmp_path: Path, encoding: str, name: str) -> Path:
    p = tmp_path / name
    text = csv_text([row(Id="006U1", Name="髙橋①", Amount="1,500"), row(Id="006U2", Amount="2000")], sep="\t")
    p.write_bytes(text.encode(encoding))
    return p


@pytest.mark.parametrize(
    ("encoding", "option"), [("utf-16", None), ("utf-16-le", None), ("utf-16-le", "utf-16")]
)
def test_utf16_with_or_without_bom_is_read(
    duck_url: str, tmp_path: Path, encoding: str, option: str | None, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _utf16(tmp_path, encoding, "unicode.txt.csv")
    extra = ["--encoding", option] if option else []
    capsys.readouterr()
    assert main(["import", str(path), "--preset", PRESET, "--db", duck_url, "--json", *extra]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["encoding"].startswith("utf-16") and out["inserted"] == 2
    got = _deals(duck_url)
    assert got["006U1"][5] == "髙橋①" and float(got["006U1"][0]) == 1500


def test_utf16_read_as_utf8_is_refused(
    duck_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _utf16(tmp_path, "utf-16", "unicode.csv")
    code, lines = run(capsys, path, duck_url, "--preset", PRESET, "--encoding", "utf-8")
    assert code == 2 and len(lines) == 1 and "UTF-16" in lines[0]


def test_header_only_without_newline_imports_nothing(
    duck_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "empty_export.csv"
    path.write_text(",".join(HEADER), encoding="utf-8")
    capsys.readouterr()
    assert main(["import", str(path), "--preset", PRESET, "--db", duck_url, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["rows"] == 0 and [n["code"] for n in out["notes"]] == ["no_rows"]


def _workbook(tmp_path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Deals"
    ws.append(HEADER)
    ws.append(row(Id="006F1"))
    ws.append([*row(Id="006F2")[:3], "=1+1", *row()[4:]])  # written by a program: no cached value
    more = wb.create_sheet("More")
    more.append(HEADER)
    for i in range(3):
        more.append(row(Id=f"006M{i}", Amount=str(100 * (i + 1))))
    wb.create_sheet("Empty")
    p = tmp_path / "export.xlsx"
    wb.save(p)
    return p


def test_xlsx_formula_without_value_and_other_sheets(
    store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = write_csv(tmp_path, "base.csv", [row(Id="006B0")])
    assert main(["import", str(base), "--preset", PRESET, "--db", store_url]) == 0
    path = _workbook(tmp_path)
    before = snapshot(store_url)
    code, lines = run(capsys, path, store_url, "--preset", PRESET)
    assert code == 2 and len(lines) == 1
    assert "row 3" in lines[0] and "'Amount'" in lines[0] and "=1+1" in lines[0] and "formula" in lines[0]
    assert snapshot(store_url) == before
    # as a warning: stored as no value, and the sheets not read are named
    assert (
        main(["import", str(path), "--preset", PRESET, "--db", store_url, "--json", "--warn", "formulas"])
        == 0
    )
    notes = {n["code"]: n for n in json.loads(capsys.readouterr().out)["notes"]}
    assert notes["warn_formula_no_value"]["count"] == 1
    assert notes["other_sheets"]["sheets"] == "More (3)" and notes["other_sheets"]["sheet"] == "Deals"
    got = _deals(store_url)
    assert got["006F2"][0] is None and float(got["006F1"][0]) == 1000
    # --sheet reads the other sheet; an unknown one is named with the sheets there are
    assert main(["import", str(path), "--preset", PRESET, "--db", store_url, "--sheet", "More"]) == 0
    assert sorted(float(v[0]) for k, v in _deals(store_url).items() if k.startswith("006M")) == [
        100,
        200,
        300,
    ]
    code, lines = run(capsys, path, store_url, "--preset", PRESET, "--sheet", "Nope")
    assert code == 2 and "Deals, More, Empty" in lines[0]
