from . import test_i18n
from . import test_portal_access
from . import test_portal_issue
from . import test_portal_tour
from . import test_issue_access
