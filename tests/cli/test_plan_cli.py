"""The planning commands, run as a user runs them (a real process, real files)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def run(*args: str, lang: str = "en", cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "RASHINBAN_LANG": lang, "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "rashinban", *args],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=60,
    )


def test_plan_json_seed_001() -> None:
    res = run("plan", str(EXAMPLES / "seed-001.yaml"), "--json")
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    nodes = {n["id"]: n for n in data["nodes"]}
    assert nodes["orders"]["target"] == 100
    assert nodes["prospects"]["target"] == 500
    assert nodes["prospects"]["source"] == "solved"
    assert nodes["close_rate"]["source"] == "assumed"
    assert nodes["revenue"]["source"] == "stated"
    assert {"id", "name", "unit", "period", "target", "source"} <= set(nodes["revenue"])
    per_rep = [a for a in data["allocations"] if a["node"] == "prospects"]
    assert len(per_rep) == 10 and {a["target"] for a in per_rep} == {50}
    assert sum(a["target"] for a in data["allocations"] if a["node"] == "revenue") == 10_000_000
    assert data["findings"] == []
    assert {lv["node"]: lv["elasticity"] for lv in data["levers"]} == {
        "prospects": 1,
        "close_rate": 1,
        "unit_price": 1,
    }


def test_plan_seed_004_reports_the_gap_in_japanese() -> None:
    res = run("plan", str(EXAMPLES / "seed-004.yaml"), lang="ja")
    assert res.returncode == 0, res.stderr
    assert "inconsistent_targets" in res.stdout
    assert "3億6,000万円" in res.stdout and "10億円" in res.stdout
    data = json.loads(run("plan", str(EXAMPLES / "seed-004.yaml"), "--json").stdout)
    (f,) = [f for f in data["findings"] if f["code"] == "inconsistent_targets"]
    assert (f["implied"], f["stated"], f["gap"]) == (360_000_000, 1_000_000_000, -640_000_000)
    assert f["line"] == 14 and f["node"] == "revenue"


def test_plan_what_if_and_allocation_mode() -> None:
    data = json.loads(
        run("plan", str(EXAMPLES / "seed-001.yaml"), "--set", "close_rate=25%", "--json").stdout
    )
    assert {n["id"]: n["target"] for n in data["nodes"]}["prospects"] == 400
    res = run("plan", str(EXAMPLES / "seed-001.yaml"), "--allocate", "weights")
    assert res.returncode == 0 and "rep10" in res.stdout


def test_human_output_shows_yen_as_people_read_it() -> None:
    ja = run("plan", str(EXAMPLES / "seed-001.yaml"), lang="ja").stdout
    assert "1,000万円" in ja and "見込み客数" in ja and "逆算" in ja
    en = run("plan", str(EXAMPLES / "seed-001.yaml"), lang="en").stdout
    assert "¥10,000,000" in en


BAD_MODELS = {
    "bad_yaml.yaml": ("name: x\nnodes: [a\n", "line"),
    "neg_rate.yaml": (
        "name: x\nkgi: r\nnodes:\n  r: {name: 売上, unit: yen, formula: n * p, target: 100}\n"
        "  n: {name: 件数, unit: count}\n  p: {name: 率, unit: ratio, assume: -0.2}\n",
        "line 6",
    ),
    "ratio.yaml": (
        "name: x\nkgi: r\nnodes:\n  r: {name: 売上, unit: yen, formula: n * p, target: 100}\n"
        "  n: {name: 件数, unit: count}\n  p: {name: 率, unit: ratio, assume: 1.2}\n",
        "node 'p'",
    ),
    "nan_target.yaml": (
        "name: x\nkgi: r\nnodes:\n  r: {name: 売上, unit: yen, target: lots}\n",
        "line 4",
    ),
}


@pytest.mark.parametrize("name", sorted(BAD_MODELS))
def test_bad_input_exits_2_with_one_clear_message(tmp_path: Path, name: str) -> None:
    text, must = BAD_MODELS[name]
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    res = run("plan", str(path))
    assert res.returncode == 2
    assert "Traceback" not in res.stderr + res.stdout
    assert str(path) in res.stderr and must in res.stderr
    assert res.stderr.count("Error:") == 1


def test_missing_file_and_bad_set(tmp_path: Path) -> None:
    res = run("plan", str(tmp_path / "nope.yaml"), lang="ja")
    assert res.returncode == 2 and "ファイルが見つかりません" in res.stderr and "Traceback" not in res.stderr
    res = run("plan", str(EXAMPLES / "seed-001.yaml"), "--set", "close_rate")
    assert res.returncode == 2 and "node=value" in res.stderr


def test_check_lists_findings_with_codes() -> None:
    res = run("check", str(EXAMPLES / "seed-004.yaml"), "--json")
    data = json.loads(res.stdout)
    codes = {f["code"] for f in data["findings"]}
    assert "inconsistent_targets" in codes
    assert "not_measurable" in codes  # the example binds no measures yet
    assert all({"code", "severity", "area", "node", "line", "message"} <= set(f) for f in data["findings"])


def test_templates_and_init(tmp_path: Path) -> None:
    data = json.loads(run("templates", "--json").stdout)
    assert [t["name"] for t in data] == [
        "新規開拓営業",
        "ルート営業",
        "インサイドセールス",
        "カスタマーサクセス",
        "営業代行",
    ]
    target = tmp_path / "plan.yaml"
    res = run("init", "--template", "インサイドセールス", str(target))
    assert res.returncode == 0, res.stderr
    plan = json.loads(run("plan", str(target), "--json").stdout)
    assert plan["kgi"] == "valid_handoffs"
    again = run("init", "--template", "agency", str(target))
    assert again.returncode == 2 and "--force" in again.stderr
    unknown = run("init", "--template", "nope", str(tmp_path / "x.yaml"))
    assert unknown.returncode == 2 and "new_business" in unknown.stderr


def test_period_command() -> None:
    data = json.loads(
        run("period", "2026-11", "--as-of", "2026-11-20", "--target", "1000万", "--json").stdout
    )
    assert data["business_days"] == 19
    assert {h["date"] for h in data["holidays"]} == {"2026-11-03", "2026-11-23"}
    assert data["prorated"] == pytest.approx(10_000_000 * data["business_days_elapsed"] / 19)


def test_bad_options_are_explained_in_the_users_language() -> None:
    res = run("period", "2026-11", "--target", "たくさん", lang="ja")
    assert res.returncode == 2
    assert "--target: 'たくさん' は数値ではありません" in res.stderr
    res = run("period", "2026-11", "--as-of", "2026-11", lang="en")
    assert res.returncode == 2 and "is not a date (YYYY-MM-DD)" in res.stderr
