"""Layering rules that keep the engine pure, the edges thin and the flow one-way:

sources → store → metrics → analysis → app (one module per area) → service (the facade)
→ CLI / web / jobs.  ``org`` (roles, scopes, access) and ``kpi`` are pure and below all.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

PKG = Path(__file__).resolve().parent.parent / "rashinban"
IO_NAMES = {"open", "print", "input"}
IO_MODULES = {"os", "pathlib", "subprocess", "socket", "sqlalchemy", "duckdb", "requests", "shutil", "io"}
MAX_LINES = 400

# package → packages (and root modules) of ours it must never import
FORBIDDEN: dict[str, set[str]] = {
    "kpi": {"*"},
    "org": {"store", "metrics", "analysis", "ingest", "auth", "app", "service", "web", "cli", "jobs", "demo"},
    "store": {"auth", "analysis", "metrics", "ingest", "app", "service", "web", "cli", "jobs", "demo"},
    "ingest": {"analysis", "metrics", "auth", "app", "service", "web", "cli", "jobs"},
    "metrics": {"analysis", "auth", "app", "service", "web", "cli", "jobs", "ingest"},
    "analysis": {"auth", "app", "service", "web", "cli", "jobs"},
    "app": {"service", "web", "cli", "jobs"},
    "alerts": {
        "store",
        "metrics",
        "analysis",
        "ingest",
        "auth",
        "app",
        "service",
        "web",
        "cli",
        "jobs",
        "demo",
    },
    "jobs": {"web", "cli"},
}
# the edges reach the domain through the facade only (plus their own helpers, the i18n and
# format layer, the error types and the clock); the web and the CLI start the jobs runner
EDGE_ALLOWED = {"service", "errors", "i18n", "clock", "jobs"}
ALLOWED_OWN = {"kpi": {"kpi", "errors"}, "org": {"org", "kpi", "errors"}}


def _modules() -> list[Path]:
    return [p for p in PKG.rglob("*.py") if "migrations" not in p.parts]


def _part(path: Path) -> str:
    """The first-level name under rashinban/ (package or root module)."""
    rel = path.relative_to(PKG).parts
    return rel[0].removesuffix(".py")


def _typing_only(tree: ast.AST) -> set[int]:
    """ids of the nodes inside ``if TYPE_CHECKING:`` blocks (no import at run time)."""
    out: set[int] = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.If)
            and getattr(node.test, "id", getattr(node.test, "attr", "")) == "TYPE_CHECKING"
        ):
            out |= {id(n) for stmt in node.body for n in ast.walk(stmt)}
    return out


def _imports(tree: ast.AST) -> set[str]:
    """Modules imported at run time (``if TYPE_CHECKING:`` imports are annotations only)."""
    skip = _typing_only(tree)
    out: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
            if node.module == "rashinban":
                out |= {f"rashinban.{a.name}" for a in node.names}
    return out


def _ours(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {m.split(".")[1] for m in _imports(tree) if m.startswith("rashinban.")}


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


def test_layers_point_one_way() -> None:
    bad = []
    for path in _modules():
        part = _part(path)
        ours = _ours(path) - {part}
        if part in ALLOWED_OWN:
            bad += [f"{path.relative_to(PKG)} → {m}" for m in ours - ALLOWED_OWN[part]]
        for m in ours & FORBIDDEN.get(part, set()):
            bad.append(f"{path.relative_to(PKG)} → {m}")
        if part in ("web", "cli"):
            bad += [f"{path.relative_to(PKG)} → {m}" for m in ours - EDGE_ALLOWED]
    assert not bad, "layering broken:\n" + "\n".join(sorted(bad))


def test_no_import_cycles_between_packages() -> None:
    graph: dict[str, set[str]] = defaultdict(set)
    for path in _modules():
        part = _part(path)
        if part == "__init__":
            continue
        graph[part] |= _ours(path) - {part}
    # rashinban/jobs/kinds.py sits above the facade (it is an edge like cli/web): the rest
    # of the jobs package is below it
    seen: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        seen[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if seen.get(nxt) == 1:
                cycle = [*stack[stack.index(nxt) :], nxt]
                raise AssertionError("import cycle: " + " → ".join(cycle))
            if nxt not in seen:
                visit(nxt)
        stack.pop()
        seen[node] = 2

    for node in sorted(graph):
        if node not in seen:
            visit(node)


def test_modules_stay_small() -> None:
    big = {
        str(p.relative_to(PKG)): n
        for p in _modules()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not big, f"modules over {MAX_LINES} lines: {big}"


def test_one_clock() -> None:
    """Time comes from rashinban/clock.py only: no date.today(), datetime.now(), time.time()."""
    bad = []
    for path in _modules():
        if path.name == "clock.py" and path.parent == PKG:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                owner = node.func.value
                name = owner.id if isinstance(owner, ast.Name) else getattr(owner, "attr", "")
                if (name, node.func.attr) in {("date", "today"), ("datetime", "now"), ("datetime", "utcnow")}:
                    bad.append(f"{path.relative_to(PKG)}:{node.lineno} {name}.{node.func.attr}()")
                if (name, node.func.attr) == ("time", "time"):
                    bad.append(f"{path.relative_to(PKG)}:{node.lineno} time.time()")
    assert not bad, "\n".join(bad)


def test_writes_go_through_the_store() -> None:
    """Only the store opens writing transactions (Store.transaction bumps the data version in
    the same transaction); the jobs queue's heartbeats are its documented exception."""
    allowed = {"store/db.py", "store/migrate.py", "store/jobs.py"}
    bad = []
    for path in _modules():
        rel = str(path.relative_to(PKG))
        if rel in allowed:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "begin"
            ):
                bad.append(f"{rel}:{node.lineno}")
    assert not bad, "writing transactions outside the store: " + ", ".join(bad)


def test_the_facade_holds_no_logic() -> None:
    """service.py composes app modules: no branches or loops in the facade's methods."""
    tree = ast.parse((PKG / "service.py").read_text(encoding="utf-8"))
    (cls,) = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Rashinban"]
    for fn in [n for n in cls.body if isinstance(n, ast.FunctionDef)]:
        logic = [n for n in ast.walk(fn) if isinstance(n, ast.If | ast.For | ast.While | ast.Try)]
        assert not logic, f"Rashinban.{fn.name} has logic (line {logic[0].lineno})"


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


def test_the_cli_starts_without_the_heavy_libraries() -> None:
    """Every command starts by importing ``rashinban.cli`` (``rashinban --help`` too): the facade
    imports its areas on first use and the analysis imports SciPy, scikit-learn and statsmodels
    in the functions that use them, so starting the CLI loads none of them (nor pandas or Ibis)."""
    code = "import sys, rashinban.cli; print(' '.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = {name.split(".")[0] for name in out.stdout.split()}
    assert "rashinban" in loaded
    assert not loaded & {"statsmodels", "scipy", "sklearn", "lightgbm", "pandas", "ibis"}


def test_every_facade_name_resolves() -> None:
    """The facade's names are imported on first use: each one in ``__all__`` is there."""
    from rashinban import service

    missing = [name for name in service.__all__ if getattr(service, name, None) is None]
    assert not missing, f"rashinban.service does not provide {missing}"
