"""Presets as data: what a file's columns mean in the canonical store.

A preset is a small YAML document (``rashinban/ingest/presets/*.yaml``; the ``generic``
preset reads the same shape from the user's mapping file)::

    name: salesforce-opportunity
    source: salesforce            # the ``source`` of every row written
    table: deals                  # or ``parts:`` — a list of these, one per file/table
    key: [Id]                     # header(s) forming ``external_id``; alternatives: [[A], [B, C]]
    columns:
      name: Name                  # canonical column: header (or list of alternative headers)
      amount: {from: Amount}      # the type comes from the store's column (money, date, …)
      owner_id: {from: OwnerId, ref: members, create: true}   # resolve by external_id
      is_won: {from: IsWon, default: false}
      stage: {from: [deal_stage], map: {Won: won}, keep: true}
      currency: {const: USD}

Column options: ``from`` (headers), ``type`` (text, int, number, money, percent, bool,
date, datetime — normally taken from the store), ``required``, ``default``, ``const``,
``map`` (+ ``default``, ``keep`` to keep unmapped labels as they are), ``fix`` (known
misspellings, each reported), ``scale``, ``ref`` (+ ``prefix``, ``only_prefix``,
``create``), ``when`` (a bool column that must be true), ``zero_is_null_when``
(``{column: [labels]}``: zeros that mean "no value"), ``note_empty`` (report empty cells),
``min``/``max`` (the plausible range of a number; percent columns default to 0–100).
Every number is also checked against what its store column can hold (``max_abs``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from rashinban.errors import IngestError
from rashinban.store.schema import metadata

TYPES = ("text", "int", "number", "money", "percent", "bool", "date", "datetime")


@dataclass(frozen=True)
class RefSpec:
    table: str
    prefix: str = ""
    only_prefix: tuple[str, ...] = ()  # Salesforce ids: 00Q… is a lead, 003… a contact
    create: bool = False  # create missing rows (name = the value) and report them


@dataclass(frozen=True)
class ColumnSpec:
    target: str
    sources: tuple[str, ...] = ()
    type: str = "text"
    required: bool = False
    default: Any = None
    const: Any = None
    mapping: dict[str, str] | None = None
    keep_unmapped: bool = False
    fixes: dict[str, str] = field(default_factory=dict)
    scale: float | None = None
    ref: RefSpec | None = None
    when: str | None = None
    zero_is_null_when: dict[str, tuple[str, ...]] | None = None
    note_empty: bool | str = False  # report empty cells; a header name breaks them down by its values
    max_length: int | None = None
    max_abs: float | None = None  # numbers: the store column holds |value| < max_abs
    bounds: tuple[float | None, float | None] | None = None  # numbers: the plausible range


@dataclass(frozen=True)
class CheckSpec:
    """A query run after the load; the external ids it returns are reported as a note."""

    note: str
    sql: str


@dataclass(frozen=True)
class PartSpec:
    table: str
    columns: tuple[ColumnSpec, ...]
    keys: tuple[tuple[str, ...], ...]  # alternatives, each a tuple of headers
    key_prefix: str = ""
    file: str | None = None  # for bundles: the file's name in the same folder
    distinct: bool = False  # many rows per key are expected (teams from a members file)
    checks: tuple[CheckSpec, ...] = ()
    label: str = ""

    @property
    def headers(self) -> list[str]:
        """Every header this part can use, first alternative of each column."""
        out = list(self.keys[0]) if self.keys else []
        for c in self.columns:
            if c.sources and c.sources[0] not in out:
                out.append(c.sources[0])
        return out

    def required_headers(self) -> list[tuple[str, ...]]:
        """Header alternatives that must be present: the key and required columns."""
        req: list[tuple[str, ...]] = []
        if len(self.keys) == 1:
            req.extend((h,) for h in self.keys[0])
        for c in self.columns:
            if c.required and c.sources and c.const is None:
                req.append(c.sources)
        return req


@dataclass(frozen=True)
class Preset:
    name: str
    source: str
    description: str
    description_ja: str
    parts: tuple[PartSpec, ...]

    @property
    def is_bundle(self) -> bool:
        return len(self.parts) > 1


def _as_tuple(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, list | tuple):
        return tuple(str(v) for v in value)
    return (str(value),)


def max_abs_of(table: str, column: str) -> float | None:
    """The magnitude a numeric store column cannot reach (DECIMAL(18, 2): 10^16)."""
    t = metadata.tables[table].c[column].type
    if isinstance(t, sa.BigInteger):
        return float(2**63)
    if isinstance(t, sa.Integer):
        return float(2**31)
    if isinstance(t, sa.Numeric) and not isinstance(t, sa.Float) and t.precision is not None:
        return float(10 ** (t.precision - (t.scale or 0)))
    return None


def column_type(table: str, column: str) -> tuple[str, int | None]:
    """The converter for a store column, from its SQLAlchemy type."""
    col = metadata.tables[table].c[column]
    t = col.type
    if isinstance(t, sa.Boolean):
        return "bool", None
    if isinstance(t, sa.DateTime):
        return "datetime", None
    if isinstance(t, sa.Date):
        return "date", None
    if isinstance(t, sa.Integer):  # BigInteger too
        return "int", None
    if isinstance(t, sa.Numeric):
        return "number", None
    if isinstance(t, sa.String):
        return "text", t.length
    return "text", None


def _column(table: str, target: str, raw: Any, where: str) -> ColumnSpec:
    tbl = metadata.tables[table]
    if target not in tbl.c or target in ("id", "source", "external_id"):
        raise IngestError("preset_bad_column", preset=where, column=target, table=table)
    inferred, length = column_type(table, target)
    if not isinstance(raw, dict):
        raw = {"from": raw}
    unknown = set(raw) - {
        "from",
        "type",
        "required",
        "default",
        "const",
        "map",
        "keep",
        "fix",
        "scale",
        "ref",
        "prefix",
        "only_prefix",
        "create",
        "when",
        "zero_is_null_when",
        "note_empty",
        "min",
        "max",
    }
    if unknown:
        raise IngestError("preset_bad_option", preset=where, column=target, option=", ".join(sorted(unknown)))
    ctype = str(raw.get("type", inferred))
    if ctype not in TYPES:
        raise IngestError(
            "preset_bad_type", preset=where, column=target, type=ctype, allowed=", ".join(TYPES)
        )
    ref = None
    if "ref" in raw:
        ref = RefSpec(
            table=str(raw["ref"]),
            prefix=str(raw.get("prefix", "")),
            only_prefix=_as_tuple(raw.get("only_prefix")),
            create=bool(raw.get("create", False)),
        )
        if ref.table not in metadata.tables:
            raise IngestError("preset_bad_table", preset=where, table=ref.table)
        ctype = "text"
    mapping = raw.get("map")
    zero = raw.get("zero_is_null_when")
    bounds = _bounds(raw, ctype, where, target)
    return ColumnSpec(
        target=target,
        sources=_as_tuple(raw.get("from")),
        type=ctype,
        required=bool(
            raw.get(
                "required",
                not tbl.c[target].nullable
                and tbl.c[target].server_default is None
                and raw.get("default") is None
                and raw.get("const") is None,
            )
        ),
        default=raw.get("default"),
        const=raw.get("const"),
        mapping={str(k): str(v) for k, v in mapping.items()} if isinstance(mapping, dict) else None,
        keep_unmapped=bool(raw.get("keep", False)),
        fixes={str(k): str(v) for k, v in (raw.get("fix") or {}).items()},
        scale=float(raw["scale"]) if "scale" in raw else None,
        ref=ref,
        when=raw.get("when"),
        zero_is_null_when={str(k): _as_tuple(v) for k, v in zero.items()} if isinstance(zero, dict) else None,
        note_empty=raw.get("note_empty", False),
        max_length=length if ctype == "text" and ref is None else None,
        max_abs=max_abs_of(table, target) if ctype in ("int", "number", "money", "percent") else None,
        bounds=bounds,
    )


def _bounds(
    raw: dict[str, Any], ctype: str, where: str, target: str
) -> tuple[float | None, float | None] | None:
    """``min``/``max`` of a number column (a percent column: 0–100 unless it says otherwise)."""
    if "min" not in raw and "max" not in raw:
        return (0.0, 100.0) if ctype == "percent" else None
    out: list[float | None] = []
    for key in ("min", "max"):
        value = raw.get(key)
        try:
            out.append(None if value is None else float(value))
        except (TypeError, ValueError):
            raise IngestError("preset_bad_bound", preset=where, column=target, value=str(value)) from None
    return out[0], out[1]


def parse_part(data: dict[str, Any], where: str) -> PartSpec:
    table = data.get("table")
    if table not in metadata.tables:
        raise IngestError("preset_bad_table", preset=where, table=str(table))
    key = data.get("key")
    if not key:
        raise IngestError("preset_no_key", preset=where)
    alts = key if isinstance(key, list) and key and isinstance(key[0], list) else [key]
    keys = tuple(_as_tuple(a) for a in alts)
    cols = data.get("columns") or {}
    if not isinstance(cols, dict):
        raise IngestError("preset_bad_columns", preset=where)
    columns = tuple(_column(str(table), str(t), raw, where) for t, raw in cols.items())
    missing = [
        c.name
        for c in metadata.tables[str(table)].c
        if not c.nullable
        and c.server_default is None
        and c.name not in ("id", "source", "external_id")
        and c.name not in cols
    ]
    if missing:
        raise IngestError(
            "preset_missing_required", preset=where, table=str(table), columns=", ".join(missing)
        )
    return PartSpec(
        table=str(table),
        columns=columns,
        keys=keys,
        key_prefix=str(data.get("key_prefix", "")),
        file=data.get("file"),
        distinct=bool(data.get("distinct", False)),
        checks=tuple(CheckSpec(note=str(c["note"]), sql=str(c["sql"])) for c in data.get("checks") or ()),
        label=str(data.get("label", table)),
    )


def parse_preset(data: dict[str, Any], where: str) -> Preset:
    if not isinstance(data, dict):
        raise IngestError("preset_bad_columns", preset=where)
    parts_raw = data.get("parts") or [data]
    parts = tuple(parse_part(p, where) for p in parts_raw)
    return Preset(
        name=str(data.get("name", where)),
        source=str(data.get("source", "import")),
        description=str(data.get("description", "")),
        description_ja=str(data.get("description_ja", data.get("description", ""))),
        parts=parts,
    )
