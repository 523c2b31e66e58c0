/** @odoo-module **/

import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("order_portal_report_issue", {
    url: "/my/deliveries",
    steps: () => [
        {
            content: "Open the order in delivery",
            trigger: "a.o_order_portal_delivery_link:contains('S')",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The timeline shows the phases",
            trigger: ".o_order_portal_phases .o_order_portal_phase",
        },
        {
            content: "Open the report form",
            trigger: "a.o_order_portal_report_btn",
            run: "click",
        },
        {
            content: "It is a change request",
            trigger: "#order_portal_report.show select[name='issue_type']",
            run: "select change",
        },
        {
            content: "Give a subject",
            trigger: "input[name='name']",
            run: "edit Add a second control panel",
        },
        {
            content: "Describe it",
            trigger: "textarea[name='description']",
            run: "edit The operators need a panel on the right side too.",
        },
        {
            content: "Send it",
            trigger: "button.o_order_portal_issue_submit",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The issue page shows the new issue in its first stage",
            trigger: ".o_order_portal_issue h2:contains('Add a second control panel')",
        },
        {
            content: "The answers thread is there",
            trigger: "#order_portal_issue_communication .o_portal_chatter",
        },
    ],
});
