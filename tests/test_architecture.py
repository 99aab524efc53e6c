"""Layering rules that keep the engine pure and the edges thin."""

from __future__ import annotations

import ast
from pathlib import Path

PKG = Path(__file__).resolve().parent.parent / "rashinban"
IO_NAMES = {"open", "print", "input"}
IO_MODULES = {"os", "pathlib", "subprocess", "socket", "sqlalchemy", "duckdb", "requests", "shutil", "io"}


def _imports(tree: ast.AST) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
    return out


def test_kpi_package_is_pure() -> None:
    for path in (PKG / "kpi").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for mod in _imports(tree):
            top = mod.split(".")[0]
            assert top not in IO_MODULES, f"{path.name} imports {mod}"
            if mod.startswith("rashinban."):
                assert mod.startswith(("rashinban.kpi", "rashinban.errors")), f"{path.name} imports {mod}"
        calls = {
            n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
        }
        assert not calls & IO_NAMES, f"{path.name} calls {calls & IO_NAMES}"


def test_no_print_outside_the_cli() -> None:
    for path in PKG.rglob("*.py"):
        if "cli" in path.relative_to(PKG).parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        calls = [
            n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", None) == "print"
        ]
        assert not calls, f"print() in {path}"


def test_one_root_exception() -> None:
    for path in PKG.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and any(
                isinstance(b, ast.Name) and b.id in {"Exception", "ValueError", "RuntimeError"}
                for b in node.bases
            ):
                assert node.name == "RashinbanError", (
                    f"{path}: {node.name} does not derive from RashinbanError"
                )
