"""Manual KPIs: values entered by hand (代行費用, the 内製化 KPIs of seed 000 …) per scope and
period, for the web page, the API and ``rashinban manual``.

Each value is a revision with who entered it, when and why (``store/manual.py``) and an
audit-log event; status, the tree and pace read the current values as actuals
(``analysis/manual.py``).  Who may enter what: admins any scope; managers their branch's
teams and members; members themselves; partners the agency team and its members — the
scopes they can see, never the company unless they are admins.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rashinban.app import audit, forms, org
from rashinban.app.context import AppContext
from rashinban.app.models import Models
from rashinban.app.results.common import CompanyRef, MemberRef, ScopeRef, TeamKind, TeamRef
from rashinban.app.results.manual import ManualNode, ManualSaved, ManualValue, ManualValues
from rashinban.errors import ForbiddenError, NotFoundError, PeriodError
from rashinban.kpi.calendar import parse_period, span_of
from rashinban.kpi.model import Model
from rashinban.kpi.numbers import to_float
from rashinban.org.access import ScopeKey
from rashinban.org.roles import Permission, Role, role_of
from rashinban.org.scopes import COMPANY, MEMBER, TEAM
from rashinban.store import manual as manual_store
from rashinban.store.audit import DATA

ModelPath = str | Path | None


class Manual:
    def __init__(self, ctx: AppContext, models: Models) -> None:
        self.ctx = ctx
        self.models = models

    # reading ---------------------------------------------------------------------------------
    def values(
        self, model_path: ModelPath = None, period: str | None = None, limit: int = 200
    ) -> ManualValues:
        """The model's manual KPIs, the current values of the scopes the user sees (of one
        period, or all), and the revision history."""
        ctx = self.ctx
        ctx.require(Permission.READ)
        model = self.models.load(model_path)
        acc = org.access(ctx)
        current = manual_store.current(ctx.store, model.name, [period] if period else None)
        rows = [self._view(model, e) for k, e in current.items() if acc.can_see(_key(k[1], k[2]))]
        history = [
            self._view(model, e)
            for e in reversed(manual_store.history(ctx.store, model.name))
            if acc.can_see(_key(e.scope_type, e.scope_id)) and (period is None or e.period == period)
        ][:limit]
        rows.sort(key=lambda v: (v.node, v.period, v.scope.type, v.scope.id))
        return ManualValues(model=model.name, nodes=self.nodes(model), values=rows, history=history)

    def nodes(self, model: Model) -> list[ManualNode]:
        lang = self.ctx.lang
        return [
            ManualNode(
                id=nid,
                name=n.name_en if lang == "en" and n.name_en else n.name,
                unit=n.unit.value,
                period=model.period_of(nid).value,
                definition=n.definition,
            )
            for nid, n in model.nodes.items()
            if n.manual
        ]

    # writing ---------------------------------------------------------------------------------
    def enter(self, data: Mapping[str, Any], model_path: ModelPath = None) -> ManualSaved:
        """Enter (or clear, with an empty value) one value: ``node``, ``scope`` (company,
        team:ID, member:ID — or a team/member name), ``period``, ``value``, ``note``."""
        ctx = self.ctx
        user = ctx.require(Permission.ENTER_VALUES)
        model = self.models.load(model_path)
        err = forms.Errors()
        nid = forms.text(err, "node", data.get("node"), required=True, max_len=100)
        if nid is not None and (nid not in model.nodes or not model.nodes[nid].manual):
            err.add("node", "not_manual")
        key = self._scope(err, data.get("scope"))
        raw = data.get("value")
        value = None if raw is None or str(raw).strip() == "" else forms.number(err, "value", raw)
        note = forms.text(err, "note", data.get("note"), max_len=500)
        label = forms.text(err, "period", data.get("period"), max_len=30)
        err.check()
        assert nid is not None and key is not None
        period = self._period(err, model, nid, label)
        err.check()
        assert period is not None
        self._check_write(key)
        sid = None if key[0] == COMPANY else key[1]
        author = user.username if user is not None else ctx.actor
        saved = manual_store.save(
            ctx.store, model.name, (nid, key[0], sid, period), value, author, note, ctx.now()
        )
        ctx.refresh()
        if saved is None:
            entry = manual_store.current(ctx.store, model.name, [period]).get((nid, key[0], sid, period))
            if entry is None:  # clearing a value that was not there
                raise NotFoundError("manual_no_value", node=nid, period=period)
            return ManualSaved(value=self._view(model, entry), changed=False)
        detail = {"model": model.name, "node": nid, "scope": f"{key[0]}:{key[1]}", "period": period}
        audit.record(
            ctx,
            audit.event(
                ctx,
                "update",
                DATA,
                table="manual_values",
                key=f"{model.name}:{nid}:{key[0]}:{key[1]}:{period}",
                before={"value": saved.previous},
                after={"value": value, "note": note},
                detail=detail,
            ),
        )
        return ManualSaved(value=self._view(model, saved), changed=True)

    def _scope(self, err: forms.Errors, raw: Any) -> ScopeKey | None:
        text = forms.text(err, "scope", raw, max_len=200)
        if text is None:
            home = org.access(self.ctx).home
            if home is None:
                err.add("scope", "required")
            return home
        scopes = org.scope_index(self.ctx)
        if text == COMPANY:
            return (COMPANY, 0)
        kind, sep, ident = text.partition(":")
        if sep and kind in (TEAM, MEMBER) and ident.isdigit() and (kind, int(ident)) in scopes.scopes:
            return (kind, int(ident))
        for kind in (TEAM, MEMBER):
            found = scopes.find(text, kind)
            if found is not None:
                return (kind, found.id)
        err.add("scope", "bad_scope")
        return None

    def _period(self, err: forms.Errors, model: Model, nid: str, label: str | None) -> str | None:
        """The entry period: a period of the node's own kind (the current one by default)."""
        kind = model.period_of(nid)
        try:
            day = parse_period(label, model.fiscal_year_start).start if label else self.ctx.today()
        except PeriodError:
            err.add("period", "bad_period")
            return None
        return span_of(day, kind, model.fiscal_year_start).label

    def _check_write(self, key: ScopeKey) -> None:
        """Admins and the CLI anything; others the team/member scopes they see — members only
        themselves (never the company)."""
        ctx = self.ctx
        user = ctx.user
        if user is None and ctx.privileged:
            return
        role = role_of(user)
        if role is Role.ADMIN:
            return
        acc = org.access(ctx)
        if key[0] == COMPANY or not acc.can_see(key) or acc.read_only:
            raise ForbiddenError("forbidden_scope", kind=key[0], value=str(key[1]))
        if role is Role.MEMBER and (user is None or key != (MEMBER, user.member_id)):
            raise ForbiddenError("forbidden_scope", kind=key[0], value=str(key[1]))

    def _view(self, model: Model, e: manual_store.ManualEntry) -> ManualValue:
        node = model.nodes.get(e.node)
        lang = self.ctx.lang
        name = (node.name_en if lang == "en" and node.name_en else node.name) if node else e.node
        return ManualValue(
            node=e.node,
            node_name=name,
            unit=node.unit.value if node else "number",
            scope=self._ref(_key(e.scope_type, e.scope_id)),
            period=e.period,
            value=to_float(e.value),
            previous=to_float(e.previous),
            revision=e.revision,
            author=e.author,
            note=e.note,
            entered_at=e.created_at,
        )

    def _ref(self, key: ScopeKey) -> ScopeRef:
        scopes = org.scope_index(self.ctx)
        s = scopes.scopes.get(key)
        name = s.name if s is not None else f"{key[0]}:{key[1]}"
        if key[0] == TEAM:
            kind: TeamKind = "agency" if key[1] in scopes.agency_teams else "in_house"
            return TeamRef(type="team", id=key[1], name=name, kind=kind)
        if key[0] == MEMBER:
            return MemberRef(type="member", id=key[1], name=name, team_id=s.team_id if s else None)
        return CompanyRef(type="company", id=0, name=name)


def _key(stype: str, sid: int | None) -> ScopeKey:
    return (stype, 0 if sid is None else sid)


__all__ = ["Manual", "to_float"]
