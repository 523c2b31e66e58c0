import { registry } from "@web/core/registry";

// The planner's morning on the board (tests/test_planning_board_ui.py sets the scene: one
// order whose task "Board successor" waits for "Board predecessor", a person booked on two
// tasks "Board overlap" at once,
// and a stand-in optimizer service).
const successor = '.o_board_line_task:has(.o_board_task_name:contains("Board successor"))';
const predecessor = '.o_board_line_task:has(.o_board_task_name:contains("Board predecessor"))';

registry.category("web_tour.tours").add("order_project_planning_board", {
    url: "/odoo/action-order_project.action_planning_board",
    steps: () => [
        {
            content: "The board opens on the order, expanded, with its tasks and arrows",
            trigger: `.o_planning_board ${successor} .o_board_bar`,
        },
        {
            trigger: ".o_planning_board path.o_board_link",
        },
        {
            content: "Drag the successor onto its predecessor's dates",
            trigger: `${successor} .o_board_bar`,
            async run(helpers) {
                await helpers.drag_and_drop(`${predecessor} .o_board_bar`, {
                    position: { left: 2, top: 4 },
                    relative: true,
                });
            },
        },
        {
            content: "The move is written, with the broken dependency said",
            trigger: '.o_notification:contains("dependency broken")',
        },
        {
            trigger: '.o_notification:contains("Board predecessor")',
        },
        {
            content: "The moved task is pinned",
            trigger: `${successor} .o_board_unpin`,
            run: "click",
        },
        {
            content: "Unpinned in one click",
            trigger: `.o_planning_board ${successor}:not(:has(.o_board_unpin))`,
        },
        {
            content: "Re-optimize what the board shows",
            trigger: ".o_board_reoptimize:not([disabled])",
            run: "click",
        },
        {
            content: "The board refreshes when the stand-in service applied its plan",
            trigger: '.o_notification:contains("The new plan is applied")',
        },
        {
            trigger: ".o_board_reoptimize:not([disabled])",
        },
        {
            content: "Open the load view",
            trigger: ".o_board_mode_load",
            run: "click",
        },
        {
            content: "The person booked twice is overloaded",
            trigger: '.o_board_load_line:has(.o_board_row_name:contains("Board Welder")) .o_board_load_over',
            run: "click",
        },
        {
            content: "The cell opens the tasks behind it",
            trigger: '.o_list_view .o_data_row:contains("Board overlap")',
        },
    ],
});
