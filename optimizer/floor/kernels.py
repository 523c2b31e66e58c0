"""Compiled serial schedule-generation scheme of the floor scheduler (numba).

Times are slots of the problem's grid (`compiled.py`). `usage[r, t]` counts the units of resource
`r` occupied in slot `t`; a task occupies its resources over its whole span `[start, end)`, pauses
included. `parent[r]` is a union-find over slots: the root of `t` is the first slot `>= t` where `r`
works and still has a free unit, so busy stretches are skipped in near-constant time.

Each task of the priority order (precedence-feasible, by key) goes to the earliest start where
its resource set progresses (every member works) and has room over the span; skill groups are
filled one person at a time with the candidate giving the earliest end. Fixed tasks (done, in
progress, pinned, frozen) are laid down first. In sticky mode a task that has a previous-plan
position keeps it when it is still feasible at its turn; with reservations the previous positions
of not-yet-placed tasks are held, so a task that must move goes around the others.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from optimizer.common.heap import heap_pop, heap_push
from optimizer.floor.compiled import DONE, FREE, FROZEN, IN_PROGRESS, PINNED

BIG = 1 << 60
ZERO = np.int64(0)  # typed constants: a literal argument would compile another version
ONE = np.int64(1)
OK, STOPPED = 0, 1


@njit(cache=True)
def _find(parent, r, t):  # pragma: no cover - compiled
    root = np.int64(t)
    while np.int64(parent[r, root]) != root:
        root = np.int64(parent[r, root])
    while t != root:
        nxt = np.int64(parent[r, t])
        parent[r, t] = root
        t = nxt
    return root


@njit(cache=True)
def _progress(x, set_r, nset, wk, c):  # pragma: no cover - compiled
    if nset == 0:
        return wk[1][c, x] != 0
    res_work = wk[0]
    for k in range(nset):
        if res_work[set_r[k], x] == 0:
            return False
    return True


@njit(cache=True)
def _nth_end(cum, pos, row, t, w, T):  # pragma: no cover - compiled
    """The edge after the `w`-th working slot at or after `t` of mask `row` (T + 1: beyond)."""
    k = cum[row, t] + w - 1
    if k > T:
        return T + 1
    return np.int64(pos[row, k]) + 1


@njit(cache=True)
def _lower_end(t, w, set_r, nset, wk, c):  # pragma: no cover - compiled
    """A lower bound of the end from `t`: the latest of the members' own `w`-th working slot."""
    T = wk[0].shape[1]
    if nset == 0:
        return _nth_end(wk[4], wk[5], c, t, w, T)
    res_cum = wk[2]
    res_pos = wk[3]
    lb = 0
    for k in range(nset):
        e = _nth_end(res_cum, res_pos, set_r[k], t, w, T)
        if e > lb:
            lb = e
    return lb


@njit(cache=True)
def _span(s, w, intr, set_r, nset, wk, c):  # pragma: no cover - compiled
    """(end, bad): the edge after the `w`-th progress slot from `s` (a progress slot); for a
    non-interruptible task `bad` is the first non-progress slot met before that (end -1);
    (-1, -1): beyond the horizon."""
    T = wk[0].shape[1]
    if nset <= 1:
        e = _lower_end(s, w, set_r, nset, wk, c)  # exact for one mask
        if e > T:
            return -1, -1
        if intr != 0 or e - s == w:
            return e, -1
    elif _lower_end(s, w, set_r, nset, wk, c) > T:
        return -1, -1
    k = 0
    x = s
    while x < T:
        if _progress(x, set_r, nset, wk, c):
            k += 1
            if k == w:
                return x + 1, -1
        elif intr == 0:
            return -1, x
        x += 1
    return -1, -1


@njit(cache=True)
def _conflict(s, e, set_r, set_u, nset, usage, resv, use_resv, cap):  # pragma: no cover
    """The last slot of [s, e) where some resource of the set lacks room, or -1."""
    conflict = -1
    for k in range(nset):
        r = set_r[k]
        lim = cap[r] - set_u[k]
        lo = max(s, conflict + 1)
        y = e - 1
        if use_resv:
            while y >= lo:
                if usage[r, y] + resv[r, y] > lim:
                    conflict = y
                    break
                y -= 1
        else:
            while y >= lo:
                if usage[r, y] > lim:
                    conflict = y
                    break
                y -= 1
    return conflict


@njit(cache=True)
def _fixpoint(t, set_r, nset, parent, wk, c):  # pragma: no cover - compiled
    """The first slot >= t where every member works and has a free unit (T: none)."""
    T = wk[0].shape[1]
    if t >= T:
        return T
    if nset == 0:
        return np.int64(wk[5][c, wk[4][c, t]])
    moved = True
    while moved and t < T:
        moved = False
        for k in range(nset):
            f = _find(parent, set_r[k], t)
            if f > t:
                t = f
                moved = True
    return t


@njit(cache=True)
def _earliest(
    t, w, intr, set_r, set_u, nset, c, limit, usage, resv, use_resv, parent, wk, cap
):  # pragma: no cover - compiled
    """Earliest (start, end) from `t` with end < `limit`: (-1, -1) when none ends before the
    limit, (-2, -2) when none fits in the horizon."""
    T = wk[0].shape[1]
    if t < 0:
        t = 0
    while True:
        t = _fixpoint(t, set_r, nset, parent, wk, c)
        if t >= T:
            return -2, -2
        lb = _lower_end(t, w, set_r, nset, wk, c)
        if lb > T:
            return -2, -2
        if lb >= limit:
            return -1, -1
        e, bad = _span(t, w, intr, set_r, nset, wk, c)
        if e < 0:
            if bad >= 0:
                t = bad + 1
                continue
            return -2, -2
        if e >= limit:
            return -1, -1
        conflict = _conflict(t, e, set_r, set_u, nset, usage, resv, use_resv, cap)
        if conflict >= 0:
            t = conflict + 1
            continue
        return t, e


@njit(cache=True)
def _fits_at(s, w, intr, set_r, set_u, nset, c, usage, resv, use_resv, wk, cap):
    """End of the task started exactly at `s` when that is feasible now, else -1."""  # noqa
    T = wk[0].shape[1]
    if s < 0 or s >= T:
        return -1
    if not _progress(s, set_r, nset, wk, c):
        return -1
    e, _bad = _span(s, w, intr, set_r, nset, wk, c)
    if e < 0:
        return -1
    if _conflict(s, e, set_r, set_u, nset, usage, resv, use_resv, cap) >= 0:
        return -1
    return e


@njit(cache=True)
def _place(s, e, set_r, set_u, nset, usage, parent, cap):  # pragma: no cover - compiled
    T = usage.shape[1]
    lo = max(s, 0)
    hi = min(e, T)
    for k in range(nset):
        r = set_r[k]
        u = set_u[k]
        full = cap[r]
        for y in range(lo, hi):
            usage[r, y] += u
            if usage[r, y] >= full and parent[r, y] == y:
                parent[r, y] = y + 1


@njit(cache=True)
def _in(x, arr, lo, hi):  # pragma: no cover - compiled
    for k in range(lo, hi):
        if arr[k] == x:
            return True
    return False


@njit(cache=True)
def _named(i, nd_ptr, nd_res, nd_units, set_r, set_u):  # pragma: no cover - compiled
    nset = 0
    for e in range(nd_ptr[i], nd_ptr[i + 1]):
        set_r[nset] = nd_res[e]
        set_u[nset] = nd_units[e]
        nset += 1
    return nset


@njit(cache=True)
def _choose(
    i,
    t,
    w,
    it,
    c,
    dem,
    prev,
    cap,
    wk,
    set_r,
    set_u,
    usage,
    resv,
    use_resv,
    parent,
    at_start,
    sc,
    pen,
):  # pragma: no cover - compiled
    """Fill the resource set of task `i` (named demands, then skill groups one person at a time,
    each the candidate with the earliest end together with those already chosen, plus its
    penalty `pen[r]` in slots; ties: previous plan's people, then preference order) and place
    it: earliest from `t`, or exactly at `t` when `at_start` (pinned). `w`, `it`, `c`: its work
    slots, interruptible flag and calendar; `dem` and `prev` the demand and previous-plan arrays
    (see decode). Returns (nset, start, end); start -2 when nothing fits in the horizon, -3 when
    nothing fits at `t` exactly."""
    nd_ptr, nd_res, nd_units, grp_ptr, grp_count, cand_ptr, cand = dem
    has_prev, prev_ptr, prev_res = prev
    nset = _named(i, nd_ptr, nd_res, nd_units, set_r, set_u)
    if grp_ptr[i] == grp_ptr[i + 1]:
        if at_start:
            e = _fits_from(t, w, it, set_r, set_u, nset, c, usage, resv, use_resv, wk, cap)
            if e < 0:
                return nset, -3, -3
            return nset, t, e
        s, e = _earliest(
            t,
            w,
            it,
            set_r,
            set_u,
            nset,
            c,
            np.int64(BIG),
            usage,
            resv,
            use_resv,
            parent,
            wk,
            cap,
        )
        return nset, s, e
    T = wk[0].shape[1]
    sc_r, sc_lb, sc_rank = sc
    bs = -2
    be = BIG
    for gi in range(grp_ptr[i], grp_ptr[i + 1]):
        for _m in range(grp_count[gi]):
            # Candidates (previous plan's people first, then by preference) with a lower bound
            # of their end plus penalty, tried by that bound: the first to reach it wins.
            m = 0
            for pass_ in range(2):
                for k in range(cand_ptr[gi], cand_ptr[gi + 1]):
                    r = cand[k]
                    inprev = has_prev[i] != 0 and _in(r, prev_res, prev_ptr[i], prev_ptr[i + 1])
                    if inprev != (pass_ == 0):
                        continue
                    if _in(r, set_r, ZERO, nset):
                        continue
                    lb = 0
                    if not at_start:
                        set_r[nset] = r
                        tt = _fixpoint(max(t, 0), set_r, nset + 1, parent, wk, c)
                        lb = BIG if tt >= T else _lower_end(tt, w, set_r, nset + 1, wk, c)
                        lb = BIG if lb > T else lb + pen[r]
                    # insertion by (bound, rank)
                    j = m
                    while j > 0 and sc_lb[j - 1] > lb:
                        sc_r[j] = sc_r[j - 1]
                        sc_lb[j] = sc_lb[j - 1]
                        sc_rank[j] = sc_rank[j - 1]
                        j -= 1
                    sc_r[j] = r
                    sc_lb[j] = lb
                    sc_rank[j] = m
                    m += 1
            bc = -1
            bs = -2
            be = BIG
            bscore = BIG
            brank = BIG
            for j in range(m):
                lb = sc_lb[j]
                if lb >= BIG:
                    break
                if bc >= 0 and (lb > bscore or (lb == bscore and sc_rank[j] > brank)):
                    break
                r = sc_r[j]
                set_r[nset] = r
                set_u[nset] = 1
                if at_start:
                    e = _fits_from(
                        t, w, it, set_r, set_u, nset + 1, c, usage, resv, use_resv, wk, cap
                    )
                    s = t if e >= 0 else -1
                else:
                    limit = bscore - pen[r] + (1 if sc_rank[j] < brank else 0)
                    if bscore >= BIG:
                        limit = BIG
                    s, e = _earliest(
                        t, w, it, set_r, set_u, nset + 1, c, limit, usage, resv, use_resv, parent,
                        wk, cap,
                    )  # fmt: skip
                score = e + pen[r] if s >= 0 else BIG
                if s >= 0 and (score < bscore or (score == bscore and sc_rank[j] < brank)):
                    bc = r
                    bs = s
                    be = e
                    bscore = score
                    brank = sc_rank[j]
            if bc < 0:
                return nset, (-3 if at_start else -2), -2
            set_r[nset] = bc
            set_u[nset] = 1
            nset += 1
    return nset, bs, be


@njit(cache=True)
def _fill_any(i, dem, set_r, set_u):  # pragma: no cover - compiled
    """A resource set for a forced placement: named demands, then the first candidates."""
    nd_ptr, nd_res, nd_units, grp_ptr, grp_count, cand_ptr, cand = dem
    nset = _named(i, nd_ptr, nd_res, nd_units, set_r, set_u)
    for gi in range(grp_ptr[i], grp_ptr[i + 1]):
        need = grp_count[gi]
        for k in range(cand_ptr[gi], cand_ptr[gi + 1]):
            if need == 0:
                break
            r = cand[k]
            if not _in(r, set_r, ZERO, nset):
                set_r[nset] = r
                set_u[nset] = 1
                nset += 1
                need -= 1
    return nset


@njit(cache=True)
def _forced_end(s, w, intr, set_r, nset, wk, c):  # pragma: no cover - compiled
    """End of a task whose start is fixed at `s` (in progress, pinned, frozen): its work runs
    from the first progress slot at or after max(s, 0); a non-interruptible task that cannot
    run in one stretch there is counted as interruptible; beyond the horizon: -1."""
    T = wk[0].shape[1]
    lo = max(s, 0)
    if w == 0:
        return lo
    while lo < T and not _progress(lo, set_r, nset, wk, c):
        lo += 1
    if lo >= T:
        return -1
    e, _b = _span(lo, w, intr, set_r, nset, wk, c)
    if e < 0 and intr == 0:
        e, _b = _span(lo, w, ONE, set_r, nset, wk, c)
    return e


@njit(cache=True)
def _fits_from(s, w, intr, set_r, set_u, nset, c, usage, resv, use_resv, wk, cap):
    """End of the task started at the fixed `s` when its resources have room, else -1."""  # noqa
    e = _forced_end(s, w, intr, set_r, nset, wk, c)
    if e < 0:
        return -1
    if _conflict(max(s, 0), e, set_r, set_u, nset, usage, resv, use_resv, cap) >= 0:
        return -1
    return e


@njit(cache=True, nogil=True)
def decode(  # noqa: C901 - one compiled kernel: splitting it costs compile time and calls
    key,
    g,
    usage,
    resv,
    parent,
    start,
    end,
    out_res,
    out_n,
    forced,
    sticky,
    use_resv,
    force_fail,
    stop,
    pen,
):  # pragma: no cover - compiled
    """Schedule every task; fills start, end, out_res/out_n (resource layout) and forced (1: laid
    down against capacity or calendars). Returns 0, 1 when `stop[0]` was raised, or -(i+1) when
    task `i` does not fit in the horizon (unless `force_fail`: then it is forced at its earliest
    start and flagged). `pen[r]`: slots a candidate's end counts more when people are chosen."""
    (work, intr, est, dl, cal, proj, nd_ptr, nd_res, nd_units, grp_ptr, grp_count, cand_ptr, cand,
     lay_ptr, pred_ptr, pred_idx, pred_lag, pred_ss, succ_ptr, succ_idx, fix, fix_start, fix_end,
     given_ptr, given_res, given_units, has_prev, prev_start, prev_ok, prev_asg, prev_ptr, prev_res,
     cap, wk, free_indeg, due, has_due, weight, slot_h) = g  # fmt: skip
    n = work.shape[0]
    T = wk[0].shape[1]
    dem = (nd_ptr, nd_res, nd_units, grp_ptr, grp_count, cand_ptr, cand)
    prev = (has_prev, prev_ptr, prev_res)
    # The caller hands usage, resv, forced and out_n zeroed and parent a copy of parent0 (whole
    # array assignments are left to numpy: compiled, they cost seconds of compile time).
    maxset = 1
    for i in range(n):
        if lay_ptr[i + 1] - lay_ptr[i] + 1 > maxset:
            maxset = lay_ptr[i + 1] - lay_ptr[i] + 1
    set_r = np.empty(maxset, dtype=np.int64)
    set_u = np.empty(maxset, dtype=np.int64)
    maxc = 1
    for gi in range(cand_ptr.shape[0] - 1):
        if cand_ptr[gi + 1] - cand_ptr[gi] + 1 > maxc:
            maxc = cand_ptr[gi + 1] - cand_ptr[gi] + 1
    sc = (
        np.empty(maxc, dtype=np.int64),
        np.empty(maxc, dtype=np.int64),
        np.empty(maxc, dtype=np.int64),
    )

    # ---- fixed tasks: done, in progress, pinned, frozen (in that order)
    for kind in (DONE, IN_PROGRESS, PINNED, FROZEN):
        for i in range(n):
            if fix[i] != kind:
                continue
            nset = 0
            for e in range(given_ptr[i], given_ptr[i + 1]):
                set_r[nset] = given_res[e]
                set_u[nset] = given_units[e]
                nset += 1
            w = work[i]
            if kind == DONE:
                start[i] = fix_start[i]
                end[i] = fix_end[i]
            else:  # in progress, pinned or frozen: the start is kept, the work follows it
                s = fix_start[i]
                if w > 0 and nset == 0 and (grp_ptr[i] < grp_ptr[i + 1]):
                    nset, s2, e2 = _choose(
                        i, s, w, intr[i], cal[i], dem, prev, cap, wk, set_r, set_u, usage, resv,
                        ZERO, parent, ONE, sc, pen,
                    )  # fmt: skip
                    if s2 < 0:
                        nset = _fill_any(i, dem, set_r, set_u)
                elif w > 0 and nset == 0:
                    nset = _named(i, nd_ptr, nd_res, nd_units, set_r, set_u)
                e = _forced_end(s, w, intr[i], set_r, nset, wk, cal[i])
                if e < 0:
                    if not force_fail:
                        return -(i + 1)
                    e = min(max(s, 0) + w, T)
                    forced[i] = 1
                if w > 0:
                    if _conflict(max(s, 0), e, set_r, set_u, nset, usage, resv, ZERO, cap) >= 0:
                        forced[i] = 1
                    _place(s, e, set_r, set_u, nset, usage, parent, cap)
                start[i] = s
                end[i] = e
            for k in range(nset):
                out_res[lay_ptr[i] + k] = set_r[k]
            out_n[i] = nset

    # ---- reservations of the previous positions of the free tasks
    resv_s = np.full(n, -1, dtype=np.int64)
    resv_e = np.full(n, -1, dtype=np.int64)
    if sticky and use_resv:
        for i in range(n):
            if fix[i] != FREE or prev_ok[i] == 0 or prev_start[i] < 0 or work[i] == 0:
                continue
            nset = _layout_set(i, lay_ptr, prev_asg, nd_ptr, nd_units, set_r, set_u)
            s = prev_start[i]
            if s >= T or not _progress(s, set_r, nset, wk, cal[i]):
                continue
            e, _b = _span(s, work[i], intr[i], set_r, nset, wk, cal[i])
            if e < 0:
                continue
            for k in range(nset):
                for y in range(s, e):
                    resv[set_r[k], y] += set_u[k]
            resv_s[i] = s
            resv_e[i] = e

    # ---- free tasks in a precedence-feasible order by key
    indeg = free_indeg.copy()
    hk = np.empty(n, dtype=np.float64)
    hi = np.empty(n, dtype=np.int64)
    size = 0
    for i in range(n):
        if fix[i] == FREE and indeg[i] == 0:
            size = heap_push(hk, hi, size, key[i], i)
    count = 0
    while size > 0:
        i, size = heap_pop(hk, hi, size)
        count += 1
        if (count & 63) == 0 and stop[0] != 0:
            return STOPPED
        for e in range(succ_ptr[i], succ_ptr[i + 1]):
            j = succ_idx[e]
            if fix[j] == FREE:
                indeg[j] -= 1
                if indeg[j] == 0:
                    size = heap_push(hk, hi, size, key[j], j)
        t = est[i]
        for e in range(pred_ptr[i], pred_ptr[i + 1]):
            p = pred_idx[e]
            v = (start[p] if pred_ss[e] else end[p]) + pred_lag[e]
            if v > t:
                t = v
        if resv_s[i] >= 0:
            nset = _layout_set(i, lay_ptr, prev_asg, nd_ptr, nd_units, set_r, set_u)
            for k in range(nset):
                for y in range(resv_s[i], resv_e[i]):
                    resv[set_r[k], y] -= set_u[k]
        w = work[i]
        if w == 0:
            s = t
            if sticky and has_prev[i] and prev_start[i] >= t:
                s = prev_start[i]
            # A milestone holds nothing but names its demands' resources (previous ones first).
            if prev_ok[i]:
                nset = _layout_set(i, lay_ptr, prev_asg, nd_ptr, nd_units, set_r, set_u)
            else:
                nset = _fill_any(i, dem, set_r, set_u)
            start[i] = s
            end[i] = s
            for k in range(nset):
                out_res[lay_ptr[i] + k] = set_r[k]
            out_n[i] = nset
            continue
        placed = False
        if sticky and prev_ok[i] and prev_start[i] >= t:
            nset = _layout_set(i, lay_ptr, prev_asg, nd_ptr, nd_units, set_r, set_u)
            s = prev_start[i]
            e = _fits_at(
                s, w, intr[i], set_r, set_u, nset, cal[i], usage, resv, use_resv, wk, cap,
            )  # fmt: skip
            if e >= 0:
                placed = True
        if not placed:
            # Reservations may leave no room at all: then the task ignores them.
            for ur in (use_resv, ZERO):
                nset, s, e = _choose(
                    i, t, work[i], intr[i], cal[i], dem, prev, cap, wk, set_r, set_u, usage, resv,
                    ur, parent, ZERO, sc, pen,
                )  # fmt: skip
                if s >= 0 or ur == 0:
                    break
            if s < 0:
                if not force_fail:
                    return -(i + 1)
                nset = _fill_any(i, dem, set_r, set_u)
                s = min(max(t, 0), T - 1)
                e = _forced_end(s, w, ONE, set_r, nset, wk, cal[i])
                if e < 0:
                    e = min(s + w, T)
                forced[i] = 1
        _place(s, e, set_r, set_u, nset, usage, parent, cap)
        start[i] = s
        end[i] = e
        for k in range(nset):
            out_res[lay_ptr[i] + k] = set_r[k]
        out_n[i] = nset
    return OK


@njit(cache=True)
def _layout_set(i, lay_ptr, asg, nd_ptr, nd_units, set_r, set_u):  # pragma: no cover
    """The resource set of a layout row (named demands first, with their units)."""
    nset = 0
    n_named = nd_ptr[i + 1] - nd_ptr[i]
    for k in range(lay_ptr[i], lay_ptr[i + 1]):
        r = asg[k]
        if r < 0:
            break
        set_r[nset] = r
        set_u[nset] = nd_units[nd_ptr[i] + nset] if nset < n_named else 1
        nset += 1
    return nset


@njit(cache=True)
def evaluate(g, start, end, out_res, out_n, forced, pscore):  # pragma: no cover - compiled
    """(violation hours, weighted tardiness hours, moved tasks, latest end); pscore[p] gets the
    project's weighted late hours plus 1e4 x its deadline-violation hours."""
    (work, intr, est, dl, cal, proj, nd_ptr, nd_res, nd_units, grp_ptr, grp_count, cand_ptr, cand,
     lay_ptr, pred_ptr, pred_idx, pred_lag, pred_ss, succ_ptr, succ_idx, fix, fix_start, fix_end,
     given_ptr, given_res, given_units, has_prev, prev_start, prev_ok, prev_asg, prev_ptr, prev_res,
     cap, wk, free_indeg, due, has_due, weight, slot_h) = g  # fmt: skip
    n = work.shape[0]
    n_proj = due.shape[0]
    pend = np.full(n_proj, -BIG, dtype=np.int64)
    pviol = np.zeros(n_proj, dtype=np.float64)
    viol = 0.0
    moved = 0
    makespan = 0
    for i in range(n):
        p = proj[i]
        if end[i] > pend[p]:
            pend[p] = end[i]
        if end[i] > makespan:
            makespan = end[i]
        if fix[i] == DONE:
            continue
        if end[i] > dl[i]:
            v = (end[i] - dl[i]) * slot_h
            viol += v
            pviol[p] += v
        if forced[i] and fix[i] == FREE:
            viol += 1000.0
            pviol[p] += 1000.0
        if has_prev[i]:
            if start[i] != prev_start[i]:
                moved += 1
            else:
                np_ = prev_ptr[i + 1] - prev_ptr[i]
                if np_ != out_n[i]:
                    moved += 1
                else:
                    for k in range(out_n[i]):
                        if not _in(out_res[lay_ptr[i] + k], prev_res, prev_ptr[i], prev_ptr[i + 1]):
                            moved += 1
                            break
    wt = 0.0
    for p in range(n_proj):
        pscore[p] = 1e4 * pviol[p]
        if has_due[p] and pend[p] > -BIG and pend[p] > due[p]:
            late = (pend[p] - due[p]) * slot_h * weight[p]
            wt += late
            pscore[p] += late
    return viol, wt, moved, makespan
