"""Display names of what the system itself names in Japanese: the funnel stages of the
default funnel and the default alert rules.

The default funnel (``analysis.funnel.DEFAULT_STAGES``) and the demo's deals name their
stages in Japanese, and the stored stage name is the key the data is matched on; the pages
show each system stage by its name in the reader's language (``funnel_stage.<key>`` in the
catalogue).  A stage the organisation named itself is user data and is shown as written.

The funnel's first row of counts is labelled so that it cannot be taken for the KPI
リード獲得数 (leads created in the month): it counts every deal that entered the funnel in the
period (``funnel_label``: リード流入（全件） / Funnel entries (all deals)); a single deal's stage
keeps its name (リード獲得 / Lead); ``stage_help`` says what each row counts.
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


def funnel_label(name: str, index: int, lang: str) -> str:
    """A stage as a row of the funnel's counts: the first row counts every deal that entered
    (リード流入（全件） / Funnel entries (all deals)), whatever the first stage is called."""
    return t("funnel_stage.entries", lang) if index == 0 else stage_label(name, lang)


def stage_help(name: str, lang: str) -> str:
    """What a stage's count means (empty for a stage the organisation named)."""
    key = SYSTEM_STAGES.get(name)
    return t(f"funnel_stage.help_{key}", lang) if key else ""


# the default alert rules (app/alerts/rulebook.py DEFAULT_RULES) by their stored names; a rule
# an admin renamed or wrote is user data and is shown as written
DEFAULT_ALERT_RULES: dict[str, str] = {
    "主要KPIのペース遅れ": "pace",
    "着地見込みの未達（チーム・全社）": "projected",
    "即時入力率の低下（1時間以内の入力が50%未満）": "entry_rate",
    "活動量の不足（直近5営業日で20件未満）": "activity_count",
    "停滞商談（14日間活動なし）": "no_activity",
    "ステージ滞留（過去実績のP90超え）": "stage_time",
    "完了予定日の超過": "past_close",
    "データ更新の停止": "stale_data",
}


def rule_label(name: str, lang: str) -> str:
    """An alert rule's name as the reader reads it (a default rule in their language)."""
    key = DEFAULT_ALERT_RULES.get(name)
    return t(f"alert_rule_default.{key}", lang) if key else name
