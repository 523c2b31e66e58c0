"""A binary heap of (key, item) in two arrays, for the compiled kernels of both planners (numba):
smaller key first, ties by smaller item, so every decode is deterministic."""

from __future__ import annotations

from numba import njit


@njit(cache=True)
def _less(heap_k, heap_i, a, b):  # pragma: no cover - compiled
    """Heap order: smaller key first, then smaller task index (deterministic ties)."""
    return heap_k[a] < heap_k[b] or (heap_k[a] == heap_k[b] and heap_i[a] < heap_i[b])


@njit(cache=True)
def heap_push(heap_k, heap_i, size, key, item):  # pragma: no cover - compiled
    """Add `item` with `key` to the binary heap of `size` entries; returns the new size."""
    pos = size
    heap_k[pos] = key
    heap_i[pos] = item
    while pos > 0:
        parent = (pos - 1) // 2
        if not _less(heap_k, heap_i, pos, parent):
            break
        heap_k[parent], heap_k[pos] = heap_k[pos], heap_k[parent]
        heap_i[parent], heap_i[pos] = heap_i[pos], heap_i[parent]
        pos = parent
    return size + 1


@njit(cache=True)
def heap_pop(heap_k, heap_i, size):  # pragma: no cover - compiled
    """Remove the smallest entry; returns (its item, the new size)."""
    item = heap_i[0]
    size -= 1
    heap_k[0] = heap_k[size]
    heap_i[0] = heap_i[size]
    pos = 0
    while True:
        best = 2 * pos + 1
        if best >= size:
            break
        if best + 1 < size and _less(heap_k, heap_i, best + 1, best):
            best += 1
        if not _less(heap_k, heap_i, best, pos):
            break
        heap_k[best], heap_k[pos] = heap_k[pos], heap_k[best]
        heap_i[best], heap_i[pos] = heap_i[pos], heap_i[best]
        pos = best
    return item, size
