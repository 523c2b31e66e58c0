/**
 * The planning board's geometry and rules, free of OWL and of the server, so they are
 * tested on their own (static/tests/planning_board.test.js): zoom levels, the range each
 * one shows, the pixel of a moment, the ticks of the header, the lines of the board
 * (orders and their tasks, or people), the slice of lines on screen, dependency arrows
 * and their breaches, snapping of drags, colours and load cells.
 */
const { DateTime } = luxon;

const HOUR = 3600 * 1000;
const DAY = 24 * HOUR;

export const ROW_HEIGHT = 30;
// the middle of a task bar in its line (planning_board.scss: top 4px, height 16px)
export const BAR_MIDDLE = 12;

/** Pixels per day, days shown around the anchor, drag snap and header ticks per zoom. */
export const ZOOMS = {
    day: { pxPerDay: 192, before: 2, after: 19, snap: HOUR, unit: "day", minor: "hour" },
    week: { pxPerDay: 28, before: 7, after: 84, snap: DAY, unit: "week", minor: "day" },
    month: { pxPerDay: 7, before: 31, after: 270, snap: DAY, unit: "month", minor: "week" },
    quarter: { pxPerDay: 2.2, before: 92, after: 640, snap: DAY, unit: "quarter", minor: "month" },
};

/** The range ``[start, end)`` (ms) a zoom shows around ``anchor`` (ms), whole days. */
export function rangeFor(zoom, anchor) {
    const z = ZOOMS[zoom];
    const day = DateTime.fromMillis(anchor).startOf("day");
    const start = day.minus({ days: z.before }).startOf(z.unit === "quarter" ? "month" : z.unit === "day" ? "day" : "week");
    const end = day.plus({ days: z.after }).endOf("day").plus({ milliseconds: 1 });
    return [start.toMillis(), end.toMillis()];
}

export function pxPerMs(zoom) {
    return ZOOMS[zoom].pxPerDay / DAY;
}

export function xOf(ms, range, zoom) {
    return (ms - range[0]) * pxPerMs(zoom);
}

export function widthOf(range, zoom) {
    return Math.ceil(xOf(range[1], range, zoom));
}

/**
 * Header ticks: ``major`` (labelled days, weeks, months or quarters) and ``minor`` (grid
 * lines: six-hour blocks at day zoom, else days, weeks or months).
 */
export function ticks(range, zoom) {
    const z = ZOOMS[zoom];
    const majorFormat = { day: "ccc d LLL", week: "'W'W · d LLL", month: "LLLL yyyy", quarter: "'Q'q yyyy" }[zoom];
    const minorFormat = { hour: "HH:mm", day: "d", week: "d", month: "LLL" }[z.minor];
    const make = (unit, format, step = 1) => {
        const out = [];
        // hour blocks start at midnight, so they fall on 0:00, 6:00...
        let t = DateTime.fromMillis(range[0]).startOf(unit === "hour" ? "day" : unit);
        while (t.toMillis() < range[1]) {
            const next = t.plus({ [unit + "s"]: step });
            if (next.toMillis() > range[0]) {
                const from = Math.max(t.toMillis(), range[0]);
                out.push({
                    ms: from,
                    x: xOf(from, range, zoom),
                    width: xOf(Math.min(next.toMillis(), range[1]), range, zoom) - xOf(from, range, zoom),
                    label: t.toFormat(format),
                });
            }
            t = next;
        }
        return out;
    };
    return {
        major: make(z.unit, majorFormat),
        minor: make(z.minor, minorFormat, z.minor === "hour" ? 6 : 1),
    };
}

function compareWbs(a, b) {
    const ka = a.wbs_key || [];
    const kb = b.wbs_key || [];
    for (let i = 0; i < Math.max(ka.length, kb.length); i++) {
        const d = (ka[i] ?? -1) - (kb[i] ?? -1);
        if (d) {
            return d;
        }
    }
    return (a.start || 0) - (b.start || 0) || a.id - b.id;
}

/**
 * The board's lines, top to bottom. By order: each order's line, then, when expanded, its
 * tasks in WBS order indented by level. By person: one line per person with every task of
 * theirs on it. ``tasks`` are the loaded tasks by id.
 */
export function buildLines(rows, tasks, { groupBy, expanded }) {
    const lines = [];
    const all = Object.values(tasks);
    if (groupBy === "person") {
        const byUser = {};
        for (const task of all) {
            for (const uid of task.users.length ? task.users : [0]) {
                (byUser[uid] ||= []).push(task);
            }
        }
        for (const row of rows) {
            lines.push({ key: `r${row.id}`, kind: "row", row, tasks: byUser[row.id] || [] });
        }
        return lines;
    }
    const byProject = {};
    for (const task of all) {
        (byProject[task.project_id] ||= []).push(task);
    }
    for (const row of rows) {
        lines.push({ key: `r${row.id}`, kind: "row", row, tasks: [] });
        if (expanded.has(row.id)) {
            for (const task of (byProject[row.id] || []).sort(compareWbs)) {
                lines.push({
                    key: `t${task.id}`,
                    kind: "task",
                    row,
                    task,
                    tasks: [task],
                    depth: Math.max(0, (task.wbs_key || [0]).length - 1),
                });
            }
        }
    }
    return lines;
}

/** Indexes ``[first, last)`` of the lines drawn for a viewport, with a margin. */
export function visibleSlice(count, scrollTop, height, margin = 10) {
    const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - margin);
    const last = Math.min(count, Math.ceil((scrollTop + height) / ROW_HEIGHT) + margin);
    return [first, last];
}

/** Whether a link's successor starts before its predecessor lets it (lag not counted). */
export function isLinkBroken(link, tasks) {
    const [predId, succId, type] = link;
    const pred = tasks[predId];
    const succ = tasks[succId];
    if (!pred || !succ || !pred.end || !succ.start) {
        return false;
    }
    return succ.start < (type === "SS" ? pred.start : pred.end);
}

/**
 * An arrow from a predecessor's bar to its successor's: out of the end (FS) or the start
 * (SS) of the predecessor, into the start of the successor, in right angles.
 */
export function linkPath(from, to, type) {
    const gap = 8;
    const x1 = type === "SS" ? from.x1 : from.x2;
    const y1 = from.y;
    const x2 = to.x1;
    const y2 = to.y;
    const out = type === "SS" ? x1 - gap : x1 + gap;
    if (x2 - gap >= out && type !== "SS") {
        return `M${x1},${y1} H${out} V${y2} H${x2}`;
    }
    const mid = y1 + (y2 >= y1 ? ROW_HEIGHT / 2 : -ROW_HEIGHT / 2);
    const back = Math.min(out, x2 - gap);
    return `M${x1},${y1} H${out} V${mid} H${back} V${y2} H${x2}`;
}

/** A drag's delta in ms, snapped to the zoom's step (an hour at day zoom, else a day). */
export function snapDelta(dx, zoom) {
    const step = ZOOMS[zoom].snap;
    return Math.round(dx / pxPerMs(zoom) / step) * step;
}

/** The start and end a drag gives: moved (``move``) or stretched at its end (``resize``). */
export function draggedDates(task, mode, delta, zoom) {
    if (mode === "resize") {
        const minimum = ZOOMS[zoom].snap;
        return [task.start, Math.max(task.start + minimum, task.end + delta)];
    }
    return [task.start + delta, task.end + delta];
}

const PALETTE = 12;

/** The CSS class colouring a bar by health, phase or person. */
export function barColor(task, mode) {
    if (mode === "phase") {
        return `o_board_c${(task.parent_id || task.id) % PALETTE}`;
    }
    if (mode === "person") {
        return task.users.length ? `o_board_c${task.users[0] % PALETTE}` : "o_board_none";
    }
    if (task.done) {
        return "o_board_done";
    }
    return `o_board_${task.health || "none"}`;
}

/** The class of a load cell: free, busy, full, or over (more planned than working hours). */
export function loadLevel(planned, capacity) {
    if (planned > capacity + 0.01) {
        return "over";
    }
    if (!planned) {
        return "free";
    }
    return planned >= capacity - 0.01 ? "full" : "busy";
}
