"""Building models in tests from plain text."""

from __future__ import annotations

from pathlib import Path

from rashinban.kpi.model import Model
from rashinban.kpi.modelfile import parse_model

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def model(text: str, name: str = "test.yaml") -> Model:
    return parse_model(text, name)


def example(name: str) -> Model:
    path = EXAMPLES / name
    return parse_model(path.read_text(encoding="utf-8"), str(path))
