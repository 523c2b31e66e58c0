"""Work-breakdown-structure helpers: WBS codes and dependency cycles, without the ORM."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping

from .errors import ToolError


def wbs_codes(lines: Iterable[tuple[Hashable, Hashable | None, int]]) -> dict[Hashable, str]:
    """Number a tree of lines the way project managers read a WBS: 1, 1.1, 1.2, 2...

    ``lines`` holds ``(key, parent_key, sequence)``; siblings are numbered by
    ``(sequence, key)``. A line whose parent is unknown is treated as a root, so a
    half-edited template still gets codes instead of an exception.
    """
    lines = list(lines)
    keys = {key for key, _parent, _seq in lines}
    children: dict[Hashable | None, list[tuple[int, Hashable]]] = {}
    for key, parent, sequence in lines:
        parent = parent if parent in keys and parent != key else None
        children.setdefault(parent, []).append((sequence, key))
    codes: dict[Hashable, str] = {}
    stack: list[tuple[Hashable | None, str]] = [(None, "")]
    while stack:
        parent, prefix = stack.pop()
        siblings = sorted(children.get(parent, []), key=lambda item: (item[0], _order(item[1])))
        for index, (_sequence, key) in enumerate(siblings, start=1):
            if key in codes:  # a parent loop; number each line once
                continue
            codes[key] = f"{prefix}{index}"
            stack.append((key, f"{prefix}{index}."))
    for key in keys - codes.keys():  # lines caught in a parent loop
        codes[key] = "?"
    return codes


def _order(key: Hashable) -> tuple[int, int | str]:
    """Ties on sequence go by creation order: numbers numerically, anything else as text."""
    if isinstance(key, int) and not isinstance(key, bool):
        return (0, key)
    return (1, str(key))


def find_cycle(predecessors: Mapping[Hashable, Iterable[Hashable]]) -> list[Hashable] | None:
    """Return one dependency cycle as ``[a, b, ..., a]`` or None when the graph is acyclic.

    ``predecessors`` maps each node to the nodes it waits for.
    """
    white, grey, black = 0, 1, 2
    colour: dict[Hashable, int] = {}
    nodes = set(predecessors)
    for preds in predecessors.values():
        nodes.update(preds)
    for root in sorted(nodes, key=str):
        if colour.get(root, white) != white:
            continue
        path: list[Hashable] = [root]
        iterators = [iter(predecessors.get(root, ()))]
        colour[root] = grey
        while iterators:
            node = next(iterators[-1], None)
            if node is None:
                colour[path.pop()] = black
                iterators.pop()
                continue
            state = colour.get(node, white)
            if state == grey:
                start = path.index(node)
                return path[start:] + [node]
            if state == white:
                colour[node] = grey
                path.append(node)
                iterators.append(iter(predecessors.get(node, ())))
    return None


def topological_order(predecessors: Mapping[Hashable, Iterable[Hashable]]) -> list[Hashable]:
    """Nodes ordered so every node comes after the nodes it waits for (raises on a cycle)."""
    cycle = find_cycle(predecessors)
    if cycle:
        raise ToolError(
            "dependency_cycle", "dependency cycle: %(cycle)s", cycle=" -> ".join(map(str, cycle))
        )
    order: list[Hashable] = []
    seen: set[Hashable] = set()
    nodes = set(predecessors)
    for preds in predecessors.values():
        nodes.update(preds)

    def visit(node: Hashable) -> None:
        stack = [(node, iter(sorted(predecessors.get(node, ()), key=str)))]
        seen.add(node)
        while stack:
            current, preds = stack[-1]
            pred = next(preds, None)
            if pred is None:
                stack.pop()
                order.append(current)
            elif pred not in seen:
                seen.add(pred)
                stack.append((pred, iter(sorted(predecessors.get(pred, ()), key=str))))

    for node in sorted(nodes, key=str):
        if node not in seen:
            visit(node)
    return order
