"""羅針盤 Rashinban — sales KPI management."""

__version__ = "0.1.0"
