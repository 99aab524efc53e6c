"""``rashinban plan`` as tables that fit the terminal (issue #16 item 6): at 80 columns every
KPI name whole on its line, formulas in words (= 受注件数 × 平均受注単価), the period said once
in the title when every KPI shares it, levers with the same effect on one row, and the split
per member as several tables of the columns that fit (never a cut name or figure).  Node ids
(what ``--set`` takes) are shown from 120 columns."""

from __future__ import annotations

from fractions import Fraction

from rich.console import Console
from rich.table import Table
from rich.text import Text

from rashinban.cli.app import console
from rashinban.i18n import format as fmt
from rashinban.i18n import render_finding, render_needed, t
from rashinban.service import (
    AllocationMode,
    Finding,
    Model,
    Plan,
    Severity,
    Source,
    formula_label,
    node_name,
)

SEVERITY_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
SOURCE_STYLE = {
    Source.STATED: "bold",
    Source.ASSUMED: "cyan",
    Source.SOLVED: "green",
    Source.IMPLIED: "magenta",
    Source.MISSING: "red",
}
WIDE = 120  # from here on the node ids are shown beside the names


def _table(title: str, out: Console) -> Table:
    return Table(title=title, title_justify="left", expand=False)


def _tree_rows(model: Model) -> list[tuple[str, int, bool]]:
    """(node id, depth, repeated) in tree order from the KGI, then unrelated nodes."""
    rows: list[tuple[str, int, bool]] = []
    seen: set[str] = set()

    def walk(nid: str, depth: int) -> None:
        rows.append((nid, depth, nid in seen))
        if nid in seen:
            return
        seen.add(nid)
        for child in model.nodes[nid].children:
            walk(child, depth + 1)

    walk(model.kgi, 0)
    for nid in model.nodes:
        if nid not in seen:
            walk(nid, 0)
    return rows


def _name(model: Model, nid: str, lang: str) -> str:
    return node_name(model, nid, lang) or nid


def render_tier(plan: Plan, tier: str, lang: str, out: Console = console) -> None:
    """A stretch or floor tier's values beside the target's (the tree's volumes)."""
    model = plan.model
    table = _table(t("cli.tier_title", lang, tier=t(f"tier.{tier}", lang)), out)
    table.add_column(t("cli.col_node", lang), no_wrap=True)
    table.add_column(t("cli.col_target", lang), justify="right", no_wrap=True)
    for nid, pv in plan.values.items():
        if pv.value is not None:
            table.add_row(_name(model, nid, lang), fmt.value(pv.value, model.nodes[nid].unit.value, lang))
    out.print(table)


def render_plan(
    plan: Plan, mode: AllocationMode, lang: str, out: Console = console, names: dict[str, str] | None = None
) -> None:
    model = plan.model
    wide = out.width >= WIDE
    periods = {pv.period for pv in plan.values.values()}
    one_period = len(periods) == 1
    title = t("cli.plan_title", lang, name=model.name)
    if one_period:
        title += f" ({t(f'period.{next(iter(periods)).value}', lang)})"
    rows: list[tuple[Text, str, str, Text | str, str]] = []
    formulas: list[str] = []  # below 120 columns: under the table, one a line
    for nid, depth, repeated in _tree_rows(model):
        node = model.nodes[nid]
        pv = plan.values[nid]
        label = Text("  " * max(depth - 1, 0) + ("└ " if depth else ""))
        label.append(_name(model, nid, lang), style="bold" if depth == 0 else "")
        if wide:
            label.append(f" {nid}", style="dim")
        if repeated:
            rows.append((label, "↑", "", "", ""))
            continue
        notes = []
        if node.expr is not None and wide:
            notes.append("= " + formula_label(model, nid, lang).split(" = ", 1)[-1])
        elif node.expr is not None:
            formulas.append(formula_label(model, nid, lang))
        if pv.rounded_from is not None:
            key = (
                "cli.rounded_up"
                if pv.value is not None and pv.value > pv.rounded_from
                else "cli.rounded_down"
            )
            notes.append(t(key, lang, value=fmt.number(pv.rounded_from)))
        if pv.overridden:
            notes.append(t("cli.overridden", lang))
        source = Text(t(f"source.{pv.source.value}", lang), style=SOURCE_STYLE[pv.source])
        period = t(f"period.{pv.period.value}", lang)
        rows.append((label, fmt.value(pv.value, node.unit.value, lang), period, source, "\n".join(notes)))
    has_notes = any(r[4] for r in rows)
    table = _table(title, out)
    table.add_column(t("cli.col_node", lang), no_wrap=True)
    table.add_column(t("cli.col_target", lang), justify="right", no_wrap=True)
    if not one_period:
        table.add_column(t("cli.col_period", lang), no_wrap=True)
    table.add_column(t("cli.col_source", lang), no_wrap=True)
    if has_notes:
        table.add_column(t("cli.col_note", lang), overflow="fold", ratio=1)
    for row in rows:
        cells: list[Text | str] = [row[0], row[1], *([] if one_period else [row[2]]), row[3]]
        table.add_row(*cells, *([row[4]] if has_notes else []))
    out.print(table)
    for line in formulas:
        out.print(Text(f"  {line}"), overflow="fold")
    _render_rounding(plan, lang, out)
    render_levers(plan, lang, out)
    render_allocations(plan, mode, lang, out, names)
    if plan.findings:
        render_findings(model, plan.findings, lang, out)


def _render_rounding(plan: Plan, lang: str, out: Console) -> None:
    model = plan.model
    unit = model.nodes[model.kgi].unit.value
    if plan.kgi_target is None or plan.kgi_forward is None:
        return
    effect = plan.rounding_effect
    if effect == 0:
        out.print(t("cli.rounding_exact", lang, target=fmt.value(plan.kgi_target, unit, lang)))
    elif not any(f.code == "inconsistent_targets" for f in plan.findings):
        sign = "+" if effect and effect > 0 else "-"
        delta = sign + fmt.value(abs(effect or Fraction(0)), unit, lang)
        forward = fmt.value(plan.kgi_forward, unit, lang)
        target = fmt.value(plan.kgi_target, unit, lang)
        out.print(t("cli.rounding_effect", lang, forward=forward, delta=delta, target=target))


def render_levers(plan: Plan, lang: str, out: Console = console) -> None:
    """Levers with the same effect on the KGI (a product's factors all give +1.00%) on one row."""
    if not plan.levers:
        return
    model = plan.model
    unit = model.nodes[model.kgi].unit.value
    wide = out.width >= WIDE
    groups: dict[tuple[Fraction | None, Fraction | None], list[str]] = {}
    for lv in plan.levers:
        node = model.nodes[lv.node]
        name = _name(model, lv.node, lang) + (f" {lv.node}" if wide else "")
        text = f"{name} {fmt.value(lv.value, node.unit.value, lang)}"
        groups.setdefault((lv.elasticity, lv.kgi_delta), []).append(text)
    table = _table(t("cli.levers_title", lang), out)
    table.add_column(t("cli.col_lever", lang), overflow="fold", ratio=1)
    for col in ("col_elasticity", "col_kgi_delta"):
        table.add_column(t(f"cli.{col}", lang), justify="right", no_wrap=True)
    for (elasticity, delta), names in groups.items():
        table.add_row(
            "\n".join(names),
            f"{float(elasticity):+.2f}%" if elasticity is not None else "—",
            ("+" if delta >= 0 else "") + fmt.value(delta, unit, lang) if delta is not None else "—",
        )
    out.print(table)


def _width(texts: list[str], out: Console) -> int:
    return max(out.measure(Text(s)).maximum for s in texts)


def render_allocations(
    plan: Plan, mode: AllocationMode, lang: str, out: Console = console, names: dict[str, str] | None = None
) -> None:
    """The split per member: as many KPI columns per table as fit, the member names in each
    (``names``: the store's names of the model's members)."""
    if not plan.allocations:
        return
    model = plan.model
    shown = [nid for nid in plan.values if plan.additive.get(nid) and plan.values[nid].value is not None]
    ids = list(dict.fromkeys(a.member for a in plan.allocations))
    by = {(a.member, a.node): a.target for a in plan.allocations}
    members = [(names or {}).get(m, m) for m in ids]
    cells = {
        nid: [fmt.value(by.get((m, nid)), model.nodes[nid].unit.value, lang) for m in ids] for nid in shown
    }
    first = _width([t("cli.col_member", lang), *members], out) + 4  # "│ x " and the closing border
    chunks: list[list[str]] = [[]]
    used = first
    for nid in shown:
        col = _width([_name(model, nid, lang), *cells[nid]], out) + 3
        if chunks[-1] and used + col > out.width:
            chunks.append([])
            used = first
        chunks[-1].append(nid)
        used += col
    title = t("cli.allocations_title", lang, mode=mode.value, count=len(members))
    for i, chunk in enumerate(chunks):
        part = f" ({i + 1}/{len(chunks)})" if len(chunks) > 1 else ""
        table = _table(title + part, out)
        table.add_column(t("cli.col_member", lang), no_wrap=True)
        for nid in chunk:
            table.add_column(_name(model, nid, lang), justify="right", no_wrap=True)
        for j, m in enumerate(members):
            table.add_row(m, *(cells[nid][j] for nid in chunk))
        out.print(table)


def render_findings(model: Model, findings: list[Finding], lang: str, out: Console = console) -> None:
    if not findings:
        out.print(t("cli.no_findings", lang))
        return
    if out.width < WIDE:
        _findings_list(model, findings, lang, out)
        return
    table = _table(t("cli.findings_title", lang), out)
    for col in ("col_severity", "col_area", "col_code", "col_node", "col_finding"):
        table.add_column(t(f"cli.{col}", lang), overflow="fold", ratio=3 if col == "col_finding" else None)
    for f in findings:
        text = _finding_text(model, f, lang)
        where = f"{node_name(model, f.node, lang)}" if f.node else ""
        if f.line:
            where += f" [dim](L{f.line})[/]"
        table.add_row(
            Text(t(f"severity.{f.severity.value}", lang), style=SEVERITY_STYLE[f.severity]),
            t(f"area.{f.area}", lang),
            f.code,
            where,
            text,
        )
    out.print(table)


def _finding_text(model: Model, f: Finding, lang: str) -> str:
    text = render_finding(f, lang)
    if f.code == "inconsistent_targets":
        unit_of = {nid: n.unit.value for nid, n in model.nodes.items()}
        needed = [
            render_needed(item, unit_of[item["node"]], node_name(model, item["node"], lang) or "", lang)
            for item in f.params["needed"]
        ]
        text += "".join(f"\n  → {n}" for n in needed)
    return text


def _findings_list(model: Model, findings: list[Finding], lang: str, out: Console) -> None:
    """Findings one after the other (below 120 columns a five-column table leaves the text
    a word a line): severity, area, code and KPI on one line, the finding indented below."""
    out.print(t("cli.findings_title", lang), style="italic")
    for f in findings:
        head = Text("• ")
        head.append(t(f"severity.{f.severity.value}", lang), style=SEVERITY_STYLE[f.severity])
        head.append(f" · {t(f'area.{f.area}', lang)} · {f.code}")
        if f.node:
            head.append(f" · {node_name(model, f.node, lang)}")
        if f.line:
            head.append(f" (L{f.line})", style="dim")
        out.print(head, overflow="fold")
        for line in _finding_text(model, f, lang).splitlines():
            out.print(
                Text(f"  {line.strip()}" if not line.startswith("  →") else f"  {line}"), overflow="fold"
            )
