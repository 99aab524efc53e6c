"""Imports by someone who may write only part of the organisation (a manager).

Every row of such an import must stay inside the importer's scope, or it is rejected (with
the reason ``out_of_scope`` and the owner named in the report) — never written:

* rows of a table with an owner (deals, leads, contracts, surveys, contacts: ``owner_id``;
  activities: ``member_id``) need an owner among the importer's members — the owner the file
  gives, else the stored one — and a stored row must already belong to one of them (a deal
  of another department cannot be taken over by naming oneself its owner);
* stage history rows follow their deal's owner; members, spend and teams follow their team;
* rows of shared tables without an owner (accounts, products, campaigns …) may be added but
  a stored row may not be changed.

Members and teams named in the file are not created for such an importer.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

MEMBER_OWNED = {
    "deals": "owner_id",
    "leads": "owner_id",
    "contracts": "owner_id",
    "surveys": "owner_id",
    "contacts": "owner_id",
    "activities": "member_id",
}
TEAM_OWNED = {"members": "team_id", "spend": "team_id"}
ORG_TABLES = frozenset({"members", "teams"})


@dataclass(frozen=True)
class ImportScope:
    """The members and teams an importer may write (their branch of the organisation)."""

    members: frozenset[int]
    teams: frozenset[int]


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def prepare(conn: sa.Connection, scope: ImportScope) -> None:
    """The scope as two small temporary tables the conditions read."""
    for name, ids in (("_scope_m", scope.members), ("_scope_t", scope.teams)):
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {name}")
        conn.exec_driver_sql(f"CREATE TEMP TABLE {name} (id BIGINT)")
        if ids:
            values = ", ".join(f"({int(i)})" for i in sorted(ids))
            conn.exec_driver_sql(f"INSERT INTO {name} VALUES {values}")


def condition(table: str, columns: list[str], src: str) -> tuple[str, str]:
    """(SQL true for a row of ``_res_all`` r that is in scope, SQL of the owner id to name in
    a reject).  ``columns``: the table's columns the file sets; ``src``: the source literal."""
    stored = f"(SELECT t.{{col}} FROM {table} t WHERE t.source = {src} AND t.external_id = r.external_id)"
    exists = f"EXISTS (SELECT 1 FROM {table} t WHERE t.source = {src} AND t.external_id = r.external_id"
    if table in MEMBER_OWNED or table in TEAM_OWNED:
        col = MEMBER_OWNED.get(table) or TEAM_OWNED[table]
        ids = "_scope_m" if table in MEMBER_OWNED else "_scope_t"
        old = stored.format(col=_q(col))
        new = f"r.{_q(col)}" if col in columns else "NULL"
        owner = f"COALESCE({new}, {old})"
        ok = (
            f"{owner} IN (SELECT id FROM {ids}) AND NOT {exists} "
            f"AND (t.{_q(col)} IS NULL OR t.{_q(col)} NOT IN (SELECT id FROM {ids})))"
        )
        return ok, owner
    if table == "deal_stage_history":
        deal = f"COALESCE({'r.deal_id' if 'deal_id' in columns else 'NULL'}, {stored.format(col='deal_id')})"
        owner = f"(SELECT d.owner_id FROM deals d WHERE d.id = {deal})"
        return f"{owner} IN (SELECT id FROM _scope_m)", owner
    if table == "teams":
        given = "r.parent_id" if "parent_id" in columns else "NULL"
        parent = f"COALESCE({given}, {stored.format(col='parent_id')})"
        ok = (
            f"{parent} IN (SELECT id FROM _scope_t) AND NOT {exists} "
            "AND t.id NOT IN (SELECT id FROM _scope_t))"
        )
        return ok, "NULL"
    changed = " OR ".join(f"r.{_q(c)} IS DISTINCT FROM t.{_q(c)}" for c in columns) or "FALSE"
    return f"NOT {exists} AND ({changed}))", "NULL"


def owner_name(conn: sa.Connection, table: str, owner: object) -> str:
    """The owner to name in a reject: a member's or team's name, or ``—``."""
    if owner is None:
        return "—"
    kind = "teams" if table in TEAM_OWNED or table == "teams" else "members"
    name = conn.execute(sa.text(f"SELECT name FROM {kind} WHERE id = :i"), {"i": owner}).scalar()
    return str(name) if name is not None else "—"
