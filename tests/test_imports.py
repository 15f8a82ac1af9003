"""The library's import graph has no cycle, and lower layers never import the chapters.

Edges are every ``import``/``from ... import`` of a ``hessbook`` module anywhere in a module,
at module level or inside a function (a lazy import that closes a cycle is still a cycle:
it hides a registry filled by importing, or two modules that should be one). ``from
hessbook.pkg import name`` counts as an edge to ``hessbook.pkg.name`` when that is a module.
"""

from __future__ import annotations

import ast
from pathlib import Path

LIB = Path(__file__).resolve().parents[1] / "lib"
PACKAGE = LIB / "hessbook"


def _module_name(path: Path) -> str:
    parts = path.relative_to(LIB).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _imports(name: str, path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names]
        else:
            continue
        out |= {t for t in targets if t in MODULES and t != name}
    return out


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def _cycle() -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(GRAPH[node]):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(GRAPH):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_import_graph_has_no_cycle():
    cycle = _cycle()
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_lower_layers_do_not_import_chapters_or_the_kit_upwards():
    lower = ["hessbook.params", "hessbook.store", "hessbook.data", "hessbook.train", "hessbook.models",
             "hessbook.curvature", "hessbook.attacks", "hessbook.catalog"]
    for name, deps in GRAPH.items():
        if any(name == m or name.startswith(m + ".") for m in lower):
            upward = sorted(d for d in deps if d.startswith(("hessbook.chapters", "hessbook.kit", "hessbook.build")))
            assert not upward, f"{name} imports {upward}"


def test_the_graph_is_real():
    """The parser sees the edges it should (so the two tests above can fail)."""
    assert "hessbook.store" in GRAPH["hessbook.train"]
    assert "hessbook.data" in GRAPH["hessbook.train"]
    assert "hessbook.attacks.registry" in GRAPH["hessbook.attacks.training"]
