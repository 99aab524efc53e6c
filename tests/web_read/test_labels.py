"""Labels and formats (#16 item 5): one label per meaning, the funnel's entries not named like
the KPI, money as people read it, the month not over marked, refusals that name no id.

Figures are checked against plain SQL on the demo store; texts against the catalogue.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from rashinban.analysis.funnel import DEFAULT_STAGES
from rashinban.app.alerts.rulebook import DEFAULT_RULES
from rashinban.i18n import LANGS, t
from rashinban.i18n import format as fmt
from rashinban.i18n.stages import (
    DEFAULT_ALERT_RULES,
    SYSTEM_STAGES,
    funnel_label,
    rule_label,
    stage_help,
    stage_label,
)
from rashinban.metrics.measures import builtin_measures
from tests.web_read.conftest import Web, org

CJK = re.compile(r"[\u3000-\u30ff\u4e00-\u9fff\uff00-\uffef]")


def _measure_labels(lang: str) -> dict[str, str]:
    return {mid: str((m.name_en if lang == "en" else m.name) or mid) for mid, m in builtin_measures().items()}


@pytest.mark.parametrize("lang", LANGS)
def test_every_measure_label_is_unique(lang: str) -> None:
    labels = _measure_labels(lang)
    seen: dict[str, list[str]] = {}
    for mid, label in labels.items():
        seen.setdefault(label.casefold(), []).append(mid)
    assert {k: v for k, v in seen.items() if len(v) > 1} == {}
    if lang == "en":
        assert not [label for label in labels.values() if CJK.search(label)]


@pytest.mark.parametrize("lang", LANGS)
def test_the_demo_models_labels_are_unique(model_yaml: dict[str, Any], lang: str) -> None:
    nodes = model_yaml["nodes"]
    key = "name_en" if lang == "en" else "name"
    labels = [str(n.get(key) or n.get("name") or nid) for nid, n in nodes.items()]
    assert len(labels) == len(set(labels)), sorted(x for x in labels if labels.count(x) > 1)


@pytest.mark.parametrize("lang", LANGS)
def test_funnel_stages_are_not_named_like_a_measure(lang: str) -> None:
    """A stage's count is a cohort (deals by the month they entered); no stage may carry a
    measure's label, or that label with 数 / 件数 taken off (リード獲得 vs リード獲得数)."""
    measures = set(_measure_labels(lang).values())
    stems = {re.sub(r"(件数|数)$", "", m) for m in measures} | {re.sub(r"s$", "", m) for m in measures}
    for i, stage in enumerate(DEFAULT_STAGES):
        row = funnel_label(stage, i, lang)  # the funnel's rows of counts
        assert row not in measures, row
        if i == 0:
            assert row not in stems, row
    for stage in (*DEFAULT_STAGES, "失注"):
        label = stage_label(stage, lang)  # a deal's stage
        help_text = stage_help(stage, lang)
        assert help_text and not help_text.startswith("funnel_stage."), stage
        if lang == "en":
            assert not CJK.search(label) and not CJK.search(help_text), label
    # the entry stage's help names the KPI it must not be taken for, by that KPI's own label
    assert _measure_labels(lang)["leads"] in stage_help(DEFAULT_STAGES[0], lang)
    assert _measure_labels(lang)["won_deals"] in stage_help("受注", lang)


def test_system_names_cover_what_the_system_writes() -> None:
    from rashinban.demo.deals import STAGE_LABELS

    assert set(DEFAULT_STAGES) <= set(SYSTEM_STAGES)
    assert set(STAGE_LABELS) <= set(SYSTEM_STAGES)
    assert {name for name, _ in DEFAULT_RULES} == set(DEFAULT_ALERT_RULES)
    for name in DEFAULT_ALERT_RULES:
        assert rule_label(name, "ja") == name  # the Japanese catalogue says what the rulebook stores
        assert not CJK.search(rule_label(name, "en")), name
    assert rule_label("my own rule 独自", "en") == "my own rule 独自"  # user data as written


# money ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "ja_card", "en_card", "en_axis"),
    [
        (10_000_000, "1,000万円", "¥10.0M", "¥10M"),
        (316_600_000, "3億1,660万円", "¥316.6M", "¥316.6M"),
        (300_000_000, "3億円", "¥300.0M", "¥300M"),
        (165_965_564, "1億6,597万円", "¥166.0M", "¥166M"),
        (1_500_000_000, "15億円", "¥1.5B", "¥1.5B"),
        (25_000, "3万円", "¥25.0K", "¥25K"),
        (9_999, "9,999円", "¥10.0K", "¥10K"),
        (-25_000_000, "-2,500万円", "-¥25.0M", "-¥25M"),
    ],
)
def test_yen_styles(value: int, ja_card: str, en_card: str, en_axis: str) -> None:
    assert fmt.short_value(value, "yen", "ja") == ja_card
    assert fmt.axis_value(value, "yen", "ja") == ja_card
    assert fmt.short_value(value, "yen", "en") == en_card
    assert fmt.axis_value(value, "yen", "en") == en_axis
    # tables: the full figure in both languages
    assert fmt.yen_full(value) == (f"-¥{-value:,}" if value < 0 else f"¥{value:,}")


def test_cards_and_tables_agree_on_the_home_page(web: Web) -> None:
    """The KGI card shows the short form of exactly the figure its title (and the tables)
    give in full: one amount, two renderings of it."""
    web.login("admin")
    for lang in LANGS:
        home = web.json(f"/api/home?lang={lang}&period=2026-10")
        page = web.get(f"/?lang={lang}&period=2026-10").text
        kgi = home["kgi"]
        assert kgi["unit"] == "yen" and kgi["actual"] is not None
        full = fmt.yen_full(kgi["actual"])
        short = fmt.short_value(kgi["actual"], "yen", lang)
        m = re.search(r'data-testid="kgi-actual" title="([^"]+)">(.*?)</div>', page, re.S)
        assert m, "no KGI card"
        assert m.group(1) == full
        assert re.sub(r"<[^>]+>", "", m.group(2)).strip() == short
        if lang == "en":
            assert not CJK.search(short)


# the funnel ------------------------------------------------------------------------------------
def test_the_funnels_entries_are_the_deals_that_entered(web: Web) -> None:
    """The entry stage's count is every deal whose first funnel-stage entry falls in the
    period (plain SQL), labelled so, in both languages; it is not the KPI リード獲得数."""
    web.login("admin")
    period = "2026-06..2026-10"
    ja = web.json(f"/api/funnel?lang=ja&period={period}&scope=company")
    en = web.json(f"/api/funnel?lang=en&period={period}&scope=company")
    assert [s["count"] for s in ja["total"]] == [s["count"] for s in en["total"]]
    assert ja["total"][0]["label"] == "リード流入（全件）"
    assert en["total"][0]["label"] == "Funnel entries (all deals)"
    assert all(not CJK.search(s["label"]) for s in en["total"])
    assert [s["stage"] for s in en["total"]] == [s["stage"] for s in ja["total"]]  # the data's names
    stages = list(ja["stages"])
    marks = ", ".join(f"'{s}'" for s in stages)
    start, end = date(2026, 6, 1), date(2026, 11, 1)
    reached = " ".join(f"WHEN h.stage = '{s}' THEN {i}" for i, s in enumerate(stages))
    with web.store.engine.connect() as conn:
        entries, won = conn.execute(
            sa.text(
                f"""SELECT COUNT(*), COUNT(*) FILTER (WHERE reached = {len(stages) - 1}) FROM (
                  SELECT h.deal_id, MIN(h.entered_at) AS first_at,
                         MAX(CASE {reached} END) AS reached
                  FROM deal_stage_history h JOIN deals d ON d.id = h.deal_id
                  WHERE h.stage IN ({marks}) GROUP BY h.deal_id) x
                WHERE first_at >= :start AND first_at < :end"""
            ),
            {"start": start, "end": end},
        ).one()
        leads = conn.execute(
            sa.text("SELECT COUNT(*) FROM leads WHERE created_at >= :start AND created_at < :end"),
            {"start": start, "end": end},
        ).scalar()
    assert ja["total"][0]["count"] == entries
    assert ja["total"][-1]["count"] == won
    assert entries != leads  # two different numbers: hence two different labels
    page = web.get(f"/funnel?lang=en&period={period}&scope=company").text
    assert "Funnel entries (all deals)" in page and 'title="Every deal that entered the funnel' in page
    assert "リード獲得" not in page
    assert stage_label(DEFAULT_STAGES[0], "ja") == "リード獲得"  # a deal's stage keeps its name


# trends ----------------------------------------------------------------------------------------
def test_only_the_month_not_over_is_partial(web: Web) -> None:
    web.login("admin")
    o = org(web.store)
    team = min(o.team_names)
    for period in ("2026-10", None):
        q = f"?period={period}" if period else ""
        d = web.json(f"/api/teams/{team}{q}")
        today = date.fromisoformat(d["as_of"])
        for p in d["trend"]:
            y, m = (int(x) for x in p["period"].split("-"))
            first = date(y, m, 1)
            last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
            assert p["partial"] == (first <= today <= last), (period, p["period"], d["as_of"])
    assert any(p["partial"] for p in web.json(f"/api/teams/{team}")["trend"])


# refusals --------------------------------------------------------------------------------------
REFUSED = [
    ("manager", "team"),  # a team of another branch
    ("partner", "team"),
    ("viewer", "team"),
    ("rep001", "team"),
    ("rep001", "member"),
]


@pytest.mark.parametrize(("username", "kind"), REFUSED)
@pytest.mark.parametrize("lang", LANGS)
def test_a_refusal_names_no_id_and_no_name(web: Web, username: str, kind: str, lang: str) -> None:
    """A scope outside the user's access: 403 with the generic text in the reader's language,
    no parameters, neither the id asked for nor the scope's name."""
    from tests.web_read.test_access import expected_visible, users_table

    o = org(web.store)
    user = users_table(web)[username]
    visible = expected_visible(user, o)
    ids = o.team_names if kind == "team" else o.member_names
    refused = [i for i in sorted(ids, reverse=True) if (kind, i) not in visible]
    assert refused, f"{username} sees every {kind}"
    target = refused[0]
    web.login(username)
    path = f"/api/{kind}s/{target}?lang={lang}"
    r = web.get(path)
    assert r.status_code == 403, (path, r.status_code)
    body = r.json()
    assert body["params"] == {}
    message = body["message"]
    assert message == t("error.forbidden_scope", lang, kind_text=t(f"scope_kind.{kind}", lang))
    assert str(target) not in message
    assert (o.team_names if kind == "team" else o.member_names)[target] not in r.text
    page = web.get(f"/{kind}s/{target}?lang={lang}", headers={"Accept": "text/html"})
    assert page.status_code == 403
    assert message in page.text
    assert ids[target] not in page.text
    if lang == "en":
        assert not CJK.search(message)


def test_the_admin_is_not_refused(web: Web) -> None:
    web.login("admin")
    o = org(web.store)
    for team in o.team_names:
        assert web.get(f"/api/teams/{team}").status_code == 200


@pytest.mark.parametrize("lang", LANGS)
def test_the_printed_trend_marks_the_month_not_over(web: Web, lang: str) -> None:
    """The status report (HTML twin of the PDF, the same SVG) draws the current month hollow
    on a dashed segment labelled 途中 / to date, and its axis in the page's yen style."""
    web.login("admin")
    o = org(web.store)
    team = min(o.team_names)
    twin = web.json(f"/api/tree/nodes/revenue?scope=team:{team}&lang={lang}")
    assert twin["trend"][-1]["partial"] and not any(p["partial"] for p in twin["trend"][:-1])
    r = web.get(f"/reports/status.html?scope=team:{team}&lang={lang}")
    assert r.status_code == 200, r.text[:300]
    svg = next(s for s in re.findall(r"<svg.*?</svg>", r.text, re.S) if "polyline" in s and "partial" in s)
    assert svg.count('class="partial"') == (2 if twin["trend"][-2]["actual"] is not None else 1)
    assert f">{t('dash.to_date', lang)}</text>" in svg
    ticks = re.findall(r'text-anchor="end">([^<]+)</text>', svg)
    assert ticks and all(("円" in x) if lang == "ja" else (x.startswith(("¥", "-¥"))) for x in ticks[:3]), (
        ticks
    )
    if lang == "en":
        assert not CJK.search(svg)


def test_the_english_catalogue_has_no_japanese() -> None:
    """Every English text is English: no Japanese word, unit or punctuation (・、「」)."""
    from rashinban.i18n import catalogue

    found: list[str] = []

    def walk(prefix: str, node: dict[str, Any]) -> None:
        for k, v in node.items():
            key = f"{prefix}.{k}" if prefix else str(k)
            if isinstance(v, dict):
                walk(key, v)
            elif isinstance(v, str) and CJK.search(v):
                found.append(f"{key}: {v}")

    walk("", catalogue("en"))
    assert found == []


@pytest.mark.parametrize("lang", LANGS)
def test_an_unknown_scope_names_no_id(web: Web, lang: str) -> None:
    web.login("admin")
    r = web.get(f"/api/teams/987654?lang={lang}")
    assert r.status_code == 404
    body = r.json()
    assert body["params"] == {} and "987654" not in body["message"]
    assert body["message"] == t("error.scope_unknown", lang, kind_text=t("scope_kind.team", lang))
