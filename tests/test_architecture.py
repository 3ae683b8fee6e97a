"""Layer rules from design.md that a test can enforce.

How imports are counted (for the circle and layer rules below): every `import` and `from ... import`
anywhere in a module, at top level *and inside functions or classes*, because an import inside a
function is a dependency all the same, only hidden. For circles, imports under `if TYPE_CHECKING:` are not
counted: they never run, and naming a type for an annotation is exactly what such a block is for. For the
layer rules (no textual below ui, ui reaches sandbox through one module) they are counted. An import of
`a.b.c` counts as a dependency on `a.b.c` (and on `a.b.c.name` when `name` is a submodule), not on the
packages `a` and `a.b` around it: a package's `__init__` re-exporting its modules is not a circle.

Some rules are checked per layer (cloud, config, sandbox, ui, the top-level modules), so a failure says
which layer breaks a rule and lists the offenders one per line.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "cwos_tui"
NO_UI_LAYERS = ("cloud", "config", "sandbox")
LAYERS = ("cloud", "config", "sandbox", "ui", "top-level")
MAX_LINES = 400
#: the one module of cwos_tui/ui that may start the demo sandbox (design.md: ui reaches sandbox through it)
SANDBOX_LAUNCHER = "cwos_tui/ui/launcher.py"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 and parts[1] in LAYERS else "top-level"


def package_modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_nodes(node: ast.AST, type_checking: bool = False) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement under `node`, in functions too; `if TYPE_CHECKING:` bodies only if asked."""
    for child in ast.iter_child_nodes(node):
        if not type_checking and isinstance(child, ast.If) and _is_type_checking(child.test):
            for other in child.orelse:
                yield from _import_nodes_in(other, type_checking)
            continue
        yield from _import_nodes_in(child, type_checking)


def _import_nodes_in(node: ast.AST, type_checking: bool) -> Iterator[ast.Import | ast.ImportFrom]:
    if isinstance(node, ast.Import | ast.ImportFrom):
        yield node
    yield from _import_nodes(node, type_checking)


def imported_modules(path: Path, *, type_checking: bool = False) -> set[str]:
    """Absolute names of what `path` imports (relative imports resolved); `from m import x` gives m and m.x.

    `type_checking=True` also counts imports under `if TYPE_CHECKING:` (the layer rules do: a layer that
    must not know textual must not name it in annotations either).
    """
    tree = ast.parse(path.read_text(), filename=str(path))
    own = module_name(path).split(".")
    if path.name != "__init__.py":
        own = own[:-1]  # the package a relative import starts from
    names: set[str] = set()
    for node in _import_nodes(tree, type_checking):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
            continue
        base = ".".join(own[: len(own) - node.level + 1] if node.level else [])
        module = ".".join(part for part in (base, node.module or "") if part)
        names.add(module)
        names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def import_graph() -> dict[str, set[str]]:
    """cwos_tui module -> the cwos_tui modules it imports (names that are not modules are dropped)."""
    modules = package_modules()
    return {name: {m for m in imported_modules(path) if m in modules and m != name} for name, path in modules.items()}


def import_circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted, biggest first."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(circles, key=lambda c: (-len(c), c))


def describe_circle(graph: dict[str, set[str]], members: list[str]) -> str:
    """`a -> b -> c -> a` for one shortest loop through the component, plus the component's size."""
    inside = set(members)
    start = members[0]
    paths = {start: [start]}
    queue = [start]
    loop: list[str] = []
    while queue and not loop:
        node = queue.pop(0)
        for nxt in sorted(graph[node] & inside):
            if nxt == start:
                loop = [*paths[node], start]
                break
            if nxt not in paths:
                paths[nxt] = [*paths[node], nxt]
                queue.append(nxt)
    edges = "; ".join(f"{m} imports {', '.join(sorted(graph[m] & inside))}" for m in members)
    return f"{' -> '.join(loop)}\n    {len(members)} modules in this circle: {', '.join(members)}\n    {edges}"


# ---- the rules -----------------------------------------------------------------------------------


def test_the_checker_counts_function_imports_and_skips_type_checking():
    """The checker itself: what counts as an import, and what a circle is."""
    source = ast.parse(
        "import a\ndef f():\n    import b\nclass C:\n    from c import d\n"
        "if TYPE_CHECKING:\n    import hidden\nelse:\n    import e\n"
    )
    found = {node.module or "" for node in _import_nodes(source) if isinstance(node, ast.ImportFrom)}
    found |= {alias.name for node in _import_nodes(source) if isinstance(node, ast.Import) for alias in node.names}
    assert found == {"a", "b", "c", "e"}
    assert "hidden" in {a.name for n in _import_nodes(source, True) if isinstance(n, ast.Import) for a in n.names}
    assert "cwos_tui.config.locations" in imported_modules(PACKAGE / "config" / "__init__.py")
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert import_circles(graph) == [["a", "b", "c"]]
    assert describe_circle(graph, ["a", "b", "c"]).startswith("a -> b -> c -> a")


def test_cloud_config_and_sandbox_never_import_textual_or_ui():
    offenders = []
    for layer in NO_UI_LAYERS:
        for path in (PACKAGE / layer).rglob("*.py"):
            for name in imported_modules(path, type_checking=True):
                if name.split(".")[0] in ("textual", "rich") or name.startswith("cwos_tui.ui"):
                    offenders.append(f"{path.relative_to(PACKAGE)} imports {name}")
    assert offenders == []


def test_sandbox_shares_only_the_policy_package_with_the_client():
    offenders = []
    for path in (PACKAGE / "sandbox").rglob("*.py"):
        for name in imported_modules(path, type_checking=True):
            if name.startswith("cwos_tui.cloud") and not name.startswith("cwos_tui.cloud.policy"):
                offenders.append(f"{path.relative_to(PACKAGE)} imports {name}")
    assert offenders == []


def test_importing_the_service_layer_loads_neither_textual_nor_boto3():
    code = (
        "import sys, cwos_tui.cloud.control_plane, cwos_tui.cloud.storage, cwos_tui.config.settings;"
        "print(sorted(m for m in ('textual', 'boto3', 'botocore') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize("layer", LAYERS)
def test_no_import_circles(layer):
    """No module imports itself back, even through imports inside functions (TYPE_CHECKING excepted)."""
    graph = import_graph()
    circles = [c for c in import_circles(graph) if any(layer_of(m) == layer for m in c)]
    assert not circles, f"import circles in {layer}:\n" + "\n".join(describe_circle(graph, c) for c in circles)


def test_ui_reaches_the_sandbox_through_one_launcher_module():
    importers = sorted(
        str(path.relative_to(ROOT))
        for path in (PACKAGE / "ui").rglob("*.py")
        if any(name == "cwos_tui.sandbox" or name.startswith("cwos_tui.sandbox.")
               for name in imported_modules(path, type_checking=True))
    )
    others = [p for p in importers if p != SANDBOX_LAUNCHER]
    assert importers == [SANDBOX_LAUNCHER], (
        f"only {SANDBOX_LAUNCHER} may import cwos_tui.sandbox; "
        + ("also imported by:\n" + "\n".join(others) if others else f"{SANDBOX_LAUNCHER} does not")
    )


@pytest.mark.parametrize("layer", LAYERS)
def test_no_module_over_400_lines(layer):
    too_long = [
        f"{path.relative_to(ROOT)}: {count} lines"
        for name, path in package_modules().items()
        if layer_of(name) == layer and (count := len(path.read_text().splitlines())) > MAX_LINES
    ]
    assert not too_long, f"modules over {MAX_LINES} lines in {layer}:\n" + "\n".join(too_long)


MAX_FUNCTION_LINES = 60


def test_no_function_over_60_lines():
    """design.md: functions short enough to read at once (docstrings and nested helpers counted)."""
    import ast

    too_long = []
    for path in package_modules().values():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    too_long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}: {length} lines")
    assert not too_long, f"functions over {MAX_FUNCTION_LINES} lines:\n" + "\n".join(too_long)
