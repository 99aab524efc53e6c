"""Errors raised by the pure KPI engine (re-exported from the one root hierarchy)."""

from rashinban.errors import FormulaError, ModelError, PeriodError, RashinbanError

__all__ = ["FormulaError", "ModelError", "PeriodError", "RashinbanError"]
