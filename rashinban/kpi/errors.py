"""Errors raised by the pure KPI engine (re-exported from the one root hierarchy)."""

from rashinban.errors import FormulaError, LimitError, ModelError, PeriodError, RashinbanError

__all__ = ["FormulaError", "LimitError", "ModelError", "PeriodError", "RashinbanError"]
