"""The model file that goes with the demo data: KGI 売上 with targets that fit the volumes
just generated, the funnel tree bound to measures, activity KPIs, and the field reps."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from rashinban.demo.config import DemoConfig
from rashinban.demo.deals import STAGES
from rashinban.demo.org import COMPANY, ROLE_FIELD, Org
from rashinban.demo.stats import Stats

HEADER = """\
# デモデータ用の KPI モデル（rashinban demo generate が生成）
# 設定: --scale {scale} --reps {reps} --months {months} --seed {seed} --end-month {end}
# {company}: 直近{window}か月の実績（{first}〜{last}）から前提値を置き、
# 売上目標はその平均を {uplift:.0%} 上回る水準にして逆算する。
# measure: は指標エンジンの計測値の名前。率のノードは「実績でも式が成り立つ」ように定義している。
"""


def _complete_months(cfg: DemoConfig) -> list[int]:
    """Indices of the months that ended on or before the cutoff."""
    out = []
    cut = cfg.cutoff.date()
    for i, start in enumerate(cfg.month_starts):
        nxt = date(start.year + (start.month == 12), start.month % 12 + 1, 1)
        if nxt.toordinal() - 1 <= cut.toordinal():
            out.append(i)
    return out


def model_data(
    cfg: DemoConfig, org: Org, stats: Stats, window: int = 3, uplift: float = 0.10
) -> dict[str, Any]:
    months = _complete_months(cfg)[-window:] or list(range(cfg.months))[-window:]
    m = stats.monthly

    def avg(key: str) -> float:
        return float(np.mean([m[key][i] for i in months]))

    leads, deals, won, revenue = avg("leads"), avg("deals_created"), avg("won_deals"), avg("revenue")
    calls, connected, appts, visits = avg("calls"), avg("connected_calls"), avg("appointments"), avg("visits")
    win_rate = round(won / deals, 3) if deals else 0.2
    deal_rate = round(deals / leads, 3) if leads else 0.2
    avg_size = round(revenue / won, -4) if won else 1_000_000
    contact_rate = round(connected / calls, 3) if calls else 0.3
    appt_rate = round(appts / connected, 3) if connected else 0.3
    target = max(round(revenue * (1 + uplift), -5), 100_000)
    end = cfg.month_starts[-1]

    def node(name: str, name_en: str, unit: str, definition: str, **kw: Any) -> dict[str, Any]:
        return {"name": name, "name_en": name_en, "unit": unit, **kw, "definition": definition}

    # each KPI belongs to the teams whose number it is: field sales close (受注・売上・訪問),
    # inside sales and the agency source (リード・架電・アポ・商談化); only they get its target
    field = [org.team_by_key[k].name for k in ("east", "west") if k in org.team_by_key]
    sourcing = [org.team_by_key[k].name for k in ("is", "agency") if k in org.team_by_key]

    nodes = {
        "revenue": node(
            "売上",
            "Revenue",
            "yen",
            "当月に受注した商談の受注金額の合計（受注日基準）",
            formula="won_deals * avg_deal_size",
            target=int(target),
            measure="revenue",
            role="main",
            owner=field,
            ksf="受注の最大化",
        ),
        "won_deals": node(
            "受注件数",
            "Won deals",
            "count",
            "当月に受注となった商談の件数（受注日基準）",
            formula="deals * win_rate",
            measure="won_deals",
            role="main",
            owner=field,
            ksf="受注の最大化",
        ),
        "avg_deal_size": node(
            "平均受注単価",
            "Average deal size",
            "yen",
            "受注金額の合計 ÷ 受注件数（売上 = 受注件数 × 平均受注単価 が実績でも成り立つ）",
            assume=int(avg_size),
            measure="avg_deal_size",
            role="aux",
            owner=field,
            ksf="受注の最大化",
        ),
        "deals": node(
            "商談数",
            "Deals",
            "count",
            "当月に作成された商談の件数（作成日基準）",
            formula="leads * deal_rate",
            measure="deals_created",
            role="main",
            owner=field,
            ksf="質の高い商談機会の創出",
        ),
        "win_rate": node(
            "受注率",
            "Win rate",
            "ratio",
            "当月の受注件数 ÷ 当月の商談数（受注件数 = 商談数 × 受注率 が実績でも成り立つ）",
            assume=win_rate,
            measure="win_rate",
            role="main",
            owner=field,
            ksf="受注の最大化",
        ),
        "leads": node(
            "リード獲得数",
            "Leads",
            "count",
            "当月に作成されたリードの件数（全チャネル。リード担当＝インサイドセールス・営業代行の実績）",
            measure="leads",
            role="main",
            owner=sourcing,
            ksf="質の高い商談機会の創出",
        ),
        "deal_rate": node(
            "商談化率",
            "Deal conversion rate",
            "ratio",
            "当月にリードから商談化した件数 ÷ 当月のリード獲得数（送客元＝リード担当の実績。全社では"
            "商談数 = リード獲得数 × 商談化率 が実績でも成り立つ）",
            assume=deal_rate,
            role="aux",
            owner=sourcing,
            ksf="質の高い商談機会の創出",
            measure="lead_to_deal_rate",
        ),
        "calls": node(
            "架電数",
            "Calls",
            "count",
            "当月に行った架電（type = call）の件数",
            target=int(round(calls * 1.05, -1)),
            measure="calls",
            role="main",
            owner=sourcing,
            ksf="質の高い商談機会の創出",
        ),
        "connected_calls": node(
            "接続数",
            "Connected calls",
            "count",
            "当月の架電のうち outcome が connected または appointment の件数",
            formula="calls * contact_rate",
            measure="connected_calls",
            role="aux",
            owner=sourcing,
            ksf="質の高い商談機会の創出",
        ),
        "contact_rate": node(
            "接触率",
            "Contact rate",
            "ratio",
            "接続数 ÷ 架電数（接続数 = 架電数 × 接触率 が実績でも成り立つ）",
            assume=contact_rate,
            role="aux",
            owner=sourcing,
            ksf="質の高い商談機会の創出",
            measure="contact_rate",
        ),
        "appointments": node(
            "アポイント獲得数",
            "Appointments",
            "count",
            "当月の架電のうち outcome が appointment の件数",
            formula="connected_calls * appointment_rate",
            measure="appointments",
            role="main",
            owner=sourcing,
            ksf="質の高い商談機会の創出",
        ),
        "appointment_rate": node(
            "アポイント率",
            "Appointment rate",
            "ratio",
            "アポイント獲得数 ÷ 接続数（アポイント獲得数 = 接続数 × アポイント率 が実績でも成り立つ）",
            assume=appt_rate,
            role="aux",
            owner=sourcing,
            ksf="質の高い商談機会の創出",
            measure="appointment_rate",
        ),
        "visits": node(
            "訪問件数",
            "Visits",
            "count",
            "当月に行った訪問（type = visit）の件数",
            target=int(round(visits * 1.05, -1)),
            measure="visits",
            role="aux",
            owner=field,
            ksf="質の高い商談機会の創出",
        ),
    }
    field_reps = [r for r in org.reps if r.role == ROLE_FIELD]
    shares = np.array([stats.revenue_by_owner.get(r.id, 0.0) for r in field_reps])
    mean = shares.mean() if len(shares) and shares.mean() > 0 else 1.0
    teams = {t.id: t.name for t in org.teams}
    members = [
        {"name": r.external_id, "weight": float(max(0.3, round(s / mean, 2))), "team": teams[r.team_id]}
        for r, s in zip(field_reps, shares, strict=True)
    ]
    return {
        "name": f"{COMPANY} 月次売上計画（デモ）",
        "description": (
            f"{COMPANY}のデモデータ（{cfg.scale.value}, seed {cfg.seed}）に合わせたKPIツリー。"
            "売上を受注件数・平均受注単価・受注率・商談化率からリード獲得数まで逆算し、"
            "フィールドセールスに直近の受注実績の比率で割り振る。"
        ),
        "period": "month",
        "fiscal_year_start": 4,
        "plan_period": f"{end.year:04d}-{end.month:02d}",
        "kgi": "revenue",
        "funnel": list(STAGES),
        "nodes": nodes,
        "members": members,
        "_window": (cfg.month_starts[months[0]], cfg.month_starts[months[-1]], len(months), uplift),
    }


def model_text(cfg: DemoConfig, org: Org, stats: Stats) -> str:
    data = model_data(cfg, org, stats)
    first, last, window, uplift = data.pop("_window")
    header = HEADER.format(
        company=COMPANY,
        window=window,
        first=f"{first:%Y-%m}",
        last=f"{last:%Y-%m}",
        uplift=uplift,
        scale=cfg.scale.value,
        reps=cfg.reps,
        months=cfg.months,
        seed=cfg.seed,
        end=f"{cfg.end_year:04d}-{cfg.end_month:02d}",
    )
    body = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=200, default_flow_style=False)
    return header + body


def write_model(path: Path, cfg: DemoConfig, org: Org, stats: Stats) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(model_text(cfg, org, stats), encoding="utf-8")
    return path
