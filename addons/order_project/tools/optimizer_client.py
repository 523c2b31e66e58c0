"""The optimizer service as Odoo calls it: one HTTP request handing it a queued planning run.

Plain Python over ``requests``; the planning run's dispatch cron calls it outside any user's
transaction and words a refusal for the run's readers.
"""

from __future__ import annotations

from typing import Any

import requests

REPLAN_TIMEOUT = (3.05, 5)  # connect, read: the service answers 202 at once


class OptimizerUnreachable(RuntimeError):
    """The service could not be reached, refused the request or answered something that is
    not JSON; ``str()`` says which, for the run's message and the server log."""


def request_replan(url: str, key: str, request: dict[str, Any]) -> dict[str, Any]:
    """POST ``request`` (``{database, plan_id, project_ids}``) to ``{url}/v1/odoo/replan`` with
    the service's bearer ``key``; the service's answer (``{"job_id": ...}``) once it accepted
    the run."""
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    try:
        response = requests.post(
            f"{url.rstrip('/')}/v1/odoo/replan",
            json=request,
            headers=headers,
            timeout=REPLAN_TIMEOUT,
        )
        response.raise_for_status()
        return response.json() if response.content else {}
    except (requests.RequestException, ValueError) as error:
        raise OptimizerUnreachable(str(error)) from error
