"""Odoo 18's web login as a browser does it: the login form's CSRF token, then the form posted
with the password. Shared by the scripts that drive the web client or the portal
(`bench_odoo_pages.py`, `guide_screenshots.py`) and the demo script's test; it needs only
`requests`, so it runs in the project's venv and in Odoo's."""

from __future__ import annotations

import re

import requests

CSRF = re.compile(r'name="csrf_token"\s+value="([^"]+)"')


class LoginFormError(ValueError):
    """The page at /web/login has no Odoo login form."""


def csrf_token(html: str) -> str:
    """The CSRF token of Odoo's login form."""
    match = CSRF.search(html)
    if not match:
        raise LoginFormError("the login page has no csrf_token: is this an Odoo 18 login page?")
    return match.group(1)


def form_login(
    web: requests.Session, url: str, db: str, login: str, password: str, timeout: float = 60.0
) -> requests.Response:
    """Log ``web`` in through the login form; returns the form's answer (a redirect when the
    password was right, the form again when not), not followed. The session cookie is in
    ``web``; callers check the login took, each in its own words."""
    page = web.get(f"{url}/web/login", params={"db": db}, timeout=timeout)
    try:
        token = csrf_token(page.text)
    except LoginFormError:
        raise LoginFormError(
            f"no login form at {url}/web/login (HTTP {page.status_code})"
        ) from None
    form = {"login": login, "password": password, "csrf_token": token, "db": db}
    form["redirect"] = "/odoo"
    return web.post(f"{url}/web/login", data=form, timeout=timeout, allow_redirects=False)
