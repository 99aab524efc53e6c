"""Members as administrators fix them: rename, move between teams, merge two into one (the
facts of the merged member re-pointed), each audited — for the admin page, the API and
``rashinban members``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rashinban.app import audit, forms, org
from rashinban.app.context import AppContext
from rashinban.app.results.members import MemberChanged, MemberInfo, MembersList, MembersMerged, TeamChoice
from rashinban.errors import NotFoundError, UsageError
from rashinban.ingest.people import NEW, Choices
from rashinban.org.roles import Permission
from rashinban.org.scopes import MEMBER, TEAM
from rashinban.store import members as store_members
from rashinban.store.admin import list_teams
from rashinban.store.audit import CONFIG


def _info(m: store_members.MemberRow) -> MemberInfo:
    return MemberInfo(
        id=m.id,
        name=m.name,
        email=m.email,
        team_id=m.team_id,
        team=m.team,
        role=m.role,
        active=m.active,
        source=m.source,
        external_id=m.external_id,
        deals=m.deals,
        leads=m.leads,
        activities=m.activities,
    )


class Members:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    def _admin(self) -> None:
        self.ctx.require(Permission.ADMINISTER)

    def overview(self) -> MembersList:
        self._admin()
        rows = store_members.list_members(self.ctx.store)
        rows.sort(key=lambda m: (m.team_id is not None, m.team or "", m.name))
        teams = [TeamChoice(id=t.id, name=t.name) for t in list_teams(self.ctx.store)]
        return MembersList(
            members=[_info(m) for m in rows], teams=teams, teamless=sum(m.team_id is None for m in rows)
        )

    def find(self, text: str) -> int:
        """A member id from an id, an external id or a name (NotFoundError)."""
        found = org.scope_index(self.ctx).find(str(text), MEMBER)
        if found is None:
            raise NotFoundError("scope_unknown", kind="member", value=str(text))
        return found.id

    def rename(self, member_id: int, data: Mapping[str, Any]) -> MemberChanged:
        self._admin()
        err = forms.Errors()
        name = forms.text(err, "name", data.get("name"), required=True, max_len=200)
        email = forms.text(err, "email", data.get("email"), max_len=200)
        if email is not None and "@" not in email:
            err.add("email", "bad_email")
        err.check()
        values: dict[str, Any] = {"name": name}
        if email is not None:
            values["email"] = email
        return self._update(member_id, values, "member_renamed")

    def move(self, member_id: int, data: Mapping[str, Any]) -> MemberChanged:
        self._admin()
        err = forms.Errors()
        raw = data.get("team_id", data.get("team"))
        team_id = None
        if raw is None or str(raw).strip() == "":
            err.add("team_id", "required")
        else:
            scopes = org.scope_index(self.ctx)
            text = str(raw).strip()
            key = (TEAM, int(text)) if text.isdigit() else None
            if key is not None and key in scopes.scopes:
                team_id = key[1]
            else:
                found = scopes.find(text, TEAM)
                team_id = found.id if found is not None else None
            if team_id is None:
                err.add("team_id", "unknown_team")
        err.check()
        return self._update(member_id, {"team_id": team_id}, "member_moved")

    def merge(self, member_id: int, data: Mapping[str, Any]) -> MembersMerged:
        """Merge ``member_id`` into ``into`` (a member id or name): its facts move, it goes."""
        self._admin()
        err = forms.Errors()
        raw = forms.text(err, "into", data.get("into"), required=True, max_len=200)
        err.check()
        assert raw is not None
        try:
            into = self.find(raw)
        except NotFoundError:
            err.add("into", "unknown_member")
            err.check()
            raise
        if into == member_id:
            err.add("into", "merge_self")
            err.check()
        gone = store_members.member(self.ctx.store, member_id)
        if gone is None:
            raise NotFoundError("scope_unknown", kind="member", value=str(member_id))
        moved = store_members.merge(self.ctx.store, member_id, into, self.ctx.actor, self.ctx.now())
        self.ctx.refresh()
        kept = store_members.member(self.ctx.store, into)
        assert kept is not None
        detail = {"merged": member_id, "merged_name": gone.name, "into": into, "moved": moved}
        audit.record(
            self.ctx,
            audit.event(
                self.ctx,
                "member_merged",
                CONFIG,
                table="members",
                key=str(member_id),
                before={
                    "id": gone.id,
                    "name": gone.name,
                    "source": gone.source,
                    "external_id": gone.external_id,
                },
                after={"id": kept.id, "name": kept.name},
                detail=detail,
            ),
        )
        return MembersMerged(member=_info(kept), merged_id=member_id, merged_name=gone.name, moved=moved)

    def _update(self, member_id: int, values: dict[str, Any], action: str) -> MemberChanged:
        changed = store_members.update(self.ctx.store, member_id, **values)
        if changed is None:
            raise NotFoundError("scope_unknown", kind="member", value=str(member_id))
        self.ctx.refresh()
        before, after = changed
        if before:
            audit.record(
                self.ctx,
                audit.event(
                    self.ctx, action, CONFIG, table="members", key=str(member_id), before=before, after=after
                ),
            )
        row = store_members.member(self.ctx.store, member_id)
        assert row is not None
        return MemberChanged(member=_info(row), before=before, after=after)

    # choices for an import ---------------------------------------------------------------------
    def import_choices(
        self, owners: list[str] | None = None, team: str | None = None, stages: list[str] | None = None
    ) -> Choices:
        """``--owner LABEL=MEMBER`` (a member id, external id or name; ``new:TEAM`` creates one
        in that team), ``--owners-team TEAM`` and ``--stage FROM=TO`` as an import's choices."""
        scopes = org.scope_index(self.ctx)

        def team_id(text: str) -> int:
            found = scopes.find(text, TEAM)
            if found is None:
                raise UsageError("scope_unknown", kind="team", value=text)
            return found.id

        out = Choices()
        for item in owners or []:
            label, sep, who = item.rpartition("=")
            if not sep or not label.strip() or not who.strip():
                raise UsageError("option_bad_pair", option="--owner", value=item)
            who = who.strip()
            if who.startswith(NEW):  # new:TEAM — a new member is always created in a team
                out.owners[label.strip()] = f"{NEW}{team_id(who.removeprefix(NEW))}"
            else:
                out.owners[label.strip()] = str(self.find(who))
        for item in stages or []:
            src, sep, dst = item.partition("=")
            if not sep or not src.strip() or not dst.strip():
                raise UsageError("option_bad_pair", option="--stage", value=item)
            out.stages[src.strip()] = dst.strip()
        out.team = team_id(team) if team else None
        return out
