"""The demo company: teams in a hierarchy, members with skills, products and accounts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np

from rashinban.demo.config import DemoConfig
from rashinban.demo.names import company_names, person_names

COMPANY = "株式会社ミライテック"
COMPANY_EN = "Miraitech Inc."
AGENCY = "セールスブースト株式会社"
EMAIL_DOMAIN = "miraitech.example"

CHANNELS = ("web", "seminar", "referral", "outbound", "ad", "partner")

INDUSTRIES = (
    ("製造業", 0.24),
    ("情報通信業", 0.16),
    ("卸売業", 0.12),
    ("小売業", 0.09),
    ("建設業", 0.09),
    ("サービス業", 0.12),
    ("不動産業", 0.05),
    ("金融・保険業", 0.04),
    ("医療・福祉", 0.05),
    ("運輸業", 0.04),
)
REGIONS = (
    ("関東", 0.40),
    ("近畿", 0.17),
    ("中部", 0.14),
    ("九州・沖縄", 0.09),
    ("東北", 0.06),
    ("中国", 0.05),
    ("北海道", 0.05),
    ("四国", 0.04),
)
EAST_REGIONS = frozenset({"関東", "東北", "北海道"})


@dataclass(frozen=True)
class Product:
    key: str
    name: str
    series: str
    list_price: int  # yen: annual fee for subscriptions, one-off price otherwise
    subscription: bool
    addon: bool = False


PRODUCTS = (
    Product("std", "羅針SFA スタンダード", "羅針SFA", 600_000, True),
    Product("pro", "羅針SFA プロフェッショナル", "羅針SFA", 1_800_000, True),
    Product("ent", "羅針SFA エンタープライズ", "羅針SFA", 4_800_000, True),
    Product("bi", "データ分析オプション", "オプション", 360_000, True, addon=True),
    Product("onb", "導入支援パッケージ", "サービス", 800_000, False),
    Product("trn", "営業研修プログラム", "サービス", 1_200_000, False),
)

ROLE_FIELD = "field_sales"
ROLE_IS = "inside_sales"
ROLE_CS = "cs"
ROLE_MANAGER = "manager"

EAST_UNITS = ("東京第一課", "東京第二課", "北関東課", "東京第三課", "東北課", "北海道課", "横浜課")
WEST_UNITS = ("大阪第一課", "名古屋課", "大阪第二課", "福岡課", "広島課", "京都課", "神戸課")
UNIT_SIZE = 7


@dataclass
class Team:
    id: int
    external_id: str
    name: str
    parent_id: int | None
    kind: str = "in_house"
    client: str | None = None


@dataclass
class Member:
    id: int
    external_id: str
    name: str
    email: str
    team_id: int
    role: str
    joined_on: date
    skill: float = 1.0
    size_skill: float = 1.0
    late: bool = False
    pool: str = ""  # field_east | field_west | is | agency | cs | manager


@dataclass
class Org:
    teams: list[Team]
    members: list[Member]  # reps first (rep001…), then managers
    reps: list[Member]
    team_by_key: dict[str, Team]
    pools: dict[str, np.ndarray] = field(default_factory=dict)  # rep indices per pool
    rep_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    skill: np.ndarray = field(default_factory=lambda: np.zeros(0))
    size_skill: np.ndarray = field(default_factory=lambda: np.zeros(0))
    late: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))

    def pool(self, *names: str) -> np.ndarray:
        """Rep indices of the first non-empty pool among ``names`` (all reps as a last resort)."""
        for n in names:
            p = self.pools.get(n)
            if p is not None and len(p):
                return p
        return np.arange(len(self.reps))


def _split(n: int, size: int) -> list[int]:
    """Split ``n`` into ⌈n/size⌉ nearly equal parts."""
    parts = max(1, -(-n // size))
    base, extra = divmod(n, parts)
    return [base + (i < extra) for i in range(parts)]


def _unit_names(names: tuple[str, ...], count: int, stem: str) -> list[str]:
    out = list(names[:count])
    k = len(out)
    while len(out) < count:
        k += 1
        out.append(f"{stem}第{k}課")
    return out


def build_org(cfg: DemoConfig, team_base: int, member_base: int) -> Org:
    rng = np.random.default_rng([cfg.seed, 9001])
    n = cfg.reps
    n_is = max(1, round(n * 0.15))
    n_cs = max(1, round(n * 0.10))
    n_ag = max(1, round(n * 0.10))
    n_field = n - n_is - n_cs - n_ag
    if n_field < 1:
        n_is -= 1
        n_field = 1
    n_east = max(1, round(n_field * 0.55)) if n_field > 1 else 1
    n_west = n_field - n_east

    teams: list[Team] = []
    by_key: dict[str, Team] = {}

    def add(
        key: str, name: str, parent: Team | None, kind: str = "in_house", client: str | None = None
    ) -> Team:
        t = Team(
            team_base + len(teams), f"demo-team-{key}", name, parent.id if parent else None, kind, client
        )
        teams.append(t)
        by_key[key] = t
        return t

    hq = add("hq", "営業本部", None)
    east = add("east", "東日本営業部", hq)
    west = add("west", "西日本営業部", hq) if n_west else None
    is_dept = add("is", "インサイドセールス部", hq)
    cs_dept = add("cs", "カスタマーサクセス部", hq)
    agency = add("agency", f"{AGENCY}（営業代行）", hq, kind="agency", client=COMPANY)

    # (pool, team) for each rep, in rep order
    slots: list[tuple[str, Team]] = []
    for i, (size, name) in enumerate(
        zip(
            _split(n_east, UNIT_SIZE),
            _unit_names(EAST_UNITS, len(_split(n_east, UNIT_SIZE)), "東京"),
            strict=True,
        )
    ):
        unit = add(f"east-{i + 1}", name, east)
        slots += [("field_east", unit)] * size
    if west is not None:
        sizes = _split(n_west, UNIT_SIZE)
        for i, (size, name) in enumerate(
            zip(sizes, _unit_names(WEST_UNITS, len(sizes), "大阪"), strict=True)
        ):
            unit = add(f"west-{i + 1}", name, west)
            slots += [("field_west", unit)] * size
    sizes = _split(n_is, 10)
    for i, size in enumerate(sizes):
        unit = add(
            f"is-{i + 1}",
            "インサイドセールス課" if len(sizes) == 1 else f"インサイドセールス第{i + 1}課",
            is_dept,
        )
        slots += [("is", unit)] * size
    sizes = _split(n_cs, 10)
    for i, size in enumerate(sizes):
        unit = add(
            f"cs-{i + 1}",
            "カスタマーサクセス課" if len(sizes) == 1 else f"カスタマーサクセス第{i + 1}課",
            cs_dept,
        )
        slots += [("cs", unit)] * size
    slots += [("agency", agency)] * n_ag

    # reps: skill from tenure and talent; a fifth log their activities late by habit
    names = person_names(rng, n + 2)
    width = max(3, len(str(n)))
    start = cfg.start
    tenure_years = rng.gamma(2.0, 2.0, size=n).clip(0.2, 25)
    talent = rng.lognormal(0.0, 0.18, size=n)
    skill = (talent * (0.8 + 0.25 * np.log1p(tenure_years) / np.log1p(10))).clip(0.55, 1.7)
    size_skill = (rng.lognormal(0.0, 0.15, size=n) * (0.9 + 0.1 * skill)).clip(0.6, 1.6)
    late = np.zeros(n, bool)  # a fifth of the reps (at least one) log late by habit
    late[rng.permutation(n)[: max(1, round(n * 0.2))]] = True
    role_of = {
        "field_east": ROLE_FIELD,
        "field_west": ROLE_FIELD,
        "is": ROLE_IS,
        "agency": ROLE_IS,
        "cs": ROLE_CS,
    }
    reps: list[Member] = []
    for i, (pool, team) in enumerate(slots):
        kanji, romaji, _ = names[i]
        domain = "salesboost.example" if pool == "agency" else EMAIL_DOMAIN
        reps.append(
            Member(
                id=member_base + i,
                external_id=f"rep{i + 1:0{width}d}",
                name=kanji,
                email=f"{romaji}@{domain}",
                team_id=team.id,
                role=role_of[pool],
                joined_on=start - timedelta(days=int(tenure_years[i] * 365.25)),
                skill=float(round(skill[i], 4)),
                size_skill=float(round(size_skill[i], 4)),
                late=bool(late[i]),
                pool=pool,
            )
        )
    managers = []
    for j, dept in enumerate([east, west] if west is not None else [east]):
        kanji, romaji, _ = names[n + j]
        managers.append(
            Member(
                id=member_base + n + j,
                external_id=f"mgr{j + 1:02d}",
                name=kanji,
                email=f"{romaji}@{EMAIL_DOMAIN}",
                team_id=dept.id,
                role=ROLE_MANAGER,
                joined_on=start - timedelta(days=int(rng.integers(8, 20) * 365)),
                pool="manager",
            )
        )
    pools = {
        p: np.array([i for i, r in enumerate(reps) if r.pool == p], dtype=np.int64)
        for p in ("field_east", "field_west", "is", "agency", "cs")
    }
    pools["field"] = np.concatenate([pools["field_east"], pools["field_west"]])
    return Org(
        teams=teams,
        members=reps + managers,
        reps=reps,
        team_by_key=by_key,
        pools=pools,
        rep_ids=np.array([r.id for r in reps], dtype=np.int64),
        skill=np.array([r.skill for r in reps]),
        size_skill=np.array([r.size_skill for r in reps]),
        late=np.array([r.late for r in reps]),
    )


@dataclass
class Accounts:
    """Accounts as column arrays (generated once; a few hundred thousand rows at most)."""

    ids: np.ndarray
    names: np.ndarray  # object (str)
    industry: np.ndarray  # object
    region: np.ndarray  # object
    east: np.ndarray  # bool
    employees: np.ndarray
    revenue: np.ndarray
    created_at: np.ndarray  # datetime64[s]

    def __len__(self) -> int:
        return len(self.ids)


def build_accounts(cfg: DemoConfig, account_base: int) -> Accounts:
    rng = np.random.default_rng([cfg.seed, 9002])
    n = cfg.accounts
    ind_names = np.array([x for x, _ in INDUSTRIES], dtype=object)
    ind_p = np.array([p for _, p in INDUSTRIES])
    reg_names = np.array([x for x, _ in REGIONS], dtype=object)
    reg_p = np.array([p for _, p in REGIONS])
    region = reg_names[rng.choice(len(reg_names), size=n, p=reg_p / reg_p.sum())]
    employees = np.round(rng.lognormal(np.log(120), 1.3, size=n)).clip(5, 80_000).astype(np.int64)
    revenue = np.round(employees * 25_000_000 * rng.lognormal(0, 0.4, size=n), -6).astype(np.int64)
    start = np.datetime64(datetime.combine(cfg.start, datetime.min.time()), "s")
    age = (rng.random(n) * 5 * 365.25 * 86400).astype(np.int64)
    created = start - age.astype("timedelta64[s]")
    return Accounts(
        ids=account_base + np.arange(n, dtype=np.int64),
        names=company_names(rng, n),
        industry=ind_names[rng.choice(len(ind_names), size=n, p=ind_p / ind_p.sum())],
        region=region,
        east=np.isin(region, list(EAST_REGIONS)),
        employees=employees,
        revenue=revenue,
        created_at=created,
    )
