"""Plan pictures: a PNG Gantt chart and a self-contained HTML page naming every project."""

from __future__ import annotations

from pathlib import Path

import pytest

from optimizer.rcpsp.model import Mode, Plan, Precedence, Problem, Project, Resource, Task, TaskPlan
from optimizer.rcpsp.plot import plot_plan

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def two_orders_share_one_welder() -> tuple[Problem, Plan]:
    """Order SO1 (due 5) and SO2 (due 12) take turns on one welder; SO1 finishes late."""
    problem = Problem.create(
        name="two_orders",
        projects=(Project("SO1", due=5), Project("SO2", release=1, due=12)),
        tasks=(
            Task("cut-1", "SO1", (Mode(2, {"welder": 0}),)),
            Task("weld-1", "SO1", (Mode(3, {"welder": 1}),)),
            Task("weld-2", "SO2", (Mode(4, {"welder": 1}),)),
            Task("paint-2", "SO2", (Mode(1, {}),)),
        ),
        precedences=(Precedence("cut-1", "weld-1"), Precedence("weld-2", "paint-2")),
        resources=(Resource("welder", 1),),
    )
    tasks = [
        TaskPlan("cut-1", 0, 2, 0),
        TaskPlan("weld-2", 1, 5, 0),
        TaskPlan("weld-1", 5, 8, 0),
        TaskPlan("paint-2", 5, 6, 0),
    ]
    plan = Plan("FEASIBLE", 8, 8.0, 7.0, 0.1, tasks, problem_name="two_orders")
    return problem, plan


def test_png_is_written(two_orders_share_one_welder: tuple[Problem, Plan], tmp_path: Path) -> None:
    problem, plan = two_orders_share_one_welder
    png = tmp_path / "plan.png"
    plot_plan(problem, plan, png_path=png)
    data = png.read_bytes()
    assert data.startswith(PNG_SIGNATURE), "the picture must be a valid PNG file"
    assert len(data) > 1000, "a Gantt chart with resource profiles is not an empty image"


def test_html_names_every_project_offline(
    two_orders_share_one_welder: tuple[Problem, Plan], tmp_path: Path
) -> None:
    problem, plan = two_orders_share_one_welder
    page_path = tmp_path / "plan.html"
    plot_plan(problem, plan, html_path=page_path)
    page = page_path.read_text(encoding="utf-8")
    for project in problem.projects:
        assert project.id in page, f"the page must show order {project.id}"
    assert "data:image/png;base64," in page, "the chart is embedded, not linked"
    assert "http://" not in page and "https://" not in page, "the page must not fetch anything"
    assert "weld-1" in page, "the task table lists every task"


def test_plan_without_schedule_still_draws(
    two_orders_share_one_welder: tuple[Problem, Plan], tmp_path: Path
) -> None:
    problem, _ = two_orders_share_one_welder
    plan = Plan("INFEASIBLE", None, None, None, 0.0, [], problem_name="two_orders")
    png = tmp_path / "none.png"
    plot_plan(problem, plan, png_path=png, html_path=tmp_path / "none.html")
    assert png.read_bytes().startswith(PNG_SIGNATURE)
    assert "INFEASIBLE" in (tmp_path / "none.html").read_text(encoding="utf-8")
