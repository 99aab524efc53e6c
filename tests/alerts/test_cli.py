"""``rashinban alerts run|list|rules`` and ``rashinban digest send``: ``alerts list`` as a real
process (as a user runs it), the rest in-process through the same entry point (``cli.main``) —
JSON and tables, Japanese and English, and one clear line, never a traceback, for bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rashinban.cli import main
from tests.clirun import run_cli


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_run_list_rules_and_the_digest(db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(db_path)
    code, out, _ = cli(capsys, "alerts", "run", "--db", db, "--as-of", "2026-10-22", "--json")
    result = json.loads(out)
    assert code == 0 and result["as_of"] == "2026-10-22" and result["opened"] > 0
    assert {r["name"] for r in result["rules"]} >= {"主要KPIのペース遅れ", "停滞商談（14日間活動なし）"}
    listed = run_cli("alerts", "list", "--db", db, "--json", "--limit", "100000")  # a real process
    assert listed.returncode == 0, listed.stderr
    alerts = json.loads(listed.stdout)["alerts"]
    assert len(alerts) == result["opened"] and all(a["state"] == "open" for a in alerts)
    code, out, _ = cli(capsys, "--lang", "ja", "alerts", "run", "--db", db, "--as-of", "2026-10-22")
    assert code == 0 and "新規 0 件" in out  # nothing twice
    code, out, _ = cli(capsys, "--lang", "ja", "alerts", "rules", "--db", db)
    assert code == 0 and "アラートルール" in out and "主要KPIのペース遅れ" in out
    code, out, _ = cli(capsys, "--lang", "en", "alerts", "list", "--db", db, "--limit", "3")
    assert code == 0 and f"Alerts ({len(alerts)})" in out
    code, out, _ = cli(capsys, "digest", "send", "--db", db, "--dry-run", "--json")
    preview = json.loads(out)
    assert code == 0 and preview["dry_run"] and preview["deliveries"] == 0 and preview["previews"]
    assert any(p["audience"] == "member" for p in preview["previews"])


def test_bad_input_is_one_line(db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = cli(capsys, "--lang", "en", "alerts", "run", "--db", str(db_path), "--as-of", "2026-13-45")
    assert code == 2 and "Traceback" not in err and err.strip().count("\n") <= 1 and "2026-13-45" in err
    code, _, err = cli(capsys, "alerts", "list", "--db", str(db_path), "--state", "bogus")
    assert code == 2 and "Traceback" not in err
