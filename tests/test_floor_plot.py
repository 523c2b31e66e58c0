"""Floor plan pictures: a PNG overview and a self-contained interactive HTML page, the page viewed
in a real headless Chromium (dumped DOM and a screenshot) for a 500 orders x 25 tasks portfolio."""

from __future__ import annotations

import html
import json
import random
import re
import shutil
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from optimizer.floor.plot import FULL_RENDER_ROWS, plot_floor

TZ = timezone(timedelta(hours=8))  # Asia/Shanghai has no daylight saving time
NOW = datetime(2026, 11, 23, 8, 0, tzinfo=TZ)
N_ORDERS, N_TASKS, N_RESOURCES = 500, 25, 40
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")


def order_id(k: int) -> str:
    return f"SO{k:03d}"


def order_deps(oid: str) -> list[dict[str, str]]:
    """A chain through the order's tasks plus a shortcut into every sixth task."""
    deps = [
        {"from": f"{oid}/t{k:02d}", "to": f"{oid}/t{k + 1:02d}", "type": "FS"}
        for k in range(1, N_TASKS)
    ]
    deps += [
        {"from": f"{oid}/t{k - 3:02d}", "to": f"{oid}/t{k:02d}", "type": "SS"}
        for k in range(6, N_TASKS + 1, 6)
    ]
    return deps


def synthetic_plan(n_orders: int = N_ORDERS, seed: int = 7) -> dict[str, Any]:
    """A plan JSON as the floor solver writes it, built directly (no solver): orders start over
    four months around `now`, tasks run back to back, about a third of the orders are late."""
    rng = random.Random(seed)
    resources = [f"R{k:02d}" for k in range(1, N_RESOURCES + 1)]
    load: dict[str, dict[str, float]] = {r: {} for r in resources}
    tasks, projects, precedences = [], [], []
    for i in range(1, n_orders + 1):
        oid = order_id(i)
        at = NOW - timedelta(days=20) + timedelta(hours=rng.randrange(0, 24 * 110))
        first, chain = at, []
        for k in range(1, N_TASKS + 1):
            start = at + timedelta(hours=rng.randrange(0, 6))
            end = start + timedelta(hours=rng.randrange(2, 14))
            at = end
            status = "done" if end <= NOW else "in_progress" if start < NOW else "todo"
            critical = rng.random() < 0.4
            who = rng.sample(resources, rng.choice((1, 1, 2)))
            if critical:
                chain.append(f"{oid}/t{k:02d}")
            tasks.append(
                {
                    "id": f"{oid}/t{k:02d}",
                    "project": oid,
                    "name": f"Step {k}",
                    "start": start.isoformat(),
                    "end": end.isoformat(),
                    "resources": who,
                    "status": status,
                    "slack_hours": 0.0 if critical else float(rng.randrange(1, 40)),
                    "critical": critical,
                }
            )
            hour = start
            while hour < end:
                day = hour.date().isoformat()
                for r in who:
                    load[r][day] = load[r].get(day, 0.0) + 1.0
                hour += timedelta(hours=1)
        due = at + timedelta(hours=rng.randrange(-24 * 5, 24 * 10))
        lateness = max(0.0, (at - due).total_seconds() / 3600)
        projects.append(
            {
                "id": oid,
                "name": f"Frame line {i}",
                "due": due.isoformat(),
                "forecast_end": at.isoformat(),
                "lateness_hours": lateness,
                "late": lateness > 0,
                "critical_chain": chain,
                "bottleneck": rng.choice(resources),
                "start": first.isoformat(),
            }
        )
        precedences += order_deps(oid)
    res_rows = []
    for k, r in enumerate(resources):
        row: dict[str, Any] = {"id": r, "name": f"Bench {k + 1}", "capacity": 5, "load": load[r]}
        if k % 2 == 0:  # half carry their working hours per day, the others get the default
            row["available"] = {
                day: (0.0 if datetime.fromisoformat(day).weekday() >= 5 else 40.0)
                for day in load[r]
            }
        res_rows.append(row)
    return {
        "kind": "floor_plan",
        "problem": "Synthetic portfolio",
        "status": "FEASIBLE",
        "timezone": "Asia/Shanghai",
        "now": NOW.isoformat(),
        "slot_minutes": 60,
        "objective": 1234.5,
        "weighted_tardiness": 1200.0,
        "moved_count": 2,
        "tasks": tasks,
        "projects": projects,
        "resources": res_rows,
        "precedences": precedences,
        "moved": [{"id": "SO001/t03", "from": "a", "to": "b", "reason": "resource R01 busy"}],
        "explanation": None,
    }


# ---------------------------------------------------------------------- files


@pytest.fixture(scope="module")
def big_plan() -> dict[str, Any]:
    return synthetic_plan()


@pytest.fixture(scope="module")
def big_outputs(big_plan: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("floor_plot")
    plot_floor(big_plan, html_path=out / "plan.html", png_path=out / "plan.png")
    return out


def test_png_is_a_real_picture_of_the_portfolio(big_outputs: Path) -> None:
    with Image.open(big_outputs / "plan.png") as image:
        assert image.format == "PNG"
        width, height = image.size
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
    assert width >= 1200 and 800 <= height <= 4000, f"unexpected picture size {image.size}"
    assert colours is not None and len(colours) > 50, "bars, markers and a heatmap: many colours"


def test_png_of_many_orders_notes_the_orders_left_out(
    big_plan: dict[str, Any], tmp_path: Path
) -> None:
    """Over 60 orders only the worst 60 are drawn; the figure says how many are not."""
    from optimizer.floor.plot import _png_orders, _read_plan

    floor = _read_plan(big_plan)
    shown, note = _png_orders(floor)
    assert len(shown) == 60
    late = sorted((o for o in floor.orders if o.late), key=lambda o: -o.lateness)
    assert [o.id for o in shown[: len(late)]] == [o.id for o in late[:60]]
    assert note.startswith(f"+{N_ORDERS - 60} more")


def test_html_is_self_contained_and_carries_the_data(
    big_plan: dict[str, Any], big_outputs: Path
) -> None:
    page = (big_outputs / "plan.html").read_text(encoding="utf-8")
    assert "http://" not in page and "https://" not in page, "nothing is fetched"
    assert "<link" not in page and "src=" not in page
    match = re.search(r'<script type="application/json" id="plan-data">(.*?)</script>', page, re.S)
    assert match, "the plan is embedded as JSON"
    data = json.loads(match.group(1))
    assert [o["id"] for o in data["orders"]] == [p["id"] for p in big_plan["projects"]]
    assert len(data["tasks"]) == N_ORDERS * N_TASKS
    assert len(data["deps"]) == len(big_plan["precedences"])
    assert len(data["resources"]) == N_RESOURCES
    assert data["tz"] == "Asia/Shanghai"
    assert data["days"][0][0] <= "2026-11-03", "the axis starts on the first local day"
    assert "SO500/t25" in page and "Frame line 500" in page


def test_partial_plans_still_draw(tmp_path: Path) -> None:
    """No projects, precedences or resources; an empty plan; an infeasible one: still pictures."""
    only_tasks = {
        "tasks": [
            {"id": "A/1", "start": "2026-01-05T08:00:00Z", "end": "2026-01-05T12:00:00Z"},
            {"id": "A/2", "start": "2026-01-06T08:00:00", "end": "bad date"},
            {"id": "B/1", "project": "B", "start": "2026-01-07T08:00:00+01:00",
             "end": "2026-01-08T08:00:00+01:00", "status": "weird"},
        ]
    }  # fmt: skip
    infeasible = {
        "kind": "floor_plan",
        "status": "INFEASIBLE",
        "tasks": [],
        "explanation": {"message": "SO1 cannot meet its deadline", "conflicts": []},
    }
    for k, plan in enumerate((only_tasks, {}, infeasible, {"projects": [{"id": "X"}]})):
        plot_floor(plan, html_path=tmp_path / f"{k}.html", png_path=tmp_path / f"{k}.png")
        assert (tmp_path / f"{k}.png").read_bytes().startswith(b"\x89PNG")
        assert "plan-data" in (tmp_path / f"{k}.html").read_text(encoding="utf-8")
    page = (tmp_path / "0.html").read_text(encoding="utf-8")
    assert '"A"' in page and '"B"' in page, "orders are taken from the task ids and projects"
    assert "cannot meet its deadline" in (tmp_path / "2.html").read_text(encoding="utf-8")


# ---------------------------------------------------------------------- real browser


def chromium() -> str:
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    pytest.skip(
        "Chromium is not installed: the browser test did NOT run, the HTML page was not viewed"
    )


def run_chromium(tmp: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    profile = tmp / "chromium-profile"
    profile.mkdir(exist_ok=True)
    command = [
        chromium(),
        "--headless",
        "--disable-gpu",
        "--no-sandbox",
        "--no-first-run",
        "--disable-extensions",
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        "--virtual-time-budget=5000",
        *args,
        url,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, f"chromium failed: {done.stderr[-2000:]}"
    return done


def dump_dom(tmp: Path, page: Path, fragment: str) -> str:
    """The DOM after the page's script ran, without the scripts (their text quotes markup)."""
    dom = run_chromium(tmp, page.as_uri() + fragment, "--dump-dom").stdout
    return re.sub(r"<script\b.*?</script>", "", dom, flags=re.S)


def body_data(dom: str, name: str) -> str:
    match = re.search(rf'<body[^>]*\bdata-{name}="([^"]*)"', dom)
    assert match, f"the page did not render (no data-{name} on <body>)"
    return match.group(1)


def test_browser_draws_two_expanded_orders(big_outputs: Path, tmp_path: Path) -> None:
    dom = dump_dom(tmp_path, big_outputs / "plan.html", "#expand=SO001,SO002")
    assert body_data(dom, "rendered") == str(2 * N_TASKS), "task bars of the two orders only"
    bars = set(re.findall(r'class="task-bar[^"]*" data-task="([^"]+)"', dom))
    assert bars == {f"{o}/t{k:02d}" for o in ("SO001", "SO002") for k in range(1, N_TASKS + 1)}
    assert dom.count('class="due-marker"') == N_ORDERS, "every order shows its due date"
    assert len(re.findall(r'class="order-row[^"]*" data-order=', dom)) == N_ORDERS
    arrows = re.findall(r'class="dep-arrow[^"]*" data-from="([^"]+)" data-to="([^"]+)"', dom)
    expected = {(d["from"], d["to"]) for o in ("SO001", "SO002") for d in order_deps(o)}
    assert set(arrows) == expected and len(arrows) == len(expected)
    assert re.search(r'class="task-bar[^"]* crit"', dom), "critical tasks are outlined"
    assert 'data-resources="R' in dom and "resources: R" in dom, "resources in the tooltip"
    assert body_data(dom, "resources") == str(N_RESOURCES)


def test_browser_expand_all_renders_only_rows_in_view(big_outputs: Path, tmp_path: Path) -> None:
    """12,500 task rows are more than FULL_RENDER_ROWS: only those near the view are drawn."""
    assert N_ORDERS * (N_TASKS + 1) > FULL_RENDER_ROWS
    dom = dump_dom(tmp_path, big_outputs / "plan.html", "#expand=all")
    assert body_data(dom, "virtual") == "1"
    assert body_data(dom, "rows") == str(N_ORDERS * (N_TASKS + 1))
    drawn = int(body_data(dom, "rendered"))
    assert 0 < drawn < 500, f"{drawn} task bars drawn for one screen"
    assert drawn == dom.count('class="task-bar')
    assert "SO001/t01" in dom and 'data-task="SO400/t01"' not in dom


def test_browser_screenshot_is_not_blank(big_outputs: Path, tmp_path: Path) -> None:
    shot = tmp_path / "screenshot.png"
    run_chromium(
        tmp_path,
        (big_outputs / "plan.html").as_uri() + "#expand=SO001,SO002",
        "--run-all-compositor-stages-before-draw",
        f"--screenshot={shot}",
        "--window-size=1600,1000",
    )
    with Image.open(shot) as image:
        assert image.size == (1600, 1000)
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 100, "a drawn chart, not a blank page"
    share = max(count for count, _ in colours) / (1600 * 1000)
    assert share < 0.8, "the page is mostly background"


def test_browser_late_only_shows_late_orders(tmp_path: Path) -> None:
    plan = synthetic_plan(n_orders=12, seed=3)
    late = {p["id"] for p in plan["projects"] if p["late"]}
    assert 0 < len(late) < 12
    page = tmp_path / "small.html"
    plot_floor(plan, html_path=page, title="Twelve orders")
    dom = dump_dom(tmp_path, page, "#late")
    shown = set(re.findall(r'class="order-row[^"]*" data-order="([^"]+)"', dom))
    assert shown == late
    assert body_data(dom, "rendered") == "0", "orders stay collapsed"
    assert "<title>Twelve orders</title>" in dom
    dom = dump_dom(tmp_path, page, "#late&expand=all")
    assert body_data(dom, "rendered") == str(len(late) * N_TASKS)


INTERACTIONS = """<script>
(function () {
  const out = {}, body = document.body.dataset, $ = (id) => document.getElementById(id);
  document.querySelector('.order-label[data-order="SO003"]')
    .dispatchEvent(new MouseEvent("click", { bubbles: true }));
  out.clicked = body.rendered; out.hash = location.hash;
  document.querySelector('.order-row[data-order="SO003"] .order-bar')
    .dispatchEvent(new MouseEvent("click", { bubbles: true }));
  out.clickedAgain = body.rendered;
  $("filter").value = "SO01"; $("filter").dispatchEvent(new Event("input"));
  out.filtered = body.orders;
  $("expand-all").click(); out.expandedFiltered = body.rendered;
  $("collapse-all").click(); out.collapsed = body.rendered;
  $("filter").value = ""; $("filter").dispatchEvent(new Event("input"));
  $("late-only").checked = true; $("late-only").dispatchEvent(new Event("change"));
  out.late = body.orders;
  const width = +$("chart").getAttribute("width");
  $("zoom-in").click(); out.zoomed = +$("chart").getAttribute("width") > width;
  $("res-filter").value = "bench 1"; $("res-filter").dispatchEvent(new Event("input"));
  out.resources = body.resources;
  body.check = JSON.stringify(out);
})();
</script>
</body>"""


def test_browser_clicks_filters_and_toggles(
    big_plan: dict[str, Any], big_outputs: Path, tmp_path: Path
) -> None:
    """Events dispatched by a script appended to the page, results read from the dumped DOM."""
    page = tmp_path / "interactive.html"
    source = (big_outputs / "plan.html").read_text(encoding="utf-8")
    page.write_text(source.replace("</body>", INTERACTIONS), encoding="utf-8")
    check = json.loads(html.unescape(body_data(dump_dom(tmp_path, page, ""), "check")))
    late = sum(p["late"] for p in big_plan["projects"])
    assert check == {
        "clicked": str(N_TASKS),
        "hash": "#expand=SO003",
        "clickedAgain": "0",
        "filtered": "10",  # SO010 ... SO019
        "expandedFiltered": str(10 * N_TASKS),
        "collapsed": "0",
        "late": str(late),
        "zoomed": True,
        "resources": "11",  # Bench 1, Bench 10 ... Bench 19
    }
