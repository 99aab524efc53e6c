"""Reading a model file's text (YAML) into a :class:`Model`, with line numbers.

The text is composed into YAML nodes (which carry their line) and converted by hand, so
that every error names the file, the line and the KPI node.  Reading the file from disk
is the caller's job: this module does no I/O.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import replace
from datetime import date
from fractions import Fraction
from itertools import pairwise
from typing import Any

import yaml

from rashinban.kpi.calendar import parse_holidays
from rashinban.kpi.errors import FormulaError, ModelError, PeriodError
from rashinban.kpi.formula import parse
from rashinban.kpi.model import Member, Model, Node, Relative
from rashinban.kpi.modelrefs import find_cycle, validate_references
from rashinban.kpi.relative import parse_relative
from rashinban.kpi.units import Direction, Unit
from rashinban.kpi.yamlnodes import (
    Loc,
    check_keys,
    lineno,
    read_bool,
    read_choice,
    read_date,
    read_int,
    read_mapping,
    read_number,
    read_period,
    read_scalar,
    read_text,
    read_unit,
)

NODE_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
RESERVED_IDS = frozenset({"min", "max"})

MODEL_KEYS = {
    "name",
    "description",
    "period",
    "fiscal_year_start",
    "kgi",
    "nodes",
    "members",
    "holidays",
    "plan_period",
    "deadline",
    "tolerance",
    "business_days_per_year",
    "max_main_kpis",
    "measures",
    "teams",
    "funnel",
    "status",
    "template",
    "alerts",
}
NODE_KEYS = {
    "name",
    "name_en",
    "unit",
    "formula",
    "target",
    "assume",
    "period",
    "definition",
    "direction",
    "owner",
    "controllable",
    "role",
    "ksf",
    "kind",
    "measure",
    "additive",
    "stretch",
    "floor",
    "yoy",
    "mom",
}
VALUE_KEYS = ("target", "assume", "stretch", "floor")
VOLUME_UNITS = frozenset({Unit.YEN, Unit.USD, Unit.COUNT})


def _check_value(node: Node, field: str, value: Fraction, loc: Loc, line: int) -> None:
    """Bounds that follow from the unit: rates in (0, 1], no negative volumes."""
    if value < 0:
        raise loc.error("model_negative", line, node.id, field=field, value=float(value))
    if node.unit is Unit.RATIO:
        if value > 1:
            raise loc.error("model_ratio_above_one", line, node.id, field=field, value=float(value))
        if value == 0 and node.direction is Direction.HIGHER:
            raise loc.error("model_zero_rate", line, node.id, field=field)


def _node(nid: str, n: yaml.Node, loc: Loc) -> Node:
    line = lineno(n)
    if not NODE_ID.match(nid) or nid in RESERVED_IDS:
        raise loc.error("model_bad_node_id", line, nid, id=nid)
    if isinstance(n, yaml.ScalarNode) and n.value in ("", None):
        raise loc.error("model_expected_mapping", line, nid, what=nid)
    m = read_mapping(n, loc, nid, nid)
    check_keys(m, NODE_KEYS, loc, nid)
    if "name" not in m:
        raise loc.error("model_missing_key", line, nid, key="name")
    if "unit" not in m:
        raise loc.error("model_missing_key", line, nid, key="unit")
    lines = tuple((k, lineno(v)) for k, v in m.items())
    kw: dict[str, Any] = {
        "id": nid,
        "name": read_text(m["name"], loc, "name", nid),
        "unit": read_unit(m["unit"], loc, nid),
        "line": line,
        "field_lines": lines,
    }
    for key in ("name_en", "definition", "owner", "ksf", "measure"):
        if key in m:
            if key == "owner" and isinstance(m[key], yaml.SequenceNode):  # several owner teams
                kw[key] = ", ".join(read_text(item, loc, key, nid) for item in m[key].value)
                continue
            kw[key] = read_text(m[key], loc, key, nid)
    if "direction" in m:
        kw["direction"] = Direction(read_choice(m["direction"], loc, "direction", ["higher", "lower"], nid))
    if "role" in m:
        kw["role"] = read_choice(m["role"], loc, "role", ["main", "aux"], nid)
    if "kind" in m:
        kind = read_choice(m["kind"], loc, "kind", ["manual", "measured", "derived"], nid)
        kw["manual"] = kind == "manual"
    if "controllable" in m:
        kw["controllable"] = read_bool(m["controllable"], loc, "controllable", nid)
    if "additive" in m:
        kw["additive"] = read_bool(m["additive"], loc, "additive", nid)
    if "period" in m:
        kw["period"] = read_period(m["period"], loc, nid)
    if "formula" in m:
        text = read_text(m["formula"], loc, "formula", nid)
        try:
            kw["expr"] = parse(text)
        except FormulaError as e:
            raise e.located(file=loc.file, line=lineno(m["formula"]), node=nid) from None
        kw["formula_text"] = text
    node = Node(**kw)
    relative: list[Relative] = []
    for key in VALUE_KEYS:
        if key not in m:
            continue
        raw = read_scalar(m[key], loc, key, nid).strip()
        rel = parse_relative(raw) if key != "assume" else None
        if rel is not None:
            relative.append(_relative(node, relative, key, rel[0], rel[1], loc, lineno(m[key])))
            continue
        value = read_number(m[key], loc, key, nid)
        if any(r.tier == key for r in relative):
            raise loc.error("model_tier_twice", lineno(m[key]), nid, tier=key)
        if node.unit in VOLUME_UNITS and raw.endswith(("%", "％")):
            # 120% of ¥? of 件? — a yen or count target is an amount; 前年比120% says against what
            raise loc.error("model_percent_on_volume", lineno(m[key]), nid, field=key, value=raw)
        _check_value(node, key, value, loc, lineno(m[key]))
        node = node.with_value(key, value)
    for key in ("yoy", "mom"):
        if key in m:
            factor = read_number(m[key], loc, key, nid)
            relative.append(_relative(node, relative, "target", key, factor, loc, lineno(m[key])))
    if relative:
        node = replace(node, relative=tuple(relative))
    _check_tiers(node, loc)
    return node


def _check_tiers(node: Node, loc: Loc) -> None:
    """floor ≤ target ≤ stretch (the other way round for lower-is-better KPIs)."""
    order = [("floor", node.floor), ("target", node.target), ("stretch", node.stretch)]
    if node.direction is Direction.LOWER:
        order.reverse()
    given = [(name, v) for name, v in order if v is not None]
    for (a, va), (b, vb) in pairwise(given):
        if va > vb:
            line = node.line_of("stretch" if "stretch" in (a, b) else "floor")
            raise loc.error("model_tier_order", line, node.id, low=a, high=b)


def _relative(
    node: Node, seen: list[Relative], tier: str, basis: str, factor: Fraction, loc: Loc, line: int
) -> Relative:
    """A relative tier: not twice, not beside a number for the same tier, a positive factor."""
    if factor <= 0:
        raise loc.error("model_negative", line, node.id, field=tier, value=float(factor))
    if node.tier_value(tier) is not None or any(r.tier == tier for r in seen):
        raise loc.error("model_tier_twice", line, node.id, tier=tier)
    return Relative(tier, basis, factor, line)


def _members(n: yaml.Node, loc: Loc) -> tuple[Member, ...]:
    if isinstance(n, yaml.ScalarNode):
        count = read_int(n, loc, "members", 1, 100_000)
        width = max(2, len(str(count)))
        return tuple(Member(f"rep{i:0{width}d}") for i in range(1, count + 1))
    if not isinstance(n, yaml.SequenceNode):
        raise loc.error("model_members_shape", lineno(n))
    members: list[Member] = []
    for item in n.value:
        if isinstance(item, yaml.ScalarNode):
            members.append(Member(read_text(item, loc, "members")))
            continue
        m = read_mapping(item, loc, "members")
        check_keys(m, {"name", "weight", "team"}, loc, None)
        if "name" not in m:
            raise loc.error("model_missing_key", lineno(item), None, key="members.name")
        weight = Fraction(1)
        if "weight" in m:
            weight = read_number(m["weight"], loc, "weight")
            if weight <= 0:
                raise loc.error("model_bad_weight", lineno(m["weight"]), None, value=m["weight"].value)
        team = read_text(m["team"], loc, "team") if "team" in m else None
        members.append(Member(read_text(m["name"], loc, "members.name"), weight, team))
    names = [mb.name for mb in members]
    dupes = sorted({x for x in names if names.count(x) > 1})
    if dupes:
        raise loc.error("model_duplicate_member", lineno(n), None, names=", ".join(dupes))
    if not members:
        raise loc.error("model_members_shape", lineno(n))
    return tuple(members)


def parse_model(text: str, file: str = "<model>") -> Model:
    """Parse and validate a model file's text.  Raises :class:`ModelError` with a location."""
    loc = Loc(file)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = int(mark.line) + 1 if mark is not None else None
        raise ModelError("model_bad_yaml", file=file, line=line, problem=str(e.problem or e)) from None
    except yaml.YAMLError as e:
        raise ModelError("model_bad_yaml", file=file, problem=str(e)) from None
    if root is None:
        raise ModelError("model_empty", file=file, line=1)
    top = read_mapping(root, loc, "model")
    check_keys(top, MODEL_KEYS, loc, None)
    for key in ("name", "kgi", "nodes"):
        if key not in top:
            raise loc.error("model_missing_key", lineno(root), None, key=key)
    nodes_map = read_mapping(top["nodes"], loc, "nodes")
    if not nodes_map:
        raise loc.error("model_no_nodes", lineno(top["nodes"]))
    nodes = {nid: _node(nid, n, loc) for nid, n in nodes_map.items()}
    kgi = read_text(top["kgi"], loc, "kgi")
    if kgi not in nodes:
        close = difflib.get_close_matches(kgi, list(nodes), n=1)
        raise loc.error(
            "model_unknown_kgi", lineno(top["kgi"]), kgi, kgi=kgi, suggestion=close[0] if close else ""
        )
    kw: dict[str, Any] = {
        "name": read_text(top["name"], loc, "name"),
        "kgi": kgi,
        "nodes": nodes,
        "file": file,
        "line": lineno(root),
        "field_lines": tuple((k, lineno(v)) for k, v in top.items()),
    }
    if "description" in top:
        kw["description"] = read_text(top["description"], loc, "description")
    if "period" in top:
        kw["period"] = read_period(top["period"], loc, None)
    if "fiscal_year_start" in top:
        kw["fiscal_year_start"] = read_int(top["fiscal_year_start"], loc, "fiscal_year_start", 1, 12)
    if "members" in top:
        kw["members"] = _members(top["members"], loc)
    if "holidays" in top:
        hn = top["holidays"]
        if not isinstance(hn, yaml.SequenceNode):
            raise loc.error("model_expected_list", lineno(hn), None, field="holidays")
        days: set[date] = set()
        for h in hn.value:
            try:
                days.update(parse_holidays([read_text(h, loc, "holidays")]))
            except PeriodError:
                raise loc.error("model_bad_date", lineno(h), None, field="holidays", value=h.value) from None
        kw["holidays"] = tuple(sorted(days))
    if "deadline" in top:
        kw["deadline"] = read_date(top["deadline"], loc, "deadline")
    if "plan_period" in top:
        kw["plan_period"] = read_text(top["plan_period"], loc, "plan_period")
    if "tolerance" in top:
        tol = read_number(top["tolerance"], loc, "tolerance")
        if not 0 <= tol < 1:
            raise loc.error(
                "model_int_range",
                lineno(top["tolerance"]),
                None,
                field="tolerance",
                value=top["tolerance"].value,
                lo=0,
                hi=1,
            )
        kw["tolerance"] = tol
    if "business_days_per_year" in top:
        kw["business_days_per_year"] = read_int(
            top["business_days_per_year"], loc, "business_days_per_year", 1, 366
        )
    if "max_main_kpis" in top:
        kw["max_main_kpis"] = read_int(top["max_main_kpis"], loc, "max_main_kpis", 1, 100)
    extra = {}
    for key in ("measures", "teams", "funnel", "status", "template", "alerts"):
        if key in top:
            extra[key] = yaml.safe_load(yaml.serialize(top[key]))  # kept for later layers
            extra[f"{key}__line"] = lineno(top[key])
    kw["extra"] = extra
    model = Model(**kw)
    validate_references(model)
    return model


__all__ = ["find_cycle", "parse_model", "validate_references"]
