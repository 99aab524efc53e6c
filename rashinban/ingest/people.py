"""Owners and stages of an import matched to the store's members and funnel stages.

An owner label of a file (a Salesforce OwnerId, 「高橋 修」 in a Japanese report, an e-mail)
is matched, in this order, to

1. the member this source's label was mapped to before (``owner_mappings``: a person's choice
   in an earlier preview, or an earlier match) — a source's id → member mapping is remembered;
2. a member whose external id is the label;
3. a member whose e-mail is the label (case-insensitive);
4. the one member whose name is the label once normalised: NFKC (full-width letters and
   digits, half-width kana), no spaces of any width, case-folded, and the usual 異体字
   folded (髙→高, 﨑→崎, 齋→斎, 邊/邉→辺, 濵/濱→浜 …).

Every match is written to ``owner_mappings`` inside the import's transaction (a dry run
rolls it back), so the loader resolves owners by the mapping.  A label that matches nobody
is *unmatched*: a person maps it to a member, or creates a member in a chosen team, in the
preview (``Choices``).  A confirmed import never creates a teamless member silently: unmatched
owners without a choice fail the import when the store already has members; a store without
members (the first import of an organisation) gets them created in ``Choices.team`` — or
without a team, reported first among the import's warnings.

Stage labels not in the funnel (the configured stages, else the stages the store's deals
already use) are *unknown*: reported with their row counts, and rewritten when the preview
maps them (``Choices.stages``; remembered per source in ``stage_mappings``).
"""

from __future__ import annotations

import json
import unicodedata
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from rashinban.errors import IngestError
from rashinban.store.ids import reserve
from rashinban.store.schema import app_settings, members, owner_mappings, stage_mappings, teams

# 異体字 folded when names are compared (the old or rare form → the common one)
VARIANTS = str.maketrans(
    {
        "髙": "高",
        "﨑": "崎",
        "嵜": "崎",
        "齋": "斎",
        "齊": "斉",
        "邊": "辺",
        "邉": "辺",
        "濵": "浜",
        "濱": "浜",
        "德": "徳",
        "冨": "富",
        "廣": "広",
        "國": "国",
        "櫻": "桜",
        "澤": "沢",
        "嶋": "島",
        "槇": "槙",
        "瀨": "瀬",
        "黑": "黒",
        "眞": "真",
        "惠": "恵",
        "籠": "篭",
        "藪": "薮",
        "曾": "曽",
    }
)
NEW = "new:"  # a choice "new:TEAM" creates the owner as a member of TEAM


def normalize_name(text: str) -> str:
    """The name as compared: 「髙橋　修」, 「高橋 修」 and 「高橋修」 are one name."""
    s = unicodedata.normalize("NFKC", text).translate(VARIANTS)
    return "".join(ch for ch in s if not ch.isspace() and ch not in "・･.").casefold()


@dataclass
class Choices:
    """What a person decided in the preview (or on the command line)."""

    owners: dict[str, str] = field(default_factory=dict)  # label → member id | "new:TEAM_ID"
    stages: dict[str, str] = field(default_factory=dict)  # file's stage → funnel stage
    team: int | None = None  # create every other unmatched owner in this team

    @classmethod
    def from_payload(cls, data: Mapping[str, Any] | None) -> Choices:
        data = data or {}
        team = data.get("team")
        return cls(
            {str(k): str(v) for k, v in (data.get("owners") or {}).items() if str(v).strip()},
            {str(k): str(v) for k, v in (data.get("stages") or {}).items() if str(v).strip()},
            int(team) if team not in (None, "") else None,
        )

    def as_payload(self) -> dict[str, Any]:
        return {"owners": self.owners, "stages": self.stages, "team": self.team}


@dataclass
class PeopleReport:
    """What the matching found, for the preview and the result."""

    matched: dict[str, dict[str, Any]] = field(default_factory=dict)  # label → member, method, rows
    unmatched: dict[str, int] = field(default_factory=dict)  # label → rows
    created: dict[str, dict[str, Any]] = field(default_factory=dict)  # label → member id, team
    stages_unknown: dict[str, int] = field(default_factory=dict)  # stage → rows
    stages_mapped: dict[str, str] = field(default_factory=dict)
    known_stages: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "owners_matched": self.matched,
            "owners_unmatched": self.unmatched,
            "owners_created": self.created,
            "stages_unknown": self.stages_unknown,
            "stages_mapped": self.stages_mapped,
            "known_stages": self.known_stages,
        }


@dataclass(frozen=True)
class _Member:
    id: int
    name: str
    email: str | None
    source: str
    external_id: str


class People:
    """Owner and stage matching for one import (one transaction on ``conn``)."""

    def __init__(
        self, conn: sa.Connection, source: str, actor: str, now: datetime, choices: Choices, dry_run: bool
    ) -> None:
        self.conn = conn
        self.source = source
        self.actor = actor
        self.now = now
        self.choices = choices
        self.dry_run = dry_run
        self.report = PeopleReport()
        # a manager's import: owners map to, and are created in, their branch only
        self.scope_members: frozenset[int] | None = None
        self.scope_teams: frozenset[int] | None = None
        self.had_members = conn.execute(sa.select(sa.func.count()).select_from(members)).scalar_one() > 0

    # owners ------------------------------------------------------------------------------
    def owners(self, labels: Mapping[str, int], created_team: int | None = None) -> None:
        """Match the labels (label → rows), remember the matches, apply the choices, create
        what may be created; the rest stays unmatched (``check`` refuses it on a load)."""
        mapped = {
            r.value: int(r.member_id)
            for r in self.conn.execute(
                sa.select(owner_mappings.c.value, owner_mappings.c.member_id).where(
                    owner_mappings.c.source == self.source
                )
            )
        }
        people = [
            _Member(int(r.id), r.name, r.email, r.source, r.external_id)
            for r in self.conn.execute(
                sa.select(
                    members.c.id, members.c.name, members.c.email, members.c.source, members.c.external_id
                )
            )
        ]
        by_id = {m.id: m for m in people}
        same_source = {m.external_id: m.id for m in people if m.source == self.source}
        any_source: dict[str, list[int]] = {}
        emails: dict[str, list[int]] = {}
        names: dict[str, list[int]] = {}
        for m in people:
            any_source.setdefault(m.external_id, []).append(m.id)
            if m.email:
                emails.setdefault(m.email.strip().casefold(), []).append(m.id)
            names.setdefault(normalize_name(m.name), []).append(m.id)
        new_rows = []
        for label, rows in labels.items():
            found, method = self._match(label, mapped, same_source, any_source, emails, names)
            chosen = self.choices.owners.get(label)
            if chosen is not None:
                found, method = self._choose(label, chosen), "chosen"
            elif found is None and (
                self.choices.team is not None or created_team is not None or not self.had_members
            ):
                team = self.choices.team if self.choices.team is not None else created_team
                found, method = self._create(label, team), "created"
            if found is None:
                self.report.unmatched[label] = rows
                continue
            member = by_id.get(found)
            name = member.name if member else label
            self.report.matched[label] = {"member_id": found, "member": name, "method": method, "rows": rows}
            if mapped.get(label) != found:
                new_rows.append({"value": label, "member_id": found, "method": method})
        self._remember(new_rows, mapped)

    def _match(
        self,
        label: str,
        mapped: dict[str, int],
        same_source: dict[str, int],
        any_source: dict[str, list[int]],
        emails: dict[str, list[int]],
        names: dict[str, list[int]],
    ) -> tuple[int | None, str]:
        if label in mapped:
            return mapped[label], "remembered"
        if label in same_source:
            return same_source[label], "external_id"
        if len(any_source.get(label, [])) == 1:
            return any_source[label][0], "external_id"
        if "@" in label and len(emails.get(label.strip().casefold(), [])) == 1:
            return emails[label.strip().casefold()][0], "email"
        hits = names.get(normalize_name(label), [])
        if len(hits) == 1:
            return hits[0], "name"
        return None, ""

    def _choose(self, label: str, chosen: str) -> int:
        if chosen.startswith(NEW):
            team = chosen.removeprefix(NEW)
            return self._create(label, int(team) if team.isdigit() else None)
        if (
            not chosen.isdigit()
            or self.conn.execute(sa.select(members.c.id).where(members.c.id == int(chosen))).first() is None
        ):
            raise IngestError("owner_choice_unknown", owner=label, value=chosen)
        if self.scope_members is not None and int(chosen) not in self.scope_members:
            raise IngestError("owner_choice_out_of_scope", owner=label, value=chosen)
        return int(chosen)

    def _create(self, label: str, team: int | None) -> int:
        """A new member named like the label (in ``team``; reported when it has none)."""
        if self.scope_teams is not None and (team is None or team not in self.scope_teams):
            raise IngestError("owner_choice_out_of_scope", owner=label, value=f"{NEW}{team}")
        if (
            team is not None
            and self.conn.execute(sa.select(teams.c.id).where(teams.c.id == team)).first() is None
        ):
            raise IngestError("owner_choice_unknown", owner=label, value=f"{NEW}{team}")
        mid = reserve(self.conn, "members", 1)
        self.conn.execute(
            members.insert().values(
                id=mid,
                source=self.source,
                external_id=label[:120] if not self._taken(label) else f"{label[:80]}-{uuid.uuid4().hex[:8]}",
                name=label[:200],
                email=label if "@" in label else None,
                team_id=team,
                active=True,
            )
        )
        self.report.created[label] = {"member_id": mid, "team_id": team}
        return mid

    def _taken(self, external_id: str) -> bool:
        q = sa.select(members.c.id).where(
            members.c.source == self.source, members.c.external_id == external_id
        )
        return self.conn.execute(q).first() is not None

    def _remember(self, rows: list[dict[str, Any]], mapped: dict[str, int]) -> None:
        if not rows:
            return
        om = owner_mappings
        for r in rows:
            if r["value"] in mapped:
                self.conn.execute(
                    om.update()
                    .where(om.c.source == self.source, om.c.value == r["value"])
                    .values(
                        member_id=r["member_id"],
                        method=r["method"],
                        created_by=self.actor,
                        created_at=self.now,
                    )
                )
            else:
                self.conn.execute(
                    om.insert().values(
                        source=self.source,
                        value=r["value"][:300],
                        member_id=r["member_id"],
                        method=r["method"],
                        created_by=self.actor,
                        created_at=self.now,
                    )
                )

    def check(self) -> None:
        """A load with owners nobody matched or chose: refused, naming them (all or nothing)."""
        if self.report.unmatched and not self.dry_run:
            shown = sorted(self.report.unmatched.items(), key=lambda kv: -kv[1])
            raise IngestError(
                "import_unmatched_owners",
                count=len(shown),
                rows=sum(self.report.unmatched.values()),
                owners=", ".join(f"{k} ({v})" for k, v in shown[:10]),
            )

    # stages ------------------------------------------------------------------------------
    def known_stages(self) -> list[str]:
        """The funnel's stages (configured), else the stages the store's deals use."""
        row = self.conn.execute(
            sa.select(app_settings.c.value_json).where(app_settings.c.key == "funnel_stages")
        ).first()
        configured = json.loads(row.value_json) if row is not None else None
        stored = [
            str(r[0])
            for r in self.conn.execute(
                sa.text("SELECT DISTINCT stage FROM deals WHERE source <> :src"), {"src": self.source}
            )
        ]
        out = [str(s) for s in configured] if isinstance(configured, list) and configured else []
        return out + sorted(s for s in stored if s not in out)

    def stages(self, counts: Mapping[str, int], labels: set[str]) -> dict[str, str]:
        """The stage rewrites to apply: choices, then remembered mappings; unknown stages (not in
        the funnel, not a won/lost label of the preset) are reported."""
        known = self.known_stages()
        self.report.known_stages = known
        if not known:
            return {}  # the store has no funnel yet: this import defines it
        sm = stage_mappings
        remembered = {
            r.value: r.stage
            for r in self.conn.execute(sa.select(sm.c.value, sm.c.stage).where(sm.c.source == self.source))
        }
        rewrites: dict[str, str] = {}
        for value, rows in counts.items():
            target = self.choices.stages.get(value) or remembered.get(value)
            if target is not None and target != value:
                rewrites[value] = target
                self.report.stages_mapped[value] = target
                if self.choices.stages.get(value) and remembered.get(value) != target:
                    self.conn.execute(sm.delete().where(sm.c.source == self.source, sm.c.value == value))
                    self.conn.execute(
                        sm.insert().values(
                            source=self.source,
                            value=value[:100],
                            stage=target[:60],
                            created_by=self.actor,
                            created_at=self.now,
                        )
                    )
            elif value not in known and value not in labels:
                self.report.stages_unknown[value] = rows
        return rewrites


def people_notes(report: PeopleReport, notes: Any) -> None:
    """The matching's findings as the import's notes (they change numbers: shown first)."""
    if report.unmatched:
        shown = ", ".join(
            f"{k} ({v})" for k, v in sorted(report.unmatched.items(), key=lambda kv: -kv[1])[:10]
        )
        notes.add(
            "owners_unmatched",
            sum(report.unmatched.values()),
            owners=shown,
            owner_count=len(report.unmatched),
        )
    teamless = {k: v for k, v in report.created.items() if v.get("team_id") is None}
    if teamless:
        notes.add("owners_created_teamless", len(teamless), owners=", ".join(sorted(teamless)[:10]))
    placed = {k: v for k, v in report.created.items() if v.get("team_id") is not None}
    if placed:
        notes.add("owners_created", len(placed), owners=", ".join(sorted(placed)[:10]))
    by_name = {k: v for k, v in report.matched.items() if v["method"] in ("name", "email")}
    if by_name:
        pairs = ", ".join(f"{k} → {v['member']}" for k, v in sorted(by_name.items())[:10])
        notes.add("owners_matched_by_name", sum(v["rows"] for v in by_name.values()), pairs=pairs)
    if report.stages_unknown:
        shown = ", ".join(
            f"{k} ({v})" for k, v in sorted(report.stages_unknown.items(), key=lambda kv: -kv[1])
        )
        notes.add("stages_unknown", sum(report.stages_unknown.values()), stages=shown)
    if report.stages_mapped:
        notes.add(
            "stages_mapped",
            len(report.stages_mapped),
            pairs=", ".join(f"{k} → {v}" for k, v in report.stages_mapped.items()),
        )
