"""The package's shape: imports point one way (no cycle), no module hides an import of the
package inside a function, and no module grows past about 600 lines."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "gan_course"
MODULES = sorted(PACKAGE.rglob("*.py"))


def _name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported(node, package: str) -> list[str]:
    """The gan_course modules an import statement names (``from gan_course import data``
    names ``gan_course.data``)."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names if a.name.startswith("gan_course")]
    if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith(
            "gan_course"):
        found = [node.module]
        found += [f"{node.module}.{a.name}" for a in node.names]
        return found
    return []


def _graph() -> dict[str, set[str]]:
    names = {_name(p) for p in MODULES}
    graph = {}
    for path in MODULES:
        me = _name(path)
        tree = ast.parse(path.read_text())
        edges = set()
        for node in tree.body:  # top-level imports only
            edges.update(n for n in _imported(node, me) if n in names and n != me)
        # a subpackage's modules are imported by its __init__: that is not a cycle
        graph[me] = {n for n in edges if not n.startswith(me + ".")}
    return graph


def _cycle(graph):
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        state[node] = "done"
        stack.pop()
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_package_has_no_import_cycle():
    graph = _graph()
    assert graph["gan_course.training"] >= {"gan_course.checkpoints", "gan_course.losses"}
    assert _cycle(graph) is None, " -> ".join(_cycle(graph))


def test_the_cycle_finder_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


@pytest.mark.parametrize("path", MODULES, ids=lambda p: _name(p))
def test_no_module_imports_the_package_inside_a_function(path):
    tree = ast.parse(path.read_text())
    top = set(map(id, tree.body))
    hidden = [node.lineno for node in ast.walk(tree)
              if isinstance(node, (ast.Import, ast.ImportFrom)) and id(node) not in top
              and _imported(node, _name(path))]
    assert not hidden, f"{path.name}: imports of gan_course inside functions at lines {hidden}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: _name(p))
def test_no_module_is_over_about_600_lines(path):
    assert len(path.read_text().splitlines()) <= 650, path.name
