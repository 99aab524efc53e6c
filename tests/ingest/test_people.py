"""Imports that match people (issue #10 item 1): a Japanese Salesforce report whose 商談 所有者
are existing reps (written with full-width spaces, without a space, with 異体字 or as an
e-mail) loads onto those members — no new member — while an owner nobody matches and a stage
outside the funnel stop a load until the preview (or ``--owner`` / ``--owners-team`` /
``--stage``) says where they go; the choices are remembered, so a re-import changes nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from rashinban.cli import main
from rashinban.errors import IngestError
from rashinban.ingest.people import Choices
from rashinban.ingest.run import ImportOptions, run_import
from rashinban.store import Store
from tests.ingest.conftest import snapshot
from tests.svc import generate_demo

HEADER = "商談名,取引先名,フェーズ,金額,完了予定日,商談 所有者,確度 (%),リードソース,売上予測分類\n"
NEWCOMER = "新人 太郎"
UNKNOWN_STAGE = "ヒアリング"
OLD_FORMS = {"高": "髙", "崎": "﨑", "斎": "齋", "辺": "邊", "浜": "濵", "沢": "澤", "島": "嶋"}


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("people") / "demo.duckdb"
    generate_demo(db, scale="small", months=3, seed=3, end_month="2026-11")
    return db


@pytest.fixture
def demo(demo_template: Path, tmp_path: Path) -> Path:
    db = tmp_path / "demo.duckdb"
    shutil.copy(demo_template, db)
    shutil.copy(demo_template.with_name("demo.model.yaml"), tmp_path / "demo.model.yaml")
    return db


def _query(db: Path, sql: str, **params: object) -> list[sa.Row[tuple[object, ...]]]:
    store = Store.open(str(db))
    try:
        with store.engine.connect() as conn:
            return list(conn.execute(sa.text(sql), params))
    finally:
        store.dispose()


def _report(db: Path, path: Path) -> tuple[pd.DataFrame, dict[str, int]]:
    """A report whose owners are existing members written the way exports write them (label →
    member id), plus one owner nobody matches and one stage outside the funnel."""
    people = _query(db, "SELECT id, name, email FROM members WHERE team_id IS NOT NULL ORDER BY id")
    spaced = [r for r in people if " " in str(r.name)]
    old = next((r for r in people if any(c in str(r.name) for c in OLD_FORMS)), None)
    labels = {
        str(spaced[0].name).replace(" ", "\u3000"): int(spaced[0].id),  # full-width space
        str(spaced[1].name).replace(" ", ""): int(spaced[1].id),  # no space
        str(spaced[2].email).upper(): int(spaced[2].id),  # the e-mail, another case
    }
    if old is not None:  # 高橋 written 髙橋
        name = str(old.name)
        labels["".join(OLD_FORMS.get(c, c) for c in name)] = int(old.id)
    stages = ["提案・見積", "受注", UNKNOWN_STAGE]
    rows = []
    for i, label in enumerate([*labels, NEWCOMER, *labels]):
        stage = stages[i % len(stages)]
        closed = "完了" if stage == "受注" else "パイプライン"
        amount, day = 100_000 * (i + 1), 10 + i
        rows.append(f"取込案件{i},取込商事{i % 3},{stage},{amount},2026-11-{day},{label},50,紹介,{closed}")
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return pd.read_csv(path, dtype=str), labels


def _imported(db: Path) -> pd.DataFrame:
    rows = _query(
        db,
        "SELECT d.name, d.stage, d.amount, d.owner_id, m.team_id FROM deals d "
        "LEFT JOIN members m ON m.id = d.owner_id WHERE d.source = 'salesforce_report'",
    )
    return pd.DataFrame(rows, columns=["name", "stage", "amount", "owner_id", "team_id"])


def test_existing_reps_are_matched_and_the_rest_needs_a_choice(demo: Path, tmp_path: Path) -> None:
    frame, labels = _report(demo, tmp_path / "商談レポート.csv")
    members_before = _query(demo, "SELECT COUNT(*) FROM members")[0][0]
    store = Store.open(str(demo))
    try:
        # the check (dry run) reports who matched how, who did not, and the unknown stage
        check = run_import(store, tmp_path / "商談レポート.csv", ImportOptions(dry_run=True))
        people = check.people
        assert {k: v["member_id"] for k, v in people["owners_matched"].items()} == labels
        assert people["owners_unmatched"] == {NEWCOMER: int((frame["商談 所有者"] == NEWCOMER).sum())}
        assert people["stages_unknown"] == {UNKNOWN_STAGE: int((frame["フェーズ"] == UNKNOWN_STAGE).sum())}
        codes = [n["code"] for n in check.notes]
        assert codes.index("owners_unmatched") < codes.index("stages_unknown")
        # a load without a choice for the newcomer is refused, naming it; nothing is stored
        before = snapshot(str(demo))
        with pytest.raises(IngestError) as refused:
            run_import(store, tmp_path / "商談レポート.csv", ImportOptions())
        assert refused.value.code == "import_unmatched_owners" and NEWCOMER in refused.value.params["owners"]
        assert snapshot(str(demo)) == before
        team = int(
            _query(demo, "SELECT team_id FROM members WHERE id = :m", m=next(iter(labels.values())))[0][0]
        )
        choices = Choices(owners={NEWCOMER: f"new:{team}"}, stages={UNKNOWN_STAGE: "初回訪問"})
        loaded = run_import(store, tmp_path / "商談レポート.csv", ImportOptions(choices=choices))
        again = run_import(store, tmp_path / "商談レポート.csv", ImportOptions())  # remembered
    finally:
        store.dispose()
    assert loaded.inserted == len(frame) and (again.inserted, again.updated) == (0, 0)
    deals = _imported(demo).set_index("name")
    expected = frame.set_index("商談名")
    # the matched reps own their rows; only the newcomer became a member, in the chosen team
    assert _query(demo, "SELECT COUNT(*) FROM members")[0][0] == members_before + 1
    newcomer = _query(demo, "SELECT id, team_id FROM members WHERE name = :n", n=NEWCOMER)
    assert len(newcomer) == 1 and newcomer[0].team_id == team
    owners = expected["商談 所有者"].map({**labels, NEWCOMER: newcomer[0].id})
    assert deals["owner_id"].astype(int).to_dict() == owners.astype(int).to_dict()
    assert deals["team_id"].notna().all()  # every imported figure reaches a team
    stages = expected["フェーズ"].replace({UNKNOWN_STAGE: "初回訪問"})
    assert deals["stage"].to_dict() == stages.to_dict()
    by_team = deals.groupby("team_id")["amount"].sum().astype(float).sum()
    assert by_team == expected["金額"].astype(float).sum()  # 全社 = the teams' sum


def test_cli_owner_and_team_options(demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    frame, _ = _report(demo, tmp_path / "report.csv")
    args = ["import", str(tmp_path / "report.csv"), "--db", str(demo), "--preset", "salesforce-report-ja"]
    before = snapshot(str(demo))
    assert main([*args, "--json"]) == 2  # the newcomer matches nobody: refused, store unchanged
    assert NEWCOMER in capsys.readouterr().err and snapshot(str(demo)) == before
    # --owner maps the newcomer to an existing member (by external id); --stage maps the stage
    code = main([*args, "--owner", f"{NEWCOMER}=rep003", "--stage", f"{UNKNOWN_STAGE}=初回訪問", "--json"])
    assert code == 0, capsys.readouterr()
    rep003 = _query(demo, "SELECT id FROM members WHERE external_id = 'rep003'")[0][0]
    deals = _imported(demo).set_index("name")
    newcomer_rows = frame.loc[frame["商談 所有者"] == NEWCOMER, "商談名"]
    assert (deals.loc[newcomer_rows, "owner_id"] == rep003).all()
    assert _query(demo, "SELECT COUNT(*) FROM members WHERE name = :n", n=NEWCOMER)[0][0] == 0

    # another file, another source label: --owners-team creates it in that team (by name)
    other = tmp_path / "other.csv"
    other.write_text(
        "Record ID,Deal Name,Deal Stage,Close Date,Deal owner,Amount,Pipeline,Create Date\n"
        "9001,外部案件,closedwon,2026-11-20,外部 次郎,300000,default,2026-11-01\n",
        encoding="utf-8",
    )
    team = _query(demo, "SELECT id, name FROM teams ORDER BY id DESC LIMIT 1")[0]
    code = main(["import", str(other), "--db", str(demo), "--owners-team", str(team.name), "--json"])
    assert code == 0, capsys.readouterr()
    made = _query(demo, "SELECT team_id FROM members WHERE name = '外部 次郎'")
    assert [r.team_id for r in made] == [team.id]
