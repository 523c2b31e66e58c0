import {
    Component,
    markRaw,
    markup,
    onMounted,
    onWillStart,
    onWillUnmount,
    useRef,
    useState,
} from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { MultiRecordSelector } from "@web/core/record_selectors/multi_record_selector";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { Layout } from "@web/search/layout";
import { standardActionServiceProps } from "@web/webclient/actions/action_service";
import {
    BAR_MIDDLE,
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
} from "./timeline";

const { DateTime } = luxon;

const LABEL_WIDTH = 280;
const LABEL_WIDTH_SMALL = 140; // phones
const AUTO_EXPAND = 12; // orders shown expanded when the board holds no more than this
const POLL_MS = 3000;

/**
 * The planning board: a Gantt of the open delivery projects by order or by person, with a
 * load grid per person, on Odoo Community. Rows come first, tasks of the rows on screen
 * next, both for the range shown (models/planning_board.py).
 */
export class PlanningBoard extends Component {
    static template = "order_project.PlanningBoard";
    static components = { Layout, MultiRecordSelector };
    static props = { ...standardActionServiceProps };

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        this.notification = useService("notification");
        this.scrollRef = useRef("scroll");
        const context = this.props.action.context || {};
        this.state = useState({
            mode: context.board_mode || "gantt",
            groupBy: context.board_group_by || "project",
            zoom: context.board_zoom || "week",
            color: "health",
            anchor: Date.now(),
            filters: {
                order_ids: [],
                partner_ids: [],
                manager_ids: [],
                team_ids: [],
                health: [],
                ...(context.board_filters || {}),
            },
            showFilters: false,
            board: null,
            tasks: {},
            links: [],
            milestones: [],
            leaves: {},
            load: null,
            expanded: new Set(context.board_expanded || []),
            scrollTop: 0,
            scrollLeft: 0,
            viewHeight: 600,
            viewWidth: 1600,
            loading: false,
            run: null,
            drag: null,
        });
        this.loadedRows = new Set();
        this.pendingRows = new Set();
        this.healthOptions = [
            ["late", _t("Late")],
            ["at_risk", _t("At Risk")],
            ["on_track", _t("On Track")],
        ];
        this.zoomOptions = [
            ["day", _t("Day")],
            ["week", _t("Week")],
            ["month", _t("Month")],
            ["quarter", _t("Quarter")],
        ];
        this.colorOptions = [
            ["health", _t("Health")],
            ["phase", _t("Phase")],
            ["person", _t("Person")],
        ];
        this.onScroll = this.onScroll.bind(this);
        this.onPointerMove = this.onPointerMove.bind(this);
        this.onPointerUp = this.onPointerUp.bind(this);
        onWillStart(() => this.reload());
        onMounted(() => {
            this.measure();
            this.scrollToNow();
            window.addEventListener("resize", this.onScroll);
        });
        onWillUnmount(() => {
            window.removeEventListener("resize", this.onScroll);
            clearTimeout(this.pollTimer);
            clearTimeout(this.fetchTimer);
        });
    }

    // ------------------------------------------------------------------ data
    get range() {
        const { zoom, anchor } = this.state;
        return this.memo("range", [zoom, anchor], () => rangeFor(zoom, anchor));
    }

    get params() {
        const [start, end] = this.range;
        return {
            start,
            end,
            group_by: this.state.groupBy,
            filters: this.state.filters,
            step: ["month", "quarter"].includes(this.state.zoom) ? "week" : "day",
            // days and weeks of the load are those of the clock the board is read on
            tz: DateTime.local().zoneName,
        };
    }

    async reload() {
        this.state.loading = true;
        try {
            if (this.state.mode === "load") {
                this.state.load = markRaw(await this.orm.call("order.planning.board", "get_load", [
                    this.params,
                ]));
                return;
            }
            const board = await this.orm.call("order.planning.board", "get_board", [this.params]);
            this.loadedRows = new Set();
            this.pendingRows = new Set();
            const tasks = {};
            this.state.links = markRaw([]);
            this.state.milestones = markRaw([]);
            this.state.leaves = markRaw({});
            if (board.group_by === "project") {
                const keep = new Set(board.rows.map((row) => row.id));
                const expanded = [...this.state.expanded].filter((id) => keep.has(id));
                this.state.expanded = new Set(
                    board.rows.length <= AUTO_EXPAND ? board.rows.map((row) => row.id) : expanded
                );
            }
            this.state.board = markRaw(board);
            this.state.tasks = markRaw(tasks);
            await this.fetchTasks(this.wantedRows());
        } finally {
            this.state.loading = false;
        }
    }

    /**
     * The rows whose tasks the screen needs: the people in view, or the expanded orders in
     * view (an order's lines appear as its tasks arrive, so "expand all" on a thousand
     * orders reads only those on screen, the others as they scroll into view).
     */
    wantedRows() {
        const board = this.state.board;
        if (!board) {
            return [];
        }
        const lines = this.lines;
        const [first, last] = visibleSlice(lines.length, this.state.scrollTop, this.state.viewHeight);
        const ids = new Set();
        for (const line of lines.slice(first, last)) {
            const id = line.row.id;
            if (board.group_by === "person" || this.state.expanded.has(id)) {
                ids.add(id);
            }
        }
        return [...ids].filter((id) => !this.loadedRows.has(id));
    }

    async fetchTasks(rowIds) {
        const wanted = rowIds.filter((id) => !this.pendingRows.has(id));
        if (!wanted.length) {
            return;
        }
        wanted.forEach((id) => this.pendingRows.add(id));
        const board = this.state.board;
        const result = await this.orm.call("order.planning.board", "get_board_tasks", [
            this.params,
            wanted,
        ]);
        if (board !== this.state.board) {
            return; // a reload replaced the board meanwhile
        }
        wanted.forEach((id) => this.loadedRows.add(id));
        if (result.truncated) {
            this.notification.add(
                _t(
                    "%(shown)s of the %(count)s tasks of these rows are drawn, the earliest: filter the board to see the others.",
                    { shown: result.tasks.length, count: result.truncated }
                ),
                { type: "warning" }
            );
        }
        const tasks = { ...this.state.tasks };
        for (const task of result.tasks) {
            tasks[task.id] = task;
        }
        this.state.tasks = markRaw(tasks);
        const seen = new Set(this.state.links.map((link) => `${link[0]}-${link[1]}`));
        this.state.links = markRaw([
            ...this.state.links,
            ...result.links.filter((link) => !seen.has(`${link[0]}-${link[1]}`)),
        ]);
        this.state.milestones = markRaw([...this.state.milestones, ...result.milestones]);
        this.state.leaves = markRaw({ ...this.state.leaves, ...result.leaves });
        // orders without work in the range leave room on screen for the next ones
        const more = this.wantedRows();
        if (more.length) {
            await this.fetchTasks(more);
        }
    }

    // ------------------------------------------------------------------ layout
    get lines() {
        const { board, tasks, expanded } = this.state;
        if (!board) {
            return [];
        }
        // scrolling renders often: the lines change only with the data
        return this.memo("lines", [board, tasks, expanded], () =>
            buildLines(board.rows, tasks, { groupBy: board.group_by, expanded })
        );
    }

    get width() {
        return widthOf(this.range, this.state.zoom);
    }

    /** What changes only with the range, the zoom or the data: computed once for them. */
    memo(key, deps, compute) {
        this.memos ||= {};
        const entry = this.memos[key];
        if (entry && entry.deps.length === deps.length && entry.deps.every((d, i) => d === deps[i])) {
            return entry.value;
        }
        const value = compute();
        this.memos[key] = { deps, value };
        return value;
    }

    get header() {
        const [start, end] = this.range;
        return this.memo("header", [start, end, this.state.zoom], () =>
            ticks([start, end], this.state.zoom)
        );
    }

    x(ms) {
        return xOf(ms, this.range, this.state.zoom);
    }

    get visibleLines() {
        const lines = this.lines;
        const [first, last] = visibleSlice(lines.length, this.state.scrollTop, this.state.viewHeight);
        return this.memo("visible", [lines, first, last], () =>
            lines.slice(first, last).map((line, i) => ({ ...line, index: first + i }))
        );
    }

    get nonworking() {
        const board = this.state.board;
        if (!board) {
            return [];
        }
        return this.memo("nonworking", [board, this.state.zoom], () => {
            // at month and quarter zoom only whole days off are worth a shade
            const minimum = ["month", "quarter"].includes(this.state.zoom) ? 20 * 3600 * 1000 : 0;
            return board.nonworking
                .filter(([a, b]) => b - a >= minimum)
                .map(([a, b]) => ({ x: this.x(a), width: this.x(b) - this.x(a) }));
        });
    }

    /**
     * Where the shading layer sits: over the screen only (a shade as tall as a thousand
     * orders made every scrolled frame paint it), never below the last line (it would
     * stretch what can be scrolled).
     */
    background(lineCount) {
        const body = lineCount * ROW_HEIGHT;
        const height = Math.min(this.state.viewHeight, body);
        return { top: Math.max(0, Math.min(this.state.scrollTop, body - height)), height };
    }

    get todayX() {
        return this.state.board ? this.x(this.state.board.now) : 0;
    }

    bar(task, line) {
        const drag = this.state.drag;
        let [start, end] = [task.start, task.end];
        if (drag && drag.task.id === task.id) {
            [start, end] = draggedDates(task, drag.mode, drag.delta, this.state.zoom);
        }
        const x1 = this.x(start);
        const x2 = Math.max(x1 + 3, this.x(end));
        const classes = [
            "o_board_bar",
            barColor(task, this.state.color),
            task.phase ? "o_board_phase" : "",
            task.critical ? "o_board_critical" : "",
            task.pinned ? "o_board_pinned" : "",
            drag && drag.task.id === task.id ? "o_board_dragging" : "",
        ];
        const baseline =
            task.baseline && task.baseline[0] && task.baseline[1]
                ? { x: this.x(task.baseline[0]), width: Math.max(2, this.x(task.baseline[1]) - this.x(task.baseline[0])) }
                : null;
        return {
            x1,
            x2,
            width: x2 - x1,
            className: classes.filter(Boolean).join(" "),
            baseline,
            title: this.tooltip(task),
            draggable: this.state.board.can_plan && !task.phase && !task.done,
            line,
        };
    }

    /** ``build(record)`` once per record read: tasks and rows are replaced, never changed. */
    cached(record, build) {
        this.tooltips ||= new WeakMap();
        if (!this.tooltips.has(record)) {
            this.tooltips.set(record, build.call(this, record));
        }
        return this.tooltips.get(record);
    }

    tooltip(task) {
        return this.cached(task, this.buildTooltip);
    }

    buildTooltip(task) {
        const fmt = (ms) => (ms ? DateTime.fromMillis(ms).toFormat("ccc d LLL HH:mm") : "-");
        const parts = [
            `${task.wbs ? task.wbs + " " : ""}${task.name}`,
            `${fmt(task.start)} → ${fmt(task.end)}`,
        ];
        if (task.baseline) {
            parts.push(_t("Baseline: %(start)s → %(end)s", { start: fmt(task.baseline[0]), end: fmt(task.baseline[1]) }));
        }
        if (task.user_names.length) {
            parts.push(task.user_names.join(", "));
        }
        if (task.critical) {
            parts.push(_t("On the critical chain"));
        }
        if (task.pinned) {
            parts.push(_t("Pinned: the optimizer keeps its dates"));
        }
        return parts.join("\n");
    }

    rowBar(row) {
        if (!row.start) {
            return null;
        }
        const x1 = this.x(row.start);
        const forecast = row.forecast || row.end;
        const late =
            row.commitment && forecast > row.commitment
                ? Math.ceil((forecast - row.commitment) / (24 * 3600 * 1000))
                : 0;
        return {
            x1,
            width: Math.max(3, this.x(row.end) - x1),
            lateLabel: late ? _t("+%(days)s d", { days: late }) : "",
            lateX: this.x(row.end) + 4,
            className: `o_board_summary o_board_${row.health || "none"}`,
            commitment: row.commitment ? this.x(row.commitment) : null,
            forecast: this.x(forecast),
            baseline: row.baseline
                ? { x: this.x(row.baseline[0]), width: Math.max(2, this.x(row.baseline[1]) - this.x(row.baseline[0])) }
                : null,
            title: this.rowTooltip(row),
        };
    }

    rowTooltip(row) {
        return this.cached(row, this.buildRowTooltip);
    }

    buildRowTooltip(row) {
        const fmt = (ms) => (ms ? DateTime.fromMillis(ms).toFormat("d LLL yyyy") : "-");
        return [
            `${row.name}`,
            row.subtitle,
            _t("Committed: %(date)s", { date: fmt(row.commitment) }),
            _t("Forecast: %(date)s", { date: fmt(row.forecast) }),
        ]
            .filter(Boolean)
            .join("\n");
    }

    /** The arrows among the tasks drawn on screen. */
    get arrows() {
        if (this.state.board?.group_by !== "project") {
            return [];
        }
        const place = {};
        for (const line of this.visibleLines) {
            if (line.kind === "task") {
                const b = this.bar(line.task, line);
                place[line.task.id] = {
                    x1: b.x1,
                    x2: b.x2,
                    y: line.index * ROW_HEIGHT + BAR_MIDDLE,
                };
            }
        }
        const arrows = [];
        for (const link of this.state.links) {
            const [pred, succ, type, lag] = link;
            if (place[pred] && place[succ]) {
                const pt = this.state.tasks[pred];
                const st = this.state.tasks[succ];
                arrows.push({
                    key: `${pred}-${succ}`,
                    d: linkPath(place[pred], place[succ], type),
                    broken: isLinkBroken(link, this.state.tasks),
                    critical: pt.critical && st.critical,
                    title: `${pt.name} → ${st.name} (${type}${lag ? ` +${lag} h` : ""})`,
                });
            }
        }
        return arrows;
    }

    /**
     * The tasks of a line drawn: a person's line may hold thousands of bars, only those in
     * the columns on screen (with a screen's margin) are drawn.
     */
    barsOf(line) {
        if (line.kind === "task" || line.tasks.length < 50) {
            return line.tasks;
        }
        const margin = this.state.viewWidth;
        const left = this.state.scrollLeft - this.LABEL_WIDTH - margin;
        const right = this.state.scrollLeft + this.state.viewWidth + margin;
        return line.tasks.filter(
            (task) => task.start && this.x(task.end) >= left && this.x(task.start) <= right
        );
    }

    milestonesOf(line) {
        if (line.kind !== "row" || this.state.board.group_by !== "project") {
            return [];
        }
        return this.state.milestones
            .filter((m) => m.project_id === line.row.id)
            .map((m) => ({ ...m, x: this.x(m.date) }));
    }

    leavesOf(line) {
        if (this.state.board.group_by !== "person") {
            return [];
        }
        return (this.state.leaves[line.row.id] || []).map(([a, b]) => ({
            x: this.x(a),
            width: Math.max(2, this.x(b) - this.x(a)),
        }));
    }

    // ------------------------------------------------------------------ events
    measure() {
        const el = this.scrollRef.el;
        if (el) {
            this.state.viewHeight = el.clientHeight;
            this.state.viewWidth = el.clientWidth;
        }
    }

    /** Today near the left edge, a day of the past before it. */
    scrollToNow() {
        const el = this.scrollRef.el;
        if (el && this.state.board) {
            el.scrollLeft = Math.max(0, this.todayX - ZOOMS[this.state.zoom].pxPerDay);
        }
    }

    get filterCount() {
        return Object.values(this.state.filters).filter((value) => value.length).length;
    }

    onScroll() {
        const el = this.scrollRef.el;
        if (!el) {
            return;
        }
        this.state.scrollTop = el.scrollTop;
        this.state.viewHeight = el.clientHeight;
        this.state.scrollLeft = el.scrollLeft;
        this.state.viewWidth = el.clientWidth;
        if (this.state.board && this.state.mode === "gantt") {
            clearTimeout(this.fetchTimer);
            this.fetchTimer = setTimeout(() => this.fetchTasks(this.wantedRows()), 120);
        }
    }

    async toggleRow(row) {
        if (this.state.board.group_by !== "project") {
            return;
        }
        const expanded = new Set(this.state.expanded);
        if (expanded.has(row.id)) {
            expanded.delete(row.id);
        } else {
            expanded.add(row.id);
        }
        this.state.expanded = expanded;
        await this.fetchTasks(this.wantedRows());
    }

    async expandAll(expand) {
        this.state.expanded = new Set(expand ? this.state.board.rows.map((row) => row.id) : []);
        await this.fetchTasks(this.wantedRows());
    }

    async setOption(key, value) {
        this.state[key] = value;
        if (key === "groupBy" || key === "mode") {
            this.state.scrollTop = 0;
            if (this.scrollRef.el) {
                this.scrollRef.el.scrollTop = 0;
            }
        }
        if (key !== "color") {
            await this.reload();
        }
        if (key === "zoom") {
            this.scrollToNow();
        }
    }

    async shift(direction) {
        const days = { day: 7, week: 28, month: 91, quarter: 365 }[this.state.zoom];
        this.state.anchor = direction
            ? this.state.anchor + direction * days * 24 * 3600 * 1000
            : Date.now();
        await this.reload();
        if (!direction) {
            this.scrollToNow();
        }
    }

    async setFilter(key, value) {
        this.state.filters = { ...this.state.filters, [key]: value };
        await this.reload();
    }

    async toggleHealth(health) {
        const current = new Set(this.state.filters.health);
        current.has(health) ? current.delete(health) : current.add(health);
        await this.setFilter("health", [...current]);
    }

    openTask(task) {
        this.action.doAction({
            type: "ir.actions.act_window",
            res_model: "project.task",
            res_id: task.id,
            views: [[false, "form"]],
        });
    }

    /** An order's line opens its delivery project. */
    openProject(row) {
        this.action.doAction({
            type: "ir.actions.act_window",
            res_model: "project.project",
            res_id: row.id,
            views: [[false, "form"]],
        });
    }

    onBarPointerDown(ev, task, mode) {
        if (ev.button !== 0) {
            return;
        }
        ev.stopPropagation();
        if (!this.state.board.can_plan || task.phase || task.done) {
            this.dragCandidate = { task, mode: "click", x: ev.clientX };
        } else {
            this.dragCandidate = { task, mode, x: ev.clientX };
        }
        window.addEventListener("pointermove", this.onPointerMove);
        window.addEventListener("pointerup", this.onPointerUp, { once: true });
    }

    onPointerMove(ev) {
        const candidate = this.dragCandidate;
        if (!candidate || candidate.mode === "click") {
            return;
        }
        const dx = ev.clientX - candidate.x;
        if (!this.state.drag && Math.abs(dx) < 4) {
            return;
        }
        this.state.drag = {
            task: candidate.task,
            mode: candidate.mode,
            delta: snapDelta(dx, this.state.zoom),
        };
    }

    async onPointerUp() {
        window.removeEventListener("pointermove", this.onPointerMove);
        const drag = this.state.drag;
        const candidate = this.dragCandidate;
        this.dragCandidate = null;
        this.state.drag = null;
        if (!drag) {
            if (candidate) {
                this.openTask(candidate.task);
            }
            return;
        }
        if (!drag.delta) {
            return;
        }
        const [start, end] = draggedDates(drag.task, drag.mode, drag.delta, this.state.zoom);
        await this.moveTask(drag.task, start, end, true);
    }

    async moveTask(task, start, end, pinned, isUndo = false) {
        let result;
        try {
            result = await this.orm.call("project.task", "board_move", [
                [task.id],
                start,
                end,
                task.write_date,
                pinned,
            ]);
        } catch (error) {
            await this.refreshProject(task.project_id);
            throw error;
        }
        await this.afterWrite(task, result);
        if (result.status !== "moved" || isUndo) {
            return result;
        }
        const moved = result.task;
        const before = result.before;
        const warnings = result.warnings;
        const message = warnings.length
            ? warnings.join("\n")
            : _t("%(task)s moved and pinned: the optimizer will keep it there.", {
                  task: moved.name,
              });
        const close = this.notification.add(message, {
            title: warnings.length ? _t("Moved, with warnings") : _t("Moved"),
            type: warnings.length ? "warning" : "success",
            sticky: Boolean(warnings.length),
            buttons: [
                {
                    name: _t("Undo"),
                    primary: true,
                    onClick: async () => {
                        close();
                        const current = this.state.tasks[moved.id] || moved;
                        await this.moveTask(current, before.start, before.end, before.pinned, true);
                    },
                },
            ],
        });
        return result;
    }

    async togglePin(task) {
        const result = await this.orm.call("project.task", "board_set_pinned", [
            [task.id],
            !task.pinned,
            task.write_date,
        ]);
        await this.afterWrite(task, result);
    }

    async afterWrite(task, result) {
        if (result.status === "stale") {
            this.notification.add(result.message, { type: "warning", sticky: true });
        }
        this.state.tasks = markRaw({ ...this.state.tasks, [result.task.id]: result.task });
        // phases span their tasks: the server moved them too
        await this.refreshProject(task.project_id);
    }

    async refreshProject(projectId) {
        if (this.state.board.group_by !== "project") {
            return;
        }
        this.loadedRows.delete(projectId);
        this.pendingRows.delete(projectId);
        this.state.links = markRaw(this.state.links.filter(
            (link) => this.state.tasks[link[1]]?.project_id !== projectId
        ));
        this.state.milestones = markRaw(this.state.milestones.filter((m) => m.project_id !== projectId));
        await this.fetchTasks([projectId]);
    }

    async reoptimize() {
        const runId = await this.orm.call("order.planning.board", "reoptimize", [
            this.state.board.project_ids,
        ]);
        this.state.run = { id: runId, state: "queued" };
        this.notification.add(_t("Re-optimization queued: the board refreshes when the plan is applied."), {
            type: "info",
        });
        this.poll();
    }

    async poll() {
        const run = this.state.run;
        if (!run) {
            return;
        }
        const [record] = await this.orm.read("order.planning.run", [run.id], ["state", "message", "failure_text"]);
        this.state.run = { ...run, state: record.state };
        if (record.state === "done") {
            this.state.run = null;
            this.notification.add(_t("The new plan is applied."), { type: "success" });
            await this.reload();
        } else if (record.state === "failed") {
            this.state.run = null;
            this.notification.add(record.failure_text || record.message || _t("The re-optimization failed."), {
                title: _t("Re-optimization failed"),
                type: "danger",
                sticky: true,
            });
        } else {
            this.pollTimer = setTimeout(() => this.poll(), POLL_MS);
        }
    }

    // ------------------------------------------------------------------ load
    get loadColumns() {
        const load = this.state.load;
        if (!load) {
            return [];
        }
        const weekly = this.params.step === "week";
        return this.memo("loadColumns", [load], () => load.columns.map((ms) => ({
            ms,
            label: DateTime.fromMillis(ms).toFormat(weekly ? "'W'W d LLL" : "ccc d"),
            off: !weekly && [6, 7].includes(DateTime.fromMillis(ms).weekday),
        })));
    }

    get visibleLoadRows() {
        const rows = this.state.load.rows;
        const [first, last] = visibleSlice(rows.length, this.state.scrollTop, this.state.viewHeight);
        const [from, to] = this.loadWindow;
        return rows.slice(first, last).map((row, i) => {
            const { cells, overloaded } = this.loadRow(row);
            return {
                row,
                index: first + i,
                overloaded,
                cells: this.loadSlice(cells, from, to),
            };
        });
    }

    /** The columns on screen, with a margin: only their cells are drawn. */
    get loadWindow() {
        const width = this.loadCellWidth;
        const count = this.state.load.columns.length;
        const from = Math.max(0, Math.floor(this.state.scrollLeft / width) - 4);
        const to = Math.min(count, Math.ceil((this.state.scrollLeft + this.state.viewWidth) / width) + 4);
        return [from, to];
    }

    /** The markup of cells ``[from, to)``, the same object while the window stays. */
    loadSlice(cells, from, to) {
        const slices = this.cached(cells, () => new Map());
        const key = `${from}-${to}`;
        if (!slices.has(key)) {
            slices.clear(); // one window at a time
            slices.set(key, markup(cells.slice(from, to).join("")));
        }
        return slices.get(key);
    }

    /**
     * A person's cells as markup pieces, built once per load read: scrolling then patches a
     * line per person, not a node per day (numbers and classes only, no text of a user's).
     */
    loadRow(row) {
        return this.cached(row, () => {
            const width = this.loadCellWidth;
            const cells = [];
            let overloaded = 0;
            row.cells.forEach(([planned, capacity], i) => {
                const level = loadLevel(planned, capacity);
                overloaded += level === "over" ? 1 : 0;
                const text = planned || capacity ? `${formatHours(planned)}/${formatHours(capacity)}` : "";
                cells.push(
                    `<div class="o_board_load_cell o_board_load_${level}" data-index="${i}" style="left: ${i * width}px; width: ${width}px;">${text}</div>`
                );
            });
            return { cells, overloaded };
        });
    }

    get loadCellWidth() {
        return this.params.step === "week" ? 84 : 64;
    }

    onLoadClick(ev, row) {
        const cell = ev.target.closest("[data-index]");
        if (cell) {
            this.openLoadCell(row, Number(cell.dataset.index));
        }
    }

    openLoadCell(row, index) {
        const load = this.state.load;
        const start = load.columns[index];
        const end = load.columns[index + 1] || load.range[1];
        const iso = (ms) => DateTime.fromMillis(ms, { zone: "utc" }).toFormat("yyyy-MM-dd HH:mm:ss");
        this.action.doAction({
            type: "ir.actions.act_window",
            name: _t("%(person)s's tasks", { person: row.name }),
            res_model: "project.task",
            views: [
                [false, "list"],
                [false, "form"],
            ],
            domain: [
                ["project_id", "in", load.project_ids],
                ["is_wbs_phase", "=", false],
                ["planned_start", "<", iso(end)],
                ["planned_end", ">", iso(start)],
                "|",
                ["planning_user_ids", "in", [row.id]],
                "&",
                ["planning_user_ids", "=", false],
                ["user_ids", "in", [row.id]],
            ],
        });
    }

    get rangeLabel() {
        const [start, end] = this.range;
        return `${DateTime.fromMillis(start).toFormat("d LLL yyyy")} – ${DateTime.fromMillis(end - 1).toFormat("d LLL yyyy")}`;
    }

    get ROW_HEIGHT() {
        return ROW_HEIGHT;
    }

    get LABEL_WIDTH() {
        return this.env.isSmall ? LABEL_WIDTH_SMALL : LABEL_WIDTH;
    }
}

function formatHours(hours) {
    return Number.isInteger(hours) ? String(hours) : hours.toFixed(1);
}

registry.category("actions").add("order_project.planning_board", PlanningBoard);
