"""Pictures of a plan: a Gantt chart grouped by project over one resource profile per resource.

Rendering uses matplotlib's Agg canvas directly (no pyplot, no global backend switch), so it works
on a headless server and from several threads. The HTML page is self-contained: the PNG is
embedded as base64 and the tables are plain HTML, with no script, stylesheet or font fetched.
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass
from pathlib import Path

from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from optimizer.common.plotting import draw_no_schedule, new_figure, png_bytes
from optimizer.rcpsp.model import Plan, Problem, TaskPlan

# Above these sizes per-task text would overlap: label only projects, then nothing inside bars.
MAX_TASK_TICKS = 80
MAX_BAR_LABELS = 40
_PALETTE = "tab20"


@dataclass
class _ProjectRows:
    """One project's summary row and its tasks' rows, in start order."""

    project_id: str
    row: int
    tasks: list[tuple[int, TaskPlan]]
    start: int
    end: int
    due: int | None


def plot_plan(
    problem: Problem,
    plan: Plan,
    png_path: str | Path | None = None,
    html_path: str | Path | None = None,
) -> Figure:
    """Draw `plan` and write it as PNG and/or a self-contained HTML page; return the figure."""
    fig = _build_figure(problem, plan)
    png = png_bytes(fig)
    if png_path is not None:
        Path(png_path).write_bytes(png)
    if html_path is not None:
        Path(html_path).write_text(_html_page(problem, plan, png), encoding="utf-8")
    return fig


# ---------------------------------------------------------------------- layout


def _group_rows(problem: Problem, plan: Plan) -> list[_ProjectRows]:
    """Rows top to bottom: each project's summary row, then its tasks by start time."""
    by_project: dict[str, list[TaskPlan]] = {p.id: [] for p in problem.projects}
    for tp in plan.tasks:
        by_project[problem.tasks[problem.task_index[tp.id]].project].append(tp)
    groups: list[_ProjectRows] = []
    row = 0
    for proj in problem.projects:
        tasks = sorted(by_project[proj.id], key=lambda t: (t.start, t.end, t.id))
        if not tasks:
            continue
        rows = [(row + 1 + k, t) for k, t in enumerate(tasks)]
        start = min(t.start for t in tasks)
        end = max(t.end for t in tasks)
        groups.append(_ProjectRows(proj.id, row, rows, start, end, proj.due))
        row += 1 + len(tasks)
    return groups


def _usage(problem: Problem, plan: Plan, resource_id: str, horizon: int) -> list[int]:
    """Amount of a renewable resource in use in each period [t, t+1)."""
    delta = [0] * (horizon + 1)
    for tp in plan.tasks:
        mode = problem.tasks[problem.task_index[tp.id]].modes[tp.mode]
        amount = mode.demands.get(resource_id, 0)
        if amount and tp.end > tp.start:
            delta[tp.start] += amount
            delta[tp.end] -= amount
    usage, level = [], 0
    for t in range(horizon):
        level += delta[t]
        usage.append(level)
    return usage


def _build_figure(problem: Problem, plan: Plan) -> Figure:
    groups = _group_rows(problem, plan)
    resources = [r for r in problem.resources if r.renewable]
    n_rows = sum(1 + len(g.tasks) for g in groups)
    row_height = 0.22 if n_rows <= 60 else 0.11
    gantt_h = min(max(3.0, n_rows * row_height + 1.0), 30.0)
    profile_h = 1.3 if len(resources) <= 4 else 1.0
    fig = new_figure(14, gantt_h + profile_h * len(resources) + 0.8)
    grid = fig.add_gridspec(
        1 + len(resources), 1, height_ratios=[gantt_h] + [profile_h] * len(resources)
    )
    gantt = fig.add_subplot(grid[0])
    if not groups:
        draw_no_schedule(gantt, _title(problem, plan), plan.status)
        return fig
    gantt.set_title(_title(problem, plan), loc="left", fontsize=11)
    horizon = max(max(g.end for g in groups), max((g.due or 0) for g in groups), 1)
    _draw_gantt(gantt, groups, n_rows, horizon)
    for k, res in enumerate(resources):
        ax = fig.add_subplot(grid[1 + k], sharex=gantt)
        _draw_profile(ax, res.id, res.capacity, _usage(problem, plan, res.id, horizon))
    fig.axes[-1].set_xlabel("time (periods)")
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------------- drawing


def _title(problem: Problem, plan: Plan) -> str:
    """Status and figures; the lower bound belongs to the objective, which may not be makespan."""
    parts = [f"{problem.name}: {plan.status}"]
    if plan.objective_kind != "makespan" and plan.objective is not None:
        parts.append(f"{plan.objective_kind} {plan.objective:g}")
    if plan.lower_bound is not None:
        parts.append(f"lower bound {plan.lower_bound:g}")
    if plan.makespan is not None:
        parts.append(f"makespan {plan.makespan}")
    return ", ".join(parts)


def _draw_gantt(ax: Axes, groups: list[_ProjectRows], n_rows: int, horizon: int) -> None:
    cmap = colormaps[_PALETTE]
    # Every task row gets a tick label while they fit; beyond that only every `step`-th one does.
    step = max(1, -(-(n_rows - len(groups)) // MAX_TASK_TICKS))
    label_bars = sum(len(g.tasks) for g in groups) <= MAX_BAR_LABELS
    ticks: list[int] = []
    labels: list[str] = []
    for k, g in enumerate(groups):
        colour = cmap(k % cmap.N)
        # The project's span as an outlined summary bar on its own row, its tasks below it.
        ax.barh(g.row, g.end - g.start, left=g.start, height=0.5, color=colour, edgecolor="black")
        rows = [row for row, _ in g.tasks]
        widths = [max(tp.end - tp.start, 0.05) for _, tp in g.tasks]
        ax.barh(
            rows, widths, left=[tp.start for _, tp in g.tasks], height=0.8, color=colour, alpha=0.75
        )
        ticks.append(g.row)
        labels.append(g.project_id)
        for row, tp in g.tasks:
            if label_bars and tp.end > tp.start:
                ax.text((tp.start + tp.end) / 2, row, tp.id, ha="center", va="center", fontsize=7)
            if (row - g.row - 1) % step == 0:
                ticks.append(row)
                labels.append(tp.id)
        if g.due is not None:
            _draw_due(ax, g, g.due)
    ax.set_yticks(ticks, labels, fontsize=8 if step == 1 else 6)
    project_rows = {g.row for g in groups}
    for tick, label in zip(ticks, ax.get_yticklabels(), strict=True):
        if tick in project_rows:
            label.set_fontweight("bold")
            label.set_fontsize(9)
    ax.set_ylim(n_rows - 0.5, -0.7)
    ax.set_xlim(0, horizon * 1.02 + 0.5)
    ax.grid(axis="x", alpha=0.3)


def _draw_due(ax: Axes, g: _ProjectRows, due: int) -> None:
    """A dashed line down the project's rows at its due date: green when met, red when late."""
    colour = "red" if g.end > due else "green"
    ax.plot([due, due], [g.row - 0.5, g.tasks[-1][0] + 0.5], color=colour, ls="--", lw=1.2)
    ax.plot(due, g.row, marker="v", color=colour, ms=7)


def _draw_profile(ax: Axes, resource_id: str, capacity: int, usage: list[int]) -> None:
    times = list(range(len(usage) + 1))
    ax.stairs(usage, times, fill=True, color="steelblue", alpha=0.6)
    ax.axhline(capacity, color="red", lw=1.2, ls="--")
    ax.set_ylabel(resource_id, rotation=0, ha="right", va="center", fontsize=9)
    ax.set_ylim(0, max(capacity, max(usage, default=0)) * 1.15 + 0.5)
    ax.tick_params(axis="y", labelsize=8)
    ax.grid(axis="x", alpha=0.3)


# ---------------------------------------------------------------------- HTML


def _html_page(problem: Problem, plan: Plan, png: bytes) -> str:
    esc = html.escape
    groups = {g.project_id: g for g in _group_rows(problem, plan)}
    project_rows = []
    for proj in problem.projects:
        g = groups.get(proj.id)
        end = "" if g is None else str(g.end)
        tardiness = "" if g is None or proj.due is None else str(max(0, g.end - proj.due))
        due = "" if proj.due is None else str(proj.due)
        cells: tuple[str, ...] = (
            proj.id,
            str(proj.release),
            due,
            "" if g is None else str(g.start),
            end,
            tardiness,
        )
        project_rows.append("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in cells) + "</tr>")
    task_rows = []
    for tp in sorted(plan.tasks, key=lambda t: (t.start, t.id)):
        task = problem.tasks[problem.task_index[tp.id]]
        demands = ", ".join(f"{r}: {a}" for r, a in task.modes[tp.mode].demands.items() if a)
        cells = (
            task.project,
            tp.id,
            task.name,
            str(tp.mode + 1),
            str(tp.start),
            str(tp.end),
            demands,
        )
        task_rows.append("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in cells) + "</tr>")
    figures = [("status", plan.status), ("makespan", plan.makespan), ("objective", plan.objective)]
    figures += [("lower bound", plan.lower_bound), ("solve seconds", f"{plan.solve_seconds:.2f}")]
    summary = " &middot; ".join(
        f"{esc(k)}: <b>{esc(str(v))}</b>" for k, v in figures if v is not None
    )
    image = base64.b64encode(png).decode("ascii")
    return _PAGE.format(
        title=esc(f"Plan for {problem.name}"),
        summary=summary,
        image=image,
        projects="\n".join(project_rows),
        tasks="\n".join(task_rows),
    )


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
body {{ font-family: sans-serif; margin: 1.5em; color: #222; }}
table {{ border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 0.9em; }}
th, td {{ border: 1px solid #ccc; padding: 0.2em 0.6em; text-align: left; }}
th {{ background: #f0f0f0; }}
img {{ max-width: 100%; }}
</style>
</head>
<body>
<h1>{title}</h1>
<p>{summary}</p>
<img alt="Gantt chart and resource profiles" src="data:image/png;base64,{image}">
<h2>Projects</h2>
<table>
<tr><th>project</th><th>release</th><th>due</th><th>start</th><th>end</th><th>tardiness</th></tr>
{projects}
</table>
<h2>Tasks</h2>
<table>
<tr><th>project</th><th>task</th><th>name</th><th>mode</th><th>start</th><th>end</th><th>demands</th></tr>
{tasks}
</table>
</body>
</html>
"""
