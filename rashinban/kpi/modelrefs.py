"""Checks across a parsed model: unknown formula references and reference cycles."""

from __future__ import annotations

import difflib

from rashinban.kpi.errors import ModelError
from rashinban.kpi.formula import refs
from rashinban.kpi.model import Model


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
