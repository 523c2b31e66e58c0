"""Graph helpers of both problem models: topological order, unique ids, a cycle to report."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from optimizer.common.errors import ProblemError


def topological_order(n: int, edges: Iterable[tuple[int, int]]) -> list[int]:
    """Indexes 0..n-1 in a topological order of `edges` (Kahn, stable: ties by index); shorter
    than n when the edges hold a cycle."""
    indeg = [0] * n
    succ: list[list[int]] = [[] for _ in range(n)]
    for a, b in edges:
        succ[a].append(b)
        indeg[b] += 1
    stack = [i for i in range(n - 1, -1, -1) if indeg[i] == 0]
    order: list[int] = []
    while stack:
        i = stack.pop()
        order.append(i)
        for j in reversed(succ[i]):
            indeg[j] -= 1
            if indeg[j] == 0:
                stack.append(j)
    return order


def unique_ids(items: Iterable[Any], path: str) -> dict[str, int]:
    index: dict[str, int] = {}
    for i, item in enumerate(items):
        if item.id in index:
            raise ProblemError(
                f"{path}[{i}].id", f"duplicate id {item.id!r} (first at {path}[{index[item.id]}])"
            )
        index[item.id] = i
    return index


def find_cycle(nodes: set[str], edges: Iterable[tuple[str, str]]) -> list[str]:
    """One dependency cycle among `nodes`, the tasks Kahn's algorithm could not order.

    Every such task has a predecessor that is left too, so walking predecessors must loop; the
    walk is reversed to read in dependency order. (Walking successors could leave the cycle for a
    task that merely lies behind it.)
    """
    pred: dict[str, list[str]] = {n: [] for n in nodes}
    for before, after in edges:
        if before in nodes and after in nodes:
            pred[after].append(before)
    node = min(nodes)
    path: list[str] = []
    seen: dict[str, int] = {}
    while node not in seen:
        seen[node] = len(path)
        path.append(node)
        if not pred[node]:
            return sorted(nodes)  # cannot happen for Kahn's leftovers; stay safe
        node = min(pred[node])
    cycle = path[seen[node] :]
    cycle.reverse()
    return cycle + [cycle[0]]
