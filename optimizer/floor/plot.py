"""Pictures of a floor plan: an interactive self-contained HTML page and a static PNG overview.

Both work from the plan JSON dict alone (`"kind": "floor_plan"`, optimizer/floor/README.md), so a
plan written by any version of the solver can be drawn without its problem. Missing or partial
sections degrade: orders come from the tasks when `projects` is absent, an order's forecast end is
its last task end when not given, no `precedences` means no arrows, no `resources` no load chart.

HTML page: one file, inline CSS, vanilla JS and the plan as JSON; nothing is fetched. One summary
row per order (collapsed), task rows for expanded orders only, dependency arrows between drawn
tasks, a per-resource per-day load heatmap, zoom. Rows are virtualised once more than
`FULL_RENDER_ROWS` rows are expanded. The URL hash sets the initial state (`#expand=SO001,SO007`,
`#expand=all`, `#late`, `#filter=text`, `#sort=late|due|start|plan`, `#res=text`, `#zoom=px/day`,
joined with `&`); after each render `document.body.dataset.rendered` holds the number of task bars
drawn.

PNG: matplotlib's Agg canvas (no pyplot): order summary bars (the worst `PNG_MAX_ORDERS` by
lateness when there are more) over a resource load heatmap (the `PNG_MAX_RESOURCES` most loaded).

Resource capacity per day: a plan resource may carry `available` (or `capacity_hours`): either a
`{"YYYY-MM-DD": hours}` map or a number of hours per day; else `hours_per_day` x `capacity`
(units, default 1); else `DEFAULT_HOURS_PER_DAY` x `capacity`, and the page says it assumed it.
"""

from __future__ import annotations

import html
import json
import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import matplotlib.dates as mdates
from matplotlib.axes import Axes
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from optimizer.common.plotting import draw_no_schedule, new_figure, png_bytes

PNG_MAX_ORDERS = 60
PNG_MAX_RESOURCES = 40
FULL_RENDER_ROWS = 2500  # above this many rows the HTML page draws only the rows in view
DEFAULT_HOURS_PER_DAY = 8.0
STATUSES = ("todo", "in_progress", "done")

LATE_COLOUR = "#d62728"
ON_TIME_COLOUR = "#2ca02c"
NO_DUE_COLOUR = "#4e79a7"
# Load heatmap: bins of percent of the day's capacity; red above 100 %.
LOAD_BOUNDS = (0.0, 1e-9, 50.0, 80.0, 100.0 + 1e-9, 125.0, 150.0, 1e9)
LOAD_COLOURS = ("#f4f4f4", "#c6dbef", "#6baed6", "#2171b5", "#fc9272", "#ef3b2c", "#a50f15")
LOAD_LABELS = ("0", "≤50 %", "≤80 %", "≤100 %", "≤125 %", "≤150 %", ">150 %")


# ---------------------------------------------------------------------- normalised plan


@dataclass
class _Task:
    id: str
    project: str
    name: str
    start: datetime
    end: datetime
    status: str
    critical: bool
    slack: float | None
    resources: list[str]


@dataclass
class _Order:
    id: str
    name: str
    start: datetime | None
    end: datetime | None  # forecast end
    due: datetime | None
    lateness: float  # hours
    late: bool
    bottleneck: str
    reason: str
    critical_chain: list[str]
    tasks: list[int] = field(default_factory=list)  # indices into _Floor.tasks, by start


@dataclass
class _Resource:
    id: str
    name: str
    units: float
    load: dict[date, float]
    available: dict[date, float] | None  # None: `per_day` every day
    per_day: float
    assumed: bool
    kind: str = ""
    utilisation: float | None = None

    def capacity(self, day: date) -> float:
        if self.available is not None:
            return self.available.get(day, 0.0)
        return self.per_day


@dataclass
class _Floor:
    """The plan dict made safe to draw: aware local datetimes, orders with their tasks."""

    name: str
    status: str
    tz: tzinfo
    tz_name: str
    now: datetime | None
    tasks: list[_Task]
    orders: list[_Order]
    deps: list[tuple[int, int, str]]
    resources: list[_Resource]
    figures: list[tuple[str, str]]
    moved: list[dict[str, Any]]
    explanation: Any
    skipped_tasks: int

    def span(self) -> tuple[datetime, datetime] | None:
        """Local midnight of the first day shown, and the end of the last one."""
        points: list[datetime] = []
        for t in self.tasks:
            points += [t.start, t.end]
        for o in self.orders:
            points += [d for d in (o.start, o.end, o.due) if d is not None]
        for r in self.resources:
            for day in r.load:
                points.append(datetime(day.year, day.month, day.day, tzinfo=self.tz))
        if self.now is not None and points:
            points.append(self.now)
        if not points:
            return None
        first = min(points).astimezone(self.tz).date()
        last = max(points).astimezone(self.tz).date() + timedelta(days=1)
        return _midnight(first, self.tz), _midnight(last, self.tz)


def _midnight(day: date, tz: tzinfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=tz)


def _zone(plan: dict[str, Any]) -> tuple[tzinfo, str]:
    """The plan's time zone; else the offset of its first datetime; else UTC."""
    name = plan.get("timezone")
    if isinstance(name, str) and name:
        try:
            return ZoneInfo(name), name
        except (ZoneInfoNotFoundError, ValueError):
            pass
    for t in plan.get("tasks") or []:
        if isinstance(t, dict):
            try:
                dt = datetime.fromisoformat(str(t.get("start")))
            except ValueError:
                continue
            if dt.tzinfo is not None:
                return dt.tzinfo, str(dt.tzinfo)
    return timezone.utc, "UTC"


def _parse_dt(value: Any, tz: tzinfo) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if dt.tzinfo is None:
        return dt.replace(tzinfo=tz)
    return dt.astimezone(tz)


def _parse_day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def _day_map(value: Any) -> dict[date, float]:
    out: dict[date, float] = {}
    if isinstance(value, dict):
        for key, hours in value.items():
            day, h = _parse_day(key), _num(hours)
            if day is not None and h is not None:
                out[day] = out.get(day, 0.0) + h
    return out


def _read_plan(plan: dict[str, Any]) -> _Floor:
    if not isinstance(plan, dict):
        plan = {}
    tz, tz_name = _zone(plan)
    tasks: list[_Task] = []
    skipped = 0
    for t in plan.get("tasks") or []:
        if not isinstance(t, dict) or t.get("id") is None:
            skipped += 1
            continue
        start, end = _parse_dt(t.get("start"), tz), _parse_dt(t.get("end"), tz)
        if start is None or end is None:
            skipped += 1
            continue
        tid = str(t["id"])
        project = t.get("project")
        if project is None:
            project = tid.split("/", 1)[0] if "/" in tid else ""
        status = str(t.get("status") or "todo")
        tasks.append(
            _Task(
                id=tid,
                project=str(project),
                name=str(t.get("name") or ""),
                start=start,
                end=max(start, end),
                status=status if status in STATUSES else "todo",
                critical=bool(t.get("critical")),
                slack=_num(t.get("slack_hours")),
                resources=[str(r) for r in t.get("resources") or []],
            )
        )
    by_project: dict[str, list[int]] = {}
    for k, task in enumerate(tasks):
        by_project.setdefault(task.project, []).append(k)

    orders: list[_Order] = []
    seen: set[str] = set()
    raw_projects = [p for p in plan.get("projects") or [] if isinstance(p, dict) and "id" in p]
    for p in raw_projects:
        pid = str(p["id"])
        if pid in seen:
            continue
        seen.add(pid)
        orders.append(_order(pid, p, by_project.get(pid, []), tasks, tz))
    for pid, members in by_project.items():  # orders only the tasks name
        if pid not in seen:
            seen.add(pid)
            orders.append(_order(pid, {}, members, tasks, tz))

    index = {t.id: k for k, t in enumerate(tasks)}
    deps: list[tuple[int, int, str]] = []
    for d in plan.get("precedences") or []:
        if not isinstance(d, dict):
            continue
        a, b = index.get(str(d.get("from"))), index.get(str(d.get("to")))
        if a is not None and b is not None:
            deps.append((a, b, str(d.get("type") or "FS").upper()))

    resources = [_resource(r) for r in plan.get("resources") or [] if isinstance(r, dict)]
    resources = [r for r in resources if r is not None]

    figures: list[tuple[str, str]] = []
    for key, label in (
        ("status", "status"),
        ("objective", "objective"),
        ("weighted_tardiness", "weighted tardiness"),
        ("moved_count", "moved"),
        ("solve_seconds", "solve s"),
        ("checked", "checked"),
    ):
        value = plan.get(key)
        if value is not None:
            figures.append((label, f"{value:g}" if isinstance(value, float) else str(value)))
    return _Floor(
        name=str(plan.get("problem") or plan.get("name") or "floor plan"),
        status=str(plan.get("status") or "UNKNOWN"),
        tz=tz,
        tz_name=tz_name,
        now=_parse_dt(plan.get("now"), tz),
        tasks=tasks,
        orders=orders,
        deps=deps,
        resources=resources,
        figures=figures,
        moved=[m for m in plan.get("moved") or [] if isinstance(m, dict)],
        explanation=plan.get("explanation"),
        skipped_tasks=skipped,
    )


def _order(
    pid: str, p: dict[str, Any], members: list[int], tasks: list[_Task], tz: tzinfo
) -> _Order:
    members = sorted(members, key=lambda k: (tasks[k].start, tasks[k].end, tasks[k].id))
    start = min((tasks[k].start for k in members), default=None)
    last = max((tasks[k].end for k in members), default=None)
    end = _parse_dt(p.get("forecast_end"), tz) or last
    due = _parse_dt(p.get("due"), tz)
    lateness = _num(p.get("lateness_hours"))
    if lateness is None:
        lateness = max(0.0, (end - due).total_seconds() / 3600) if end is not None and due else 0.0
    late = p.get("late")
    if start is None and end is not None:
        start = end
    return _Order(
        id=pid,
        name=str(p.get("name") or ""),
        start=start,
        end=end,
        due=due,
        lateness=lateness,
        late=bool(late) if isinstance(late, bool) else lateness > 1e-9,
        bottleneck=str(p.get("bottleneck") or ""),
        reason=str(p.get("reason") or ""),
        critical_chain=[str(x) for x in p.get("critical_chain") or []],
        tasks=members,
    )


def _resource(r: dict[str, Any]) -> _Resource | None:
    if r.get("id") is None:
        return None
    units = _num(r.get("capacity")) or 1.0
    available: dict[date, float] | None = None
    per_day = DEFAULT_HOURS_PER_DAY * units
    assumed = True
    for key in ("available", "capacity_hours"):
        value = r.get(key)
        if isinstance(value, dict):
            available, assumed = _day_map(value), False
            break
        if _num(value) is not None:
            per_day, assumed = float(value), False
            break
    else:
        hours = _num(r.get("hours_per_day"))
        if hours is not None:
            per_day, assumed = hours * units, False
    return _Resource(
        id=str(r["id"]),
        name=str(r.get("name") or ""),
        units=units,
        load=_day_map(r.get("load")),
        available=available,
        per_day=per_day,
        assumed=assumed,
        kind=str(r.get("kind") or ""),
        utilisation=_num(r.get("utilisation")),
    )


def _title(floor: _Floor, title: str | None) -> str:
    if title:
        return title
    late = sum(o.late for o in floor.orders)
    return (
        f"{floor.name}: {floor.status}, {len(floor.orders)} orders ({late} late), "
        f"{len(floor.tasks)} tasks"
    )


# ---------------------------------------------------------------------- entry point


def plot_floor(
    plan: dict[str, Any],
    html_path: str | Path | None = None,
    png_path: str | Path | None = None,
    title: str | None = None,
) -> None:
    """Write a floor plan (the plan JSON dict) as an interactive HTML page and/or a PNG overview."""
    floor = _read_plan(plan)
    if png_path is not None:
        fig = _figure(floor, _title(floor, title))
        Path(png_path).write_bytes(png_bytes(fig))
    if html_path is not None:
        Path(html_path).write_text(_html_page(floor, _title(floor, title)), encoding="utf-8")


# ---------------------------------------------------------------------- PNG


def _png_orders(floor: _Floor) -> tuple[list[_Order], str]:
    """Orders drawn top to bottom and a note naming those left out."""
    drawable = [o for o in floor.orders if o.start is not None and o.end is not None]
    if len(drawable) <= PNG_MAX_ORDERS:
        return drawable, ""
    position = {o.id: k for k, o in enumerate(drawable)}
    worst = sorted(drawable, key=lambda o: (not o.late, -o.lateness, position[o.id]))
    shown, hidden = worst[:PNG_MAX_ORDERS], worst[PNG_MAX_ORDERS:]
    late_hidden = sum(o.late for o in hidden)
    if late_hidden:
        note = f"+{len(hidden)} more orders ({late_hidden} of them late) not shown"
    else:
        note = f"+{len(hidden)} more on-time orders"
    return shown, note


def _png_resources(floor: _Floor, days: list[date]) -> tuple[list[_Resource], list[list[float]]]:
    """The most loaded resources (peak percent of capacity) and their per-day percent rows."""
    rows: list[tuple[tuple[int, float], int, _Resource, list[float]]] = []
    for k, r in enumerate(floor.resources):
        row = []
        for day in days:
            load, cap = r.load.get(day, 0.0), r.capacity(day)
            if load <= 0:
                row.append(0.0)
            else:
                row.append(load / cap * 100 if cap > 0 else 1e6)
        # Most loaded: most days over capacity, then the highest total percent.
        rows.append(
            ((sum(v > 100 + 1e-9 for v in row), sum(min(v, 1000.0) for v in row)), k, r, row)
        )
    if len(rows) > PNG_MAX_RESOURCES:
        rows = sorted(rows, key=lambda x: (-x[0][0], -x[0][1], x[1]))[:PNG_MAX_RESOURCES]
        rows.sort(key=lambda x: x[1])
    return [x[2] for x in rows], [x[3] for x in rows]


def _figure(floor: _Floor, title: str) -> Figure:
    orders, note = _png_orders(floor)
    span = floor.span()
    days: list[date] = []
    if span is not None:
        day = span[0].date()
        while day < span[1].date():
            days.append(day)
            day += timedelta(days=1)
    resources, load_rows = _png_resources(floor, days) if days else ([], [])
    order_h = max(2.0, 0.2 * len(orders) + 1.2)
    load_h = max(1.6, 0.2 * len(resources) + 1.2) if resources else 0.0
    fig = new_figure(16, order_h + load_h + 1.0)
    if not orders:
        draw_no_schedule(fig.add_subplot(), title, floor.status)
        return fig
    if resources:
        grid = fig.add_gridspec(2, 1, height_ratios=[order_h, load_h], hspace=0.12)
        gantt = fig.add_subplot(grid[0])
        heat = fig.add_subplot(grid[1], sharex=gantt)
    else:
        gantt, heat = fig.add_subplot(), None
    gantt.set_title(title, loc="left", fontsize=11)
    _draw_orders(gantt, floor, orders, note)
    if heat is not None:
        _draw_load(fig, heat, floor, resources, load_rows, days, len(floor.resources))
        gantt.tick_params(labelbottom=False, labeltop=True)
        gantt.xaxis.get_offset_text().set_visible(False)
    axis = heat if heat is not None else gantt
    locator = mdates.AutoDateLocator(tz=floor.tz, minticks=6, maxticks=14)
    axis.xaxis.set_major_locator(locator)
    axis.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, tz=floor.tz))
    axis.set_xlabel(f"local time ({floor.tz_name})", fontsize=9)
    if span is not None:
        lo, hi = mdates.date2num(span[0]), mdates.date2num(span[1])
        # Room on the right for the lateness of orders that end last.
        gantt.set_xlim(lo, hi + (hi - lo) * (0.09 if any(o.late for o in orders) else 0.0))
    fig.subplots_adjust(left=0.16, right=0.97, top=1 - 0.6 / fig.get_figheight(), bottom=0.06)
    return fig


def _draw_orders(ax: Axes, floor: _Floor, orders: list[_Order], note: str) -> None:
    small = len(orders) > 30
    for row, o in enumerate(orders):
        assert o.start is not None and o.end is not None
        colour = LATE_COLOUR if o.late else ON_TIME_COLOUR if o.due else NO_DUE_COLOUR
        left = mdates.date2num(o.start)
        width = max(mdates.date2num(o.end) - left, 0.05)
        ax.barh(row, width, left=left, height=0.6, color=colour, edgecolor="none")
        if o.due is not None:
            ax.plot(mdates.date2num(o.due), row, marker="|", color="black", ms=9, mew=2)
        if o.late:
            ax.text(
                left + width,
                row,
                f"  +{_hours(o.lateness)}",
                va="center",
                fontsize=6.5 if small else 8,
                color=LATE_COLOUR,
            )
    if floor.now is not None:
        ax.axvline(mdates.date2num(floor.now), color="grey", ls="--", lw=1)
    labels = [f"{o.id} {_short_name(o)[:24]}".strip() for o in orders]
    ax.set_yticks(range(len(orders)), labels, fontsize=6.5 if small else 8)
    ax.set_ylim(len(orders) - 0.5, -0.7)
    ax.grid(axis="x", alpha=0.3)
    handles = [
        Patch(color=LATE_COLOUR, label="late"),
        Patch(color=ON_TIME_COLOUR, label="on time"),
        Line2D([], [], marker="|", color="black", ls="none", ms=9, mew=2, label="due"),
    ]
    if floor.now is not None:
        handles.append(Line2D([], [], color="grey", ls="--", label="now"))
    if any(o.due is None for o in orders):
        handles.insert(2, Patch(color=NO_DUE_COLOUR, label="no due date"))
    ax.legend(handles=handles, loc="lower right", fontsize=8, ncols=len(handles), framealpha=0.9)
    if note:
        ax.text(
            0.0,
            -0.012,
            note,
            transform=ax.transAxes,
            va="top",
            fontsize=9,
            style="italic",
            color="#444",
        )


def _draw_load(
    fig: Figure,
    ax: Axes,
    floor: _Floor,
    resources: list[_Resource],
    rows: list[list[float]],
    days: list[date],
    total: int,
) -> None:
    edges = [mdates.date2num(_midnight(d, floor.tz)) for d in days]
    edges.append(mdates.date2num(_midnight(days[-1] + timedelta(days=1), floor.tz)))
    cmap = ListedColormap(LOAD_COLOURS)
    norm = BoundaryNorm(LOAD_BOUNDS, cmap.N)
    ax.pcolormesh(edges, range(len(resources) + 1), rows, cmap=cmap, norm=norm)
    labels = [f"{r.id} {r.name[:18]}" if r.name and r.name != r.id else r.id for r in resources]
    ax.set_yticks([k + 0.5 for k in range(len(resources))], labels, fontsize=7)
    ax.set_ylim(len(resources), 0)
    heading = "resource load per day, % of capacity"
    if any(r.assumed for r in resources):
        heading += f" (capacity assumed {DEFAULT_HOURS_PER_DAY:g} h/day per unit)"
    if total > len(resources):
        heading += f"; the {len(resources)} most loaded of {total} resources"
    ax.set_title(heading, loc="left", fontsize=9)
    ax.legend(
        handles=[Patch(color=c, label=label) for c, label in zip(LOAD_COLOURS, LOAD_LABELS)],
        loc="lower right",
        bbox_to_anchor=(1.0, 1.0),
        ncols=len(LOAD_COLOURS),
        fontsize=7.5,
        frameon=False,
        handlelength=1.2,
        borderaxespad=0.2,
    )
    if floor.now is not None:
        ax.axvline(mdates.date2num(floor.now), color="#333", ls="--", lw=1)


def _short_name(o: _Order) -> str:
    """The order's name without the order id it often starts with."""
    return (o.name[len(o.id) :] if o.name.startswith(o.id) else o.name).strip()


def _hours(h: float) -> str:
    if h >= 48:
        return f"{h:.0f} h ({h / 24:.1f} d)"
    return f"{h:.1f} h" if h < 10 else f"{h:.0f} h"


# ---------------------------------------------------------------------- HTML


def _page_data(floor: _Floor, title: str) -> dict[str, Any]:
    """The plan as compact JSON for the page: hours since the first local midnight shown."""
    span = floor.span()
    origin = span[0] if span is not None else datetime.now(floor.tz)
    base = origin.timestamp()

    def h(dt: datetime | None) -> float | None:
        return None if dt is None else round((dt.timestamp() - base) / 3600, 3)

    def local(dt: datetime) -> str:
        return dt.astimezone(floor.tz).strftime("%Y-%m-%d %H:%M")

    days: list[list[Any]] = []
    day_index: dict[date, int] = {}
    if span is not None:
        day = span[0].date()
        while True:
            midnight = _midnight(day, floor.tz)
            day_index[day] = len(days)
            days.append([day.isoformat(), h(midnight), day.weekday()])
            if midnight >= span[1]:
                break
            day += timedelta(days=1)
    order_of = {o.id: k for k, o in enumerate(floor.orders)}
    tasks = [
        [
            t.id,
            t.name,
            order_of.get(t.project, -1),
            h(t.start),
            h(t.end),
            STATUSES.index(t.status),
            1 if t.critical else 0,
            t.slack,
            ", ".join(t.resources),
            local(t.start),
            local(t.end),
        ]
        for t in floor.tasks
    ]
    orders = [
        {
            "id": o.id,
            "name": o.name,
            "s": h(o.start),
            "e": h(o.end),
            "due": h(o.due),
            "due_txt": local(o.due) if o.due else "",
            "end_txt": local(o.end) if o.end else "",
            "late": o.late,
            "lh": round(o.lateness, 2),
            "bn": o.bottleneck,
            "why": o.reason,
            "t": o.tasks,
        }
        for o in floor.orders
    ]
    resources = []
    for r in floor.resources:
        cells: list[float] = []  # flat [day index, load hours, capacity hours, ...]
        for day in sorted(set(r.load) | set(r.available or ())):
            if day in day_index:
                cells += [day_index[day], round(r.load.get(day, 0.0), 3), r.capacity(day)]
        resources.append(
            {"id": r.id, "name": r.name, "u": r.units, "pd": r.per_day, "c": cells,
             "tot": round(sum(r.load.values()), 2), "kind": r.kind, "util": r.utilisation}
        )  # fmt: skip
    return {
        "title": title,
        "tz": floor.tz_name,
        "now": h(floor.now),
        "span": h(span[1]) if span is not None else 0,
        "days": days,
        "orders": orders,
        "tasks": tasks,
        "deps": [[a, b, kind] for a, b, kind in floor.deps],
        "resources": resources,
        "assumed": any(r.assumed for r in floor.resources),
        "hpd": DEFAULT_HOURS_PER_DAY,
        "load_bounds": [b for b in LOAD_BOUNDS[1:-1]],
        "load_colours": list(LOAD_COLOURS),
    }


def _html_page(floor: _Floor, title: str) -> str:
    esc = html.escape
    data = json.dumps(_page_data(floor, title), ensure_ascii=False, separators=(",", ":"))
    data = data.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    late = sum(o.late for o in floor.orders)
    figures = list(floor.figures)
    figures[1:1] = [
        ("orders", str(len(floor.orders))),
        ("late", str(late)),
        ("tasks", str(len(floor.tasks))),
    ]
    if floor.skipped_tasks:
        figures.append(("tasks without dates", str(floor.skipped_tasks)))
    summary = " &middot; ".join(f"{esc(k)}: <b>{esc(v)}</b>" for k, v in figures)
    extra = []
    if floor.explanation:
        message = floor.explanation
        if isinstance(message, dict):
            message = json.dumps(message, indent=1, ensure_ascii=False)
        extra.append(f'<pre class="explanation">{esc(str(message))}</pre>')
    if floor.moved:
        rows = []
        for m in floor.moved[:1000]:
            cells = (m.get("id"), m.get("from"), m.get("to"), m.get("reason"))
            rows.append("<tr>" + "".join(f"<td>{esc(str(c or ''))}</td>" for c in cells) + "</tr>")
        more = f"<p>… {len(floor.moved) - 1000} more</p>" if len(floor.moved) > 1000 else ""
        extra.append(
            f'<details id="moved"><summary>Moved tasks ({len(floor.moved)})</summary>'
            "<table><tr><th>task</th><th>from</th><th>to</th><th>reason</th></tr>"
            + "".join(rows)
            + f"</table>{more}</details>"
        )
    swatches = "".join(
        f'<span class="sw" style="background:{c}"></span>{esc(label)} '
        for c, label in zip(LOAD_COLOURS, LOAD_LABELS)
    )
    return (
        _PAGE.replace("%TITLE%", esc(title))
        .replace("%SUMMARY%", summary)
        .replace("%TZ%", esc(floor.tz_name))
        .replace("%EXTRA%", "\n".join(extra))
        .replace("%SWATCHES%", swatches)
        .replace("%CSS%", _CSS)
        .replace("%JS%", _JS.replace("%FULL_RENDER_ROWS%", str(FULL_RENDER_ROWS)))
        .replace("%DATA%", data)
    )


_CSS = """
* { box-sizing: border-box; }
body { font: 13px/1.35 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0;
  color: #222; background: #fff; }
header { padding: 8px 14px 4px; }
h1 { font-size: 17px; margin: 0 0 3px; }
h2 { font-size: 14px; margin: 14px 14px 4px; }
.summary { color: #444; }
.toolbar { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; padding: 5px 14px;
  background: #f3f4f6; border-top: 1px solid #ddd; border-bottom: 1px solid #ddd; }
.toolbar input[type=search] { width: 190px; padding: 3px 6px; }
.toolbar button, .toolbar select { padding: 2px 8px; }
.toolbar .sep { width: 1px; height: 20px; background: #ccc; margin: 0 4px; }
.legend { display: inline-flex; gap: 10px; align-items: center; color: #444; margin-left: auto; }
.sw { display: inline-block; width: 12px; height: 10px; margin: 0 3px 0 6px;
  vertical-align: -1px; border-radius: 2px; }
.sw.crit { background: #fff; outline: 2px solid #111; outline-offset: -2px; }
#gantt-scroll { overflow: auto; height: calc(100vh - 330px); min-height: 260px;
  position: relative; border-bottom: 1px solid #ccc; }
.g-row { display: flex; width: max-content; min-width: 100%; }
.g-head { position: sticky; top: 0; z-index: 3; background: #fafafa; }
#corner { position: sticky; left: 0; z-index: 4; background: #fafafa; flex: none; width: 300px;
  border-right: 1px solid #ccc; border-bottom: 1px solid #ccc; padding: 4px 8px;
  font-size: 11px; color: #555; }
#axis { display: block; flex: none; border-bottom: 1px solid #ccc; }
#labels { position: sticky; left: 0; z-index: 2; background: #fff; display: block; flex: none;
  border-right: 1px solid #ccc; }
#chart { display: block; flex: none; }
svg text { font-size: 11px; fill: #222; }
.axis-top { font-weight: 600; }
.axis-tick { stroke: #bbb; }
.grid-line { stroke: #eee; }
.grid-line.major { stroke: #d8d8d8; }
.weekend { fill: #f6f6f6; }
.now-line { stroke: #555; stroke-dasharray: 4 3; stroke-width: 1.2; }
.row-bg { fill: transparent; }
.order-row.odd .row-bg, .order-label.odd .row-bg { fill: #f7f9fb; }
.order-row, .order-label { cursor: pointer; }
.order-row:hover .row-bg, .order-label:hover .row-bg { fill: #eef3fb; }
.task-block { fill: #f3eeb0; fill-opacity: .22; }
.order-bar { stroke: none; }
.order-bar.late { fill: #d62728; }
.order-bar.ontime { fill: #2ca02c; }
.order-bar.nodue { fill: #4e79a7; }
.order-row.expanded .order-bar { opacity: .55; }
.due-marker line { stroke: #111; stroke-width: 2; }
.due-marker path { fill: #111; }
.late-label { fill: #d62728 !important; font-size: 10px; }
.oid { font-weight: 600; }
.oname { fill: #555; }
.caret { fill: #777; }
.task-label { fill: #444; font-size: 10.5px; }
.task-bar { stroke: none; }
.task-bar.st-todo { fill: #6b9bd1; }
.task-bar.st-in_progress { fill: #f28e2b; }
.task-bar.st-done { fill: #a5a5a5; }
.task-bar.crit { stroke: #111; stroke-width: 1.6; }
.task-bar:hover { filter: brightness(0.9); }
.dep-arrow { fill: none; stroke: #8a8a8a; stroke-width: 1; marker-end: url(#arrowhead); }
.dep-arrow.crit { stroke: #9b1c1c; }
#arrowhead path { fill: #8a8a8a; }
#load-wrap { position: relative; padding: 0 0 10px; }
#load-canvas { display: block; }
#tip { position: fixed; pointer-events: none; background: #222; color: #fff; font-size: 12px;
  padding: 3px 7px; border-radius: 3px; display: none; z-index: 10; white-space: pre; }
table { border-collapse: collapse; margin: 4px 14px 14px; font-size: 12px; }
th, td { border: 1px solid #ddd; padding: 2px 7px; text-align: left; }
th { background: #f0f0f0; }
td.num { text-align: right; }
tr.over td.peak { color: #c00; font-weight: 600; }
details { margin: 6px 14px; }
.explanation { background: #fff4f4; border: 1px solid #e4b4b4; padding: 8px; margin: 6px 14px;
  white-space: pre-wrap; }
.empty { padding: 20px; color: #777; }
"""

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>%TITLE%</title>
<style>%CSS%</style>
</head>
<body>
<header>
<h1>%TITLE%</h1>
<div class="summary">%SUMMARY% &middot; times in <b>%TZ%</b></div>
</header>
%EXTRA%
<div class="toolbar" id="toolbar">
<input type="search" id="filter" placeholder="filter orders by id or name">
<label><input type="checkbox" id="late-only"> late only</label>
<select id="sort" title="order of the rows">
<option value="plan">plan order</option><option value="late">most late first</option>
<option value="due">due date</option><option value="start">start</option>
</select>
<button id="expand-all" type="button">expand all</button>
<button id="collapse-all" type="button">collapse all</button>
<span class="sep"></span>
<button id="zoom-out" type="button" title="zoom out (ctrl + wheel)">&minus;</button>
<button id="zoom-fit" type="button" title="whole plan">fit</button>
<button id="zoom-in" type="button" title="zoom in (ctrl + wheel)">+</button>
<button id="zoom-expanded" type="button" title="zoom to the expanded orders">fit expanded</button>
<span id="count"></span>
<span class="legend">
<span><span class="sw" style="background:#d62728"></span>late
<span class="sw" style="background:#2ca02c"></span>on time
<span class="sw" style="background:#4e79a7"></span>no due date</span>
<span><span class="sw" style="background:#a5a5a5"></span>done
<span class="sw" style="background:#f28e2b"></span>in progress
<span class="sw" style="background:#6b9bd1"></span>to do
<span class="sw crit"></span>critical</span>
<span>&#9660; due</span>
</span>
</div>
<div id="gantt-scroll">
<div class="g-row g-head">
<div id="corner">order &middot; name &middot; lateness</div>
<svg id="axis" height="40" width="10"></svg>
</div>
<div class="g-row">
<svg id="labels" width="300" height="10"></svg>
<svg id="chart" width="10" height="10"></svg>
</div>
</div>
<h2>Resource load per day <small id="load-note"></small></h2>
<div class="toolbar">
<input type="search" id="res-filter" placeholder="filter resources">
<label><input type="checkbox" id="over-only"> overloaded only</label>
<span class="legend">%SWATCHES%</span>
</div>
<div id="load-wrap"><canvas id="load-canvas" width="10" height="10"></canvas></div>
<table id="load-table"></table>
<div id="tip"></div>
<script type="application/json" id="plan-data">%DATA%</script>
<script>%JS%</script>
</body>
</html>
"""

_JS = r"""
(function () {
"use strict";
const D = JSON.parse(document.getElementById("plan-data").textContent);
const ORDER_H = 22, TASK_H = 17, LABEL_W = 300, AXIS_H = 40, LOAD_ROW = 15;
const FULL_ROWS = %FULL_RENDER_ROWS%, BUFFER_PX = 800;
const STATUS = ["todo", "in_progress", "done"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const WD = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const orders = D.orders, tasks = D.tasks, days = D.days, deps = D.deps;
let lastTop = 0;
const $ = (id) => document.getElementById(id);
const scroller = $("gantt-scroll"), axisSvg = $("axis"), labelSvg = $("labels"),
  chartSvg = $("chart"), canvas = $("load-canvas"), tip = $("tip");
const state = { expanded: new Set(), lateOnly: false, filter: "", sort: "plan",
  resFilter: "", overOnly: false, pxh: 0 };
const esc = (s) => String(s).replace(/[&<>"']/g, (c) =>
  ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
const fmtH = (h) => h >= 48 ? Math.round(h) + " h (" + (h / 24).toFixed(1) + " d)"
  : (h < 10 ? h.toFixed(1) : String(Math.round(h))) + " h";
const shortH = (h) => h >= 48 ? (h / 24).toFixed(1) + " d" : (h < 10 ? h.toFixed(1) : String(Math.round(h))) + " h";
const shortName = (o) => (o.name.startsWith(o.id) ? o.name.slice(o.id.length) : o.name).trim();
const trunc = (s, n) => s.length > n ? s.slice(0, n - 1) + "\u2026" : s;
const orderIndex = new Map(orders.map((o, i) => [o.id, i]));

// ------------------------------------------------------------------ rows
let rows = [], totalH = 0;
const taskY = new Float64Array(tasks.length);
function visible(o) {
  if (state.lateOnly && !o.late) return false;
  const f = state.filter;
  return !f || o.id.toLowerCase().includes(f) || o.name.toLowerCase().includes(f);
}
function ordered() {
  const idx = orders.map((_, i) => i);
  const key = { late: (o) => -o.lh, due: (o) => o.due === null ? 1e12 : o.due,
    start: (o) => o.s === null ? 1e12 : o.s }[state.sort];
  if (key) idx.sort((a, b) => (key(orders[a]) - key(orders[b])) || (a - b));
  return idx;
}
function layout() {
  rows = []; taskY.fill(-1);
  let y = 0, n = 0;
  for (const i of ordered()) {
    const o = orders[i];
    if (!visible(o)) continue;
    rows.push({ k: 0, i: i, y: y, n: n++ }); y += ORDER_H;
    if (state.expanded.has(o.id)) {
      for (const ti of o.t) { rows.push({ k: 1, i: ti, y: y }); taskY[ti] = y; y += TASK_H; }
    }
  }
  totalH = Math.max(y, 1);
  $("count").textContent = n + " / " + orders.length + " orders";
}

// ------------------------------------------------------------------ time axis
function ticks() {
  const pxd = state.pxh * 24, out = { major: [], minor: [] };
  for (let k = 0; k < days.length; k++) {
    const [iso, h, wd] = days[k];
    const d = +iso.slice(8, 10), m = +iso.slice(5, 7) - 1, y = iso.slice(0, 4);
    if (pxd >= 6 ? d === 1 : d === 1 && m === 0) out.major.push([h, pxd >= 6 ? MONTHS[m] + " " + y : y]);
    if (pxd >= 36) out.minor.push([h, WD[wd].slice(0, pxd >= 60 ? 3 : 1) + " " + d, wd >= 5]);
    else if (pxd >= 6) { if (wd === 0) out.minor.push([h, d + " " + MONTHS[m], false]); }
    else if (d === 1) out.minor.push([h, pxd * 30 >= 60 ? MONTHS[m] : MONTHS[m][0], false]);
  }
  if (!out.major.length && days.length) {
    const iso = days[0][0];
    out.major.push([days[0][1], MONTHS[+iso.slice(5, 7) - 1] + " " + iso.slice(0, 4)]);
  }
  return out;
}
function drawAxis(W, tk) {
  const a = [];
  for (const [h, label] of tk.major) {
    const x = h * state.pxh;
    a.push('<line class="axis-tick" x1="' + x + '" x2="' + x + '" y1="0" y2="' + AXIS_H + '"/>');
    a.push('<text class="axis-top" x="' + (x + 4) + '" y="14">' + esc(label) + "</text>");
  }
  let lastX = -1e9;
  for (const [h, label] of tk.minor) {
    const x = h * state.pxh;
    a.push('<line class="axis-tick" x1="' + x + '" x2="' + x + '" y1="22" y2="' + AXIS_H + '"/>');
    if (x - lastX > 28) { a.push('<text x="' + (x + 3) + '" y="34">' + esc(label) + "</text>"); lastX = x; }
  }
  if (D.now !== null) {
    const x = D.now * state.pxh;
    a.push('<path d="M' + (x - 5) + " " + (AXIS_H - 7) + "h10l-5 7z\" fill=\"#555\"><title>now</title></path>");
  }
  axisSvg.setAttribute("width", W);
  axisSvg.innerHTML = a.join("");
}

// ------------------------------------------------------------------ gantt
function windowRows() {
  if (rows.length <= FULL_ROWS) return [0, rows.length, -1e9, 1e9];
  const top = scroller.scrollTop - AXIS_H - BUFFER_PX;
  const bottom = scroller.scrollTop + scroller.clientHeight + BUFFER_PX;
  let lo = 0, hi = rows.length;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (rows[mid].y + ORDER_H < top) lo = mid + 1; else hi = mid; }
  let end = lo;
  while (end < rows.length && rows[end].y <= bottom) end++;
  return [lo, end, top, bottom];
}
function draw() {
  const t0 = performance.now();
  const px = state.pxh, W = Math.max(1, Math.ceil(D.span * px) + 60);
  const tk = ticks();
  drawAxis(W, tk);
  const [lo, hi, top, bottom] = windowRows();
  const c = ['<defs><marker id="arrowhead" viewBox="0 0 6 6" refX="6" refY="3" markerWidth="6" ' +
    'markerHeight="6" orient="auto"><path d="M0,0L6,3L0,6z"/></marker></defs>'];
  const l = [];
  const pxd = px * 24;
  if (pxd >= 6) {
    for (let k = 0; k + 1 < days.length; k++) if (days[k][2] >= 5) {
      const x = days[k][1] * px;
      c.push('<rect class="weekend" x="' + x + '" y="0" width="' + ((days[k + 1][1] - days[k][1]) * px) + '" height="' + totalH + '"/>');
    }
  }
  for (const [h] of tk.minor) c.push('<line class="grid-line" x1="' + h * px + '" x2="' + h * px + '" y1="0" y2="' + totalH + '"/>');
  for (const [h] of tk.major) c.push('<line class="grid-line major" x1="' + h * px + '" x2="' + h * px + '" y1="0" y2="' + totalH + '"/>');
  let bars = 0;
  for (let r = lo; r < hi; r++) {
    const row = rows[r], y = row.y;
    if (row.k === 0) {
      const o = orders[row.i], exp = state.expanded.has(o.id);
      const cls = (row.n % 2 ? " odd" : "") + (exp ? " expanded" : "");
      if (exp && o.t.length) c.push('<rect class="task-block" x="0" y="' + (y + ORDER_H) + '" width="' + W + '" height="' + o.t.length * TASK_H + '"/>');
      const g = ['<g class="order-row' + cls + '" data-order="' + esc(o.id) + '" transform="translate(0,' + y + ')">',
        '<rect class="row-bg" x="0" y="0" width="' + W + '" height="' + ORDER_H + '"/>'];
      const kind = o.late ? "late" : (o.due === null ? "nodue" : "ontime");
      let tipTxt = o.id + (o.name ? " \u2014 " + o.name : "") + "\nforecast end " + o.end_txt;
      if (o.due !== null) tipTxt += "\ndue " + o.due_txt + (o.late ? "\nLATE by " + fmtH(o.lh) : "\non time");
      if (o.bn) tipTxt += "\nbottleneck " + o.bn;
      if (o.why) tipTxt += "\n" + o.why;
      tipTxt += "\n" + o.t.length + " tasks (click to " + (exp ? "collapse" : "expand") + ")";
      let endX = 0;
      if (o.s !== null && o.e !== null) {
        const x = o.s * px, w = Math.max(2, (o.e - o.s) * px); endX = x + w;
        g.push('<rect class="order-bar ' + kind + '" x="' + x + '" y="5" width="' + w + '" height="12" rx="2"><title>' + esc(tipTxt) + "</title></rect>");
      }
      if (o.due !== null) {
        const x = o.due * px;
        g.push('<g class="due-marker" data-order="' + esc(o.id) + '"><line x1="' + x + '" x2="' + x + '" y1="2" y2="' + (ORDER_H - 2) + '"/><path d="M' + (x - 5) + ' 1h10l-5 6z"/><title>due ' + esc(o.due_txt) + "</title></g>");
        endX = Math.max(endX, x + 5);
      }
      if (o.late) g.push('<text class="late-label" x="' + (endX + 4) + '" y="15">+' + esc(fmtH(o.lh)) + "</text>");
      g.push("</g>");
      c.push(g.join(""));
      l.push('<g class="order-label' + cls + '" data-order="' + esc(o.id) + '" transform="translate(0,' + y + ')">' +
        '<rect class="row-bg" x="0" y="0" width="' + LABEL_W + '" height="' + ORDER_H + '"/>' +
        '<text class="caret" x="6" y="15">' + (exp ? "\u25BE" : "\u25B8") + "</text>" +
        '<text class="oid" x="20" y="15">' + esc(trunc(o.id, 14)) + "</text>" +
        '<text class="oname" x="112" y="15">' + esc(trunc(shortName(o), o.late ? 19 : 29)) + "</text>" +
        (o.late ? '<text class="late-label" x="' + (LABEL_W - 6) + '" y="15" text-anchor="end">+' + esc(shortH(o.lh)) + "</text>" : "") +
        "<title>" + esc(tipTxt) + "</title></g>");
    } else {
      const t = tasks[row.i];
      const x = t[3] * px, w = Math.max(2, (t[4] - t[3]) * px);
      let tipTxt = t[0] + (t[1] ? " \u2014 " + t[1] : "") + "\n" + STATUS[t[5]].replace("_", " ") +
        (t[6] ? ", critical" : "") + "\n" + t[9] + " \u2192 " + t[10] +
        "\nresources: " + (t[8] || "none") + (t[7] !== null ? "\nslack: " + t[7] + " h" : "");
      c.push('<rect class="task-bar st-' + STATUS[t[5]] + (t[6] ? " crit" : "") + '" data-task="' + esc(t[0]) +
        '" data-resources="' + esc(t[8]) + '" x="' + x + '" y="' + (y + 3) + '" width="' + w + '" height="' + (TASK_H - 6) + '" rx="1.5"><title>' + esc(tipTxt) + "</title></rect>");
      bars++;
      const owner = t[2] >= 0 ? orders[t[2]].id + "/" : "";
      const tid = owner && t[0].startsWith(owner) ? t[0].slice(owner.length) : t[0];
      const name = t[1] ? tid + " \u00B7 " + t[1] : tid;
      l.push('<text class="task-label" x="34" y="' + (y + 12) + '" data-task="' + esc(t[0]) + '">' + esc(trunc(name, 42)) + "<title>" + esc(tipTxt) + "</title></text>");
    }
  }
  let arrows = 0;
  for (const d of deps) {
    const ya = taskY[d[0]], yb = taskY[d[1]];
    if (ya < 0 || yb < 0) continue;
    if (Math.max(ya, yb) < top || Math.min(ya, yb) > bottom) continue;
    const a = tasks[d[0]], b = tasks[d[1]];
    const x1 = (d[2] === "SS" ? a[3] : a[4]) * px, y1 = ya + TASK_H / 2;
    const x2 = b[3] * px, y2 = yb + TASK_H / 2;
    const bend = Math.max(x1 + 5, Math.min(x2 - 5, x1 + 12));
    const p = x2 - 5 >= x1 + 5
      ? "M" + x1 + " " + y1 + "H" + bend + "V" + y2 + "H" + x2
      : "M" + x1 + " " + y1 + "h5V" + (y2 - TASK_H / 2 + 1) + "H" + (x2 - 6) + "V" + y2 + "H" + x2;
    c.push('<path class="dep-arrow' + (a[6] && b[6] ? " crit" : "") + '" data-from="' + esc(a[0]) + '" data-to="' + esc(b[0]) + '" d="' + p + '"/>');
    arrows++;
  }
  if (D.now !== null) c.push('<line class="now-line" x1="' + D.now * px + '" x2="' + D.now * px + '" y1="0" y2="' + totalH + '"><title>now</title></line>');
  chartSvg.setAttribute("width", W); chartSvg.setAttribute("height", totalH);
  labelSvg.setAttribute("height", totalH);
  chartSvg.innerHTML = c.join("");
  labelSvg.innerHTML = l.join("");
  if (!orders.length) labelSvg.innerHTML = '<text x="10" y="20">no orders in this plan</text>';
  const b = document.body.dataset;
  b.rendered = String(bars); b.arrows = String(arrows); b.rows = String(rows.length);
  b.orders = String(rows.filter((r) => r.k === 0).length);
  b.virtual = rows.length > FULL_ROWS ? "1" : "0";
  b.renderMs = String(Math.round(performance.now() - t0));
  lastTop = scroller.scrollTop;
  drawLoad();
}

// ------------------------------------------------------------------ resource load
const LB = D.load_bounds, LC = D.load_colours;
function loadColour(load, cap) {
  if (load <= 0) return null;
  if (cap <= 0) return LC[LC.length - 1];
  const pct = load / cap * 100;
  for (let k = 0; k < LB.length; k++) if (pct <= LB[k]) return LC[k];
  return LC[LC.length - 1];
}
const resStats = D.resources.map((r) => {
  let peak = 0, over = 0;
  for (let k = 0; k < r.c.length; k += 3) {
    const load = r.c[k + 1], cap = r.c[k + 2];
    const pct = load > 0 ? (cap > 0 ? load / cap * 100 : Infinity) : 0;
    if (pct > peak) peak = pct;
    if (pct > 100 + 1e-9) over++;
  }
  return { peak: peak, over: over };
});
let shownRes = [];
function filterRes() {
  const f = state.resFilter;
  shownRes = D.resources.map((_, k) => k).filter((k) => {
    const r = D.resources[k];
    if (state.overOnly && !resStats[k].over) return false;
    return !f || r.id.toLowerCase().includes(f) || r.name.toLowerCase().includes(f);
  });
  const t = ['<tr><th>resource</th><th>name</th><th>kind</th><th>units</th><th>load h</th><th>utilisation</th><th>peak % of day</th><th>days over 100 %</th></tr>'];
  const sorted = shownRes.slice().sort((a, b) => (resStats[b].over - resStats[a].over) || (resStats[b].peak - resStats[a].peak) || (a - b));
  for (const k of sorted) {
    const r = D.resources[k], s = resStats[k];
    t.push('<tr class="res-row' + (s.over ? " over" : "") + '" data-resource="' + esc(r.id) + '"><td>' + esc(r.id) + "</td><td>" + esc(r.name) +
      "</td><td>" + esc(r.kind) + '</td><td class="num">' + r.u + '</td><td class="num">' + r.tot +
      '</td><td class="num">' + (r.util === null ? "" : Math.round(r.util * 100) + " %") + '</td><td class="num peak">' +
      (s.peak === Infinity ? "no capacity" : Math.round(s.peak)) + '</td><td class="num">' + s.over + "</td></tr>");
  }
  $("load-table").innerHTML = D.resources.length ? t.join("") : "";
  document.body.dataset.resources = String(shownRes.length);
}
function drawLoad() {
  const dpr = window.devicePixelRatio || 1;
  const Wc = Math.max(400, scroller.clientWidth), Hc = AXIS_H - 14 + Math.max(1, shownRes.length) * LOAD_ROW + 4;
  canvas.width = Wc * dpr; canvas.height = Hc * dpr;
  canvas.style.width = Wc + "px"; canvas.style.height = Hc + "px";
  const g = canvas.getContext("2d");
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, Wc, Hc);
  g.font = "11px system-ui, sans-serif";
  const px = state.pxh, off = scroller.scrollLeft, top = AXIS_H - 14;
  const X = (h) => LABEL_W + h * px - off;
  if (!D.resources.length) { g.fillStyle = "#777"; g.fillText("no resource load in this plan", 10, 18); return; }
  g.save(); g.beginPath(); g.rect(LABEL_W, 0, Wc - LABEL_W, Hc); g.clip();
  for (const [h, label] of ticks().major) { g.fillStyle = "#222"; g.fillText(label, X(h) + 3, 12); g.fillStyle = "#bbb"; g.fillRect(X(h), 0, 1, Hc); }
  shownRes.forEach((k, row) => {
    const r = D.resources[k], y = top + row * LOAD_ROW;
    g.fillStyle = row % 2 ? "#fafafa" : "#fff"; g.fillRect(LABEL_W, y, Wc - LABEL_W, LOAD_ROW);
    for (let j = 0; j < r.c.length; j += 3) {
      const d = r.c[j], colour = loadColour(r.c[j + 1], r.c[j + 2]);
      if (!colour || d + 1 >= days.length) continue;
      const x0 = X(days[d][1]), x1 = X(days[d + 1][1]);
      if (x1 < LABEL_W || x0 > Wc) continue;
      g.fillStyle = colour; g.fillRect(x0, y + 1, Math.max(1, x1 - x0 - (x1 - x0 > 4 ? 1 : 0)), LOAD_ROW - 2);
    }
  });
  if (D.now !== null) { g.fillStyle = "#555"; g.fillRect(X(D.now), top, 1, Hc - top); }
  g.restore();
  shownRes.forEach((k, row) => {
    const r = D.resources[k], y = top + row * LOAD_ROW;
    g.fillStyle = resStats[k].over ? "#c00" : "#222";
    g.fillText(trunc(r.id + (r.name && r.name !== r.id ? " \u00B7 " + r.name : ""), 40), 8, y + 11);
  });
  g.fillStyle = "#ccc"; g.fillRect(LABEL_W - 1, 0, 1, Hc);
}
canvas.addEventListener("mousemove", (ev) => {
  const rect = canvas.getBoundingClientRect(), mx = ev.clientX - rect.left, my = ev.clientY - rect.top;
  const row = Math.floor((my - (AXIS_H - 14)) / LOAD_ROW);
  if (mx < LABEL_W || row < 0 || row >= shownRes.length) { tip.style.display = "none"; return; }
  const h = (mx - LABEL_W + scroller.scrollLeft) / state.pxh;
  let lo = 0, hi = days.length - 1;
  while (lo < hi) { const mid = (lo + hi + 1) >> 1; if (days[mid][1] <= h) lo = mid; else hi = mid - 1; }
  const r = D.resources[shownRes[row]];
  let load = 0, cap = null;
  for (let j = 0; j < r.c.length; j += 3) if (r.c[j] === lo) { load = r.c[j + 1]; cap = r.c[j + 2]; }
  if (cap === null) cap = r.pd;
  tip.textContent = r.id + (r.name ? " \u00B7 " + r.name : "") + "\n" + days[lo][0] + " (" + WD[days[lo][2]] + ")\n" +
    load + " h / " + cap + " h" + (cap > 0 ? " = " + Math.round(load / cap * 100) + " %" : "");
  tip.style.left = ev.clientX + 12 + "px"; tip.style.top = ev.clientY + 12 + "px"; tip.style.display = "block";
});
canvas.addEventListener("mouseleave", () => { tip.style.display = "none"; });

// ------------------------------------------------------------------ state, hash, events
function fitPxh() {
  const w = Math.max(200, scroller.clientWidth - LABEL_W - 80);
  return D.span > 0 ? w / D.span : 1;
}
function writeHash() {
  const parts = [];
  if (state.expanded.size) parts.push(state.expanded.size === orders.length && orders.length > 1 ? "expand=all"
    : "expand=" + Array.from(state.expanded).map(encodeURIComponent).join(","));
  if (state.lateOnly) parts.push("late");
  if (state.filter) parts.push("filter=" + encodeURIComponent(state.filter));
  if (state.sort !== "plan") parts.push("sort=" + state.sort);
  if (state.resFilter) parts.push("res=" + encodeURIComponent(state.resFilter));
  history.replaceState(null, "", parts.length ? "#" + parts.join("&") : location.pathname + location.search);
}
function readHash() {
  state.expanded = new Set(); state.lateOnly = false; state.filter = ""; state.sort = "plan"; state.resFilter = "";
  let zoom = null;
  for (const part of location.hash.replace(/^#/, "").split("&")) {
    if (!part) continue;
    const eq = part.indexOf("="), key = eq < 0 ? part : part.slice(0, eq);
    const val = eq < 0 ? "" : decodeURIComponent(part.slice(eq + 1));
    if (key === "expand") {
      if (val === "all") orders.forEach((o) => state.expanded.add(o.id));
      else val.split(",").forEach((id) => { if (id) state.expanded.add(id); });
    } else if (key === "late") state.lateOnly = val !== "0";
    else if (key === "filter") state.filter = val.toLowerCase();
    else if (key === "sort" && ["plan", "late", "due", "start"].includes(val)) state.sort = val;
    else if (key === "res") state.resFilter = val.toLowerCase();
    else if (key === "zoom" && +val > 0) zoom = +val / 24;
  }
  state.zoomGiven = zoom !== null;
  $("filter").value = state.filter; $("late-only").checked = state.lateOnly;
  $("sort").value = state.sort; $("res-filter").value = state.resFilter;
  state.pxh = zoom || state.pxh || fitPxh();
}
function refresh() { layout(); draw(); }
function focusOn(ids) {
  let lo = Infinity, hi = -Infinity;
  for (const id of ids) {
    const o = orders[orderIndex.get(id)];
    if (!o) continue;
    for (const v of [o.s, o.e, o.due]) if (v !== null) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  }
  if (!(hi > lo)) return false;
  const pad = (hi - lo) * 0.06 + 2, view = scroller.clientWidth - LABEL_W - 20;
  state.pxh = Math.min(60, Math.max(0.02, view / (hi - lo + 2 * pad)));
  draw();
  scroller.scrollLeft = Math.max(0, (lo - pad) * state.pxh);
  return true;
}
function toggle(id) {
  if (state.expanded.has(id)) state.expanded.delete(id); else state.expanded.add(id);
  writeHash(); refresh();
}
for (const svg of [chartSvg, labelSvg]) svg.addEventListener("click", (ev) => {
  const g = ev.target.closest && ev.target.closest("[data-order]");
  if (g) toggle(g.getAttribute("data-order"));
});
$("expand-all").onclick = () => { rows.forEach((r) => { if (r.k === 0) state.expanded.add(orders[r.i].id); }); writeHash(); refresh(); };
$("collapse-all").onclick = () => { state.expanded.clear(); writeHash(); refresh(); };
$("late-only").onchange = (ev) => { state.lateOnly = ev.target.checked; writeHash(); refresh(); };
$("sort").onchange = (ev) => { state.sort = ev.target.value; writeHash(); refresh(); };
$("filter").oninput = (ev) => { state.filter = ev.target.value.trim().toLowerCase(); writeHash(); refresh(); };
$("res-filter").oninput = (ev) => { state.resFilter = ev.target.value.trim().toLowerCase(); writeHash(); filterRes(); drawLoad(); };
$("over-only").onchange = (ev) => { state.overOnly = ev.target.checked; filterRes(); drawLoad(); };
function zoomTo(pxh, anchorX) {
  const view = scroller.clientWidth - LABEL_W;
  const ax = anchorX === undefined ? view / 2 : anchorX;
  const h = (scroller.scrollLeft + ax) / state.pxh;
  state.pxh = Math.min(60, Math.max(0.02, pxh));
  draw();
  scroller.scrollLeft = h * state.pxh - ax;
}
$("zoom-in").onclick = () => zoomTo(state.pxh * 1.6);
$("zoom-out").onclick = () => zoomTo(state.pxh / 1.6);
$("zoom-fit").onclick = () => { state.pxh = fitPxh(); draw(); scroller.scrollLeft = 0; };
scroller.addEventListener("wheel", (ev) => {
  if (!ev.ctrlKey) return;
  ev.preventDefault();
  const rect = scroller.getBoundingClientRect();
  zoomTo(state.pxh * (ev.deltaY < 0 ? 1.25 : 0.8), Math.max(0, ev.clientX - rect.left - LABEL_W));
}, { passive: false });
let pending = false;
scroller.addEventListener("scroll", () => {
  if (pending) return;
  pending = true;
  requestAnimationFrame(() => {
    pending = false;
    const virt = rows.length > FULL_ROWS && Math.abs(scroller.scrollTop - lastTop) > BUFFER_PX / 3;
    if (virt) { lastTop = scroller.scrollTop; draw(); } else drawLoad();
  });
});
function applyHash() {
  readHash(); filterRes(); refresh();
  if (!state.zoomGiven && state.expanded.size && state.expanded.size < orders.length) focusOn(state.expanded);
}
window.addEventListener("hashchange", applyHash);
window.addEventListener("resize", () => drawLoad());
$("zoom-expanded").onclick = () => { if (!focusOn(state.expanded)) $("zoom-fit").onclick(); };
applyHash();
})();
"""
