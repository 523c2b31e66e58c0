"""A seeded generator of realistic shop-floor portfolios (floor problem JSON, see README.md here).

`generate_floor(orders, tasks_per_order, people, skills, seed, months, now, timezone, wip)` builds
an order portfolio of three kinds of delivery:

- engineer-to-order manufacturing: design, drawings, review, procurement lead time (a wait without
  resources or an elapsed FS lag), per work package machining on a CNC with a machinist, heat
  treatment (6 h on the furnace, non-interruptible), welding by 2 people with welding >= 2,
  painting in the paint booth (then drying, an elapsed lag); final assembly, wiring, acceptance
  test, shipping and installation;
- a design institute project: brief, concept by a senior designer (level >= 3), client review
  (a wait), per discipline design development, drawings (drafting starts with the design: an SS
  link), a senior check, then a coordination review by 2 senior designers and issue;
- software delivery: requirements, architecture (development >= 4), per feature development by
  2 developers, test cases (SS with development), code review, feature test; integration test,
  customer acceptance (a wait) and release.

Each order repeats its template's work packages until it has `tasks_per_order` tasks (fewer tasks:
the least important ones are dropped and their links bridged); software features are developed
one after the other (sprints). Durations are working hours scaled so that the work still to do
(including what the orders released before `now` will have done by then, about PRE_NOW_USE of that
time) is LOAD = 85 % of the people's working time up to `now + months` (leaves and holidays
removed); a task takes 2-40 h, a few long ones up to 80 h. Machines (CNCs, paint booths, furnaces
on two shifts, 06-22) are bought in the numbers their hours need and each machine task is routed to
the least loaded one. Primary skills are shared out in proportion to the hours each skill is
demanded (early-shift people to the shop skills), levels so that the senior demands have seniors;
most people then learn 1-2 of the most loaded skills (cross-training). Calendars carry China's
public holidays; people have 1-3 personal leaves of 1-10 working days.

Orders are released over the first 60 % of the time from the first release to `now + months`; the
due date is the release plus the order's critical path (no resource limits, standard calendar,
elapsed lags) times a slack factor of 1.3-2.5, counted in working hours of the standard calendar.
Lead times and client waits scale with `months` (6 months: procurement 3-9 weeks, client reviews
1.5-4.5 weeks), so that with this load a good plan has some tardiness, not a growing backlog of it.
A good plan of the 300 x 25 x 60 case ends most orders within the months; orders released late
with a long path and a large slack are due (and may end) up to about 1.4 x months after `now`.

With `wip`, the orders released before `now` are simulated by a simple dispatcher from their
release on: work that ended before `now` is `done` (with its dates), work running at `now` is
`in_progress` (started, remaining hours, resources) and a few tasks starting just after `now` are
pinned; the simulation is a valid schedule, so the work in progress never conflicts.

Same arguments, same portfolio (only `random.Random(seed)` and sorted iteration are used).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from optimizer.floor.model import Attendance, Calendar, Leave
from optimizer.floor.timeline import Clock, calendar_mask

# Skill catalogue, most used first: `skills=8` keeps the first eight.
SKILLS: tuple[tuple[str, str], ...] = (
    ("welding", "Welding"),
    ("machining", "CNC machining"),
    ("assembly", "Assembly"),
    ("qc", "Quality control"),
    ("design", "Design"),
    ("drafting", "Drafting"),
    ("development", "Software development"),
    ("testing", "Software testing"),
    ("painting", "Painting"),
    ("electrical", "Electrical wiring"),
    ("analysis", "Business analysis"),
    ("logistics", "Logistics"),
)
# A role the catalogue does not hold is done by the nearest skill it does hold.
FALLBACK = {
    "painting": "assembly",
    "electrical": "assembly",
    "logistics": "assembly",
    "analysis": "development",
    "assembly": "welding",
    "qc": "assembly",
    "drafting": "design",
    "testing": "development",
    "development": "design",
}
SHOP_ROLES = ("welding", "machining", "assembly", "painting", "electrical", "logistics", "qc")
LEVEL_NAMES = {"junior": 1, "confirmed": 2, "senior": 3, "expert": 4, "master": 5}

MACHINES = {  # type -> (id prefix, name)
    "cnc": ("CNC", "CNC machining centre"),
    "booth": ("BOOTH", "Paint booth"),
    "furnace": ("FURN", "Heat treatment furnace"),
}

PRIORITIES = ((1.0, "Normal", 0.65), (2.0, "High", 0.25), (4.0, "Urgent", 0.10))
LOAD = 0.85  # people's working hours demanded / available over the horizon
PRE_NOW_USE = 0.4  # share of the working time before `now` the early orders use
WAITS = 1.5  # lead times and client waits: factor on the templates' ranges
RELEASE_SHARE = 0.6  # orders are released over the first 60 % of the horizon
SLACK = (1.3, 2.5)  # due date = release + critical path x slack
MAX_HOURS, MAX_LONG_HOURS = 40, 80

SURNAMES = (
    "Li Wang Zhang Liu Chen Yang Zhao Huang Zhou Wu Xu Sun Hu Zhu Gao Lin He Guo Ma Luo".split()
)
GIVEN = (
    "Wei Fang Na Min Jing Qiang Lei Jun Yang Yong Yan Jie Tao Ming Chao Xiu Xia Ping Gang Hui "
    "Lin Hong Bo Yu Dan Hao Kai Rui Xin Yi"
).split()

# China's public holidays: (first day, last day, name). Lunar ones per year; fixed-date ones are
# added for every year. Make-up working weekends are not modelled.
_LUNAR_HOLIDAYS = (
    ("2025-01-28", "2025-02-04", "Spring Festival"),
    ("2025-04-04", "2025-04-06", "Qingming"),
    ("2025-05-31", "2025-06-02", "Dragon Boat Festival"),
    ("2026-02-15", "2026-02-23", "Spring Festival"),
    ("2026-04-04", "2026-04-06", "Qingming"),
    ("2026-06-19", "2026-06-21", "Dragon Boat Festival"),
    ("2026-09-25", "2026-09-27", "Mid-Autumn Festival"),
    ("2027-02-06", "2027-02-13", "Spring Festival"),
    ("2027-04-03", "2027-04-05", "Qingming"),
    ("2027-06-09", "2027-06-11", "Dragon Boat Festival"),
    ("2027-09-15", "2027-09-17", "Mid-Autumn Festival"),
    ("2028-01-25", "2028-02-01", "Spring Festival"),
    ("2028-04-02", "2028-04-04", "Qingming"),
    ("2028-05-28", "2028-05-30", "Dragon Boat Festival"),
    ("2029-02-11", "2029-02-17", "Spring Festival"),
    ("2029-04-04", "2029-04-06", "Qingming"),
    ("2029-06-16", "2029-06-18", "Dragon Boat Festival"),
    ("2029-09-22", "2029-09-24", "Mid-Autumn Festival"),
)
_FIXED_HOLIDAYS = (
    ((1, 1), (1, 1), "New Year's Day"),
    ((5, 1), (5, 5), "Labour Day"),
    ((10, 1), (10, 7), "National Day"),
)


def china_holidays(first: date, last: date) -> list[tuple[date, date, str]]:
    """Public holidays (first day, last day inclusive, name) overlapping [first, last]."""
    out = [(date.fromisoformat(a), date.fromisoformat(b), n) for a, b, n in _LUNAR_HOLIDAYS]
    for year in range(first.year, last.year + 1):
        for (m1, d1), (m2, d2), name in _FIXED_HOLIDAYS:
            out.append((date(year, m1, d1), date(year, m2, d2), name))
    if first <= date(2027, 1, 3) and last >= date(2027, 1, 1):  # 2027: Friday to Sunday
        out.append((date(2027, 1, 1), date(2027, 1, 3), "New Year's Day"))
    keep = {(a, b, n) for a, b, n in out if a <= last and b >= first}
    merged: list[tuple[date, date, str]] = []
    for a, b, n in sorted(keep):
        if merged and a <= merged[-1][1] + timedelta(days=1) and n == merged[-1][2]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]), n)
        else:
            merged.append((a, b, n))
    return merged


# ---------------------------------------------------------------------- templates


@dataclass
class _Node:
    """One task of an order before scaling: relative hours, demands and links."""

    key: str
    name: str
    base: float  # relative working hours (scaled later), or the hours themselves when `fixed`
    demands: list[tuple] = field(
        default_factory=list
    )  # ("skill", role, level, count) | ("machine", type)
    preds: list[tuple[str, str, float]] = field(default_factory=list)  # (key, FS|SS, lag elapsed h)
    keep: int = 5  # the lowest are dropped first when the order has too many tasks
    fixed: bool = False
    long: bool = False  # may exceed MAX_HOURS
    interruptible: bool = True
    wait: bool = False  # no resource: elapsed working time of the standard calendar
    hours: int = 0

    @property
    def people(self) -> int:
        return sum(d[3] for d in self.demands if d[0] == "skill")


def _skill(role: str, level: int, count: int = 1) -> tuple:
    return ("skill", role, level, count)


def _eto(rng: random.Random, packages: int, wait_scale: float) -> tuple[str, list[_Node]]:
    product = rng.choice(
        ["Frame line", "Conveyor", "Pressure vessel", "Test rig", "Gantry", "Press tool"]
    )
    lead = round(rng.uniform(80, 240) * wait_scale)  # 2-6 weeks
    as_lag = rng.random() < 0.5  # procurement as an elapsed FS lag rather than a wait task
    nodes = [
        _Node("design", "Mechanical design", 16, [_skill("design", 2)], [], 9),
        _Node("drawings", "Detail drawings", 12, [_skill("drafting", 1)], [("design", "FS", 0)], 5),
        _Node("review", "Design review", 3, [_skill("design", 3)], [("drawings", "FS", 0)], 3),
    ]
    if as_lag:
        start_from = ("review", "FS", float(lead) * 168 / 40)  # the same weeks, elapsed
    else:
        nodes.append(
            _Node(
                "procure", "Supplier lead time", lead, [], [("review", "FS", 0)], 8, True, wait=True
            )
        )
        start_from = ("procure", "FS", 0.0)
    finals: list[tuple[str, str, float]] = []
    for i in range(1, packages + 1):
        nodes.append(
            _Node(
                f"cut{i}",
                f"Machine part set {i}",
                10,
                [("machine", "cnc"), _skill("machining", 1)],
                [start_from],
                6,
            )
        )
        prev = f"cut{i}"
        if i % 2 == 1:
            nodes.append(
                _Node(
                    f"heat{i}",
                    f"Heat treatment {i}",
                    6,
                    [("machine", "furnace")],
                    [(prev, "FS", 0)],
                    2,
                    True,
                    interruptible=False,
                )
            )
            prev = f"heat{i}"
        nodes.append(
            _Node(
                f"weld{i}",
                f"Weld sub-assembly {i}",
                14,
                [_skill("welding", 2, 2)],
                [(prev, "FS", 0)],
                6,
            )
        )
        nodes.append(
            _Node(
                f"paint{i}",
                f"Paint sub-assembly {i}",
                6,
                [("machine", "booth"), _skill("painting", 1)],
                [(f"weld{i}", "FS", 0)],
                3,
            )
        )
        finals.append((f"paint{i}", "FS", 12.0))  # paint drying
    nodes += [
        _Node("assembly", "Final assembly", 24, [_skill("assembly", 2, 2)], finals, 9),
        _Node(
            "wiring",
            "Electrical wiring",
            12,
            [_skill("electrical", 2)],
            [("assembly", "SS", 8.0)],
            4,
        ),
        _Node(
            "fat",
            "Factory acceptance test",
            6,
            [_skill("qc", 2)],
            [("assembly", "FS", 0), ("wiring", "FS", 0)],
            8,
        ),
        _Node(
            "ship",
            "Ship and install",
            20,
            [_skill("assembly", 1), _skill("logistics", 1)],
            [("fat", "FS", 0)],
            9,
            long=True,
        ),
    ]
    return product, nodes


def _institute(rng: random.Random, packages: int, wait_scale: float) -> tuple[str, list[_Node]]:
    product = rng.choice(["Office tower", "School campus", "Hospital wing", "Bridge", "Factory"])
    disciplines = ["architecture", "structure", "MEP", "landscape", "interiors", "fire safety"]
    nodes = [
        _Node("brief", "Client brief and site survey", 8, [_skill("design", 1)], [], 8),
        _Node(
            "concept",
            "Concept design",
            24,
            [_skill("design", 3)],
            [("brief", "FS", 0)],
            9,
            long=True,
        ),
        _Node(
            "client1",
            "Client review of the concept",
            round(rng.uniform(40, 120) * wait_scale),
            [],
            [("concept", "FS", 0)],
            5,
            True,
            wait=True,
        ),
    ]
    checks = []
    for i in range(1, packages + 1):
        disc = disciplines[(i - 1) % len(disciplines)]
        tag = f" {(i - 1) // len(disciplines) + 1}" if i > len(disciplines) else ""
        nodes += [
            _Node(
                f"dd{i}",
                f"Design development, {disc}{tag}",
                20,
                [_skill("design", 2)],
                [("client1", "FS", 0)],
                6,
            ),
            _Node(
                f"dwg{i}",
                f"Drawings, {disc}{tag}",
                24,
                [_skill("drafting", 3)],
                [(f"dd{i}", "SS", 16.0)],
                6,
                long=True,
            ),
            _Node(
                f"check{i}",
                f"Senior check, {disc}{tag}",
                4,
                [_skill("design", 3)],
                [(f"dwg{i}", "FS", 0), (f"dd{i}", "FS", 0)],
                3,
            ),
        ]
        checks.append((f"check{i}", "FS", 0.0))
    nodes += [
        _Node("coord", "Coordination review", 6, [_skill("design", 3, 2)], checks, 7),
        _Node(
            "client2",
            "Client approval",
            round(rng.uniform(24, 80) * wait_scale),
            [],
            [("coord", "FS", 0)],
            4,
            True,
            wait=True,
        ),
        _Node(
            "issue", "Issue for construction", 6, [_skill("drafting", 1)], [("client2", "FS", 0)], 9
        ),
    ]
    return product, nodes


def _software(rng: random.Random, packages: int, wait_scale: float) -> tuple[str, list[_Node]]:
    product = rng.choice(["MES rollout", "Customer portal", "ERP integration", "Mobile app"])
    nodes = [
        _Node("reqs", "Requirements workshop", 16, [_skill("analysis", 2)], [], 9),
        _Node(
            "arch",
            "Architecture and design",
            16,
            [_skill("development", 4)],
            [("reqs", "FS", 0)],
            7,
        ),
        _Node("env", "Environments setup", 8, [_skill("development", 2)], [("arch", "SS", 8.0)], 3),
    ]
    tests = []
    for i in range(1, packages + 1):
        nodes += [
            _Node(
                f"dev{i}",
                f"Develop feature {i}",
                24,
                [_skill("development", 2, 2)],
                [("arch", "FS", 0), ("env", "FS", 0)] if i == 1 else [(f"dev{i - 1}", "FS", 0)],
                6,
                long=True,
            ),
            _Node(
                f"cases{i}",
                f"Test cases, feature {i}",
                6,
                [_skill("testing", 1)],
                [(f"dev{i}", "SS", 8.0)],
                3,
            ),
            _Node(
                f"cr{i}",
                f"Code review, feature {i}",
                3,
                [_skill("development", 3)],
                [(f"dev{i}", "FS", 0)],
                2,
            ),
            _Node(
                f"test{i}",
                f"Test feature {i}",
                10,
                [_skill("testing", 2)],
                [(f"cr{i}", "FS", 0), (f"cases{i}", "FS", 0)],
                5,
            ),
        ]
        tests.append((f"test{i}", "FS", 0.0))
    nodes += [
        _Node("integ", "Integration test", 16, [_skill("testing", 2, 2)], tests, 8),
        _Node(
            "uat",
            "Customer acceptance",
            round(rng.uniform(40, 120) * wait_scale),
            [],
            [("integ", "FS", 0)],
            5,
            True,
            wait=True,
        ),
        _Node(
            "release",
            "Release and go-live",
            6,
            [_skill("development", 2), _skill("testing", 1)],
            [("uat", "FS", 0)],
            9,
        ),
    ]
    return product, nodes


TEMPLATES = {  # kind -> (builder, label, share of the orders, tasks per work package)
    "eto": (_eto, "engineer-to-order", 0.45, 3.5),
    "institute": (_institute, "design institute", 0.25, 3),
    "software": (_software, "software delivery", 0.30, 4),
}


def _order_nodes(
    kind: str, rng: random.Random, tasks: int, wait_scale: float
) -> tuple[str, list[_Node]]:
    """The nodes of one order: enough work packages for `tasks` tasks, then trimmed to it."""
    builder, _label, _share, per_package = TEMPLATES[kind]
    state = rng.getstate()
    packages = 1
    while True:
        rng.setstate(state)  # the same draws whatever the number of packages
        product, nodes = builder(rng, packages, wait_scale)
        if len(nodes) >= tasks:
            return product, _shrink(nodes, tasks)
        packages += max(1, int((tasks - len(nodes)) / per_package))


def _shrink(nodes: list[_Node], count: int) -> list[_Node]:
    """Drop the least important nodes (latest first) until `count` remain; bridge their links."""
    if len(nodes) <= count:
        return nodes
    order = sorted(range(len(nodes)), key=lambda i: (nodes[i].keep, -i))
    drop = {nodes[i].key for i in order[: len(nodes) - count]}
    by_key = {n.key: n for n in nodes}
    for node in nodes:  # creation order is topological: predecessors are already bridged
        bridged: dict[str, tuple[str, str, float]] = {}
        for key, kind, lag in node.preds:
            if key in drop:
                for pkey, pkind, plag in by_key[key].preds:
                    # FS then FS/SS: FS a+b; SS then anything: SS a+b (both still hold).
                    link = (pkey, pkind, plag + lag)
                    old = bridged.get(pkey)
                    bridged[pkey] = link if old is None or link[2] > old[2] else old
            else:
                old = bridged.get(key)
                bridged[key] = (key, kind, lag) if old is None or lag > old[2] else old
        node.preds = list(bridged.values())
    return [n for n in nodes if n.key not in drop]


# ---------------------------------------------------------------------- calendars


def _week(days: range, hours: list[tuple[float, float]]) -> list[Attendance]:
    return [Attendance(d, a, b) for d in days for a, b in hours]


def _calendars(tz: str, holidays: list[Leave]) -> list[Calendar]:
    hol = tuple(holidays)
    return [
        Calendar(
            "std",
            tz,
            tuple(_week(range(5), [(8, 12), (13, 17)])),
            hol,
            name="Standard 40 hours/week",
        ),
        Calendar(
            "early",
            tz,
            tuple(_week(range(5), [(6, 11), (12, 15)])),
            hol,
            name="Early shift 06-15, 40 hours/week",
        ),
        Calendar(
            "part",
            tz,
            tuple(_week(range(4), [(8, 12), (13, 17)])),
            hol,
            name="Part time, 4 days (32 hours/week)",
        ),
        Calendar(
            "shift2",
            tz,
            tuple(_week(range(5), [(6, 14), (14, 22)])),
            hol,
            name="Machines: two shifts 06-22",
        ),
    ]


def _local_iso(dt: datetime, tz: ZoneInfo) -> str:
    return dt.astimezone(tz).replace(tzinfo=None).isoformat(timespec="seconds")


def _earliest(
    work: np.ndarray, busy: np.ndarray, est: int, k: int, interruptible: bool
) -> tuple[int, int] | None:
    """Earliest span [s, e) from `est` holding `k` slots of `work` and no `busy` slot."""
    n = len(work)
    if k <= 0:
        return est, est
    length = max(4 * k, 24 * 21)
    while True:
        hi = min(n, est + length)
        pos = np.flatnonzero(work[est:hi]) + est
        if len(pos) >= k:
            starts, ends = pos[: len(pos) - k + 1], pos[k - 1 :] + 1
            cum = np.concatenate(([0], np.cumsum(busy[est:hi], dtype=np.int64)))
            ok = cum[ends - est] == cum[starts - est]
            if not interruptible:
                ok &= ends - starts == k
            if ok.any():
                j = int(np.argmax(ok))
                return int(starts[j]), int(ends[j])
        if hi >= n:
            return None
        length *= 4


def _joint(
    ids: list[str], masks: dict[str, np.ndarray], busy: dict[str, np.ndarray], est: int, node: _Node
) -> tuple[int, int] | None:
    """Earliest span of `node` from `est` on all of `ids` together (they work, none is busy)."""
    work = masks[ids[0]][est:].copy()
    used = busy[ids[0]][est:].copy()
    for r in ids[1:]:
        work &= masks[r][est:]
        used |= busy[r][est:]
    span = _earliest(work, used, 0, node.hours, node.interruptible)
    return None if span is None else (est + span[0], est + span[1])


# ---------------------------------------------------------------------- the generator


@dataclass
class _Order:
    id: str
    kind: str
    product: str
    nodes: list[_Node]
    release: int  # hour slot from the base
    weight: float
    priority: str
    slack: float
    scale: float
    due: int = 0
    path_hours: int = 0


class _Builder:
    def __init__(self, orders, tasks_per_order, people, skills, seed, months, now, timezone, wip):
        if orders < 1 or tasks_per_order < 1 or people < 1 or skills < 1 or months <= 0:
            raise ValueError("orders, tasks_per_order, people, skills and months must be positive")
        self.n_orders, self.k, self.n_people = orders, tasks_per_order, people
        self.seed, self.months, self.wip = seed, months, wip
        self.rng = random.Random(seed)
        self.tzname = timezone
        self.tz = ZoneInfo(timezone)
        start = datetime.fromisoformat(now)
        self.now = start.replace(tzinfo=self.tz) if start.tzinfo is None else start
        days = months * 30.44
        self.wip_days = max(7, round(days * 0.15)) if wip else 0
        self.base = self.now - timedelta(days=self.wip_days)  # first release; hour grid of `now`
        self.end = self.now + timedelta(days=days)
        self.clock = Clock(self.base, 60, self.tz)  # elapsed hours, across DST changes too
        self.n = self.clock.floor(self.end)
        self.n_far = self.n + 24 * max(240, round(days * 2))
        self.t_now = self.clock.floor(self.now)
        self.wait_scale = WAITS * min(4.0, max(0.2, months / 6))
        self.available = [s for s, _ in SKILLS[:skills]] + [
            f"skill{i + 1}" for i in range(len(SKILLS), skills)
        ]

    # .................................................................. skills and calendars
    def role_skill(self, role: str) -> str:
        seen = role
        while seen not in self.available[: len(SKILLS)]:
            if seen not in FALLBACK:
                names = [s for s, _ in SKILLS]
                return self.available[names.index(role) % min(len(self.available), len(SKILLS))]
            seen = FALLBACK[seen]
        return seen

    def build_calendars(self) -> None:
        first = (self.base - timedelta(days=7)).astimezone(self.tz).date()
        last = (self.base + timedelta(hours=self.n_far)).astimezone(self.tz).date()
        self.holidays = [
            Leave(
                datetime(a.year, a.month, a.day, tzinfo=self.tz),
                datetime(b.year, b.month, b.day, tzinfo=self.tz) + timedelta(days=1),
                name,
            )
            for a, b, name in china_holidays(first, last)
        ]
        self.calendars = _calendars(self.tzname, self.holidays)
        self.cal_mask = {c.id: calendar_mask(c, self.clock, self.n_far) for c in self.calendars}

    def leave_mask(self, mask: np.ndarray, leaves: list[Leave]) -> np.ndarray:
        out = mask.copy()
        for lv in leaves:
            lo, hi = max(0, self.clock.floor(lv.start)), min(len(out), self.clock.ceil(lv.end))
            out[lo:hi] = False
        return out

    def build_people(self) -> None:
        rng = self.rng
        self.people: list[dict[str, Any]] = []
        names: set[str] = set()
        for i in range(self.n_people):
            cal = rng.choices(["std", "early", "part"], weights=[0.7, 0.18, 0.12])[0]
            name = f"{rng.choice(SURNAMES)} {rng.choice(GIVEN)}"
            if name in names:
                name = f"{rng.choice(SURNAMES)} {rng.choice(GIVEN)}{rng.choice(GIVEN).lower()}"
            if name in names:
                name = f"{name} ({i + 1})"
            names.add(name)
            person = {"id": f"P{i + 1:03d}", "name": name, "calendar": cal, "leaves": []}
            person["leaves"] = self.personal_leaves(cal)
            mask = self.leave_mask(self.cal_mask[cal], person["leaves"])
            person["mask"] = mask
            person["capacity"] = int(mask[: self.n].sum())
            self.people.append(person)
        self.capacity = sum(p["capacity"] for p in self.people)
        # Load base: the working time from `now` on, plus the part of the time before `now` the
        # orders released then use (they are few at first).
        before = sum(int(p["mask"][: self.t_now].sum()) for p in self.people)
        self.load_capacity = self.capacity - (1 - PRE_NOW_USE) * before

    def personal_leaves(self, cal: str) -> list[Leave]:
        """1-3 leaves of 1-10 working days of `cal` over the horizon, not overlapping."""
        rng = self.rng
        mask = self.cal_mask[cal]
        days = self.n // 24
        out: list[Leave] = []
        for _ in range(rng.choice([1, 2, 2, 3])):
            length = rng.choices([1, 2, 3, 5, 10], weights=[0.3, 0.25, 0.2, 0.15, 0.1])[0]
            if length == 10:
                length = rng.randint(6, 10)
            day0 = (self.base + timedelta(days=rng.randrange(max(1, days)))).astimezone(self.tz)
            start = datetime(day0.year, day0.month, day0.day, tzinfo=self.tz)
            end, worked = start, 0
            while worked < length and self.clock.floor(end) < self.n_far - 24:
                t = max(0, self.clock.floor(end))
                worked += bool(mask[t : t + 24].any())
                end += timedelta(days=1)
            if end > start and all(end <= o.start or start >= o.end for o in out):
                out.append(Leave(start, end, "Annual leave" if length > 2 else "Personal leave"))
        return sorted(out, key=lambda lv: lv.start)

    # .................................................................. orders
    def build_orders(self) -> None:
        rng = self.rng
        kinds = list(TEMPLATES)
        shares = [TEMPLATES[k][2] for k in kinds]
        span = RELEASE_SHARE * self.n
        releases = sorted(rng.random() * span for _ in range(self.n_orders))
        self.orders: list[_Order] = []
        for k, rel in enumerate(releases):
            kind = kinds[k] if k < len(kinds) and self.n_orders >= 6 else None
            kind = kind or rng.choices(kinds, weights=shares)[0]
            product, nodes = _order_nodes(kind, rng, self.k, self.wait_scale)
            day = (self.base + timedelta(hours=rel)).astimezone(self.tz)
            midnight = datetime(day.year, day.month, day.day, tzinfo=self.tz)
            release = max(0, self.clock.floor(midnight))
            weight, priority, _ = rng.choices(PRIORITIES, weights=[p[2] for p in PRIORITIES])[0]
            order = _Order(
                id=f"SO{1001 + k}",
                kind=kind,
                product=product,
                nodes=nodes,
                release=release,
                weight=weight,
                priority=priority,
                slack=rng.uniform(*SLACK),
                scale=math.exp(rng.gauss(0, 0.25)),
            )
            for node in nodes:
                node.demands = [
                    ("skill", self.role_skill(d[1]), d[2], d[3]) if d[0] == "skill" else d
                    for d in node.demands
                ]
                if not node.fixed:
                    node.base *= order.scale * math.exp(rng.gauss(0, 0.35))
            self.orders.append(order)

    def scale_hours(self) -> None:
        """Scale the relative hours so that the people's load is LOAD of their capacity."""
        nodes = [n for o in self.orders for n in o.nodes]
        target = LOAD * self.load_capacity
        factor = target / max(1e-9, sum(n.base * n.people for n in nodes if not n.fixed))
        for _ in range(8):
            for n in nodes:
                if n.fixed:
                    n.hours = max(1, round(n.base))
                else:
                    top = MAX_LONG_HOURS if n.long else MAX_HOURS
                    n.hours = int(min(top, max(2, round(n.base * factor))))
            got = sum(n.hours * n.people for n in nodes)
            if got <= 0 or abs(got - target) < 0.01 * target:
                break
            factor *= target / got
        self.people_hours = sum(n.hours * n.people for n in nodes)

    def build_machines(self) -> None:
        hours: dict[str, int] = {}
        for o in self.orders:
            for n in o.nodes:
                for d in n.demands:
                    if d[0] == "machine":
                        hours[d[1]] = hours.get(d[1], 0) + n.hours
        cap = int(self.cal_mask["shift2"][: self.n].sum())
        self.machines: dict[str, list[dict[str, Any]]] = {}
        for kind in MACHINES:
            if kind not in hours:
                continue
            prefix, name = MACHINES[kind]
            count = max(1, math.ceil(hours[kind] / (0.6 * cap)))
            units = []
            for i in range(count):
                day = self.base + timedelta(days=self.rng.randrange(max(1, self.n // 24)))
                day = day.astimezone(self.tz)
                start = datetime(day.year, day.month, day.day, tzinfo=self.tz)
                leaves = [Leave(start, start + timedelta(days=1), "Maintenance")]
                units.append(
                    {
                        "id": f"{prefix}{i + 1}",
                        "name": f"{name} {i + 1}",
                        "leaves": leaves,
                        "mask": self.leave_mask(self.cal_mask["shift2"], leaves),
                    }
                )
            self.machines[kind] = units
        # Each task is routed to the least loaded machine of its kind (a named resource).
        load = {m["id"]: 0 for units in self.machines.values() for m in units}
        for o in self.orders:
            for n in o.nodes:
                for k, d in enumerate(n.demands):
                    if d[0] == "machine":
                        pick = min(self.machines[d[1]], key=lambda m: (load[m["id"]], m["id"]))
                        load[pick["id"]] += n.hours
                        n.demands[k] = ("resource", pick["id"])

    def assign_skills(self) -> None:
        """Primary skills in proportion to the demanded hours, levels for the demanded ones."""
        rng = self.rng
        demand: dict[str, float] = {s: 0.0 for s in self.available}
        senior: dict[str, dict[int, float]] = {s: {} for s in self.available}
        need: dict[tuple[str, int], int] = {}  # (skill, level) -> most people one task needs
        for o in self.orders:
            for n in o.nodes:
                for d in n.demands:
                    if d[0] != "skill":
                        continue
                    _, s, level, count = d
                    demand[s] += n.hours * count
                    for lv in range(2, level + 1):
                        senior[s][lv] = senior[s].get(lv, 0.0) + n.hours * count
                    need[(s, level)] = max(need.get((s, level), 0), count)
        total = sum(demand.values()) or 1.0
        target = {s: demand[s] / total * self.capacity for s in self.available}
        got = dict.fromkeys(self.available, 0.0)
        order = sorted(self.people, key=lambda p: (p["calendar"] != "early", rng.random()))
        primary: dict[str, list[dict[str, Any]]] = {s: [] for s in self.available}
        for p in order:
            pool = self.available
            if p["calendar"] == "early":
                shop = [s for s in pool if s in SHOP_ROLES and target[s] - got[s] > 0]
                pool = shop or pool
            s = max(pool, key=lambda x: (target[x] - got[x], -self.available.index(x)))
            got[s] += p["capacity"]
            primary[s].append(p)
            p["skills"] = {s: 1}
        for s, holders in primary.items():
            n = len(holders)
            frac = {
                lv: senior[s].get(lv, 0.0) / demand[s] if demand[s] else 0.0 for lv in (2, 3, 4)
            }
            at_least = {lv: min(n, math.ceil(min(1.0, frac[lv] + 0.2) * n)) for lv in frac}
            for i, p in enumerate(holders):
                if i < at_least[4] and frac[4] > 0:
                    p["skills"][s] = rng.choice([4, 5])
                elif i < at_least[3]:
                    p["skills"][s] = rng.choice([3, 3, 4])
                elif i < at_least[2]:
                    p["skills"][s] = 2
                else:
                    p["skills"][s] = rng.choice([1, 2])
        self.cross_train(demand, senior, got)
        self.satisfy(need)

    def cross_train(
        self, demand: dict[str, float], senior: dict[str, dict[int, float]], got: dict[str, float]
    ) -> None:
        """1-2 more skills for most people, chosen among the most loaded skills; the people of
        the skills with spare capacity first (each new holder is counted for a share of it)."""
        rng = self.rng

        def ratio(s: str) -> float:
            return min(5.0, demand[s] / got[s]) if got[s] > 0 else (5.0 if demand[s] else 0.0)

        order = sorted(self.people, key=lambda p: (ratio(next(iter(p["skills"]))), rng.random()))
        for p in order:
            home = next(iter(p["skills"]))
            for _ in range(rng.choices([0, 1, 2], weights=[0.35, 0.45, 0.2])[0]):
                weights = [max(0.0, ratio(s) - 0.7) + 0.03 for s in self.available]
                s = rng.choices(self.available, weights=weights)[0]
                if s in p["skills"]:
                    continue
                senior_share = senior[s].get(3, 0.0) / demand[s] if demand[s] else 0.0
                p["skills"][s] = 3 if rng.random() < senior_share + 0.15 else rng.choice([1, 2, 2])
                share = 0.3 * p["capacity"]
                got[s] += share
                got[home] -= share

    def satisfy(self, need: dict[tuple[str, int], int]) -> None:
        """Every (skill, level, count) demanded is held by at least `count` people (plus one)."""
        for (s, level), count in sorted(need.items()):
            want = min(self.n_people, count + 1)
            able = [p for p in self.people if p["skills"].get(s, -1) >= level]
            others = [p for p in self.people if p["skills"].get(s, -1) < level]
            # Upgrade those who have the skill, then those with the fewest skills.
            others.sort(key=lambda p: (s not in p["skills"], len(p["skills"]), p["id"]))
            for p in others[: max(0, want - len(able))]:
                p["skills"][s] = level

    # .................................................................. due dates
    def due_dates(self) -> None:
        """Due = release + the order's critical path (no resource limits, standard calendar,
        lags elapsed) x its slack factor, counted in working hours of the standard calendar."""
        std = self.cal_mask["std"]
        pos = np.flatnonzero(std)
        before = np.concatenate(([0], np.cumsum(std, dtype=np.int64)))  # working slots < t

        def after(t: int, k: int) -> int:  # the slot edge `k` working slots after `t`
            j = int(before[min(t, len(std))]) + k
            return int(pos[j - 1]) + 1 if 0 < j <= len(pos) else (t if k <= 0 else len(std))

        for o in self.orders:
            start: dict[str, int] = {}
            end: dict[str, int] = {}
            last = o.release
            for n in o.nodes:
                est = o.release
                for key, kind, lag in n.preds:
                    ref = end[key] if kind == "FS" else start[key]
                    est = max(est, ref + math.ceil(lag))
                s = after(est, 1) - 1 if n.hours > 0 else est
                start[n.key], end[n.key] = s, after(s, n.hours)
                last = max(last, end[n.key])
            path = int(before[min(last, len(std))] - before[o.release])
            o.path_hours = path
            due = after(o.release, math.ceil(path * o.slack))
            o.due = due

    # .................................................................. work in progress
    def simulate(self) -> dict[str, dict[str, Any]]:
        """Dispatch the orders released before `now` from their release; slots per task."""
        res_mask: dict[str, np.ndarray] = {p["id"]: p["mask"] for p in self.people}
        for units in self.machines.values():
            for m in units:
                res_mask[m["id"]] = m["mask"]
        busy = {r: np.zeros(self.n_far, dtype=np.bool_) for r in sorted(res_mask)}
        idle = np.zeros(self.n_far, dtype=np.bool_)
        qualified: dict[tuple[str, int], list[str]] = {}
        out: dict[str, dict[str, Any]] = {}
        early = [o for o in self.orders if o.release < self.t_now]
        for o in sorted(early, key=lambda o: (o.due, o.id)):
            for n in o.nodes:
                est = o.release
                for key, kind, lag in n.preds:
                    p = out[f"{o.id}/{key}"]
                    est = max(est, (p["end"] if kind == "FS" else p["start"]) + math.ceil(lag))
                if not n.demands:
                    span = _earliest(self.cal_mask["std"][est:], idle[est:], 0, n.hours, True)
                    assert span is not None, "the simulation ran out of horizon"
                    out[f"{o.id}/{n.key}"] = {
                        "start": est + span[0],
                        "end": est + span[1],
                        "res": [],
                    }
                    continue
                fixed = [d[1] for d in n.demands if d[0] == "resource"]
                groups = []
                for d in n.demands:
                    if d[0] == "skill":
                        key = (d[1], d[2])
                        if key not in qualified:
                            qualified[key] = [
                                p["id"] for p in self.people if p["skills"].get(d[1], -1) >= d[2]
                            ]
                        groups.append((qualified[key], d[3]))
                chosen = self.pick_people(groups, fixed, res_mask, busy, est, n)
                ids = fixed + chosen
                span = _joint(ids, res_mask, busy, est, n)
                assert span is not None, "the simulation ran out of horizon"
                for r in ids:
                    busy[r][span[0] : span[1]] = True
                out[f"{o.id}/{n.key}"] = {"start": span[0], "end": span[1], "res": ids}
        self.res_mask = res_mask
        return out

    def pick_people(self, groups, fixed, res_mask, busy, est, node) -> list[str]:
        """Per skill group the `count` people finishing earliest with the machines, one by one."""
        chosen: list[str] = []
        for pool, count in groups:
            for _ in range(count):
                best = None
                for pid in pool:
                    if pid in chosen:
                        continue
                    span = _joint(fixed + chosen + [pid], res_mask, busy, est, node)
                    if span is not None and (best is None or span[1] < best[0]):
                        best = (span[1], pid)
                assert best is not None
                chosen.append(best[1])
        return chosen

    def work_in_progress(self, sim: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        """Task id -> status fields from the simulation cut at `now`."""
        now = self.t_now
        status: dict[str, dict[str, Any]] = {}
        at = self.clock.at
        for tid, s in sim.items():
            if s["end"] <= now:
                status[tid] = {
                    "status": "done",
                    "start": _local_iso(at(s["start"]), self.tz),
                    "end": _local_iso(at(s["end"]), self.tz),
                    "resources": s["res"],
                }
            elif s["start"] < now and s["res"]:
                work = np.logical_and.reduce([self.res_mask[r] for r in s["res"]])
                remaining = int(work[now : s["end"]].sum())
                status[tid] = {
                    "status": "in_progress",
                    "started": _local_iso(at(s["start"]), self.tz),
                    "remaining_hours": remaining,
                    "resources": s["res"],
                }
            elif s["start"] < now:  # a wait running at `now`: it goes on from now
                work = self.cal_mask["std"]
                status[tid] = {
                    "status": "in_progress",
                    "started": _local_iso(at(s["start"]), self.tz),
                    "remaining_hours": int(work[now : s["end"]].sum()),
                }
        # A few tasks starting in the week after `now`, every predecessor fixed, are pinned.
        limit = max(1, self.n_orders // 40)
        preds = {
            f"{o.id}/{n.key}": [f"{o.id}/{k}" for k, _, _ in n.preds]
            for o in self.orders
            for n in o.nodes
        }
        soon = sorted(
            (s["start"], tid)
            for tid, s in sim.items()
            if now <= s["start"] < now + 24 * 7 and s["res"]
        )
        pinned = 0
        for start, tid in soon:
            if pinned >= limit:
                break
            if all(p in status for p in preds[tid]) and self.rng.random() < 0.5:
                status[tid] = {
                    "status": "todo",
                    "pinned": True,
                    "start": _local_iso(at(start), self.tz),
                    "resources": sim[tid]["res"],
                }
                pinned += 1
        return status

    # .................................................................. output
    def build(self) -> dict[str, Any]:
        self.build_calendars()
        self.build_people()
        self.build_orders()
        self.scale_hours()
        self.build_machines()
        self.assign_skills()
        self.due_dates()
        wip = self.work_in_progress(self.simulate()) if self.wip else {}
        return self.to_dict(wip)

    def to_dict(self, wip: dict[str, dict[str, Any]]) -> dict[str, Any]:
        tz, iso = self.tz, lambda t: _local_iso(self.clock.at(t), self.tz)

        def leaves(ls: list[Leave]) -> list[dict[str, str]]:
            return [
                {"start": _local_iso(x.start, tz), "end": _local_iso(x.end, tz), "name": x.name}
                for x in ls
            ]

        calendars = [
            {
                "id": c.id,
                "name": c.name,
                "attendances": [
                    {"dayofweek": a.dayofweek, "hour_from": a.hour_from, "hour_to": a.hour_to}
                    for a in c.attendances
                ],
                "leaves": leaves(list(c.leaves)),
            }
            for c in self.calendars
        ]
        resources = [
            {
                "id": p["id"],
                "name": p["name"],
                "kind": "person",
                "calendar": p["calendar"],
                "leaves": leaves(p["leaves"]),
                "skills": dict(sorted(p["skills"].items())),
            }
            for p in self.people
        ]
        for units in self.machines.values():
            resources += [
                {
                    "id": m["id"],
                    "name": m["name"],
                    "kind": "machine",
                    "calendar": "shift2",
                    "leaves": leaves(m["leaves"]),
                    "skills": {},
                }
                for m in units
            ]
        projects, tasks, precedences = [], [], []
        for o in self.orders:
            projects.append(
                {
                    "id": o.id,
                    "name": f"{o.id} {o.product} ({TEMPLATES[o.kind][1]}, {o.priority})",
                    "release": iso(o.release),
                    "due": iso(o.due),
                    "deadline": None,
                    "weight": o.weight,
                }
            )
            for n in o.nodes:
                tid = f"{o.id}/{n.key}"
                task: dict[str, Any] = {
                    "id": tid,
                    "project": o.id,
                    "name": n.name,
                    "hours": n.hours,
                    "demands": self.demands_json(n),
                }
                if n.wait:
                    task["calendar"] = "std"
                if not n.interruptible:
                    task["interruptible"] = False
                task["status"] = "todo"
                task.update(wip.get(tid, {}))
                tasks.append(task)
                for key, kind, lag in n.preds:
                    link: dict[str, Any] = {"from": f"{o.id}/{key}", "to": tid, "type": kind}
                    if lag:
                        link["lag_hours_elapsed"] = round(lag, 2)
                    precedences.append(link)
        return {
            "kind": "floor",
            "name": (
                f"Floor portfolio {self.n_orders}x{self.k}, {self.n_people} people, "
                f"seed {self.seed}"
            ),
            "timezone": self.tzname,
            "now": _local_iso(self.now, tz),
            "slot_minutes": 60,
            "default_calendar": "std",
            "skills": [
                {"id": s, "name": dict(SKILLS).get(s, s.title()), "levels": LEVEL_NAMES}
                for s in self.available
            ],
            "calendars": calendars,
            "resources": resources,
            "projects": projects,
            "tasks": tasks,
            "precedences": precedences,
        }

    @staticmethod
    def demands_json(node: _Node) -> list[dict[str, Any]]:
        return [
            {"resource": d[1], "units": 1}
            if d[0] == "resource"
            else {"skill": d[1], "level": d[2], "count": d[3]}
            for d in node.demands
        ]


def generate_floor(
    orders: int = 300,
    tasks_per_order: int = 25,
    people: int = 60,
    skills: int = 8,
    seed: int = 0,
    months: float = 6,
    now: str = "2026-11-23T08:00:00",
    timezone: str = "Asia/Shanghai",
    wip: bool = True,
) -> dict[str, Any]:
    """A floor problem (JSON dict for `FloorProblem.from_dict`); same arguments, same problem."""
    return _Builder(
        orders, tasks_per_order, people, skills, seed, months, now, timezone, wip
    ).build()
