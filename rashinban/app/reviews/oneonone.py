"""1on1s between a manager and a member (seed 003: the dashboard shows what happens, the
1on1 digs into why and ends in an action plan): a snapshot of the member's KPIs, pace and
funnel against the team's, a talking list from the weakest stage and the trend, private
notes (the two of them and admins), the member's own comment, agreed action items, and the
history per member."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any

from rashinban.analysis.review import talking_points
from rashinban.app import forms, org
from rashinban.app.context import AppContext
from rashinban.app.models import Models
from rashinban.app.results.common import MemberRef
from rashinban.app.results.reviews import (
    OneOnOneKpi,
    OneOnOneList,
    OneOnOneSnapshot,
    OneOnOneSummary,
    OneOnOneView,
    StageCompare,
    TalkingPointView,
)
from rashinban.app.reviews.actions import Actions
from rashinban.app.reviews.common import node_label, node_labels, user_names
from rashinban.errors import ForbiddenError, NotFoundError, RashinbanError, UsageError
from rashinban.i18n import format as fmt
from rashinban.i18n import t
from rashinban.org.roles import Permission, Role, allowed, role_of
from rashinban.org.scopes import MEMBER
from rashinban.store import actions as repo

ModelPath = str | Path | None
OFF = ("behind", "at_risk")


class OneOnOnes:
    def __init__(self, ctx: AppContext, models: Models, dashboards: Any, actions: Actions) -> None:
        self.ctx = ctx
        self.models = models
        self.dashboards = dashboards
        self.actions = actions

    # who may do what -------------------------------------------------------------------------
    def _admin(self) -> bool:
        user = self.ctx.user
        return (user is None and self.ctx.privileged) or role_of(user) is Role.ADMIN

    def _party(self, row: Mapping[str, Any]) -> str | None:
        """ "manager", "member", "admin" or None (may not see it at all)."""
        user = self.ctx.user
        if user is not None and row["manager_user_id"] == user.id:
            return "manager"
        if user is not None and user.member_id == row["member_id"] and role_of(user) is not Role.VIEWER:
            return "member"
        return "admin" if self._admin() else None

    def _load(self, one_id: int) -> tuple[dict[str, Any], str]:
        self.ctx.require(Permission.READ)
        row = repo.get_one_on_one(self.ctx.store, one_id)
        party = self._party(row) if row is not None else None
        if row is None or party is None:
            raise NotFoundError("one_on_one_unknown", id=one_id)  # 404 alike for others: no data
        return row, party

    def _forbidden(self) -> ForbiddenError:
        return ForbiddenError("forbidden_role", role=self.ctx.user.role if self.ctx.user else "-")

    # reads ---------------------------------------------------------------------------------
    def index(self, member: int | None = None) -> OneOnOneList:
        ctx = self.ctx
        ctx.require(Permission.READ)
        rows = [r for r in repo.list_one_on_ones(ctx.store, member=member) if self._party(r) is not None]
        names = user_names(ctx.store)
        return OneOnOneList(
            items=[self._summary(r, names) for r in rows],
            members=self._members() if self._may_hold() else [],
            can_create=self._may_hold(),
        )

    def _summary(self, r: Mapping[str, Any], names: Mapping[int, str]) -> OneOnOneSummary:
        return OneOnOneSummary(
            id=r["id"],
            member=self._member_ref(r["member_id"]),
            manager=names.get(r["manager_user_id"], str(r["manager_user_id"])),
            held_on=r["held_on"],
            state=r["state"],
        )

    def _member_ref(self, member_id: int) -> MemberRef:
        s = org.scope_index(self.ctx).scopes.get((MEMBER, member_id))
        return MemberRef(
            type="member",
            id=member_id,
            name=s.name if s else str(member_id),
            team_id=s.team_id if s else None,
        )

    def _may_hold(self) -> bool:
        user = self.ctx.user
        if user is None:
            return self.ctx.privileged
        return allowed(user, Permission.HOLD_ONE_ON_ONES) and not org.access(self.ctx).read_only

    def _members(self) -> list[MemberRef]:
        acc = org.access(self.ctx)
        scopes = org.scope_index(self.ctx)
        keys = sorted(k for k in scopes.scopes if k[0] == MEMBER and acc.can_see(k))
        return [self._member_ref(k[1]) for k in keys]

    def get(self, one_id: int) -> OneOnOneView:
        ctx = self.ctx
        row, party = self._load(one_id)
        names = user_names(ctx.store)
        history = [
            self._summary(r, names)
            for r in repo.list_one_on_ones(ctx.store, member=row["member_id"])
            if self._party(r) is not None
        ]
        owners = {row["manager_user_id"]: names.get(row["manager_user_id"], "")}
        for uid in repo.member_users(ctx.store).get(row["member_id"], []):
            owners[uid] = names.get(uid, str(uid))
        b = self.models.for_scope(None, (MEMBER, row["member_id"]))
        open_ = row["state"] == "open"
        return OneOnOneView(
            id=row["id"],
            member=self._member_ref(row["member_id"]),
            manager_id=row["manager_user_id"],
            manager=names.get(row["manager_user_id"], str(row["manager_user_id"])),
            held_on=row["held_on"],
            period=row["period"],
            state=row["state"],
            snapshot=OneOnOneSnapshot.model_validate(row["snapshot"]),
            private_notes=row["private_notes"],
            member_comment=row["member_comment"],
            actions=self.actions.for_one_on_one(one_id),
            history=history,
            can_edit_notes=open_ and party in ("manager", "admin") and self._may_hold(),
            can_comment=open_ and party == "member",
            owner_users=owners,
            nodes=node_labels(b.model, ctx.lang),
        )

    # writes --------------------------------------------------------------------------------
    def create(self, data: Mapping[str, Any], model_path: ModelPath = None) -> OneOnOneView:
        ctx = self.ctx
        ctx.require(Permission.HOLD_ONE_ON_ONES)
        err = forms.Errors()
        raw = str(data.get("member") or "").strip().removeprefix("member:")
        member_id = int(raw) if raw.isdigit() else None
        scopes = org.scope_index(ctx)
        if member_id is None or (MEMBER, member_id) not in scopes.scopes:
            err.add("member", "required" if member_id is None else "bad_choice")
        held = data.get("held_on")
        held_on = ctx.today()
        if held not in (None, ""):
            try:
                held_on = date.fromisoformat(str(held))
            except ValueError:
                err.add("held_on", "bad_date")
        err.check()
        assert member_id is not None
        acc = org.access(ctx)
        acc.check((MEMBER, member_id))
        if not self._may_hold():
            raise self._forbidden()
        manager = ctx.user.id if ctx.user is not None else _cli_manager(ctx, member_id)
        snap = self._snapshot(member_id, model_path)
        oid = repo.create_one_on_one(
            ctx.store,
            {
                "manager_user_id": manager,
                "member_id": member_id,
                "held_on": held_on,
                "period": snap.period,
                "state": "open",
            },
            snap.model_dump(mode="json"),
            ctx.now(),
        )
        ctx.refresh()
        return self.get(oid)

    def _snapshot(self, member_id: int, model_path: ModelPath) -> OneOnOneSnapshot:
        ctx = self.ctx
        lang = ctx.lang
        page = self.dashboards.member(model_path, member_id)
        tree = self.dashboards.tree(model_path, page.period, f"member:{member_id}")
        b = self.models.for_scope(model_path, (MEMBER, member_id))
        kpis = [
            OneOnOneKpi(
                node=n.id,
                label=n.label,
                unit=n.unit,
                target=n.target,
                actual=n.actual,
                pace=n.pace,
                status=n.status,
                target_text=n.target_text,
                actual_text=n.actual_text,
            )
            for n in [page.kgi, *page.kpis]
        ]
        funnel, mine, team = self._funnel(member_id, model_path)
        trend = [(p.period, p.actual) for p in page.trend]
        off = [n.id for n in tree.nodes if n.status in OFF and n.id != b.model.kgi]
        points = talking_points(
            mine, team, [Fraction(str(v)) if v is not None else None for _, v in trend][-6:], off[:5]
        )
        talking = [
            TalkingPointView(code=p.code, subject=p.subject, text=_point_text(b.model, p, lang))
            for p in points
        ]
        return OneOnOneSnapshot(
            built_at=ctx.now(),
            as_of=ctx.today(),
            period=page.period,
            model=page.model,
            kpis=kpis,
            funnel=funnel,
            trend=trend,
            talking=talking,
        )

    def _funnel(
        self, member_id: int, model_path: ModelPath
    ) -> tuple[list[StageCompare], list[tuple[str, int]], list[tuple[str, int]]]:
        team_id = org.scope_index(self.ctx).member_team.get(member_id)
        try:
            mine = self.dashboards.funnel(model_path, None, f"member:{member_id}").total
            team = self.dashboards.funnel(model_path, None, f"team:{team_id}").total if team_id else []
        except RashinbanError:
            return [], [], []
        team_conv = {s.stage: s.conversion for s in team}
        out = [
            StageCompare(
                stage=s.stage, count=s.count, conversion=s.conversion, team_conversion=team_conv.get(s.stage)
            )
            for s in mine
        ]
        return out, [(s.stage, s.count) for s in mine], [(s.stage, s.count) for s in team]

    def save(self, one_id: int, data: Mapping[str, Any]) -> OneOnOneView:
        """The manager's ``private_notes``; the member's ``member_comment``; ``state`` closed."""
        ctx = self.ctx
        row, party = self._load(one_id)
        if row["state"] != "open":
            raise UsageError("one_on_one_closed", id=one_id)
        err = forms.Errors()
        values: dict[str, Any] = {}
        if "private_notes" in data:
            if party not in ("manager", "admin") or not self._may_hold():
                raise self._forbidden()
            values["private_notes"] = forms.text(
                err, "private_notes", data.get("private_notes"), max_len=20000
            )
        if "member_comment" in data:
            if party != "member":
                raise self._forbidden()
            values["member_comment"] = forms.text(
                err, "member_comment", data.get("member_comment"), max_len=8000
            )
        if data.get("state") == "closed":
            if party not in ("manager", "admin"):
                raise self._forbidden()
            values["state"] = "closed"
        err.check()
        if values:
            repo.update_one_on_one(ctx.store, one_id, ctx.now(), **values)
            ctx.refresh()
        return self.get(one_id)

    def add_action(self, one_id: int, data: Mapping[str, Any], model_path: ModelPath = None) -> OneOnOneView:
        row, party = self._load(one_id)
        if party not in ("manager", "admin") or row["state"] != "open":
            raise self._forbidden()
        self.actions.create(
            data, one_on_one_id=one_id, default_scope=(MEMBER, row["member_id"]), model_path=model_path
        )
        return self.get(one_id)


def _point_text(model: Any, p: Any, lang: str) -> str:
    if p.code == "weakest_stage":
        return t(
            "oneonone.point_weakest_stage",
            lang,
            stage=p.subject,
            mine=fmt.percent(p.value),
            team=fmt.percent(p.reference),
        )
    if p.code in ("trend_down", "trend_up"):
        unit = str(model.nodes[model.kgi].unit)
        return t(
            f"oneonone.point_{p.code}",
            lang,
            label=node_label(model, model.kgi, lang),
            first=fmt.value(p.reference, unit, lang),
            last=fmt.value(p.value, unit, lang),
        )
    return t("oneonone.point_off_pace", lang, label=node_label(model, p.subject, lang))


def _cli_manager(ctx: AppContext, member_id: int) -> int:
    """The CLI holds a 1on1 for the member's nearest manager."""
    from rashinban.app.alerts.people import People
    from rashinban.store import alert_deliveries as D

    people = People(D.active_users(ctx.store), org.scope_index(ctx))
    found = people.managers_of((MEMBER, member_id)) or people.admins
    if not found:
        raise UsageError("one_on_one_no_manager", member=member_id)
    return found[0].id


__all__ = ["OneOnOnes"]
