"""Results of the 運用診断: seed 004's fourteen checklist items and the data-readiness checks
that forecasting needs, each with pass / partial / fail, its evidence and the one step that
fixes it."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from rashinban.app.results.common import Result

Verdict = Literal["pass", "partial", "fail"]


class CheckItem(Result):
    key: str
    number: int = Field(description="1–14: the checklist's order; 0 for data readiness")
    text: str = Field(description="the checklist item in seed 004's own Japanese words")
    title: str = Field(description="the item in the request's language")
    status: Verdict
    evidence: str = Field(description="what the system's state shows, with the figures")
    figures: dict[str, float | int | str | None] = Field(description="the numbers behind the verdict")
    fix: str | None = Field(description="the one step that fixes it (None: passed)")
    fix_url: str | None = Field(description="where that step is done")


class InputRules(Result):
    required: list[str] = Field(description="activity fields every entry must have")
    timing_hours: int | None = Field(description="an activity is logged within this many hours of happening")
    note: str | None


class DiagnoseResult(Result):
    as_of: date
    model: str | None
    items: list[CheckItem] = Field(description="seed 004's checklist, in its order")
    readiness: list[CheckItem] = Field(description="what forecasting needs from the data")
    passed: int
    partial: int
    failed: int
    score: float = Field(description="(pass + partial ÷ 2) ÷ 14")
    input_rules: InputRules


__all__ = ["CheckItem", "DiagnoseResult", "InputRules", "Verdict"]
