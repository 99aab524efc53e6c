"""Import: upload a CSV with one bad row, see the report name its row and column, choose the
team that creates the file's unknown owner, then load the valid rows with the bad one skipped."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.conftest import Live, assert_translated, login, shoot

pytestmark = pytest.mark.browser

HEADER = "Id,Name,StageName,Amount,CloseDate,IsClosed,IsWon,CreatedDate,OwnerId\n"
BAD_ROW = 28  # the spreadsheet row (the header is row 1)


def _csv(path: Path, n: int = 30) -> Path:
    rows = [
        f"006BT{i:05d},ブラウザ案件{i},Prospecting,1000,2026/3/{1 + i % 28},,,2026-01-0{1 + i % 9},005BT\n"
        for i in range(n)
    ]
    rows[BAD_ROW - 2] = rows[BAD_ROW - 2].replace(",1000,", ",12x,")
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    return path


def test_import_names_the_bad_row_and_column(page, live: Live, tmp_path: Path) -> None:
    login(page, "admin")
    page.goto("/import")
    page.get_by_test_id("import-file").set_input_files(str(_csv(tmp_path / "opportunities.csv")))
    page.get_by_test_id("import-preset").select_option("salesforce-opportunity")
    page.get_by_test_id("import-check").click()
    report = page.get_by_test_id("import-report")
    report.wait_for()
    assert report.get_attribute("data-rejected") == "1"
    rejects = page.get_by_test_id("import-rejects")
    rejects.wait_for()
    cells = rejects.locator("tbody tr").first.locator("td").all_inner_texts()
    assert cells[0].strip() == str(BAD_ROW), cells
    assert cells[1].strip() == "Amount", cells
    assert cells[2].strip() == "12x", cells
    assert cells[3].strip(), "a reason is given"
    assert_translated(page)
    shoot(page, "import_report")

    # the file's owner matches no member: the preview asks where it goes before anything loads
    mapping = page.get_by_test_id("import-owner-mapping")
    assert "005BT" in mapping.inner_text()
    page.get_by_test_id("import-confirm").click()  # without a choice: the step again, named
    error = page.get_by_test_id("import-mapping-error")
    error.wait_for()
    assert "005BT" in error.inner_text()
    assert_translated(page)
    # create it as a new member of a team (never teamless), and load the 29 good rows
    page.get_by_test_id("owners-team").select_option(index=1)
    page.get_by_test_id("import-confirm").click()
    done = page.get_by_test_id("import-done")
    done.wait_for(timeout=60_000)
    assert "29" in done.inner_text()
    assert page.locator("[data-testid=import-progress][data-phase=done]").count() == 1
    shoot(page, "import_done")
