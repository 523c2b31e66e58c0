{
    "name": "Order Portal",
    "summary": "Customers follow their orders' delivery projects in the portal and report issues",
    "version": "18.0.1.0.0",
    "category": "Services/Project",
    "license": "LGPL-3",
    "author": "order_project",
    "website": "https://github.com/order-project/order_project",
    "depends": ["order_project", "portal"],
    "data": [
        "security/ir.model.access.csv",
        "security/order_portal_rules.xml",
        "data/order_portal_issue_stage_data.xml",
        "views/order_portal_issue_stage_views.xml",
        "views/order_portal_issue_views.xml",
        "views/project_task_views.xml",
        "views/sale_order_views.xml",
        "views/order_portal_menus.xml",
        "views/order_portal_templates.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "order_portal/static/tests/tours/*.js",
        ],
    },
}
