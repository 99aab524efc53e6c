"""Every user-facing text is in both catalogues, and every code the code raises has a text."""

from __future__ import annotations

import re
from pathlib import Path

from rashinban.i18n import flat_keys, t

ROOT = Path(__file__).resolve().parent.parent / "rashinban"


def test_japanese_and_english_have_the_same_keys() -> None:
    assert flat_keys("ja") == flat_keys("en")


def test_every_raised_error_and_finding_code_has_a_message() -> None:
    source = "\n".join(p.read_text(encoding="utf-8") for p in ROOT.rglob("*.py"))
    errors = set(re.findall(r'(?<!Assertion)Error\(\s*"([a-z_0-9]+)"', source)) | set(
        re.findall(r'loc\.error\(\s*"([a-z_0-9]+)"', source)
    )
    findings = set(re.findall(r'Finding\(\s*"([a-z_0-9]+)"', source))
    keys = flat_keys("en")
    assert errors and findings
    assert sorted(c for c in errors if f"error.{c}" not in keys) == []
    assert sorted(c for c in findings if f"finding.{c}" not in keys) == []


def test_lookup_falls_back_and_formats() -> None:
    assert t("error.file_not_found", "ja", path="x.yaml") == "ファイルが見つかりません: x.yaml"
    assert t("error.file_not_found", "en", path="x.yaml") == "file not found: x.yaml"
