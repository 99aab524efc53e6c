"""Display names of the funnel stages the system defines.

The default funnel (``analysis.funnel.DEFAULT_STAGES``) and the demo's deals name their
stages in Japanese, and the stored stage name is the key the data is matched on; the pages
show each system stage by its name in the reader's language (``funnel_stage.<key>`` in the
catalogue).  A stage the organisation named itself is user data and is shown as written.

The funnel's first stage is labelled so that it cannot be taken for the KPI リード獲得数
(leads created in the month): it counts every deal that entered the funnel in the period
(リード流入（全件） / Funnel entries (all deals)); ``stage_help`` says what each counts.
"""

from __future__ import annotations

from rashinban.i18n import t

SYSTEM_STAGES: dict[str, str] = {
    "リード獲得": "entry",
    "アポイント": "appointment",
    "初回訪問": "first_visit",
    "提案・見積": "proposal",
    "クロージング": "closing",
    "受注": "won",
    "失注": "lost",
}


def stage_label(name: str, lang: str) -> str:
    """The stage as the reader reads it: a system stage in their language, else as stored."""
    key = SYSTEM_STAGES.get(name)
    return t(f"funnel_stage.{key}", lang) if key else name


def stage_help(name: str, lang: str) -> str:
    """What a stage's count means (empty for a stage the organisation named)."""
    key = SYSTEM_STAGES.get(name)
    return t(f"funnel_stage.help_{key}", lang) if key else ""
