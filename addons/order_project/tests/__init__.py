from . import (
    test_apply_schedule,
    test_order_project,
    test_reoptimize,
    test_route_rule,
    test_wbs_template,
)
