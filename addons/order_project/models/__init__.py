from . import (
    order_planning_run,
    order_route_rule,
    order_task_lag,
    order_wbs_template,
    order_wbs_template_dependency,
    order_wbs_template_line,
    product_category,
    product_template,
    project_project,
    project_task,
    res_config_settings,
    sale_order,
)
