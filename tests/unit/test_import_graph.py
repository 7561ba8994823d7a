"""The import graph of `src/shutter` has no cycles, between modules or between packages.

Dependencies point one way (see docs/architecture.md): features → events → db, and
nothing below imports the application (`context`, `app`). A cycle is where that breaks
down first, so this test finds every one by reading the source with `ast` (nothing is
imported, so it costs a fraction of a second).

- Every `import shutter...` / `from shutter... import ...` counts, at the top of a module
  or inside a function alike: a lazy import only hides a cycle from the interpreter.
- Imports under `if TYPE_CHECKING:` are left out: they exist for the type checker only,
  are never executed, and an annotation naming a type of a higher layer (a Protocol's
  implementer, say) is not a dependency of the code on that layer.
- Package level: a module `shutter.a.b` belongs to package `shutter.a`; a module directly
  under `shutter` (`shutter.context`, `shutter.app`) is a node of its own. `shutter.db`
  importing `shutter.events` and `shutter.events` importing `shutter.db` is a cycle even
  when no two modules import each other.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from pathlib import Path

import shutter

ROOT = Path(shutter.__file__).parent
# Package-level cycles that are known and waiting to be cut. The list only shrinks: a
# new cycle fails the test, and so does one of these that is gone (remove it here).
# - follows <-> users: PATCH /users/me approves the pending follow requests when an
#   account goes public (users.api -> follows.service, in the same transaction), while
#   follows builds on users' rows, counters and presenters.
KNOWN_PACKAGE_CYCLES: set[frozenset[str]] = {frozenset({"shutter.follows", "shutter.users"})}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {
    module_name(path): path
    for path in sorted(ROOT.rglob("*.py"))
    if "migrations" not in path.parts  # alembic's scripts are loaded by alembic
}


def _type_checking_only(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _type_checking_only(node):
            yield from _imports_in(node.orelse)
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        yield from _imports(node)


def _imports_in(nodes: Iterable[ast.AST]) -> Iterator[ast.Import | ast.ImportFrom]:
    for node in nodes:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        yield from _imports(node)


def imported_modules(module: str, path: Path) -> set[str]:
    """The shutter modules `module` imports (`from a import b` is a.b when b is a module)."""
    found: set[str] = set()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in _imports(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names = [base] + [f"{base}.{alias.name}" for alias in node.names]
        for name in names:
            while name and name not in MODULES:
                name = name.rpartition(".")[0]
            if name.startswith("shutter.") and name != module:
                found.add(name)
    return found


def package_of(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:2])


def module_graph() -> dict[str, set[str]]:
    return {module: imported_modules(module, path) for module, path in MODULES.items()}


def package_graph(modules: dict[str, set[str]]) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for module, targets in modules.items():
        source = package_of(module)
        edges = graph.setdefault(source, set())
        edges.update(package_of(target) for target in targets if package_of(target) != source)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_module_imports_itself_round_a_cycle() -> None:
    assert cycles(module_graph()) == []


def test_no_package_imports_itself_round_a_cycle() -> None:
    found = {frozenset(component) for component in cycles(package_graph(module_graph()))}
    assert found - KNOWN_PACKAGE_CYCLES == set(), "new package cycles"
    assert KNOWN_PACKAGE_CYCLES - found == set(), "cut: remove them from KNOWN_PACKAGE_CYCLES"


def test_no_two_packages_import_each_other() -> None:
    graph = package_graph(module_graph())
    pairs = {frozenset({a, b}) for a in graph for b in graph[a] if a in graph.get(b, ())}
    assert pairs - KNOWN_PACKAGE_CYCLES == set()


def test_the_graph_is_read() -> None:
    """A guard against a parser that silently finds nothing."""
    graph = module_graph()
    assert "shutter.db.database" in graph["shutter.events.runtime"]
    assert "shutter.context" in graph["shutter.app"]
