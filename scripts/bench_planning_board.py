#!/usr/bin/env python
"""How fast the planning board opens, scrolls and zooms, in headless Chromium.

    /opt/odoo18/venv/bin/python scripts/bench_planning_board.py [--url URL] [--db DB]
        [--login planner] [--password demo] [--repeat 3] [--chromium PATH]

Run it with Odoo's own Python (it needs ``websocket-client``) against a demo database made by
``scripts/odoo_demo.sh`` (the scale mode for the issue's figures). It prints:

- the server: ``get_board`` (rows of the range) and ``get_board_tasks`` (tasks of the first
  rows, as the board asks them) over JSON-RPC as the planner: seconds and bytes;
- the page: from navigation to the board drawn with nothing in flight (``open``), each zoom
  level from the click to drawn, "expand all" by order, and "by person";
- scrolling: 120 scroll steps down (and 60 sideways) one animation frame each; the frame
  times (median, 95th percentile, worst) say whether it freezes (a frame over 100 ms does).

It reads the demo and changes nothing in it. The Chromium, login and JSON-RPC helpers are the
guide's (scripts/guide_screenshots.py).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

import requests
from guide_screenshots import BUSY, Chromium, GuideError, Odoo, web_login

VIEWPORT = (1600, 900)
IDLE = """
(() => {
    if (document.readyState !== "complete") return false;
    if (!document.querySelector(%(root)s)) return false;
    if (document.querySelector(%(busy)s)) return false;
    if (document.querySelector(".o_board_toolbar .fa-spin")) return false;
    return (window.__guidePending || 0) === 0;
})()
"""
FRAMES = """
(async () => {
    const el = document.querySelector(".o_board_scroll");
    const frames = [];
    let last = performance.now();
    for (let i = 0; i < %(steps)d; i++) {
        el.%(axis)s += %(delta)d;
        await new Promise((resolve) => requestAnimationFrame(resolve));
        const now = performance.now();
        frames.push(now - last);
        last = now;
    }
    return frames;
})()
"""


def wait_idle(tab, root: str, timeout: float = 120.0) -> float:
    """Seconds until ``root`` is drawn and nothing is loading (polled every 20 ms)."""
    start = time.monotonic()
    expression = IDLE % {"root": json.dumps(root), "busy": json.dumps(BUSY)}
    while time.monotonic() - start < timeout:
        if tab.evaluate(expression):
            return time.monotonic() - start
        time.sleep(0.02)
    raise GuideError(f"{root!r} was not drawn within {timeout:.0f} s")


def frames(tab, axis: str, delta: int, steps: int) -> list[float]:
    return tab.evaluate(FRAMES % {"axis": axis, "delta": delta, "steps": steps})


def frame_row(name: str, times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    return (
        f"{name:<38} {len(times):>6} {statistics.median(times):>9.1f} {p95:>9.1f} "
        f"{max(times):>9.1f}"
    )


def server_figures(odoo: Odoo, repeat: int) -> list[str]:
    now = int(time.time() * 1000)
    day = 24 * 3600 * 1000
    params = {"start": now - 7 * day, "end": now + 84 * day, "group_by": "project", "filters": {}}
    rows_out = []
    for name, call in (
        (
            "get_board (by order, 13 weeks)",
            lambda: odoo.call("order.planning.board", "get_board", params),
        ),
        (
            "get_board (by person, 13 weeks)",
            lambda: odoo.call(
                "order.planning.board", "get_board", {**params, "group_by": "person"}
            ),
        ),
    ):
        times, result = [], None
        for _ in range(repeat):
            start = time.monotonic()
            result = call()
            times.append(time.monotonic() - start)
        size = len(json.dumps(result))
        rows_out.append(
            f"{name:<38} {len(result['rows']):>6} {min(times) * 1000:>9.0f} "
            f"{statistics.median(times) * 1000:>9.0f} {size / 1024:>9.0f}"
        )
        if result["group_by"] == "project":
            first = [row["id"] for row in result["rows"][:30]]
            every = [row["id"] for row in result["rows"]]
            projects = result["project_ids"]
    for name, ids in (
        ("get_board_tasks (30 orders)", first),
        ("get_board_tasks (every order)", every),
    ):
        times, tasks = [], None
        for _ in range(repeat):
            start = time.monotonic()
            tasks = odoo.call("order.planning.board", "get_board_tasks", params, ids)
            times.append(time.monotonic() - start)
        size = len(json.dumps(tasks))
        rows_out.append(
            f"{name:<38} {len(tasks['tasks']):>6} {min(times) * 1000:>9.0f} "
            f"{statistics.median(times) * 1000:>9.0f} {size / 1024:>9.0f}"
        )
    tasks = odoo.call("project.task", "search_count", [("project_id", "in", projects)])
    open_tasks = odoo.call(
        "project.task",
        "search_count",
        [("project_id", "in", projects), ("state", "not in", ["1_done", "1_canceled"])],
    )
    rows_out.append(
        f"  the board's open delivery projects: {len(projects)}, their tasks {tasks} "
        f"({open_tasks} not done, phases included)"
    )
    return rows_out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8069")
    parser.add_argument("--db", default="order_demo")
    parser.add_argument("--login", default="planner")
    parser.add_argument("--password", default="demo")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--chromium", default="chromium")
    args = parser.parse_args(argv)
    try:
        odoo = Odoo(args.url, args.db, args.login, args.password)
        url = f"{args.url.rstrip('/')}/odoo/action-order_project.action_planning_board"
        print(f"== planning board of {args.db} at {args.url} as {args.login}")
        print(f"{'server call':<38} {'rows':>6} {'min ms':>9} {'med ms':>9} {'KiB':>9}")
        for line in server_figures(odoo, args.repeat):
            print(line)

        session = web_login(args.url, args.db, args.login, args.password)
        browser = Chromium(args.chromium)
        try:
            with browser.tab(args.url.rstrip("/"), session, "en_US") as tab:
                tab.call(
                    "Emulation.setDeviceMetricsOverride",
                    width=VIEWPORT[0],
                    height=VIEWPORT[1],
                    deviceScaleFactor=1,
                    mobile=False,
                )
                print(
                    f"\n{'page (Chromium, ' + 'x'.join(map(str, VIEWPORT)) + ')':<38} {'runs':>6} {'min s':>9} {'med s':>9}"
                )
                opens = []
                for _ in range(args.repeat):
                    tab.call("Page.navigate", url=url)
                    time.sleep(0.05)
                    opens.append(wait_idle(tab, ".o_planning_board .o_board_line_row"))
                print(
                    f"{'open (drawn, nothing in flight)':<38} {len(opens):>6} {min(opens):>9.2f} {statistics.median(opens):>9.2f}"
                )
                lines = tab.evaluate("document.querySelectorAll('.o_board_line').length")
                rows = tab.evaluate("document.querySelector('.o_board_corner').textContent")
                print(f"  {rows.strip()}, {lines} lines in the DOM")
                for zoom in ("day", "month", "quarter", "week"):
                    tab.evaluate(f"document.querySelector('.o_board_zoom_{zoom}').click()")
                    time.sleep(0.05)
                    seconds = wait_idle(tab, ".o_board_line_row")
                    print(f"{'zoom ' + zoom:<38} {1:>6} {seconds:>9.2f} {seconds:>9.2f}")
                scroll_rows = [
                    frame_row("scroll down, collapsed orders", frames(tab, "scrollTop", 300, 120))
                ]
                scroll_rows.append(frame_row("scroll sideways", frames(tab, "scrollLeft", 120, 60)))
                tab.evaluate("document.querySelector('.o_board_scroll').scrollTop = 0")
                tab.evaluate("document.querySelector('.o_board_expand_all').click()")
                time.sleep(0.05)
                seconds = wait_idle(tab, ".o_board_line_task", timeout=600)
                lines = tab.evaluate("document.querySelectorAll('.o_board_line').length")
                total = tab.evaluate("document.querySelector('.o_board_canvas').style.height")
                print(f"{'expand all orders':<38} {1:>6} {seconds:>9.2f} {seconds:>9.2f}")
                print(f"  canvas height {total}, {lines} lines in the DOM")
                scroll_rows.append(
                    frame_row(
                        "scroll down, every order expanded", frames(tab, "scrollTop", 600, 120)
                    )
                )
                tab.evaluate("document.querySelector('.o_board_by_person').click()")
                time.sleep(0.05)
                seconds = wait_idle(tab, ".o_board_line_row .o_board_bar")
                print(f"{'by person':<38} {1:>6} {seconds:>9.2f} {seconds:>9.2f}")
                scroll_rows.append(
                    frame_row("scroll down, by person", frames(tab, "scrollTop", 300, 120))
                )
                start = time.monotonic()
                time.sleep(0.2)  # the board asks for the rows in view 120 ms after a scroll
                wait_idle(tab, ".o_board_line_row .o_board_bar")
                seconds = time.monotonic() - start
                print(
                    f"{'by person: rows in view loaded after':<38} {1:>6} {seconds:>9.2f} {seconds:>9.2f}"
                )
                tab.evaluate("document.querySelector('.o_board_mode_load').click()")
                time.sleep(0.05)
                seconds = wait_idle(tab, ".o_board_load_line", timeout=600)
                print(f"{'load view (13 weeks by day)':<38} {1:>6} {seconds:>9.2f} {seconds:>9.2f}")
                scroll_rows.append(
                    frame_row("scroll down, load", frames(tab, "scrollTop", 300, 60))
                )
                print(f"\n{'frames (ms)':<38} {'frames':>6} {'median':>9} {'p95':>9} {'worst':>9}")
                for line in scroll_rows:
                    print(line)
        finally:
            browser.close()
    except (GuideError, requests.RequestException) as error:
        print(f"bench_planning_board: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
