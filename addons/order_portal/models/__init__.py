from . import order_portal_issue_stage
from . import order_portal_issue
from . import project_task
from . import sale_order
