"""No import cycle between modules of `mistral_chat`: each name has one home, imports point down.

Every import counts, including those inside functions and under `TYPE_CHECKING`: a cycle that
only the type checker sees still means two modules that cannot be read, or moved, apart.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache

import grimp

# Cycles known and tolerated: none. Add one only with a reason in docs/decisions.md.
KNOWN: set[frozenset[str]] = set()


def strongly_connected(edges: Mapping[str, Iterable[str]]) -> list[frozenset[str]]:
    """The groups of two or more modules that import each other, directly or not (Tarjan's
    algorithm, iterative so a deep graph cannot exhaust the stack)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[frozenset[str]] = []
    for root in edges:
        if root in index:
            continue
        work = [(root, iter(edges[root]))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(edges[child])))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.add(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(frozenset(group))
    return groups


@cache
def import_graph() -> dict[str, set[str]]:
    graph = grimp.build_graph("mistral_chat", cache_dir=None)
    return {m: set(graph.find_modules_directly_imported_by(m)) for m in sorted(graph.modules)}


def test_the_cycle_finder_finds_cycles() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e2"}, "e2": set()}
    assert strongly_connected(edges) == [frozenset({"a", "b", "c"})]


def test_no_module_of_the_package_imports_itself_back() -> None:
    found = set(strongly_connected(import_graph()))
    new = [sorted(group) for group in found - KNOWN]
    assert not new, f"import cycles: {new}"
    gone = [sorted(group) for group in KNOWN - found]
    assert not gone, f"these cycles are gone: delete them from KNOWN in {__file__}: {gone}"


def test_the_wire_client_never_imports_the_root_package() -> None:
    graph = import_graph()
    importers = {m for m, imported in graph.items() if "mistral_chat" in imported}
    assert not {m for m in importers if m.startswith("mistral_chat.api")}
