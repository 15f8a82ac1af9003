"""The library's rooms and their import rules: every module in a room of ``lib/hessbook/README.md``
and no import of a room above its own, no import cycle, no chapter imports another chapter (what
chapters share lives in ``hessbook.papers``), the per-paper pieces import no chapter, and the
curvature never reaches the training engine.

Edges are every ``import``/``from ... import`` of a ``hessbook`` module anywhere in a module,
at module level or inside a function (a lazy import that closes a cycle is still a cycle:
it hides a registry filled by importing, or two modules that should be one); each edge knows
whether it is function-local, and the messages say so. ``from hessbook.pkg import name`` counts
as an edge to ``hessbook.pkg.name`` when that is a module. Every checker is also run on a tiny
fake package that breaks its rule, so each test here can fail.
"""

from __future__ import annotations

import ast
from pathlib import Path

LIB = Path(__file__).resolve().parents[1] / "lib"

Graph = dict[str, dict[str, bool]]
"""module -> {imported module: True when every import of it is function-local}."""


def _module_name(root: Path, path: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(root: Path, package: str) -> Graph:
    """The import graph of ``package`` (a folder under ``root``), parsed with ``ast``."""
    modules = {_module_name(root, p): p for p in (root / package).rglob("*.py")}
    graph: Graph = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text())
        parent = name if path.name == "__init__.py" else name.rpartition(".")[0]
        module_level = {id(node) for node in tree.body}
        edges: dict[str, bool] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = parent.split(".")[: len(parent.split(".")) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
            else:
                continue
            local = id(node) not in module_level and not _in_module_level_block(node, tree)
            for t in targets:
                if t in modules and t != name:
                    edges[t] = edges.get(t, True) and local
        graph[name] = edges
    return graph


def _in_module_level_block(node: ast.AST, tree: ast.Module) -> bool:
    """An import inside a module-level ``if``/``try`` (not inside a function or class) runs on import."""
    def inside(body: list[ast.stmt]) -> bool:
        for stmt in body:
            if stmt is node:
                return True
            if isinstance(stmt, (ast.If, ast.Try)):
                blocks = [stmt.body, stmt.orelse, getattr(stmt, "finalbody", [])]
                blocks += [h.body for h in getattr(stmt, "handlers", [])]
                if any(inside(b) for b in blocks):
                    return True
        return False

    return inside(tree.body)


def _edge(graph: Graph, a: str, b: str) -> str:
    return f"{a} -> {b}" + (" (function-local)" if graph[a][b] else "")


def find_cycle(graph: Graph) -> list[str] | None:
    """One import cycle (its edges in words), or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                ring = stack[stack.index(nxt):] + [nxt]
                return [_edge(graph, a, b) for a, b in zip(ring, ring[1:])]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def _chapter(module: str, chapters: str) -> str | None:
    """The chapter id of a module under ``chapters`` (``<chapters>.y1.claims`` -> ``y1``), or
    None (the registry package itself is no chapter)."""
    rest = module[len(chapters) + 1:] if module.startswith(chapters + ".") else ""
    return rest.split(".")[0] or None


def cross_chapter_imports(graph: Graph, chapters: str) -> list[str]:
    """Every import of one chapter's module by another chapter's."""
    return sorted(_edge(graph, a, b) for a, deps in graph.items() for b in deps
                  if _chapter(a, chapters) and _chapter(b, chapters) and _chapter(a, chapters) != _chapter(b, chapters))


def reaches(graph: Graph, sources: list[str], target: str) -> list[str] | None:
    """A chain of imports from one of ``sources`` to ``target`` (or into its package), or None."""
    seen, todo = set(sources), [[s] for s in sorted(sources)]
    while todo:
        path = todo.pop(0)
        for nxt in sorted(graph[path[-1]]):
            if nxt == target or nxt.startswith(target + "."):
                chain = path + [nxt]
                return [_edge(graph, a, b) for a, b in zip(chain, chain[1:])]
            if nxt not in seen:
                seen.add(nxt)
                todo.append(path + [nxt])
    return None


def under(graph: Graph, package: str) -> list[str]:
    return sorted(m for m in graph if m == package or m.startswith(package + "."))


GRAPH = import_graph(LIB, "hessbook")

ROOMS: tuple[tuple[str, ...], ...] = (
    ("params", "paths", "device", "modes", "progress"),
    ("store", "sweep", "cluster"),
    ("data", "models", "lr", "train", "train_grouped"),
    ("curvature",),
    ("attacks",),
    ("stats", "randmat", "regime"),
    ("catalog", "report", "widgets"),
    ("kit",),
    ("papers",),
    ("chapters",),
    ("registry", "build", "notebooks", "sphinx_glue", "compare", "plan", "compute", "watch"),
)
"""The rooms of ``lib/hessbook/README.md``, from the bottom up, by their modules and packages."""


def room_violations(graph: Graph, package: str, rooms: tuple[tuple[str, ...], ...]) -> list[str]:
    """Every import of a room listed later (upwards), and every module in no room."""
    floor = {name: i for i, room in enumerate(rooms) for name in room}
    out = []
    for a, deps in sorted(graph.items()):
        if a == package:
            continue
        top = a.split(".")[1]
        if top not in floor:
            out.append(f"{a} is in no room: add it to ROOMS and to the rooms' README")
            continue
        out += [_edge(graph, a, b) + " imports upwards" for b in sorted(deps)
                if b != package and floor.get(b.split(".")[1], -1) > floor[top]]
    return out


# ----------------------------------------------------------------------------- the library


def test_import_graph_has_no_cycle():
    cycle = find_cycle(GRAPH)
    assert cycle is None, "import cycle: " + "; ".join(cycle)


def test_every_module_is_in_a_room_and_imports_no_room_above_its_own():
    assert room_violations(GRAPH, "hessbook", ROOMS) == []


def test_the_rooms_readme_names_every_room():
    text = (LIB / "hessbook" / "README.md").read_text()
    assert all(f"`{name}" in text for room in ROOMS for name in room)


def test_lower_layers_do_not_import_chapters_or_the_kit_upwards():
    lower = ["hessbook.params", "hessbook.store", "hessbook.data", "hessbook.train", "hessbook.models",
             "hessbook.curvature", "hessbook.attacks", "hessbook.catalog", "hessbook.stats"]
    for name, deps in GRAPH.items():
        if any(name == m or name.startswith(m + ".") for m in lower):
            upward = sorted(d for d in deps if d.startswith(("hessbook.chapters", "hessbook.kit", "hessbook.build",
                                                             "hessbook.papers")))
            assert not upward, f"{name} imports {upward}"


def test_no_chapter_imports_another_chapter():
    assert cross_chapter_imports(GRAPH, "hessbook.chapters") == []


def test_the_papers_shared_pieces_import_no_chapter():
    upward = [_edge(GRAPH, a, b) for a in under(GRAPH, "hessbook.papers") for b in GRAPH[a]
              if b.startswith("hessbook.chapters")]
    assert upward == []


def test_curvature_does_not_reach_the_training_engine():
    """The curvature sits below training: no module of it imports ``hessbook.train``, directly or
    through another module (the engine finds the curvature's epoch metrics by name)."""
    chain = reaches(GRAPH, under(GRAPH, "hessbook.curvature"), "hessbook.train")
    assert chain is None, "hessbook.curvature reaches the training engine: " + "; ".join(chain)


def test_the_graph_is_real():
    """The parser sees the edges it should, and which are function-local."""
    assert "hessbook.store" in GRAPH["hessbook.train"] and not GRAPH["hessbook.train"]["hessbook.store"]
    assert "hessbook.data" in GRAPH["hessbook.train"]
    assert "hessbook.attacks.registry" in GRAPH["hessbook.attacks.training"]
    assert GRAPH["hessbook.chapters.y1.compute"]["hessbook.papers.yao.networks"] is False
    assert GRAPH["hessbook.chapters.y1.compute"]["hessbook.curvature"] is True  # imported inside _columns
    assert len(under(GRAPH, "hessbook.chapters")) > 50 and len(under(GRAPH, "hessbook.curvature")) > 10


# ----------------------------------------------------------------------------- the checkers can fail


def _fake_package(root: Path, files: dict[str, str]) -> Graph:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return import_graph(root, "pkg")


def test_the_checkers_find_what_breaks_each_rule(tmp_path):
    graph = _fake_package(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/train.py": "from pkg import curvature\n",
        "pkg/curvature/__init__.py": "from pkg.curvature.metrics import m\n",
        "pkg/curvature/metrics.py": "def m():\n    from pkg.helpers import h\n",
        "pkg/helpers.py": "import pkg.train\n",
        "pkg/chapters/__init__.py": "",
        "pkg/chapters/a/__init__.py": "from . import compute\n",
        "pkg/chapters/a/compute.py": "def f():\n    from ..b import g\n",
        "pkg/chapters/b.py": "from pkg.chapters.a import compute\n",
        "pkg/chapters/c/__init__.py": "from pkg.chapters.c import x\nfrom pkg import chapters\n",
        "pkg/chapters/c/x.py": "",
    })
    assert graph["pkg.chapters.a.compute"] == {"pkg.chapters.b": True}  # relative, function-local
    assert graph["pkg.chapters.a"] == {"pkg.chapters.a.compute": False}
    assert find_cycle(graph) == ["pkg.chapters.a.compute -> pkg.chapters.b (function-local)",
                                 "pkg.chapters.b -> pkg.chapters.a.compute"]
    rest = {m: {d: local for d, local in deps.items() if not d.startswith("pkg.chapters")}
            for m, deps in graph.items() if not m.startswith("pkg.chapters")}
    assert find_cycle(rest) == ["pkg.curvature -> pkg.curvature.metrics",
                                "pkg.curvature.metrics -> pkg.helpers (function-local)", "pkg.helpers -> pkg.train",
                                "pkg.train -> pkg.curvature"]
    assert cross_chapter_imports(graph, "pkg.chapters") == [
        "pkg.chapters.a.compute -> pkg.chapters.b (function-local)", "pkg.chapters.b -> pkg.chapters.a.compute"]
    assert room_violations(graph, "pkg", (("curvature", "helpers"), ("train",), ("chapters",))) == [
        "pkg.helpers -> pkg.train imports upwards"]
    assert room_violations(graph, "pkg", (("train",), ("chapters",))) == [
        "pkg.curvature is in no room: add it to ROOMS and to the rooms' README",
        "pkg.curvature.metrics is in no room: add it to ROOMS and to the rooms' README",
        "pkg.helpers is in no room: add it to ROOMS and to the rooms' README"]
    assert reaches(graph, under(graph, "pkg.curvature"), "pkg.train") == [
        "pkg.curvature.metrics -> pkg.helpers (function-local)", "pkg.helpers -> pkg.train"]  # shortest chain
    assert reaches(graph, ["pkg.curvature"], "pkg.train")[0] == "pkg.curvature -> pkg.curvature.metrics"


def test_the_checkers_pass_a_package_that_keeps_the_rules(tmp_path):
    graph = _fake_package(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/train.py": "def metric(name):\n    import importlib\n    return importlib.import_module('pkg.curvature')\n",
        "pkg/curvature/__init__.py": "try:\n    from pkg.helpers import h\nexcept ImportError:\n    pass\n",
        "pkg/helpers.py": "",
        "pkg/shared.py": "",
        "pkg/chapters/__init__.py": "",
        "pkg/chapters/a.py": "from pkg import shared\nfrom pkg.chapters import a\n",
        "pkg/chapters/b/__init__.py": "from pkg.chapters.b import x\n",
        "pkg/chapters/b/x.py": "from pkg import shared\n",
    })
    assert graph["pkg.curvature"] == {"pkg.helpers": False}  # a module-level try still runs on import
    assert find_cycle(graph) is None
    assert cross_chapter_imports(graph, "pkg.chapters") == []
    assert reaches(graph, under(graph, "pkg.curvature"), "pkg.train") is None
    assert room_violations(graph, "pkg", (("helpers", "shared", "curvature"), ("train",), ("chapters",))) == []
