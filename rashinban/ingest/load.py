"""Writing typed batches into the store: set-based upserts keyed by (source, external_id).

Each batch goes into a staging relation (DuckDB: the Arrow batch itself, scanned in
place; PostgreSQL: a temporary table filled by ``COPY``), then a handful of statements do
the work for the whole batch inside the caller's transaction:

1. rows referenced with ``create: true`` that do not exist yet are created;
2. references are resolved to ids, duplicates in the batch collapse to the last row, and
   each row is compared with the stored one (``_res``);
3. changed rows get an audit-log row (before/after JSON of the imported columns) and
   are updated; new rows are inserted with writer-assigned ids.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import sqlalchemy as sa

from rashinban.ingest.people import People
from rashinban.ingest.scope import ORG_TABLES, ImportScope, condition, owner_name, prepare
from rashinban.ingest.spec import PartSpec
from rashinban.ingest.validate import REF_PREFIX, ColumnPlan, Notes, PartPlan, Reject
from rashinban.store.ids import next_id_sql
from rashinban.store.schema import metadata

_PG_TYPES = {
    pa.string(): "TEXT",
    pa.float64(): "DOUBLE PRECISION",
    pa.int64(): "BIGINT",
    pa.bool_(): "BOOLEAN",
    pa.date32(): "DATE",
    pa.timestamp("us"): "TIMESTAMP",
}


@dataclass
class Counts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, other: Counts) -> None:
        self.inserted += other.inserted
        self.updated += other.updated
        self.unchanged += other.unchanged


@dataclass
class BatchResult:
    counts: Counts
    rejects: list[Reject] = field(default_factory=list)
    notes: Notes = field(default_factory=Notes)
    created: dict[str, int] = field(default_factory=dict)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class Loader:
    """Upserts batches of one import, inside one transaction on ``conn``."""

    def __init__(self, conn: sa.Connection, source: str, run_id: int, actor: str, now: datetime) -> None:
        self.conn = conn
        self.source = source
        self.run_id = run_id
        self.actor = actor
        self.now = now
        self.is_pg = conn.dialect.name == "postgresql"
        self._stage_cols: tuple[str, ...] | None = None
        self.memory_limits: tuple[str, str] | None = None  # DuckDB: (while staging, while writing)
        self.scope: ImportScope | None = None  # a manager's import: rows outside it are rejected
        self.people: People | None = None  # owners matched to members, stages to the funnel (people.py)
        self._total = 0  # rows in _res
        self._src_literal = "'" + source.replace("'", "''") + "'"
        if self.is_pg:
            # bulk joins: freshly loaded tables have no statistics yet, and a nested loop
            # planned on "7 rows" takes seconds; hash joins are right for batches anyway
            conn.exec_driver_sql("SET LOCAL enable_nestloop = off")

    def _raw(self) -> Any:
        """The driver's own connection (DuckDB: Arrow registration; psycopg: COPY)."""
        raw = self.conn.connection.driver_connection
        assert raw is not None
        return raw

    # staging ----------------------------------------------------------------------
    def stage(self, table: pa.Table) -> None:
        """Append a typed batch to the part's staging table (``_stage``)."""
        if table.num_rows == 0:
            return
        cols = tuple(table.column_names)
        if self._stage_cols != cols:
            self.conn.exec_driver_sql("DROP TABLE IF EXISTS _stage")
            defs = ", ".join(f"{_q(c)} {_PG_TYPES.get(table.schema.field(c).type, 'TEXT')}" for c in cols)
            # DuckDB: a table of the database file, created and dropped inside the import's
            # transaction (never committed), so that its row groups go to disk as they fill
            # instead of staying in memory like a TEMP table's
            kind = "TEMP TABLE" if self.is_pg else "TABLE"
            if self.memory_limits:  # staging: keep DuckDB's buffers small
                self.conn.exec_driver_sql(f"SET memory_limit = '{self.memory_limits[0]}'")
            self.conn.exec_driver_sql(f"CREATE {kind} _stage ({defs})")
            self._stage_cols = cols
        collist = ", ".join(_q(c) for c in cols)
        raw = self._raw()
        if not self.is_pg:  # DuckDB scans the Arrow batch in place
            # (a relation, not register(): registered tables stay alive after unregister)
            rel = raw.from_arrow(table)
            rel.insert_into("_stage")
            del rel
            return
        buf = io.BytesIO()
        pacsv.write_csv(table, buf, pacsv.WriteOptions(include_header=False, quoting_style="needed"))
        with raw.cursor() as cur, cur.copy(f"COPY _stage ({collist}) FROM STDIN WITH (FORMAT csv)") as copy:
            view = buf.getbuffer()
            step = 1 << 20
            for i in range(0, len(view), step):
                copy.write(view[i : i + step])

    # the part ---------------------------------------------------------------------
    def finish_part(self, plan: PartPlan) -> BatchResult:
        """Upsert everything staged for ``plan`` in a few set-based statements."""
        result = BatchResult(Counts())
        if self._stage_cols is None:
            return result
        try:
            staged = self._scalar("SELECT COUNT(*) FROM _stage")
            if self.is_pg:
                self.conn.exec_driver_sql("ANALYZE _stage")
            if self.people is not None:
                self._match_people(plan)
            for col in plan.ref_columns:
                assert col.spec.ref is not None
                if self.people is not None and col.spec.ref.table == "members":
                    continue  # matched to members (or chosen, or created) by _match_people
                if col.spec.ref.create and not (self.scope and col.spec.ref.table in ORG_TABLES):
                    made = self._create_refs(
                        col.spec.ref.table, REF_PREFIX + col.spec.target, col.spec.ref.prefix
                    )
                    if made:
                        header = col.headers[0] if col.headers else ""
                        result.notes.add("created_refs", made, column=header, table=col.spec.ref.table)
            if self.memory_limits:
                self.conn.exec_driver_sql(f"SET memory_limit = '{self.memory_limits[1]}'")
            self._resolve(plan, staged, result)
            self._write(plan, result)
        finally:
            self.conn.exec_driver_sql("DROP VIEW IF EXISTS _res")
            self.conn.exec_driver_sql("DROP VIEW IF EXISTS _res_all")
            self.conn.exec_driver_sql("DROP TABLE IF EXISTS _stage")
            self._stage_cols = None
        return result

    def _match_people(self, plan: PartPlan) -> None:
        """Owners of the staged rows matched to members; stage labels to the funnel."""
        assert self.people is not None
        cols = set(self._stage_cols or ())
        for col in plan.ref_columns:
            assert col.spec.ref is not None
            name = REF_PREFIX + col.spec.target
            if col.spec.ref.table != "members" or name not in cols:
                continue
            rows = self.conn.exec_driver_sql(
                f"SELECT {_q(name)}, COUNT(*) FROM _stage WHERE {_q(name)} IS NOT NULL GROUP BY 1"
            ).all()
            self.people.owners({str(r[0]): int(r[1]) for r in rows})
        if plan.part.table in ("deals", "deal_stage_history") and "stage" in cols:
            rows = self.conn.exec_driver_sql("SELECT stage, COUNT(*) FROM _stage GROUP BY 1").all()
            counts = {str(r[0]): int(r[1]) for r in rows if r[0] is not None}
            labels = {str(k) for c in plan.columns if c.spec.mapping for k in c.spec.mapping}
            update = sa.text("UPDATE _stage SET stage = :new WHERE stage = :old")
            for old, new in self.people.stages(counts, labels).items():
                self.conn.execute(update, {"new": new, "old": old})

    def _create_refs(self, table: str, column: str, prefix: str) -> int:
        name_expr = f"SUBSTR(x.v, {len(prefix) + 1})" if prefix else "x.v"
        sql = (
            f"INSERT INTO {table} (id, source, external_id, name) "
            f"SELECT {next_id_sql(table)} + ROW_NUMBER() OVER (ORDER BY x.v), "
            f"CAST(:src AS VARCHAR), x.v, {name_expr} "
            f"FROM (SELECT DISTINCT {_q(column)} AS v FROM _stage WHERE {_q(column)} IS NOT NULL) x "
            f"WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE t.source = :src AND t.external_id = x.v)"
        )
        return self.conn.execute(sa.text(sql), {"src": self.source}).rowcount or 0

    def _resolve(self, plan: PartPlan, staged: int, result: BatchResult) -> None:
        """``_res``: a view of the staged rows with references resolved to ids, one row per
        external id, without the rows whose required reference is missing (those are rejects).
        A view, not a copy: the staged rows are held once."""
        part = plan.part
        target = metadata.tables[part.table]
        dialect = self.conn.dialect
        selects = ["s._row", "s.external_id"]
        joins = []
        for i, col in enumerate(plan.columns):
            spec = col.spec
            ctype = target.c[spec.target].type.compile(dialect=dialect)
            if spec.ref is not None and spec.ref.table == "members" and self.people is not None:
                alias = f"r{i}"  # owners: by the mapping people.py wrote for this source
                ref_col = _q(REF_PREFIX + spec.target)
                joins.append(
                    f"LEFT JOIN owner_mappings {alias} "
                    f"ON {alias}.source = {self._src_literal} AND {alias}.value = s.{ref_col}"
                )
                selects.append(f"{alias}.member_id AS {_q(spec.target)}")
                selects.append(f"s.{ref_col} AS {ref_col}")
            elif spec.ref is not None:
                alias = f"r{i}"
                ref_col = _q(REF_PREFIX + spec.target)
                joins.append(
                    f"LEFT JOIN {spec.ref.table} {alias} "
                    f"ON {alias}.source = {self._src_literal} AND {alias}.external_id = s.{ref_col}"
                )
                selects.append(f"{alias}.id AS {_q(spec.target)}")
                selects.append(f"s.{ref_col} AS {ref_col}")
            else:
                selects.append(f"CAST(s.{_q(spec.target)} AS {ctype}) AS {_q(spec.target)}")
        dups = staged - self._scalar("SELECT COUNT(DISTINCT external_id) FROM _stage")
        if dups:  # the last row of each id wins
            inner = (
                f"SELECT {', '.join(selects)}, "
                "ROW_NUMBER() OVER (PARTITION BY s.external_id ORDER BY s._row DESC) AS _rn "
                f"FROM _stage s {' '.join(joins)}"
            )
            body = f"SELECT * FROM ({inner}) r WHERE r._rn = 1"
            if not part.distinct:
                result.notes.add("duplicate_keys", dups, table=part.table)
        else:
            body = f"SELECT {', '.join(selects)} FROM _stage s {' '.join(joins)}"
        self.conn.exec_driver_sql(f"CREATE TEMP VIEW _res_all AS {body}")
        # one scan for every reference: rows without a match, and an example of each
        refs = plan.ref_columns
        parts = ["COUNT(*)"]
        for col in refs:
            ref_col, tgt = _q(REF_PREFIX + col.spec.target), _q(col.spec.target)
            cond = f"{tgt} IS NULL" + (
                "" if not target.c[col.spec.target].nullable else f" AND {ref_col} IS NOT NULL"
            )
            parts += [f"COUNT(*) FILTER (WHERE {cond})", f"MIN({ref_col}) FILTER (WHERE {cond})"]
        summary = self.conn.exec_driver_sql(f"SELECT {', '.join(parts)} FROM _res_all").one()
        self._total = int(summary[0])
        required = []
        for i, col in enumerate(refs):
            missing, example = int(summary[1 + 2 * i]), summary[2 + 2 * i]
            if self._check_refs(col, target, result, missing, example):
                required.append(col.spec.target)
        where = " AND ".join(f"{_q(c)} IS NOT NULL" for c in required)
        if self.scope is not None:
            where = self._scoped(plan, where, result)
        self.conn.exec_driver_sql(
            f"CREATE TEMP VIEW _res AS SELECT * FROM _res_all r{' WHERE ' + where if where else ''}"
        )
        if required or self.scope is not None:
            self._total = self._scalar("SELECT COUNT(*) FROM _res")

    def _scoped(self, plan: PartPlan, where: str, result: BatchResult) -> str:
        """Reject the rows outside the importer's scope (``ingest/scope.py``); the condition
        that keeps the others."""
        assert self.scope is not None
        table = plan.part.table
        prepare(self.conn, self.scope)
        ok, owner = condition(table, [c.spec.target for c in plan.columns], self._src_literal)
        base = f"({where}) AND " if where else ""
        rows = self.conn.exec_driver_sql(
            f"SELECT r._row, r.external_id, {owner} FROM _res_all r WHERE {base}NOT ({ok}) ORDER BY 1"
        ).all()
        for row, ext, who in rows:
            params = {"table": table, "owner": owner_name(self.conn, table, who)}
            result.rejects.append(Reject(int(row), "external_id", str(ext), "out_of_scope", params))
        return f"{base}{ok}"

    def _check_refs(
        self, col: ColumnPlan, target: sa.Table, result: BatchResult, missing: int, example: object
    ) -> bool:
        """Reject rows whose required reference is missing, note optional ones; True when the
        reference is required (its rows without a match are left out of ``_res``)."""
        spec = col.spec
        assert spec.ref is not None
        ref_col = _q(REF_PREFIX + spec.target)
        required = not target.c[spec.target].nullable
        header = col.headers[0] if col.headers else spec.target
        cut = len(spec.ref.prefix)
        if not missing:
            return required
        if not required:  # count and one example; the rows stay in the database
            if spec.ref.table == "members" and self.people is not None:
                return False  # reported once, by the owner matching (owners_unmatched)
            result.notes.add(
                "unresolved_refs", missing, column=header, table=spec.ref.table, example=str(example)[cut:]
            )
            return False
        rows = self.conn.execute(
            sa.text(
                f"SELECT r._row, r.{ref_col} FROM _res_all r WHERE r.{_q(spec.target)} IS NULL ORDER BY 1"
            )
        ).all()
        for row, value in rows:
            reason = "required" if value is None else "ref_missing"
            shown = None if value is None else str(value)[cut:]
            result.rejects.append(Reject(int(row), header, shown, reason, {"table": spec.ref.table}))
        return True

    def _write(self, plan: PartPlan, result: BatchResult) -> None:
        """Compare, audit and update the rows that were there; insert the new ones."""
        part = plan.part
        cols = [c.spec.target for c in plan.columns]
        params = {
            "src": self.source,
            "now": self.now,
            "actor": self.actor,
            "run": self.run_id,
            "tbl": part.table,
        }
        total = self._total
        existing = self.conn.execute(
            sa.text(f"SELECT 1 FROM {part.table} WHERE source = :src LIMIT 1"), params
        ).first()
        updated = self._update_existing(part.table, cols, params) if existing and cols else 0
        # ids follow the file's row numbers (unique within the part: one row per external id),
        # so no sort is needed; rows not inserted leave gaps, which ids may have
        base = self._scalar(f"SELECT {next_id_sql(part.table)}")
        collist = "".join(", " + _q(c) for c in cols)
        new_only = (
            f" WHERE NOT EXISTS (SELECT 1 FROM {part.table} t "
            "WHERE t.source = :src AND t.external_id = r.external_id)"
            if existing
            else ""
        )
        self.conn.execute(
            sa.text(
                f"INSERT INTO {part.table} (id, source, external_id{collist}) "
                f"SELECT {base} + r._row - 1, CAST(:src AS VARCHAR), r.external_id"
                f"{''.join(', r.' + _q(c) for c in cols)} FROM _res r{new_only}"
            ),
            params,
        )
        inserted = self._scalar(f"SELECT COUNT(*) FROM {part.table} WHERE id > {base}")
        result.counts.add(Counts(inserted, updated, total - inserted - updated))

    def _update_existing(self, table: str, cols: list[str], params: dict[str, Any]) -> int:
        changed = " OR ".join(f"r.{_q(c)} IS DISTINCT FROM t.{_q(c)}" for c in cols)
        self.conn.execute(
            sa.text(
                f"CREATE TEMP TABLE _chg AS SELECT r.*, t.id AS _tid FROM _res r JOIN {table} t "
                f"ON t.source = :src AND t.external_id = r.external_id WHERE {changed}"
            ),
            params,
        )
        try:
            updated = self._scalar("SELECT COUNT(*) FROM _chg")
            if not updated:
                return 0
            fn = "json_build_object" if self.is_pg else "json_object"

            def as_json(alias: str) -> str:
                pairs = ", ".join(f"'{c}', {alias}.{_q(c)}" for c in cols)
                return f"CAST({fn}({pairs}) AS TEXT)"

            self.conn.execute(
                sa.text(
                    "INSERT INTO audit_log (id, occurred_at, actor, action, table_name, row_key, "
                    "before_json, "
                    "after_json, import_run_id) "
                    "SELECT nextval('audit_log_seq'), "
                    "CAST(:now AS TIMESTAMP), CAST(:actor AS VARCHAR), 'update', CAST(:tbl AS VARCHAR), "
                    f"CONCAT(CAST(:src AS VARCHAR), ':', r.external_id), {as_json('t')}, {as_json('r')}, "
                    f"CAST(:run AS BIGINT) FROM _chg r JOIN {table} t ON t.id = r._tid"
                ),
                params,
            )
            sets = ", ".join(f"{_q(c)} = r.{_q(c)}" for c in cols)
            self.conn.execute(sa.text(f"UPDATE {table} SET {sets} FROM _chg r WHERE {table}.id = r._tid"))
            return updated
        finally:
            self.conn.exec_driver_sql("DROP TABLE IF EXISTS _chg")

    def _scalar(self, sql: str) -> int:
        return int(self.conn.exec_driver_sql(sql).scalar_one())

    def run_checks(self, part: PartSpec, notes: Notes) -> None:
        for check in part.checks:
            ids = [
                str(r[0]) for r in self.conn.execute(sa.text(check.sql), {"source": self.source}).fetchall()
            ]
            if ids:
                notes.add(check.note, len(ids), examples=", ".join(ids[:5]))
