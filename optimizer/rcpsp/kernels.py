"""Compiled kernels of the construction heuristic (numba): serial SGS, forward-backward
improvement, and a random-key genetic algorithm over them.

Modes are fixed before these run. Precedences are edges `start[b] >= start[a] + w` in CSR form;
renewable demands are CSR too (task -> (resource, amount)). Every kernel is deterministic for a
given seed. Nothing here imports OR-Tools.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from optimizer.common.heap import heap_pop, heap_push


@njit(cache=True)
def topo_by_key(key, succ_ptr, succ_idx, indeg0):  # pragma: no cover - compiled
    """Precedence-feasible order: among eligible tasks, the smallest key first (binary heap)."""
    n = key.shape[0]
    indeg = indeg0.copy()
    heap_k = np.empty(n, dtype=np.float64)
    heap_i = np.empty(n, dtype=np.int64)
    size = 0
    for i in range(n):
        if indeg[i] == 0:
            size = heap_push(heap_k, heap_i, size, key[i], i)
    order = np.empty(n, dtype=np.int64)
    count = 0
    while size > 0:
        i, size = heap_pop(heap_k, heap_i, size)
        order[count] = i
        count += 1
        for e in range(succ_ptr[i], succ_ptr[i + 1]):
            j = succ_idx[e]
            indeg[j] -= 1
            if indeg[j] == 0:
                size = heap_push(heap_k, heap_i, size, key[j], j)
    return order


@njit(cache=True)
def sgs(
    order, dur, dem_ptr, dem_res, dem_q, cap, pred_ptr, pred_idx, pred_w, release, usage
):  # pragma: no cover
    """Serial SGS: each task in `order` at its earliest precedence- and resource-feasible start.
    `usage` is a zeroed (resources x horizon) work array, left zeroed on return."""
    n = order.shape[0]
    horizon = usage.shape[1]
    start = np.full(n, -1, dtype=np.int64)
    tmax = 0
    for k in range(n):
        i = order[k]
        t = release[i]
        for e in range(pred_ptr[i], pred_ptr[i + 1]):
            v = start[pred_idx[e]] + pred_w[e]
            if v > t:
                t = v
        d = dur[i]
        if d > 0 and dem_ptr[i + 1] > dem_ptr[i]:
            while True:
                moved = False
                for e in range(dem_ptr[i], dem_ptr[i + 1]):
                    r = dem_res[e]
                    lim = cap[r] - dem_q[e]
                    x = min(t + d, horizon) - 1
                    while x >= t:
                        if usage[r, x] > lim:
                            t = x + 1
                            moved = True
                            break
                        x -= 1
                    if moved:
                        break
                if not moved:
                    break
            if t + d > horizon:
                # Out of the work array: cannot happen with a safe horizon; report failure.
                for r in range(usage.shape[0]):
                    usage[r, :tmax] = 0
                start[0] = -1
                return start
            for e in range(dem_ptr[i], dem_ptr[i + 1]):
                r = dem_res[e]
                q = dem_q[e]
                for x in range(t, t + d):
                    usage[r, x] += q
            if t + d > tmax:
                tmax = t + d
        start[i] = t
    for r in range(usage.shape[0]):
        usage[r, :tmax] = 0
    return start


@njit(cache=True)
def better(obj1, ms1, obj2, ms2):  # pragma: no cover
    """Lexicographic (objective, makespan) comparison: is the first strictly better?"""
    return obj1 < obj2 or (obj1 == obj2 and ms1 < ms2)


@njit(cache=True)
def evaluate(start, dur, proj, due, weight, n_proj, tardiness_objective):  # pragma: no cover
    """(objective, makespan): makespan, or weighted tardiness of project ends."""
    makespan = 0
    ends = np.zeros(n_proj, dtype=np.int64)
    for i in range(start.shape[0]):
        e = start[i] + dur[i]
        if e > makespan:
            makespan = e
        if e > ends[proj[i]]:
            ends[proj[i]] = e
    if not tardiness_objective:
        return float(makespan), makespan
    total = 0.0
    for p in range(n_proj):
        if due[p] >= 0 and ends[p] > due[p]:
            total += weight[p] * (ends[p] - due[p])
    return total, makespan


@njit(cache=True)
def decode(key, g, usage, rounds):  # pragma: no cover
    """Keys -> forward schedule, then forward-backward improvement while the makespan drops.
    Returns (best starts, objective, makespan); the caller keeps the starts as the new keys."""
    (
        dur,
        dem_ptr,
        dem_res,
        dem_q,
        cap,
        fpp,
        fpi,
        fpw,
        bpp,
        bpi,
        bpw,
        fsp,
        fsi,
        find,
        bsp,
        bsi,
        bind,
        release,
        zero_rel,
        proj,
        due,
        weight,
        n_proj,
        tard,
    ) = g
    n = dur.shape[0]
    order = topo_by_key(key, fsp, fsi, find)
    best = sgs(order, dur, dem_ptr, dem_res, dem_q, cap, fpp, fpi, fpw, release, usage)
    if best[0] < 0 and n > 0:
        return best, 1e18, 1 << 60
    best_obj, best_ms = evaluate(best, dur, proj, due, weight, n_proj, tard)
    cur = best
    cur_ms = best_ms
    bkey = np.empty(n, dtype=np.float64)
    fkey = np.empty(n, dtype=np.float64)
    for _ in range(rounds):
        # Backward pass in reversed time: the latest-ending task is scheduled first.
        for i in range(n):
            bkey[i] = -(cur[i] + dur[i]) - 1e-3 * cur[i]
        border = topo_by_key(bkey, bsp, bsi, bind)
        bstart = sgs(border, dur, dem_ptr, dem_res, dem_q, cap, bpp, bpi, bpw, zero_rel, usage)
        if bstart[0] < 0 and n > 0:
            break
        bms = 0
        for i in range(n):
            if bstart[i] + dur[i] > bms:
                bms = bstart[i] + dur[i]
        for i in range(n):
            fkey[i] = bms - bstart[i] - dur[i]
        forder = topo_by_key(fkey, fsp, fsi, find)
        cand = sgs(forder, dur, dem_ptr, dem_res, dem_q, cap, fpp, fpi, fpw, release, usage)
        if cand[0] < 0 and n > 0:
            break
        obj, ms = evaluate(cand, dur, proj, due, weight, n_proj, tard)
        if better(obj, ms, best_obj, best_ms):
            best, best_obj, best_ms = cand, obj, ms
        if ms >= cur_ms:
            break
        cur, cur_ms = cand, ms
    return best, best_obj, best_ms


@njit(cache=True)
def ga_run(
    pop_keys, pop_obj, pop_ms, g, usage, generations, seed, elite_bias, mutation
):  # pragma: no cover
    """Steady-state random-key GA: biased uniform crossover of a tournament-chosen pair, light
    mutation, decode with FBI, Lamarckian keys; the child replaces the worst if better and new."""
    np.random.seed(seed)
    size, n = pop_keys.shape
    child = np.empty(n, dtype=np.float64)
    for _ in range(generations):
        a = np.random.randint(size)
        b = np.random.randint(size)
        c = np.random.randint(size)
        d = np.random.randint(size)
        p1 = b if better(pop_obj[b], pop_ms[b], pop_obj[a], pop_ms[a]) else a
        p2 = d if better(pop_obj[d], pop_ms[d], pop_obj[c], pop_ms[c]) else c
        if better(pop_obj[p2], pop_ms[p2], pop_obj[p1], pop_ms[p1]):
            p1, p2 = p2, p1
        # Bring both parents to the same scale: keys are start times of their schedules.
        for i in range(n):
            if np.random.random() < elite_bias:
                child[i] = pop_keys[p1, i]
            else:
                child[i] = pop_keys[p2, i]
            if np.random.random() < mutation:
                child[i] += (np.random.random() - 0.5) * 10.0
            child[i] += np.random.random() * 1e-3
        start, obj, ms = decode(child, g, usage, 6)
        worst = 0
        for k in range(size):
            if better(pop_obj[worst], pop_ms[worst], pop_obj[k], pop_ms[k]):
                worst = k
        if better(obj, ms, pop_obj[worst], pop_ms[worst]):
            duplicate = False
            for k in range(size):
                if pop_obj[k] == obj and pop_ms[k] == ms:
                    same = True
                    for i in range(n):
                        if pop_keys[k, i] != start[i]:
                            same = False
                            break
                    if same:
                        duplicate = True
                        break
            if not duplicate:
                for i in range(n):
                    pop_keys[worst, i] = start[i]
                pop_obj[worst] = obj
                pop_ms[worst] = ms
    return 0
