"""Why a floor problem has no plan keeping every hard constraint: a small set of conflicting hard
constraints, each with a sentence a planner understands.

`explain_infeasible(problem, timeline, plan)` looks, most specific first, for
- `deadline`: a task or order deadline before the earliest possible end ignoring capacity (a
  calendar-aware forward pass, best-case people for skill demands);
- `pinned_before_predecessor` / `pinned_before_date`: a pinned or frozen task starting before its
  predecessor can end, or before now / its order's release / its not-before date;
- `pinned_overlap`: pinned, frozen or in-progress tasks overlapping on a person/machine beyond its
  capacity;
- `skill_unavailable`: a skill demand whose qualified people are on leave from its earliest start to
  its deadline;
- `capacity`: a window in which a resource or a skill pool has fewer working hours than the tasks
  that must run inside it;
- `missed_deadline` / `pin_not_kept` (fallback, INFEASIBLE plan only): what the best plan misses.
It returns None when it finds nothing. Every claim is a relaxation bound: when a conflict is named,
no plan can avoid it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from optimizer.floor.model import Demand, FloorProblem, Task
from optimizer.floor.plan import FloorPlan
from optimizer.floor.results import (
    PlanView,
    chain_text,
    fmt_dt,
    fmt_hours,
    hold_phrase,
    main_hold,
    walk,
)
from optimizer.floor.timeline import Timeline

MAX_CONFLICTS = 10
_Alt = tuple  # (mask, second mask ANDed with it or None, person or None)
SHOWN = 6  # tasks or people named in one sentence; the lists carry them all
INF = 1 << 40


@dataclass
class _Node:
    """Forward/backward pass values of one task (slots)."""

    es: int  # earliest start
    ef: int  # earliest end (INF when not within the horizon)
    est: int  # earliest start bound before the calendar (first allowed slot)
    bind: tuple[str, Any]  # what set est: ("pred", id) | ("release"|"not_before"|"now", slot)
    fixed: str | None = None  # done | in_progress | pinned | frozen
    resources: tuple[str, ...] = ()  # fixed resources
    person: str | None = None  # best-case person of a single one-person skill demand
    exact: bool = True  # fixed task whose resources are all known: its end is `ef`
    lf: int = INF  # latest end from deadlines and successors
    ls: int = INF
    union: np.ndarray | None = None  # slots it may progress in, any alternative


def explain_infeasible(
    problem: FloorProblem, timeline: Timeline, plan: FloorPlan | None
) -> dict[str, Any] | None:
    ex = _Explainer(problem, timeline, plan)
    conflicts = ex.run()
    if not conflicts:
        return None
    if conflicts[0]["kind"] in ("missed_deadline", "pin_not_kept"):
        message = "The best plan found misses hard constraints: " + conflicts[0]["text"]
    else:
        message = "No plan can keep every hard constraint: " + conflicts[0]["text"]
    if len(conflicts) > 1:
        message += f" (and {len(conflicts) - 1} more conflict{'s' if len(conflicts) > 2 else ''})"
    return {"message": message, "conflicts": conflicts[:MAX_CONFLICTS]}


class _Explainer:
    def __init__(self, problem: FloorProblem, timeline: Timeline, plan: FloorPlan | None) -> None:
        self.problem = problem
        self.timeline = timeline
        self.plan = plan
        self.view = PlanView(problem, timeline, plan or FloorPlan(status="UNKNOWN", tasks=[]))
        self.n = timeline.n_slots
        self.h = self.view.h
        self.nodes: dict[str, _Node] = {}
        self.explained: set[str] = set()
        self._pool_masks: dict[tuple[str, int, int], np.ndarray] = {}

    # ------------------------------------------------------------------ helpers
    def when(self, slot: int) -> str:
        if slot >= self.n:
            return f"the end of the planning horizon ({self.view.when(self.n)})"
        return self.view.when(slot)

    def iso(self, slot: int) -> str | None:
        return self.view.iso(min(slot, self.n))

    def res_name(self, rid: str) -> str:
        return self.view.res_name(rid)

    def skill_name(self, skill: str) -> str:
        return self.problem.skills.get(skill) or skill

    def work_row(self, rid: str) -> np.ndarray:
        return self.timeline.resource_work[self.problem.resource_index[rid]]

    def _alternatives(self, task: Task, resources: tuple[str, ...]) -> list[_Alt]:
        """Where the task may progress, best case: one alternative per person for a single
        one-person skill demand, else one (relaxed) mask."""
        view = self.view
        if resources or not task.demands:
            return [(view.mask(task.id, resources), None, None)]
        named = [d.resource for d in task.demands if d.resource]
        skills = [d for d in task.demands if d.skill]
        base = view.mask(task.id, tuple(named)) if named else np.ones(self.n, dtype=np.bool_)
        if len(skills) == 1 and skills[0].count == 1:
            q = self.problem.qualified(skills[0].skill or "", skills[0].level)
            return [(base, self.work_row(r), r) for r in q] or [(base, None, None)]
        for d in skills:
            base = base & self._enough(d.skill or "", d.level, d.count)
        return [(base, None, None)]

    def _union(self, task: Task, alts: list[_Alt]) -> np.ndarray:
        """Slots in which some alternative progresses."""
        if len(alts) == 1 and alts[0][1] is None:
            return alts[0][0]
        d = next(d for d in task.demands if d.skill)
        return alts[0][0] & self._enough(d.skill or "", d.level, 1)

    def _enough(self, skill: str, level: int, count: int) -> np.ndarray:
        """Slots in which at least `count` people with `skill` >= `level` work."""
        key = (skill, level, count)
        if key not in self._pool_masks:
            q = self.problem.qualified(skill, level)
            idx = [self.problem.resource_index[r] for r in q]
            if idx:
                working = self.timeline.resource_work[idx].sum(axis=0, dtype=np.int32)
                self._pool_masks[key] = working >= count
            else:
                self._pool_masks[key] = np.zeros(self.n, dtype=np.bool_)
        return self._pool_masks[key]

    # ------------------------------------------------------------------ passes
    def forward(self) -> None:
        p, view, clock = self.problem, self.view, self.timeline.clock
        for i in p.topological_order():
            task = p.tasks[i]
            fixed = view.fixed_kind(task)
            resources: tuple[str, ...] = ()
            work = view.work_slots(task)
            if fixed == "done":
                es, ef = clock.floor(task.start), clock.ceil(task.end)  # type: ignore[arg-type]
                self.nodes[task.id] = _Node(es, ef, es, ("done", es), fixed)
                continue
            if fixed == "in_progress":
                es = clock.floor(task.started)  # type: ignore[arg-type]
                prev = view.previous.get(task.id)
                # who was doing it keeps doing it (as the scheduler does)
                resources = task.resources or (prev.resources if prev else ())
                est = 0
            elif fixed == "pinned":
                es = clock.floor(task.start)  # type: ignore[arg-type]
                resources = task.resources
                est = max(0, es)
            elif fixed == "frozen":
                es, resources = view.frozen[task.id]
                est = max(0, es)
            if fixed is not None:
                alts = self._alternatives(task, resources)
                ef, person, _ = _best_finish(alts, est, work, task.interruptible, self.n)
                exact = bool(resources) or not any(d.skill for d in task.demands)
                if not resources:
                    resources = tuple(d.resource for d in task.demands if d.resource)
                self.nodes[task.id] = _Node(
                    es,
                    ef,
                    est,
                    (fixed, es),
                    fixed,
                    resources,
                    person,
                    exact,
                    union=self._union(task, alts),
                )
                continue
            est, kind = view.date_bound(task)
            bind: tuple[str, Any] = (kind, est)
            for prec in view.preds.get(task.id, ()):
                pn = self.nodes[prec.before]
                lag = clock.lag_slots(prec.lag_hours)
                b = (pn.ef if prec.kind == "FS" else pn.es) + lag
                if b > est:
                    est, bind = b, ("pred", prec.before)
            est = max(0, est)
            alts = self._alternatives(task, ())
            ef, person, es = _best_finish(alts, est, work, task.interruptible, self.n)
            self.nodes[task.id] = _Node(
                es, ef, est, bind, None, (), person, union=self._union(task, alts)
            )

    def backward(self) -> None:
        p, view, clock = self.problem, self.view, self.timeline.clock
        for i in reversed(p.topological_order()):
            task = p.tasks[i]
            node = self.nodes[task.id]
            if node.fixed is not None:
                # a fixed task chosen by skill may end later than its best case: no upper bound
                node.lf, node.ls = (node.ef if node.exact else INF), node.es
                continue
            dl, _ = view.deadline_slot(task)
            lf = INF if dl is None else dl
            ls_cap = INF
            for prec in view.succs.get(task.id, ()):
                sn = self.nodes[prec.after]
                lag = clock.lag_slots(prec.lag_hours)
                if sn.ls >= INF:
                    continue
                if prec.kind == "FS":
                    lf = min(lf, sn.ls - lag)
                else:
                    ls_cap = min(ls_cap, sn.ls - lag)
            node.lf = lf
            if lf >= INF:
                node.ls = ls_cap
                continue
            ls = _latest_start(
                node.union, min(lf, self.n), view.work_slots(task), task.interruptible
            )
            node.ls = min(ls if ls is not None else lf, ls_cap)

    # ------------------------------------------------------------------ run
    def run(self) -> list[dict[str, Any]]:
        self.forward()
        self.backward()
        room = self.no_room()
        skill = self.skill_unavailable()
        for c in room + skill:
            self.explained.update(c["tasks"])
        found: list[dict[str, Any]] = list(room)
        found += self.deadlines()
        found += self.pinned_before()
        found += self.pinned_overlaps()
        found += skill
        named = {t for c in found for t in c["tasks"]}
        found += [
            c for c in self.capacity() if len(c["tasks"]) > 1 and not set(c["tasks"]) <= named
        ]
        out: list[dict[str, Any]] = []
        seen: set[tuple[str, ...]] = set()
        for c in found:
            key = (*sorted(c["tasks"]), c["kind"])
            if key in seen:
                continue
            seen.add(key)
            out.append(c)
        if not out and self.plan is not None and self.plan.status == "INFEASIBLE":
            out = self.fallback()
        return out[:MAX_CONFLICTS]

    # ------------------------------------------------------------------ deadlines
    def describe(self, tid: str) -> str:
        """`SO042/weld (24 h of Welding work)`."""
        task = self.view.tasks[tid]
        node = self.nodes[tid]
        hours = fmt_hours(self.view.work_slots(task) * self.h)
        parts = []
        kind, slot = node.bind
        if kind == "release":
            parts.append(f"order released {self.when(slot)}")
        elif kind == "not_before":
            parts.append(f"not before {self.when(slot)}")
        elif kind == "pinned":
            parts.append(f"pinned at {self.when(node.es)}")
        elif kind == "frozen":
            parts.append(f"frozen at {self.when(node.es)}")
        elif kind == "in_progress":
            parts.append("in progress")
        if node.fixed in ("pinned", "frozen", "in_progress") and node.resources:
            who = ", ".join(self.res_name(r) for r in node.resources)
            parts.append(f"{hours} by {who}" + (" left" if node.fixed == "in_progress" else ""))
        else:
            parts.append(self._work_text(task, hours, node))
        return f"{tid} ({', '.join(parts)})"

    def _work_text(self, task: Task, hours: str, node: _Node) -> str:
        named = [self.res_name(d.resource) for d in task.demands if d.resource]
        skills = [d for d in task.demands if d.skill]
        bits = []
        if named:
            bits.append("on " + " and ".join(named))
        for d in skills:
            who = "" if d.count == 1 else f"{d.count} people's "
            bits.append(f"of {who}{self.skill_name(d.skill or '')} work")
        text = hours + (" " + ", ".join(bits) if bits else "")
        if node.person is not None:
            text += f", at best by {self.res_name(node.person)}"
        return text

    def chain(self, tid: str) -> list[str]:
        out = [tid]
        seen = {tid}
        while True:
            kind, ref = self.nodes[out[-1]].bind
            if kind != "pred" or ref in seen:
                break
            out.append(ref)
            seen.add(ref)
        return out[::-1]

    def deadlines(self) -> list[dict[str, Any]]:
        view = self.view
        worst: dict[tuple[str, str], tuple[int, str, int]] = {}  # (order, kind) -> (miss, tid, dl)
        for task in self.problem.tasks:
            node = self.nodes[task.id]
            if node.fixed == "done":
                continue
            dl, kind = view.deadline_slot(task)
            if dl is None or node.ef <= dl:
                continue
            key = (task.project, task.id if kind == "task" else "")
            miss = node.ef - dl
            if key not in worst or miss > worst[key][0]:
                worst[key] = (miss, task.id, dl)
        out = []
        for (order, which), (_, tid, dl) in sorted(worst.items()):
            chain = self.chain(tid)
            if self.explained.intersection(chain):
                continue
            node = self.nodes[tid]
            who = f"{which} must end" if which else f"{order} must be delivered"
            text = (
                f"{who} by {self.when(dl)}, but "
                + " → ".join(self.describe(t) for t in chain)
                + f" cannot end before {self.when(node.ef)}"
            )
            res = sorted({r for t in chain for r in self._resources_of(t)})
            out.append(
                {
                    "kind": "deadline",
                    "order": order,
                    "tasks": chain,
                    "resources": res,
                    "dates": {"deadline": self.iso(dl), "earliest_end": self.iso(node.ef)},
                    "text": text,
                }
            )
        return out

    def _resources_of(self, tid: str) -> list[str]:
        node = self.nodes[tid]
        task = self.view.tasks[tid]
        out = list(node.resources) or [d.resource for d in task.demands if d.resource]
        if node.person is not None and node.person not in out:
            out.append(node.person)
        return [r for r in out if r]

    # ------------------------------------------------------------------ pinned
    def pinned_before(self) -> list[dict[str, Any]]:
        view, clock = self.view, self.timeline.clock
        out = []
        for task in self.problem.tasks:
            node = self.nodes[task.id]
            if node.fixed not in ("pinned", "frozen"):
                continue
            what = "pinned" if node.fixed == "pinned" else "frozen by the previous plan"
            for prec in view.preds.get(task.id, ()):
                pn = self.nodes[prec.before]
                lag = clock.lag_slots(prec.lag_hours)
                b = (pn.ef if prec.kind == "FS" else pn.es) + lag
                if b <= node.es:
                    continue
                verb = "end" if prec.kind == "FS" else "start"
                chain = self.chain(prec.before)
                text = (
                    f"{task.id} is {what} to start {self.when(node.es)}, but its predecessor "
                    + " → ".join(self.describe(t) for t in chain)
                    + f" cannot {verb} before {self.when(b - lag)}"
                )
                if lag:
                    text += f" (+{fmt_hours(lag * self.h)} lag)"
                out.append(
                    {
                        "kind": "pinned_before_predecessor",
                        "order": task.project,
                        "tasks": [*chain, task.id],
                        "resources": sorted({r for t in chain for r in self._resources_of(t)}),
                        "dates": {"start": self.iso(node.es), "predecessor_end": self.iso(b)},
                        "text": text,
                    }
                )
            date_b, kind = view.date_bound(task)
            if node.es < date_b or node.es < 0:
                label = {
                    "release": f"its order's release {self.when(date_b)}",
                    "not_before": f"its not-before date {self.when(date_b)}",
                }.get(kind, f"now ({self.when(0)})")
                out.append(
                    {
                        "kind": "pinned_before_date",
                        "order": task.project,
                        "tasks": [task.id],
                        "resources": list(node.resources),
                        "dates": {"start": self.iso(node.es), "earliest": self.iso(max(0, date_b))},
                        "text": f"{task.id} is {what} to start {self.when(node.es)}, before {label}",
                    }
                )
        return out

    def pinned_overlaps(self) -> list[dict[str, Any]]:
        view = self.view
        by_res: dict[str, list[tuple[str, int, int, int]]] = {}
        for task in self.problem.tasks:
            node = self.nodes[task.id]
            if node.fixed not in ("pinned", "frozen", "in_progress"):
                continue
            lo, hi = max(0, node.es), min(self.n, node.ef)
            if lo >= hi:
                continue
            for rid in node.resources:
                if rid in view.resources:
                    by_res.setdefault(rid, []).append((task.id, lo, hi, view.units(task, rid)))
        out = []
        for rid, rows in sorted(by_res.items()):
            if len(rows) < 2:
                continue
            cap = view.resources[rid].capacity
            occ = np.zeros(self.n, dtype=np.int32)
            for _, lo, hi, u in rows:
                occ[lo:hi] += u
            over = np.flatnonzero(occ > cap)
            if not len(over):
                continue
            t = int(over[0])
            users = [r for r in rows if r[1] <= t < r[2]]
            parts = []
            for tid, lo, hi, _ in users:
                node = self.nodes[tid]
                label = {"in_progress": "in progress", "frozen": "frozen"}.get(
                    node.fixed or "", "pinned"
                )
                parts.append(f"{tid} ({label}, {self.when(lo)} to {self.when(hi)})")
            limit = "one at a time" if cap == 1 else f"{cap} at a time"
            out.append(
                {
                    "kind": "pinned_overlap",
                    "order": view.tasks[users[0][0]].project,
                    "tasks": [u[0] for u in users],
                    "resources": [rid],
                    "dates": {"at": self.iso(t)},
                    "text": (
                        f"{self.res_name(rid)} is booked on "
                        + " and ".join(parts)
                        + f", overlapping at {self.when(t)}, but can work on {limit}"
                    ),
                }
            )
        return out

    # ------------------------------------------------------------------ skills
    def no_room(self) -> list[dict[str, Any]]:
        """Free tasks whose named people share less working time between the task's earliest
        start and the end of the horizon than its work takes: no plan has room for them."""
        view, p = self.view, self.problem
        out = []
        for task in p.tasks:
            node = self.nodes[task.id]
            named = [d.resource for d in task.demands if d.resource]
            work = view.work_slots(task)
            if node.fixed is not None or not named or work <= 0:
                continue
            lo, hi = min(node.est, self.n), self.n
            common = np.logical_and.reduce([self.work_row(r) for r in named])
            have = int(common[lo:hi].sum())
            if have >= work:
                continue
            parts = [self._leave_phrase(r, lo, hi) for r in named]
            parts = [x for x in parts if x] or [
                f"they share only {fmt_hours(have * self.h)} of working time then"
            ]
            who = ", ".join(self.res_name(r) for r in named)
            out.append(
                {
                    "kind": "no_room",
                    "order": task.project,
                    "tasks": [task.id],
                    "resources": named,
                    "dates": {
                        "earliest_start": self.iso(lo),
                        "horizon_end": self.iso(hi),
                        "needed_hours": work * self.h,
                        "available_hours": have * self.h,
                    },
                    "text": (
                        f"{task.id} needs {fmt_hours(work * self.h)} of work by {who} between "
                        f"{self.when(lo)} and {self.when(hi)}, but " + "; ".join(parts)
                    ),
                }
            )
        return out

    def _leave_phrase(self, rid: str, lo: int, hi: int) -> str | None:
        """`Li Wei is on leave (Holiday) from ... to ...` for the longest leave in [lo, hi)."""
        leaves = self.view.leaves_between(rid, lo, hi)
        if not leaves:
            return None
        lv = max(leaves, key=lambda x: x.end - x.start)
        label = f" ({lv.name})" if lv.name else ""
        return (
            f"{self.res_name(rid)} is on leave{label} from "
            f"{fmt_dt(lv.start.astimezone(self.view.tz))} to "
            f"{fmt_dt(lv.end.astimezone(self.view.tz))}"
        )

    def skill_unavailable(self) -> list[dict[str, Any]]:
        view, p = self.view, self.problem
        out = []
        for task in p.tasks:
            node = self.nodes[task.id]
            if node.fixed is not None:
                continue
            dl, _ = view.deadline_slot(task)
            if dl is None:
                continue
            lo, hi = node.est, min(dl, self.n)
            work = view.work_slots(task)
            if lo >= hi or work <= 0:
                continue
            named = [d.resource for d in task.demands if d.resource]
            base = (
                np.logical_and.reduce([self.work_row(r) for r in named])
                if named
                else np.ones(self.n, dtype=np.bool_)
            )
            for d in task.demands:
                # one person: the best-case end already says whether somebody can do it
                if not d.skill or (d.count == 1 and node.ef <= dl):
                    continue
                c = self._skill_conflict(task, d, base, lo, hi, work, dl)
                if c is not None:
                    out.append(c)
        return out

    def _skill_conflict(
        self, task: Task, d: Demand, base: np.ndarray, lo: int, hi: int, work: int, dl: int
    ) -> dict[str, Any] | None:
        p, tl = self.problem, self.timeline
        q = p.qualified(d.skill or "", d.level)
        able, able_no_leave = [], []
        for rid in q:
            res = self.view.resources[rid]
            row = self.work_row(rid)
            cal = tl.calendar_work[p.calendar_index[res.calendar]]
            if int((base & row)[lo:hi].sum()) >= work:
                able.append(rid)
            if int((base & cal)[lo:hi].sum()) >= work:
                able_no_leave.append(rid)
        if len(able) >= d.count or len(able_no_leave) < d.count:
            return None
        parts = []
        for rid in q:
            if rid in able:
                continue
            leave = self._leave_phrase(rid, lo, hi)
            if leave:
                parts.append(leave)
            else:
                hours = float((base & self.work_row(rid))[lo:hi].sum()) * self.h
                parts.append(f"{self.res_name(rid)} works only {fmt_hours(hours)} then")
        skill = self.skill_name(d.skill or "")
        who = "1 person" if d.count == 1 else f"{d.count} people"
        level = f" >= {d.level}" if d.level else ""
        return {
            "kind": "skill_unavailable",
            "order": task.project,
            "tasks": [task.id],
            "resources": list(q),
            "dates": {"earliest_start": self.iso(lo), "deadline": self.iso(dl)},
            "text": (
                f"{task.id} needs {who} with {skill}{level} for "
                f"{fmt_hours(work * self.h)} between {self.when(lo)} and {self.when(dl)}, "
                f"but " + "; ".join(parts)
            ),
        }

    # ------------------------------------------------------------------ capacity
    def capacity(self) -> list[dict[str, Any]]:
        view, p = self.view, self.problem
        out = []
        # what each not-done task takes of each named resource and each skill demand
        by_res: dict[str, list[tuple[str, int]]] = {}
        skill_rows: list[tuple[str, str, int, int]] = []  # task, skill, level, count
        fixed_rows: list[tuple[str, tuple[str, ...]]] = []
        for task in p.tasks:
            node = self.nodes[task.id]
            if node.fixed == "done":
                continue
            if node.fixed is not None:
                for rid in dict.fromkeys(node.resources):
                    by_res.setdefault(rid, []).append((task.id, view.units(task, rid)))
                fixed_rows.append((task.id, node.resources))
                continue
            for d in task.demands:
                if d.resource:
                    by_res.setdefault(d.resource, []).append((task.id, d.units))
                elif d.skill:
                    skill_rows.append((task.id, d.skill, d.level, d.count))
        out += self._resource_windows(by_res)
        out += self._pool_windows(by_res, skill_rows, fixed_rows)
        out.sort(key=lambda c: -c["dates"]["missing_hours"])
        return out

    def _resource_windows(self, by_res: dict[str, list[tuple[str, int]]]) -> list[dict[str, Any]]:
        out = []
        for res in self.problem.resources:
            rows = by_res.get(res.id, [])
            avail = self.work_row(res.id).astype(np.int64) * res.capacity
            c = self._energy(rows, avail)
            if c is not None:
                a, b, need, have, tids = c
                out.append(
                    self._capacity_conflict([res.id], self.res_name(res.id), a, b, need, have, tids)
                )
        return out

    def _pool_windows(
        self,
        by_res: dict[str, list[tuple[str, int]]],
        skill_rows: list[tuple[str, str, int, int]],
        fixed_rows: list[tuple[str, tuple[str, ...]]],
    ) -> list[dict[str, Any]]:
        """Skill pools: the people with skill >= level serve every demand of that skill at that
        level or above, the named demands on them and the fixed tasks they do."""
        view, p = self.view, self.problem
        out = []
        pools = sorted({(sk, lv) for _, sk, lv, _ in skill_rows})
        for skill, level in pools:
            people = p.qualified(skill, level)
            if not people:
                continue
            members = set(people)
            units: dict[str, int] = {}
            for tid, sk, lv, count in skill_rows:
                if sk == skill and lv >= level:
                    units[tid] = units.get(tid, 0) + count
            for rid in people:
                for tid, u in by_res.get(rid, []):
                    if self.nodes[tid].fixed is None:
                        units[tid] = units.get(tid, 0) + u
            for tid, resources in fixed_rows:
                k = sum(1 for r in resources if r in members)
                if k:
                    units[tid] = units.get(tid, 0) + k
            rows = list(units.items())
            avail = np.zeros(self.n, dtype=np.int64)
            for rid in people:
                avail += self.work_row(rid).astype(np.int64) * view.resources[rid].capacity
            c = self._energy(rows, avail)
            if c is not None:
                a, b, need, have, tids = c
                lvl = f" >= {level}" if level else ""
                names = ", ".join(self.res_name(r) for r in people[:SHOWN])
                if len(people) > SHOWN:
                    names += f" and {len(people) - SHOWN} more"
                label = f"the people with {self.skill_name(skill)}{lvl} ({names})"
                out.append(self._capacity_conflict(people, label, a, b, need, have, tids))
        return out

    def _energy(
        self, rows: list[tuple[str, int]], avail: np.ndarray
    ) -> tuple[int, int, int, int, list[str]] | None:
        """The most specific window [a, b) (fewest tasks, then largest shortage) where `avail`
        falls short of the tasks that must run inside it: (a, b, needed slots, available slots,
        task ids). Tasks that miss their own deadline alone are left out (deadline conflicts)."""
        rows = [
            (t, u)
            for t, u in rows
            if self.nodes[t].fixed is not None or self.nodes[t].ef <= self.nodes[t].lf
        ]
        if len(rows) < 2:
            return None
        es = np.asarray(
            [
                max(0, self.nodes[t].es if self.nodes[t].fixed else self.nodes[t].est)
                for t, _ in rows
            ],
            dtype=np.int64,
        )
        lf = np.asarray([self.nodes[t].lf for t, _ in rows], dtype=np.int64)
        energy = np.asarray(
            [u * self.view.work_slots(self.view.tasks[t]) for t, u in rows], dtype=np.int64
        )
        finite = lf < INF
        if not finite.any():
            return None
        cum = np.concatenate(([0], np.cumsum(avail)))
        order = np.argsort(es, kind="stable")
        es_sorted = es[order]
        starts = np.unique(es)
        best = None
        for b in np.unique(np.minimum(lf[finite], self.n)):
            cand = starts[starts < b]
            if not len(cand):
                continue
            e_b = np.where(lf[order] <= b, energy[order], 0)
            suffix = np.concatenate((np.cumsum(e_b[::-1])[::-1], [0]))
            need = suffix[np.searchsorted(es_sorted, cand, side="left")]
            have = cum[b] - cum[cand]
            short = need - have
            c_b = np.where(lf[order] <= b, 1, 0)
            c_suffix = np.concatenate((np.cumsum(c_b[::-1])[::-1], [0]))
            count = c_suffix[np.searchsorted(es_sorted, cand, side="left")]
            # two tasks at least (one alone is a deadline conflict), the most specific window:
            # fewest tasks, then the largest shortage
            bad = np.flatnonzero((short > 0) & (count > 1))
            if not len(bad):
                continue
            k = int(bad[np.lexsort((-short[bad], count[bad]))[0]])
            key = (int(count[k]), -int(short[k]))
            if best is None or key < best[0]:
                a = int(cand[k])
                sel = (lf <= b) & (es >= a)
                best = (key, a, int(b), int(need[k]), int(have[k]), sel)
        if best is None:
            return None
        _, a, b, need, have, sel = best
        return a, b, need, have, [rows[i][0] for i in np.flatnonzero(sel)]

    def _capacity_conflict(
        self, res: list[str], label: str, a: int, b: int, need: int, have: int, tids: list[str]
    ) -> dict[str, Any]:
        hours = {t: self.view.work_slots(self.view.tasks[t]) * self.h for t in tids}
        shown = tids if len(tids) <= SHOWN else sorted(tids, key=lambda t: -hours[t])[:SHOWN]
        parts = ", ".join(f"{t} ({fmt_hours(hours[t])})" for t in shown)
        if len(tids) > len(shown):
            parts += f" and {len(tids) - len(shown)} more tasks"
        orders = sorted({self.view.tasks[t].project for t in tids})
        return {
            "kind": "capacity",
            "order": orders[0] if len(orders) == 1 else None,
            "tasks": tids,
            "resources": list(res),
            "dates": {
                "from": self.iso(a),
                "to": self.iso(b),
                "needed_hours": need * self.h,
                "available_hours": have * self.h,
                "missing_hours": (need - have) * self.h,
            },
            "text": (
                f"Between {self.when(a)} and {self.when(b)} {label} "
                f"{'has' if len(res) == 1 else 'have'} {fmt_hours(have * self.h)} of working "
                f"time, but {parts} must be done in that window: {fmt_hours(need * self.h)}"
            ),
        }

    # ------------------------------------------------------------------ fallback
    def fallback(self) -> list[dict[str, Any]]:
        view = self.view
        worst: dict[str, tuple[int, str, int]] = {}
        for tid, tp in view.plan_tasks.items():
            task = view.tasks[tid]
            if task.status == "done":
                continue
            dl, kind = view.deadline_slot(task)
            if dl is not None and tp.end > dl:
                key = task.project if kind == "order" else tid
                if key not in worst or tp.end - dl > worst[key][0]:
                    worst[key] = (tp.end - dl, tid, dl)
        out = []
        for key, (_miss, tid, dl) in sorted(worst.items(), key=lambda kv: -kv[1][0]):
            task = view.tasks[tid]
            steps = walk(view, tid)
            chain = [s.task for s in reversed(steps)]
            main = main_hold(view, steps, task.project)
            who = f"{task.project} must be delivered" if key == task.project else f"{tid} must end"
            late = (view.at(view.plan_tasks[tid].end) - view.at(dl)).total_seconds() / 3600
            text = (
                f"{who} by {self.when(dl)}, but the best plan found ends {tid} "
                f"{self.when(view.plan_tasks[tid].end)}, {fmt_hours(late)} late"
            )
            if main is not None:
                text += ": " + hold_phrase(view, main)
            text += f" — critical chain {chain_text(chain)}"
            out.append(
                {
                    "kind": "missed_deadline",
                    "order": task.project,
                    "tasks": chain,
                    "resources": sorted({r for t in chain for r in view.plan_tasks[t].resources}),
                    "dates": {
                        "deadline": self.iso(dl),
                        "planned_end": self.iso(view.plan_tasks[tid].end),
                        "late_hours": round(late, 2),
                    },
                    "text": text,
                }
            )
        for tid, tp in view.plan_tasks.items():
            task = view.tasks[tid]
            if task.status != "todo":
                continue
            want = None
            if task.pinned and task.start is not None:
                want = self.timeline.clock.floor(task.start)
            elif tid in view.frozen:
                want = view.frozen[tid][0]
            if want is not None and want != tp.start:
                what = "pinned" if task.pinned else "frozen"
                out.append(
                    {
                        "kind": "pin_not_kept",
                        "order": task.project,
                        "tasks": [tid],
                        "resources": list(tp.resources),
                        "dates": {"pinned": self.iso(want), "planned": self.iso(tp.start)},
                        "text": (
                            f"{tid} is {what} to start {self.when(want)}, but the best plan "
                            f"found starts it {self.when(tp.start)}"
                        ),
                    }
                )
        return out


def _best_finish(
    alts: list[_Alt], est: int, work: int, interruptible: bool, n: int
) -> tuple[int, Any, int]:
    """Earliest (end, person, start) over the alternatives; end INF when none fits the horizon."""
    best: tuple[int, Any, int] = (INF, None, est)
    for mask, other, person in alts:
        got = _finish(mask, other, est, work, interruptible)
        if got is not None and got[0] < best[0]:
            best = (got[0], person, got[1])
    return best


def _finish(
    mask: np.ndarray, other: np.ndarray | None, est: int, work: int, interruptible: bool
) -> tuple[int, int] | None:
    """(end, start) of `work` progress slots (`mask` and `other`) from `est`, or None beyond
    the horizon."""
    if work <= 0:
        return est, est
    n = len(mask)
    width = max(4 * work, 512)
    while True:  # a growing window: most tasks end soon after `est`
        hi = min(n, est + width)
        seg = mask[est:hi] if other is None else mask[est:hi] & other[est:hi]
        if interruptible:
            idx = np.flatnonzero(seg)
            if len(idx) >= work:
                return est + int(idx[work - 1]) + 1, est + int(idx[0])
        elif len(seg) >= work:
            c = np.concatenate(([0], np.cumsum(seg, dtype=np.int32)))
            ok = np.flatnonzero(c[work:] - c[:-work] == work)
            if len(ok):
                return est + int(ok[0]) + work, est + int(ok[0])
        if hi >= n:
            return None
        width *= 4


def _latest_start(mask: np.ndarray | None, lf: int, work: int, interruptible: bool) -> int | None:
    """Latest start of `work` progress slots ending by `lf`, or None when none fits."""
    if work <= 0 or mask is None:
        return lf
    if lf <= 0:
        return None
    if interruptible:
        idx = np.flatnonzero(mask[:lf])
        return int(idx[-work]) if len(idx) >= work else None
    seg = mask[:lf].astype(np.int32)
    if len(seg) < work:
        return None
    c = np.concatenate(([0], np.cumsum(seg)))
    ok = np.flatnonzero(c[work:] - c[:-work] == work)
    return int(ok[-1]) if len(ok) else None
