from . import test_route_rule
from . import test_wbs_template
from . import test_order_project
from . import test_apply_schedule
from . import test_reoptimize
from . import test_jsonrpc
from . import test_multi_company
from . import test_views
