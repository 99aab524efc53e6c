"""Findings: what the engine has to say about a model, with stable codes.

A finding holds a code (a key of the i18n catalogue), a severity, the SMART letter or
area it belongs to, the node, and the parameters of its message.  The text itself is
rendered at the edge in the user's language.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


SEVERITY_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    severity: Severity
    area: str  # S, M, A, R, T, or: consistency, structure, practice
    node: str | None = None
    line: int | None = None
    params: dict[str, Any] = field(default_factory=dict)


def sort_findings(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (SEVERITY_ORDER[f.severity], f.line or 0, f.code))
