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
from typing import Any

import yaml

from rashinban.kpi.calendar import parse_holidays
from rashinban.kpi.errors import FormulaError, ModelError, PeriodError
from rashinban.kpi.formula import parse, refs
from rashinban.kpi.model import Member, Model, Node
from rashinban.kpi.numbers import parse_number
from rashinban.kpi.units import Direction, Period, Unit

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
}
UNIT_ALIASES = {"円": Unit.YEN, "件": Unit.COUNT, "名": Unit.COUNT, "%": Unit.RATIO, "rate": Unit.RATIO}


class _Loc:
    """Where we are in the file, to build errors."""

    def __init__(self, file: str) -> None:
        self.file = file

    def error(self, code: str, line: int, node: str | None = None, **params: Any) -> ModelError:
        return ModelError(code, file=self.file, line=line, node=node, **params)


def _line(n: yaml.Node) -> int:
    return int(n.start_mark.line) + 1


def _mapping(n: yaml.Node, loc: _Loc, what: str, node: str | None = None) -> dict[str, yaml.Node]:
    if not isinstance(n, yaml.MappingNode):
        raise loc.error("model_expected_mapping", _line(n), node, what=what)
    out: dict[str, yaml.Node] = {}
    keys: dict[str, yaml.Node] = {}
    for k, v in n.value:
        if not isinstance(k, yaml.ScalarNode):
            raise loc.error("model_bad_key", _line(k), node, what=what)
        key = str(k.value)
        if key in out:
            raise loc.error("model_duplicate_key", _line(k), node, key=key, first=_line(keys[key]))
        out[key] = v
        keys[key] = k
    return out


def _check_keys(m: dict[str, yaml.Node], allowed: set[str], loc: _Loc, node: str | None) -> None:
    for key, v in m.items():
        if key not in allowed:
            close = difflib.get_close_matches(key, sorted(allowed), n=1)
            raise loc.error(
                "model_unknown_key",
                _line(v),
                node,
                key=key,
                suggestion=close[0] if close else "",
                allowed=", ".join(sorted(allowed)),
            )


def _scalar(n: yaml.Node, loc: _Loc, field: str, node: str | None = None) -> str:
    if not isinstance(n, yaml.ScalarNode):
        raise loc.error("model_expected_scalar", _line(n), node, field=field)
    return str(n.value)


def _text(n: yaml.Node, loc: _Loc, field: str, node: str | None = None) -> str:
    value = _scalar(n, loc, field, node).strip()
    if not value:
        raise loc.error("model_empty_value", _line(n), node, field=field)
    return value


def _number(n: yaml.Node, loc: _Loc, field: str, node: str | None = None) -> Fraction:
    raw = _scalar(n, loc, field, node)
    value = parse_number(raw)
    if value is None:
        raise loc.error("model_not_a_number", _line(n), node, field=field, value=raw)
    return value


def _int(n: yaml.Node, loc: _Loc, field: str, lo: int, hi: int, node: str | None = None) -> int:
    value = _number(n, loc, field, node)
    if value.denominator != 1 or not lo <= value <= hi:
        raise loc.error("model_int_range", _line(n), node, field=field, value=n.value, lo=lo, hi=hi)
    return int(value)


def _bool(n: yaml.Node, loc: _Loc, field: str, node: str | None = None) -> bool:
    raw = _scalar(n, loc, field, node).strip().lower()
    if raw in {"true", "yes", "on", "1"}:
        return True
    if raw in {"false", "no", "off", "0"}:
        return False
    raise loc.error("model_not_a_bool", _line(n), node, field=field, value=n.value)


def _choice(n: yaml.Node, loc: _Loc, field: str, choices: list[str], node: str | None = None) -> str:
    raw = _scalar(n, loc, field, node).strip()
    if raw not in choices:
        raise loc.error(
            "model_bad_choice", _line(n), node, field=field, value=raw, allowed=", ".join(choices)
        )
    return raw


def _date(n: yaml.Node, loc: _Loc, field: str) -> date:
    raw = _scalar(n, loc, field).strip().replace("/", "-")
    try:
        y, m, d = (int(p) for p in raw.split("-"))
        return date(y, m, d)
    except (ValueError, TypeError):
        raise loc.error("model_bad_date", _line(n), None, field=field, value=n.value) from None


def _unit(n: yaml.Node, loc: _Loc, node: str) -> Unit:
    raw = _scalar(n, loc, "unit", node).strip()
    if raw in UNIT_ALIASES:
        return UNIT_ALIASES[raw]
    try:
        return Unit(raw)
    except ValueError:
        raise loc.error(
            "model_bad_choice",
            _line(n),
            node,
            field="unit",
            value=raw,
            allowed=", ".join(u.value for u in Unit),
        ) from None


def _period(n: yaml.Node, loc: _Loc, node: str | None) -> Period:
    raw = _scalar(n, loc, "period", node).strip()
    aliases = {"year": "fiscal_year", "annual": "fiscal_year", "monthly": "month", "weekly": "week"}
    raw = aliases.get(raw, raw)
    try:
        return Period(raw)
    except ValueError:
        raise loc.error(
            "model_bad_choice",
            _line(n),
            node,
            field="period",
            value=raw,
            allowed=", ".join(p.value for p in Period),
        ) from None


def _check_value(node: Node, field: str, value: Fraction, loc: _Loc, line: int) -> None:
    """Bounds that follow from the unit: rates in (0, 1], no negative volumes."""
    if value < 0:
        raise loc.error("model_negative", line, node.id, field=field, value=float(value))
    if node.unit is Unit.RATIO:
        if value > 1:
            raise loc.error("model_ratio_above_one", line, node.id, field=field, value=float(value))
        if value == 0 and node.direction is Direction.HIGHER:
            raise loc.error("model_zero_rate", line, node.id, field=field)


def _node(nid: str, n: yaml.Node, loc: _Loc) -> Node:
    line = _line(n)
    if not NODE_ID.match(nid) or nid in RESERVED_IDS:
        raise loc.error("model_bad_node_id", line, nid, id=nid)
    if isinstance(n, yaml.ScalarNode) and n.value in ("", None):
        raise loc.error("model_expected_mapping", line, nid, what=nid)
    m = _mapping(n, loc, nid, nid)
    _check_keys(m, NODE_KEYS, loc, nid)
    if "name" not in m:
        raise loc.error("model_missing_key", line, nid, key="name")
    if "unit" not in m:
        raise loc.error("model_missing_key", line, nid, key="unit")
    lines = tuple((k, _line(v)) for k, v in m.items())
    kw: dict[str, Any] = {
        "id": nid,
        "name": _text(m["name"], loc, "name", nid),
        "unit": _unit(m["unit"], loc, nid),
        "line": line,
        "field_lines": lines,
    }
    for key in ("name_en", "definition", "owner", "ksf", "measure"):
        if key in m:
            kw[key] = _text(m[key], loc, key, nid)
    if "direction" in m:
        kw["direction"] = Direction(_choice(m["direction"], loc, "direction", ["higher", "lower"], nid))
    if "role" in m:
        kw["role"] = _choice(m["role"], loc, "role", ["main", "aux"], nid)
    if "kind" in m:
        kind = _choice(m["kind"], loc, "kind", ["manual", "measured", "derived"], nid)
        kw["manual"] = kind == "manual"
    if "controllable" in m:
        kw["controllable"] = _bool(m["controllable"], loc, "controllable", nid)
    if "additive" in m:
        kw["additive"] = _bool(m["additive"], loc, "additive", nid)
    if "period" in m:
        kw["period"] = _period(m["period"], loc, nid)
    if "formula" in m:
        text = _text(m["formula"], loc, "formula", nid)
        try:
            kw["expr"] = parse(text)
        except FormulaError as e:
            raise e.located(file=loc.file, line=_line(m["formula"]), node=nid) from None
        kw["formula_text"] = text
    node = Node(**kw)
    for key in ("target", "assume"):
        if key in m:
            value = _number(m[key], loc, key, nid)
            _check_value(node, key, value, loc, _line(m[key]))
            node = replace(node, target=value) if key == "target" else replace(node, assume=value)
    return node


def _members(n: yaml.Node, loc: _Loc) -> tuple[Member, ...]:
    if isinstance(n, yaml.ScalarNode):
        count = _int(n, loc, "members", 1, 100_000)
        width = max(2, len(str(count)))
        return tuple(Member(f"rep{i:0{width}d}") for i in range(1, count + 1))
    if not isinstance(n, yaml.SequenceNode):
        raise loc.error("model_members_shape", _line(n))
    members: list[Member] = []
    for item in n.value:
        if isinstance(item, yaml.ScalarNode):
            members.append(Member(_text(item, loc, "members")))
            continue
        m = _mapping(item, loc, "members")
        _check_keys(m, {"name", "weight", "team"}, loc, None)
        if "name" not in m:
            raise loc.error("model_missing_key", _line(item), None, key="members.name")
        weight = Fraction(1)
        if "weight" in m:
            weight = _number(m["weight"], loc, "weight")
            if weight <= 0:
                raise loc.error("model_bad_weight", _line(m["weight"]), None, value=m["weight"].value)
        team = _text(m["team"], loc, "team") if "team" in m else None
        members.append(Member(_text(m["name"], loc, "members.name"), weight, team))
    names = [mb.name for mb in members]
    dupes = sorted({x for x in names if names.count(x) > 1})
    if dupes:
        raise loc.error("model_duplicate_member", _line(n), None, names=", ".join(dupes))
    if not members:
        raise loc.error("model_members_shape", _line(n))
    return tuple(members)


def parse_model(text: str, file: str = "<model>") -> Model:
    """Parse and validate a model file's text.  Raises :class:`ModelError` with a location."""
    loc = _Loc(file)
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
    top = _mapping(root, loc, "model")
    _check_keys(top, MODEL_KEYS, loc, None)
    for key in ("name", "kgi", "nodes"):
        if key not in top:
            raise loc.error("model_missing_key", _line(root), None, key=key)
    nodes_map = _mapping(top["nodes"], loc, "nodes")
    if not nodes_map:
        raise loc.error("model_no_nodes", _line(top["nodes"]))
    nodes = {nid: _node(nid, n, loc) for nid, n in nodes_map.items()}
    kgi = _text(top["kgi"], loc, "kgi")
    if kgi not in nodes:
        close = difflib.get_close_matches(kgi, list(nodes), n=1)
        raise loc.error(
            "model_unknown_kgi", _line(top["kgi"]), kgi, kgi=kgi, suggestion=close[0] if close else ""
        )
    kw: dict[str, Any] = {
        "name": _text(top["name"], loc, "name"),
        "kgi": kgi,
        "nodes": nodes,
        "file": file,
        "line": _line(root),
        "field_lines": tuple((k, _line(v)) for k, v in top.items()),
    }
    if "description" in top:
        kw["description"] = _text(top["description"], loc, "description")
    if "period" in top:
        kw["period"] = _period(top["period"], loc, None)
    if "fiscal_year_start" in top:
        kw["fiscal_year_start"] = _int(top["fiscal_year_start"], loc, "fiscal_year_start", 1, 12)
    if "members" in top:
        kw["members"] = _members(top["members"], loc)
    if "holidays" in top:
        hn = top["holidays"]
        if not isinstance(hn, yaml.SequenceNode):
            raise loc.error("model_expected_list", _line(hn), None, field="holidays")
        days: set[date] = set()
        for h in hn.value:
            try:
                days.update(parse_holidays([_text(h, loc, "holidays")]))
            except PeriodError:
                raise loc.error("model_bad_date", _line(h), None, field="holidays", value=h.value) from None
        kw["holidays"] = tuple(sorted(days))
    if "deadline" in top:
        kw["deadline"] = _date(top["deadline"], loc, "deadline")
    if "plan_period" in top:
        kw["plan_period"] = _text(top["plan_period"], loc, "plan_period")
    if "tolerance" in top:
        tol = _number(top["tolerance"], loc, "tolerance")
        if not 0 <= tol < 1:
            raise loc.error(
                "model_int_range",
                _line(top["tolerance"]),
                None,
                field="tolerance",
                value=top["tolerance"].value,
                lo=0,
                hi=1,
            )
        kw["tolerance"] = tol
    if "business_days_per_year" in top:
        kw["business_days_per_year"] = _int(
            top["business_days_per_year"], loc, "business_days_per_year", 1, 366
        )
    if "max_main_kpis" in top:
        kw["max_main_kpis"] = _int(top["max_main_kpis"], loc, "max_main_kpis", 1, 100)
    extra = {}
    for key in ("measures", "teams", "funnel", "status", "template"):
        if key in top:
            extra[key] = yaml.safe_load(yaml.serialize(top[key]))  # kept for later layers
            extra[f"{key}__line"] = _line(top[key])
    kw["extra"] = extra
    model = Model(**kw)
    validate_references(model)
    return model


def validate_references(model: Model) -> None:
    """Unknown references and cycles, reported at the formula's line."""
    for node in model.nodes.values():
        if node.expr is None:
            continue
        for ref in refs(node.expr):
            if ref not in model.nodes:
                close = difflib.get_close_matches(ref, list(model.nodes), n=1)
                raise ModelError(
                    "model_unknown_ref",
                    file=model.file,
                    line=node.line_of("formula"),
                    node=node.id,
                    ref=ref,
                    suggestion=close[0] if close else "",
                )
    cycle = find_cycle(model)
    if cycle:
        first = model.nodes[cycle[0]]
        raise ModelError(
            "model_cycle",
            file=model.file,
            line=first.line_of("formula"),
            node=first.id,
            cycle=" → ".join([*cycle, cycle[0]]),
        )


def find_cycle(model: Model) -> list[str]:
    """One cycle of formula references, or an empty list."""
    white, grey, black = 0, 1, 2
    color = dict.fromkeys(model.nodes, white)
    path: list[str] = []

    def visit(nid: str) -> list[str]:
        color[nid] = grey
        path.append(nid)
        for child in model.nodes[nid].children:
            if color.get(child) == grey:
                return path[path.index(child) :]
            if color.get(child) == white:
                found = visit(child)
                if found:
                    return found
        path.pop()
        color[nid] = black
        return []

    for nid in model.nodes:
        if color[nid] == white:
            found = visit(nid)
            if found:
                return found
    return []
