"""Administration: users and roles, teams, funnel stages, company holidays."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from rashinban.app import forms, org
from rashinban.app.accounts import password_problem
from rashinban.app.audit import audit_hook
from rashinban.app.context import AppContext
from rashinban.app.results.admin import (
    AdminMember,
    AdminOverview,
    AdminPage,
    Created,
    HolidaysSaved,
    StagesSaved,
)
from rashinban.app.results.common import Ok
from rashinban.auth.names import clashes, clean, name_problem, username_key
from rashinban.auth.passwords import hash_password
from rashinban.errors import NotFoundError, RashinbanError
from rashinban.kpi.calendar import parse_holidays
from rashinban.org.roles import ROLES, Permission, Role, require
from rashinban.org.users import User
from rashinban.store import admin as S
from rashinban.store.org import team_subtree


class Admin:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    def _admin(self) -> User:
        return require(self.ctx.user, Permission.ADMINISTER)

    def overview(self) -> AdminOverview:
        """Users, teams, funnel stages and company holidays (admins only)."""
        self._admin()
        store = self.ctx.store
        return AdminOverview.model_validate(  # the store's rows, checked against the closed sets
            {
                "users": [vars(u) for u in S.list_users(store)],
                "teams": [vars(t) for t in S.list_teams(store)],
                "funnel_stages": org.funnel_stages(self.ctx),
                "company_holidays": org.company_holidays(self.ctx),
            }
        )

    def page(self) -> AdminPage:
        """The admin page: the overview and the active members (for the user form)."""
        members = [AdminMember(id=m.id, name=m.name, team=m.team) for m in org.active_members_all(self.ctx)]
        return AdminPage(**dict(self.overview()), members=members)

    def _check_team(self, err: forms.Errors, field: str, team_id: int | None) -> None:
        if team_id is not None and all(t.id != team_id for t in S.list_teams(self.ctx.store)):
            err.add(field, "unknown_team")

    def create_user(self, data: Mapping[str, Any]) -> Created:
        self._admin()
        store = self.ctx.store
        err = forms.Errors()
        raw = forms.text(err, "username", data.get("username"), required=True, max_len=100)
        username = clean(raw) if raw is not None else None  # NFKC: ａｄｍｉｎ is admin
        if username is not None and (problem := name_problem(username)):
            err.add("username", problem)
        password = data.get("password")
        if problem := password_problem(password, username):
            err.add("password", problem)
        role = forms.text(err, "role", data.get("role"), required=True, max_len=20)
        if role is not None and role not in ROLES:
            err.add("role", "bad_choice")
        display = forms.text(err, "display_name", data.get("display_name"), max_len=200)
        team_id = forms.integer(err, "team_id", data.get("team_id"), lo=1)
        member_id = forms.integer(err, "member_id", data.get("member_id"), lo=1)
        if role in (Role.PARTNER, Role.VIEWER, Role.MANAGER) and team_id is None:
            err.add("team_id", "required")
        self._check_team(err, "team_id", team_id)
        if member_id is not None and not S.member_exists(store, member_id):
            err.add("member_id", "unknown_member")
        if username is not None and (clash := clashes(username, S.usernames(store))):
            err.add("username", clash)  # taken (Admin beside admin) or lookalike (аdmin)
        err.check()
        assert username is not None and role is not None and isinstance(password, str)
        name = username
        new_id = S.insert_user(
            store,
            name,
            hash_password(password),
            role,
            display,
            team_id,
            member_id,
            self.ctx.now(),
            username_key=username_key(name),
            taken=lambda existing: clashes(name, existing),  # asked again under the write lock
            audit=audit_hook(self.ctx, "user_created", "users", name),
        )
        return Created(ok=True, id=new_id)

    def update_user(self, user_id: int, data: Mapping[str, Any]) -> Ok:
        """Change a user's role and scope team, or (``active`` = false) deactivate them."""
        me = self._admin()
        err = forms.Errors()
        values: dict[str, Any] = {}
        if "role" in data:
            role = forms.text(err, "role", data.get("role"), required=True, max_len=20)
            if role is not None and role not in ROLES:
                err.add("role", "bad_choice")
            values["role"] = role
        if "team_id" in data:
            values["team_id"] = forms.integer(err, "team_id", data.get("team_id"), lo=1)
        if "active" in data:
            values["active"] = str(data.get("active")).lower() in ("1", "true", "on", "yes")
        if user_id == me.id and (values.get("active") is False or values.get("role", "admin") != Role.ADMIN):
            err.add("role", "not_self")
        self._check_team(err, "team_id", values.get("team_id"))
        err.check()
        hook = audit_hook(self.ctx, "user_updated", "users", user_id)
        if values and not S.update_user(self.ctx.store, user_id, self.ctx.now(), hook, **values):
            raise NotFoundError("user_unknown", user=str(user_id))
        return Ok(ok=True)

    def create_team(self, data: Mapping[str, Any]) -> Created:
        self._admin()
        err = forms.Errors()
        name = forms.text(err, "name", data.get("name"), required=True, max_len=200)
        parent = forms.integer(err, "parent_id", data.get("parent_id"), lo=1)
        kind = forms.text(err, "kind", data.get("kind"), max_len=20) or "in_house"
        if kind not in ("in_house", "agency"):
            err.add("kind", "bad_choice")
        client = forms.text(err, "client", data.get("client"), max_len=200)
        self._check_team(err, "parent_id", parent)
        err.check()
        assert name is not None
        hook = audit_hook(self.ctx, "team_created", "teams", name)
        return Created(ok=True, id=S.insert_team(self.ctx.store, name, parent, kind, client, hook))

    def update_team(self, team_id: int, data: Mapping[str, Any]) -> Ok:
        """Rename (``name``) or move (``parent_id``; empty: to the top) a team."""
        self._admin()
        store = self.ctx.store
        err = forms.Errors()
        values: dict[str, Any] = {}
        if "name" in data:
            values["name"] = forms.text(err, "name", data.get("name"), required=True, max_len=200)
        if all(t.id != team_id for t in S.list_teams(store)):
            raise NotFoundError("team_unknown", team=str(team_id))
        if "parent_id" in data:
            parent = forms.integer(err, "parent_id", data.get("parent_id"), lo=1)
            self._check_team(err, "parent_id", parent)
            if parent is not None and parent in team_subtree(store, team_id):
                err.add("parent_id", "team_cycle")
            values["parent_id"] = parent
        err.check()
        if values:
            S.update_team(store, team_id, audit_hook(self.ctx, "team_updated", "teams", team_id), **values)
        return Ok(ok=True)

    def set_funnel_stages(self, text: str | None) -> StagesSaved:
        """One stage per line (empty: back to the model's or the default stages)."""
        user = self._admin()
        err = forms.Errors()
        raw = text if isinstance(text, str) else ""
        stages = [s.strip() for s in raw.splitlines() if s.strip()]
        if len(raw) > 5000 or len(stages) > 20 or any(len(s) > 60 for s in stages):
            err.add("stages", "too_long")
        elif len(set(stages)) != len(stages):
            err.add("stages", "duplicate")
        elif len(stages) == 1:
            err.add("stages", "too_few")
        err.check()
        hook = audit_hook(self.ctx, "setting_changed", "app_settings", S.FUNNEL_STAGES)
        S.set_setting(self.ctx.store, S.FUNNEL_STAGES, stages or None, user.username, self.ctx.now(), hook)
        return StagesSaved(ok=True, items=stages)

    def set_company_holidays(self, text: str | None) -> HolidaysSaved:
        """Dates and ranges (``2026-12-29..2027-01-03``), one per line or comma-separated."""
        user = self._admin()
        err = forms.Errors()
        raw = text if isinstance(text, str) else ""
        items = [s.strip() for s in raw.replace(",", "\n").splitlines() if s.strip()]
        days: set[date] = set()
        if len(raw) > 20000:
            err.add("holidays", "too_long")
        else:
            for item in items:
                try:
                    days.update(parse_holidays([item]))
                except (RashinbanError, ValueError):
                    err.add("holidays", "bad_date")
                    break
        if len(days) > 3000:
            err.add("holidays", "too_long")
        err.check()
        out = sorted(days)
        value = [d.isoformat() for d in out] or None
        hook = audit_hook(self.ctx, "setting_changed", "app_settings", S.COMPANY_HOLIDAYS)
        S.set_setting(self.ctx.store, S.COMPANY_HOLIDAYS, value, user.username, self.ctx.now(), hook)
        return HolidaysSaved(ok=True, items=out)
