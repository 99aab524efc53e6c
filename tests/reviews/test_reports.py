"""Report files: the PDF's text (pdftotext) holds the page's Japanese KPI names and figures,
its fonts are embedded and cover every character printed (no tofu), a page renders to an
image with ink on it; the XLSX read back with openpyxl equals the JSON twin, numbers as
numbers with their formats."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from fontTools.ttLib import TTCollection

from rashinban.i18n import format as fmt
from rashinban.service import Rashinban
from tests.conftest import unavailable


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        unavailable(f"{name} missing (apt-get install poppler-utils)")
    return str(found)


def _pdftotext(data: bytes, tmp: Path) -> str:
    path = tmp / "r.pdf"
    path.write_bytes(data)
    return subprocess.run(
        [_tool("pdftotext"), "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def _cjk_cmap() -> set[int]:
    path = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
    if not path.exists():
        unavailable("fonts-noto-cjk missing")
    font = next(f for f in TTCollection(str(path)).fonts if "JP" in str(f["name"].getDebugName(1)))
    return set(font.getBestCmap())


def test_status_pdf_has_the_japanese_kpis_and_figures_and_no_tofu(system: Rashinban, tmp_path: Path) -> None:
    f = system.reviews.reports.status("team:2", "2026-10", "pdf")
    assert f.content_type == "application/pdf" and f.name == "rashinban-status-team2-2026-10.pdf"
    text = _pdftotext(f.data, tmp_path)
    tree = system.dashboards.tree(None, "2026-10", "team:2")
    flat = re.sub(r"\s+", "", text)
    for n in tree.nodes:
        assert n.label in flat, n.label
        if n.actual is not None:
            assert re.sub(r"\s+", "", fmt.value(n.actual, n.unit, "ja")) in flat, (n.label, n.actual)
    assert "東日本営業部" in flat and "KPIステータス" in flat
    # A4, fonts embedded and subset
    info = subprocess.run(
        [_tool("pdfinfo"), str(tmp_path / "r.pdf")], capture_output=True, text=True, check=True
    ).stdout
    assert "595.276 x 841.89" in info
    fonts = subprocess.run(
        [_tool("pdffonts"), str(tmp_path / "r.pdf")], capture_output=True, text=True, check=True
    ).stdout
    rows = [line.split() for line in fonts.splitlines()[2:] if line.strip()]
    assert rows and all("Noto" in r[0] for r in rows)
    assert all(r[-5] == "yes" and r[-4] == "yes" for r in rows)  # emb, sub
    # every character printed is in the embedded font's cmap: nothing falls back to a box
    cmap = _cjk_cmap()
    missing = {ch for ch in text if not ch.isspace() and ord(ch) not in cmap}
    assert not missing, missing
    # a rendered page has ink (the chart's bars and the table), not a blank page
    subprocess.run(
        [
            _tool("pdftoppm"),
            "-png",
            "-r",
            "40",
            "-f",
            "1",
            "-l",
            "1",
            str(tmp_path / "r.pdf"),
            str(tmp_path / "page"),
        ],
        check=True,
    )
    from PIL import Image

    img = Image.open(next(tmp_path.glob("page*.png"))).convert("L")
    dark = sum(img.histogram()[:128])
    assert dark > img.width * img.height * 0.01


def test_review_and_one_on_one_pdfs_paginate_and_carry_notes(system: Rashinban, tmp_path: Path) -> None:
    m = system.reviews.create({"scope": "team:2"})
    for i, it in enumerate(m.items):
        system.reviews.update_item(
            m.id, it.id, {"notes": f"議事メモ{i}：" + "受注率の改善策を検討した。" * 12}
        )
    f = system.reviews.reports.review(m.id, "pdf")
    text = _pdftotext(f.data, tmp_path)
    assert m.title.replace(" ", "") in re.sub(r"\s+", "", text)
    assert "議事メモ0" in text and f"議事メモ{len(m.items) - 1}" in text
    pages = subprocess.run(
        [_tool("pdfinfo"), str(tmp_path / "r.pdf")], capture_output=True, text=True, check=True
    ).stdout
    assert int(re.search(r"Pages:\s+(\d+)", pages).group(1)) >= 2  # the agenda table runs onto more pages
    one = system.reviews.one_on_ones.create({"member": "1"})
    system.reviews.one_on_ones.save(one.id, {"private_notes": "来月は新規開拓に集中"})
    text = _pdftotext(system.reviews.reports.oneonone(one.id, "pdf").data, tmp_path)
    assert "村上 和也" in text and "来月は新規開拓に集中" in text


def test_xlsx_reads_back_as_the_json_twin(system: Rashinban) -> None:
    from openpyxl import load_workbook

    tree = system.dashboards.tree(None, "2026-10", "team:2")
    wb = load_workbook(io.BytesIO(system.reviews.reports.status("team:2", "2026-10", "xlsx").data))
    assert wb.sheetnames[:2] == ["概要", "KPI"]
    ws = wb["KPI"]
    head = [c.value for c in ws[1]]
    rows = {r[1]: dict(zip(head, r, strict=True)) for r in ws.iter_rows(min_row=2, values_only=True)}
    assert set(rows) == {n.id for n in tree.nodes}
    for n in tree.nodes:
        row = rows[n.id]
        assert row["KPI"] == n.label
        for col, value in (
            ("目標", n.target),
            ("実績", n.actual),
            ("達成率", n.achievement),
            ("ペース", n.pace),
            ("着地見込み", n.projected),
        ):
            # XLSX keeps 15–17 significant digits of a double
            assert row[col] == (None if value is None else pytest.approx(value, rel=1e-12)), (n.id, col)
    formats = {ws.cell(r, 1).value: ws.cell(r, 4).number_format for r in range(2, ws.max_row + 1)}
    units = {n.label: n.unit for n in tree.nodes}
    assert all(
        formats[k] == {"yen": '"¥"#,##0', "count": "#,##0", "ratio": "0.0%"}.get(u, "#,##0.00")
        for k, u in units.items()
    )
    trend = system.dashboards.node(None, "revenue", "2026-10", "team:2").trend
    ws = wb["推移"]
    got = [(r[0], r[2]) for r in ws.iter_rows(min_row=2, values_only=True)]
    assert got == [
        (p.period, None if p.actual is None else pytest.approx(p.actual, rel=1e-12)) for p in trend
    ]
    funnel = system.dashboards.funnel(None, "2026-05..2026-10", "team:2")
    wb = load_workbook(io.BytesIO(system.reviews.reports.funnel("team:2", "2026-05..2026-10", "xlsx").data))
    got_f = [(r[0], r[1]) for r in wb["ファネル"].iter_rows(min_row=2, values_only=True)]
    assert got_f == [(s.stage, s.count) for s in funnel.total]


def test_html_report_and_bad_format(system: Rashinban) -> None:
    f = system.reviews.reports.tree("team:2", None, "html")
    assert f.content_type.startswith("text/html") and "KPIツリー" in f.data.decode("utf-8")
    from rashinban.errors import UsageError

    with pytest.raises(UsageError):
        system.reviews.reports.tree("team:2", None, "docx")
