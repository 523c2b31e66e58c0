import { describe, expect, test } from "@odoo/hoot";
import { animationFrame } from "@odoo/hoot-mock";
import { defineMailModels } from "@mail/../tests/mail_test_helpers";
import {
    getService,
    mountWebClient,
    onRpc,
    patchWithCleanup,
} from "@web/../tests/web_test_helpers";
import {
    ROW_HEIGHT,
    ZOOMS,
    barColor,
    buildLines,
    draggedDates,
    isLinkBroken,
    linkPath,
    loadLevel,
    rangeFor,
    snapDelta,
    ticks,
    visibleSlice,
    widthOf,
    xOf,
} from "@order_project/planning_board/timeline";

const { DateTime } = luxon;
const HOUR = 3600 * 1000;
const DAY = 24 * HOUR;
const MONDAY = DateTime.fromISO("2026-12-07T00:00:00").toMillis();

function task(id, values = {}) {
    return {
        id,
        name: `Task ${id}`,
        wbs: "",
        wbs_key: [],
        project_id: 1,
        parent_id: false,
        phase: false,
        start: MONDAY + 8 * HOUR,
        end: MONDAY + 16 * HOUR,
        baseline: null,
        critical: false,
        pinned: false,
        health: "on_track",
        done: false,
        users: [],
        user_names: [],
        hours: 8,
        slack: 0,
        write_date: "2026-12-01 10:00:00",
        ...values,
    };
}

describe.current.tags("order_project");
defineMailModels(); // the web client of a database with mail: its systray needs them

describe("timeline geometry", () => {
    test("each zoom shows whole days around the anchor, wider zooms more of them", () => {
        const anchor = MONDAY + 10 * HOUR;
        let previous = 0;
        for (const zoom of ["day", "week", "month", "quarter"]) {
            const [start, end] = rangeFor(zoom, anchor);
            expect(start).toBeLessThan(anchor);
            expect(end).toBeGreaterThan(anchor);
            expect(DateTime.fromMillis(start).hour).toBe(0);
            expect(DateTime.fromMillis(end).hour).toBe(0);
            expect(end - start).toBeGreaterThan(previous);
            // the server refuses more than 800 days (models/planning_board.py)
            expect(end - start).toBeLessThan(800 * DAY);
            previous = end - start;
        }
        // the week zoom starts on a Monday
        expect(DateTime.fromMillis(rangeFor("week", anchor)[0]).weekday).toBe(1);
    });

    test("a moment's pixel follows the zoom's scale", () => {
        const range = [MONDAY, MONDAY + 10 * DAY];
        expect(xOf(MONDAY, range, "week")).toBe(0);
        expect(xOf(MONDAY + DAY, range, "week")).toBe(ZOOMS.week.pxPerDay);
        expect(xOf(MONDAY + 12 * HOUR, range, "day")).toBe(ZOOMS.day.pxPerDay / 2);
        expect(widthOf(range, "month")).toBe(Math.ceil(10 * ZOOMS.month.pxPerDay));
    });

    test("ticks tile the range: one major tick per week at week zoom, a minor tick per day", () => {
        const range = [MONDAY, MONDAY + 14 * DAY];
        const { major, minor } = ticks(range, "week");
        expect(major.length).toBe(2);
        expect(minor.length).toBe(14);
        expect(minor[1].x).toBe(ZOOMS.week.pxPerDay);
        const total = minor.reduce((sum, tick) => sum + tick.width, 0);
        expect(Math.round(total)).toBe(Math.round(14 * ZOOMS.week.pxPerDay));
        // day zoom: six-hour blocks from midnight
        const hours = ticks([MONDAY, MONDAY + DAY], "day").minor;
        expect(hours.map((tick) => tick.label)).toEqual(["00:00", "06:00", "12:00", "18:00"]);
        expect(hours[1].x).toBe(ZOOMS.day.pxPerDay / 4);
    });

    test("drags snap to an hour at day zoom and to a day otherwise", () => {
        const pxHour = ZOOMS.day.pxPerDay / 24;
        expect(snapDelta(pxHour * 2.4, "day")).toBe(2 * HOUR);
        expect(snapDelta(ZOOMS.week.pxPerDay * 1.6, "week")).toBe(2 * DAY);
        expect(snapDelta(-ZOOMS.week.pxPerDay * 0.4, "week")).toBe(0);
        const t = task(1);
        expect(draggedDates(t, "move", DAY, "week")).toEqual([t.start + DAY, t.end + DAY]);
        expect(draggedDates(t, "resize", DAY, "week")).toEqual([t.start, t.end + DAY]);
        // a resize never makes a task end before it starts
        expect(draggedDates(t, "resize", -10 * DAY, "week")).toEqual([t.start, t.start + DAY]);
    });
});

describe("lines", () => {
    const rows = [
        { id: 1, name: "S00001" },
        { id: 2, name: "S00002" },
    ];
    const tasks = {
        11: task(11, { wbs: "1.10", wbs_key: [1, 10], project_id: 1, users: [7] }),
        12: task(12, { wbs: "1.9", wbs_key: [1, 9], project_id: 1, users: [7, 8] }),
        13: task(13, { wbs: "1", wbs_key: [1], project_id: 1, phase: true }),
        21: task(21, { wbs: "1", wbs_key: [1], project_id: 2, users: [] }),
    };

    test("by order: each order, then its tasks in WBS order (1, 1.9, 1.10) when expanded", () => {
        const lines = buildLines(rows, tasks, { groupBy: "project", expanded: new Set([1]) });
        expect(lines.map((line) => line.key)).toEqual(["r1", "t13", "t12", "t11", "r2"]);
        expect(lines[1].depth).toBe(0);
        expect(lines[2].depth).toBe(1);
        const collapsed = buildLines(rows, tasks, { groupBy: "project", expanded: new Set() });
        expect(collapsed.map((line) => line.key)).toEqual(["r1", "r2"]);
    });

    test("by person: one line per person holding each of their tasks, nobody's on row 0", () => {
        const people = [
            { id: 7, name: "Ann" },
            { id: 8, name: "Bo" },
            { id: 0, name: "Nobody planned" },
        ];
        const lines = buildLines(people, tasks, { groupBy: "person", expanded: new Set() });
        expect(lines.map((line) => line.tasks.map((t) => t.id).sort())).toEqual([
            [11, 12],
            [12],
            [13, 21],
        ]);
    });

    test("only the lines on screen are drawn, with a margin", () => {
        expect(visibleSlice(1000, 0, 10 * ROW_HEIGHT, 5)).toEqual([0, 15]);
        expect(visibleSlice(1000, 500 * ROW_HEIGHT, 10 * ROW_HEIGHT, 5)).toEqual([495, 515]);
        expect(visibleSlice(20, 500 * ROW_HEIGHT, 10 * ROW_HEIGHT, 5)).toEqual([495, 20]);
    });
});

describe("dependencies and colours", () => {
    test("finish-to-start and start-to-start links are broken when the successor starts too early", () => {
        const tasks = {
            1: task(1, { start: MONDAY, end: MONDAY + DAY }),
            2: task(2, { start: MONDAY + 12 * HOUR, end: MONDAY + 2 * DAY }),
        };
        expect(isLinkBroken([1, 2, "FS", 0], tasks)).toBe(true);
        expect(isLinkBroken([1, 2, "SS", 0], tasks)).toBe(false);
        tasks[2] = task(2, { start: MONDAY + DAY, end: MONDAY + 2 * DAY });
        expect(isLinkBroken([1, 2, "FS", 0], tasks)).toBe(false);
        expect(isLinkBroken([1, 3, "FS", 0], tasks)).toBe(false); // successor not loaded
    });

    test("arrows leave the end (FS) or the start (SS) and enter the successor's start", () => {
        const from = { x1: 10, x2: 100, y: 15 };
        const to = { x1: 150, x2: 200, y: 45 };
        expect(linkPath(from, to, "FS")).toBe("M100,15 H108 V45 H150");
        expect(linkPath(from, to, "SS").startsWith("M10,15 H2")).toBe(true);
        expect(linkPath(from, to, "SS").endsWith("H150")).toBe(true);
        // a successor starting before the predecessor's end: the arrow goes round
        const back = linkPath(from, { x1: 50, x2: 90, y: 45 }, "FS");
        expect(back).toBe(`M100,15 H108 V${15 + ROW_HEIGHT / 2} H42 V45 H50`);
    });

    test("bars are coloured by health, phase or person; done work is grey", () => {
        expect(barColor(task(1, { health: "late" }), "health")).toBe("o_board_late");
        expect(barColor(task(1, { health: false }), "health")).toBe("o_board_none");
        expect(barColor(task(1, { done: true, health: "late" }), "health")).toBe("o_board_done");
        expect(barColor(task(1, { parent_id: 25 }), "phase")).toBe("o_board_c1");
        expect(barColor(task(1, { users: [14, 3] }), "person")).toBe("o_board_c2");
        expect(barColor(task(1, { users: [] }), "person")).toBe("o_board_none");
    });

    test("a load cell is over when more hours are planned than worked", () => {
        expect(loadLevel(0, 8)).toBe("free");
        expect(loadLevel(4, 8)).toBe("busy");
        expect(loadLevel(8, 8)).toBe("full");
        expect(loadLevel(9, 8)).toBe("over");
        expect(loadLevel(2, 0)).toBe("over"); // work planned on a day off
    });
});

describe("the board in the web client", () => {
    function boardData() {
        const now = Date.now();
        const start = now - DAY;
        return {
            rows: [
                {
                    id: 1,
                    name: "S00001 - Pump",
                    code: "S00001",
                    subtitle: "Azure",
                    manager: "",
                    health: "late",
                    start,
                    end: start + 3 * DAY,
                    baseline: null,
                    commitment: start + 2 * DAY,
                    forecast: start + 3 * DAY,
                },
            ],
            tasks: [
                task(101, { project_id: 1, wbs: "1.1", wbs_key: [1, 1], start, end: start + DAY, critical: true }),
                task(102, {
                    project_id: 1,
                    wbs: "1.2",
                    wbs_key: [1, 2],
                    start: start + DAY,
                    end: start + 3 * DAY,
                    critical: true,
                    health: "late",
                }),
            ],
        };
    }

    test("opens on the orders, draws bars, arrows and a drag that pins the task", async () => {
        const data = boardData();
        const moves = [];
        onRpc("order.planning.board", "get_board", ({ args }) => {
            expect.step(`get_board ${args[0].group_by}`);
            return {
                range: [args[0].start, args[0].end],
                now: Date.now(),
                group_by: args[0].group_by,
                rows: data.rows,
                project_ids: [1],
                nonworking: [],
                can_plan: true,
            };
        });
        onRpc("order.planning.board", "get_board_tasks", ({ args }) => {
            expect.step(`get_board_tasks ${args[1].join(",")}`);
            return { tasks: data.tasks, links: [[101, 102, "FS", 0]], milestones: [], leaves: {} };
        });
        onRpc("project.task", "board_move", ({ args }) => {
            moves.push(args);
            const [ids, start, end, writeDate, pinned] = args;
            const moved = { ...data.tasks[1], id: ids[0], start, end, pinned, write_date: "2026-12-03 10:00:00" };
            return {
                status: "moved",
                task: moved,
                before: { start: data.tasks[1].start, end: data.tasks[1].end, pinned: false },
                warnings: ["Starts before Task 101 allows (dependency broken)."],
                writeDate,
            };
        });
        await mountWebClient();
        await getService("action").doAction({
            type: "ir.actions.client",
            tag: "order_project.planning_board",
            name: "Planning Board",
        });
        await animationFrame();
        expect.verifySteps(["get_board project", "get_board_tasks 1"]);
        // one order, expanded since the board is small, with its two tasks and their arrow
        expect(".o_board_line_row").toHaveCount(1);
        expect(".o_board_line_task").toHaveCount(2);
        expect(".o_board_bar.o_board_critical").toHaveCount(2);
        expect(".o_board_summary.o_board_late").toHaveCount(1);
        expect(".o_board_commitment").toHaveCount(1);
        // the order ends a day after its promise, and says so
        expect(".o_board_late_label").toHaveText("+1 d");
        expect("path.o_board_link.o_board_link_critical").toHaveCount(1);
        expect(".o_board_today_line").toHaveCount(1);

        // drag the second task two days earlier
        const bar = document.querySelector('.o_board_bar[data-task-id="102"]');
        const x = bar.getBoundingClientRect().left + 5;
        bar.dispatchEvent(new PointerEvent("pointerdown", { bubbles: true, button: 0, clientX: x }));
        window.dispatchEvent(new PointerEvent("pointermove", { clientX: x - 2 * ZOOMS.week.pxPerDay }));
        await animationFrame();
        expect(".o_board_dragging").toHaveCount(1);
        window.dispatchEvent(new PointerEvent("pointerup", { clientX: x - 2 * ZOOMS.week.pxPerDay }));
        await animationFrame();
        await animationFrame();
        expect(moves.length).toBe(1);
        const [ids, start, end, writeDate, pinned] = moves[0];
        expect(ids).toEqual([102]);
        expect(start).toBe(data.tasks[1].start - 2 * DAY);
        expect(end).toBe(data.tasks[1].end - 2 * DAY);
        expect(writeDate).toBe("2026-12-01 10:00:00");
        expect(pinned).toBe(true);
        // the warning is shown, with an undo
        expect(".o_notification").toHaveCount(1);
        expect(".o_notification").toHaveText(/dependency broken/);
        expect(".o_notification button:contains(Undo)").toHaveCount(1);
        // the order's tasks were read again: phases span the moved task
        expect.verifySteps(["get_board_tasks 1"]);
    });

    test("a planner-less user sees the board but cannot drag nor re-optimize", async () => {
        const data = boardData();
        onRpc("order.planning.board", "get_board", ({ args }) => ({
            range: [args[0].start, args[0].end],
            now: Date.now(),
            group_by: "project",
            rows: data.rows,
            project_ids: [1],
            nonworking: [],
            can_plan: false,
        }));
        onRpc("order.planning.board", "get_board_tasks", () => ({
            tasks: data.tasks,
            links: [],
            milestones: [],
            leaves: {},
        }));
        onRpc("project.task", "board_move", () => {
            throw new Error("no move may be sent");
        });
        await mountWebClient();
        await getService("action").doAction({
            type: "ir.actions.client",
            tag: "order_project.planning_board",
        });
        await animationFrame();
        expect(".o_board_reoptimize").toHaveCount(0);
        expect(".o_board_resize").toHaveCount(0);
        const bar = document.querySelector('.o_board_bar[data-task-id="102"]');
        const x = bar.getBoundingClientRect().left + 5;
        bar.dispatchEvent(new PointerEvent("pointerdown", { bubbles: true, button: 0, clientX: x }));
        window.dispatchEvent(new PointerEvent("pointermove", { clientX: x + 100 }));
        await animationFrame();
        expect(".o_board_dragging").toHaveCount(0);
    });

    test("the workload shows overloads in red and opens the tasks behind a cell", async () => {
        const day = DateTime.local().startOf("day").toMillis();
        onRpc("order.planning.board", "get_load", ({ args }) => {
            expect.step(`get_load ${args[0].step} ${args[0].tz}`);
            return {
                range: [args[0].start, args[0].end],
                columns: [day, day + DAY],
                project_ids: [1],
                rows: [
                    { id: 7, name: "Ann", cells: [[10, 8], [4, 8]] },
                    { id: 8, name: "Bo", cells: [[8, 8], [0, 8]] },
                ],
            };
        });
        await mountWebClient();
        const opened = [];
        patchWithCleanup(getService("action"), {
            doAction(action, options) {
                if (action.res_model === "project.task") {
                    opened.push(action);
                    return;
                }
                return super.doAction(action, options);
            },
        });
        await getService("action").doAction({
            type: "ir.actions.client",
            tag: "order_project.planning_board",
            context: { board_mode: "load" },
        });
        await animationFrame();
        expect.verifySteps([`get_load day ${DateTime.local().zoneName}`]);
        expect(".o_board_load_line").toHaveCount(2);
        expect(".o_board_load_over").toHaveCount(1);
        expect(".o_board_load_over").toHaveText("10/8");
        expect(".o_board_load_full").toHaveCount(1);
        expect(".o_board_load_line:first .badge").toHaveText("1");
        document.querySelector(".o_board_load_over").click();
        await animationFrame();
        expect(opened.length).toBe(1);
        const domain = JSON.stringify(opened[0].domain);
        expect(domain).toInclude('["planning_user_ids","in",[7]]');
        expect(domain).toInclude('["project_id","in",[1]]');
    });

    test("expand all on many orders reads only the orders on screen, the rest on scroll", async () => {
        const start = Date.now() - DAY;
        const rows = Array.from({ length: 60 }, (_, i) => ({
            id: i + 1,
            name: `S${i + 1}`,
            code: `S${i + 1}`,
            subtitle: "",
            manager: "",
            health: "on_track",
            start,
            end: start + DAY,
            baseline: null,
            commitment: null,
            forecast: start + DAY,
        }));
        const asked = [];
        onRpc("order.planning.board", "get_board", ({ args }) => ({
            range: [args[0].start, args[0].end],
            now: Date.now(),
            group_by: "project",
            rows,
            project_ids: rows.map((row) => row.id),
            nonworking: [],
            can_plan: true,
        }));
        onRpc("order.planning.board", "get_board_tasks", ({ args }) => {
            asked.push(...args[1]);
            return {
                tasks: args[1].map((id) => task(1000 + id, { project_id: id, start, end: start + DAY })),
                links: [],
                milestones: [],
                leaves: {},
            };
        });
        await mountWebClient();
        await getService("action").doAction({
            type: "ir.actions.client",
            tag: "order_project.planning_board",
        });
        await animationFrame();
        expect(asked).toEqual([], { message: "60 orders open collapsed: no task read" });
        document.querySelector(".o_board_expand_all").click();
        await animationFrame();
        await animationFrame();
        const first = asked.length;
        expect(first).toBeGreaterThan(0);
        expect(first).toBeLessThan(60);
        // only the lines on screen are drawn, fewer than the orders read
        expect(document.querySelectorAll(".o_board_line_task").length).toBeLessThan(first + 1);
        const scroll = document.querySelector(".o_board_scroll");
        scroll.scrollTop = scroll.scrollHeight;
        scroll.dispatchEvent(new Event("scroll"));
        await new Promise((resolve) => setTimeout(resolve, 300));
        await animationFrame();
        expect(asked.length).toBeGreaterThan(first);
        // the shading follows the screen but never stretches what can be scrolled
        const canvas = scroll.querySelector(".o_board_canvas");
        expect(scroll.scrollHeight).toBe(canvas.offsetHeight);
        const shade = scroll.querySelector(".o_board_background");
        expect(shade.offsetTop + shade.offsetHeight).toBeLessThan(canvas.offsetHeight + 1);
        expect(new Set(asked).size).toBe(asked.length, { message: "no order read twice" });
    });
});
