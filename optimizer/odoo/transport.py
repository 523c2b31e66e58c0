"""Transports to Odoo's external API: one small class per protocol behind `Transport`.

Everything above this module (reader, replan) calls ``transport.call(model, method, args,
kwargs)`` with **named** arguments only (``args`` empty, or the record ids for a method on
records), so a JSON-RPC transport (Odoo 17/18, deprecated in 19, removed in 22) and a
JSON-2 transport (Odoo 19+) are interchangeable.

Errors: every failure is an `OdooError` that names the model and the method it was
calling; `OdooAccessError` (401/403, ``AccessError``/``AccessDenied``), `OdooNotFoundError`
(404, missing records/models/methods), `OdooValidationError` (422, ``ValidationError``/
``UserError``), `OdooServerError` (anything else the server answered) and
`OdooConnectionError` (no answer after the retries). The API key never appears in a log
line, an exception message or a ``repr``.

Retries resend the same request after a connection error, a timeout or a 5xx. That is safe
for what the connector calls: ``search_read`` reads, and ``apply_schedule`` is idempotent
per plan id (a resent plan that Odoo already applied answers ``already_applied``). Do not
route non-idempotent calls (``create``) through a transport with retries when a read
timeout may hide a call that succeeded.
"""

from __future__ import annotations

import itertools
import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Any

import requests

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = (5.0, 120.0)  # connect, read: a 25,000-task apply_schedule takes a while
RETRY_STATUSES = frozenset({500, 502, 503, 504})
USER_AGENT = "order-optimizer/0.1"

# Exception class names Odoo serialises (``odoo.http.serialize_exception``: module.Class).
_ACCESS_NAMES = ("AccessError", "AccessDenied")
_NOT_FOUND_NAMES = ("MissingError",)
_VALIDATION_NAMES = ("ValidationError", "UserError", "RedirectWarning")


class _Secret:
    """Holds the API key; prints as ``***`` in every repr, str and ``vars()`` dump."""

    __slots__ = ("value",)

    def __init__(self, value: str) -> None:
        self.value = value

    def __repr__(self) -> str:
        return "***"

    __str__ = __repr__


class OdooError(Exception):
    """A call to Odoo failed; `model` and `method` say which, `odoo_name` is Odoo's exception
    class (e.g. ``odoo.exceptions.AccessError``) when the server named one."""

    def __init__(
        self,
        message: str,
        *,
        model: str,
        method: str,
        status: int | None = None,
        odoo_name: str | None = None,
    ) -> None:
        self.model = model
        self.method = method
        self.status = status
        self.odoo_name = odoo_name
        self.message = message
        super().__init__(f"Odoo {model}.{method}: {message}")


class OdooAccessError(OdooError):
    """401/403, or Odoo's AccessError/AccessDenied: wrong key, or the bot lacks a right."""


class OdooNotFoundError(OdooError):
    """404, MissingError, an unknown model ("Object ... doesn't exist") or method."""


class OdooValidationError(OdooError):
    """422, or Odoo's ValidationError/UserError: the call was refused as given."""


class OdooServerError(OdooError):
    """Any other error Odoo reported (5xx after the retries, programming errors...)."""


class OdooConnectionError(OdooError):
    """No usable answer (refused, reset, timed out) after every retry."""


class Transport(ABC):
    """Calls one method of one Odoo model; the only thing the connector needs from Odoo."""

    @abstractmethod
    def call(
        self,
        model: str,
        method: str,
        args: Sequence[Any] = (),
        kwargs: dict[str, Any] | None = None,
    ) -> Any:
        """Run ``model.method(*args, **kwargs)`` in Odoo and return its JSON result.

        Raises an `OdooError` subclass naming `model` and `method`.
        """

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release the HTTP connections."""

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def classify(
    model: str,
    method: str,
    message: str,
    *,
    status: int | None = None,
    odoo_name: str | None = None,
) -> OdooError:
    """The `OdooError` subclass for an HTTP status and/or an Odoo exception class name."""
    short = (odoo_name or "").rsplit(".", 1)[-1]
    kwargs: dict[str, Any] = {"model": model, "method": method, "status": status}
    kwargs["odoo_name"] = odoo_name
    if status in (401, 403) or short in _ACCESS_NAMES:
        return OdooAccessError(message, **kwargs)
    # execute_kw raises UserError("Object x doesn't exist") for an unknown model, and
    # get_public_method an AttributeError("The method 'x.y' does not exist").
    if (
        status == 404
        or short in _NOT_FOUND_NAMES
        or "doesn't exist" in message
        or (short == "AttributeError" and "does not exist" in message)
    ):
        return OdooNotFoundError(message, **kwargs)
    if status == 422 or short in _VALIDATION_NAMES:
        return OdooValidationError(message, **kwargs)
    return OdooServerError(message, **kwargs)


class _HttpTransport(Transport):
    """Shared machinery: one `requests.Session`, timeouts, retries with exponential backoff
    on connection errors and HTTP 5xx (never on 4xx nor on errors Odoo reported), and
    scrubbing of the API key from every text that leaves the class."""

    def __init__(
        self,
        url: str,
        db: str,
        api_key: str,
        *,
        timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
        retries: int = 3,
        backoff: float = 0.5,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not url or not db:
            raise ValueError("an Odoo URL and database name are required")
        if not api_key:
            raise ValueError("an Odoo API key is required")
        self.url = url.rstrip("/")
        self.db = db
        self.__key = _Secret(api_key)
        self.timeout = timeout
        self.retries = max(0, int(retries))
        self.backoff = backoff
        if session is None:
            session = requests.Session()
            session.headers["User-Agent"] = USER_AGENT
        self.session = session
        self._sleep = sleep

    @property
    def _key(self) -> str:
        return self.__key.value

    def __repr__(self) -> str:
        return f"{type(self).__name__}(url={self.url!r}, db={self.db!r}, api_key=***)"

    def close(self) -> None:
        self.session.close()

    def _scrub(self, text: str) -> str:
        return text.replace(self.__key.value, "***")

    def _post(
        self, path: str, body: Any, model: str, method: str, headers: dict[str, str] | None = None
    ) -> requests.Response:
        """POST with retries; returns the last response (any status) or raises
        `OdooConnectionError`. 5xx answers are retried, then returned for the caller to map."""
        url = f"{self.url}{path}"
        for attempt in itertools.count():
            try:
                response = self.session.post(url, json=body, headers=headers, timeout=self.timeout)
            except (requests.ConnectionError, requests.Timeout) as exc:
                if attempt >= self.retries:
                    raise OdooConnectionError(
                        self._scrub(f"no answer from {url} after {attempt + 1} attempt(s): {exc}"),
                        model=model,
                        method=method,
                    ) from None
                reason = type(exc).__name__
            else:
                if response.status_code not in RETRY_STATUSES or attempt >= self.retries:
                    return response
                reason = f"HTTP {response.status_code}"
            delay = self.backoff * (2**attempt)
            logger.warning(
                "Odoo %s.%s: %s, retry %d/%d in %.1fs",
                model,
                method,
                reason,
                attempt + 1,
                self.retries,
                delay,
            )
            self._sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def _http_error(self, response: requests.Response, model: str, method: str) -> OdooError:
        """The error for a non-2xx answer, with Odoo's message when the body carries one."""
        name, message = None, ""
        try:
            data = response.json()
        except ValueError:
            data = None
        if isinstance(data, dict):
            error = data.get("error", data)
            if isinstance(error, dict):
                details = error.get("data")
                payload: dict[str, Any] = details if isinstance(details, dict) else error
                name = payload.get("name")
                message = str(payload.get("message") or error.get("message") or "")
        elif isinstance(data, str):
            message = data
        if not message:
            message = (response.text or "").strip()[:300] or response.reason or ""
        text = self._scrub(f"HTTP {response.status_code}: {message}".strip())
        return classify(model, method, text, status=response.status_code, odoo_name=name)


class JsonRpcTransport(_HttpTransport):
    """Odoo 18 (and 14-19) JSON-RPC: ``POST {url}/jsonrpc`` ``object.execute_kw``.

    The uid is fetched once with ``common.authenticate`` (an API key works in place of the
    password for non-interactive logins, see ``res.users._check_credentials``) and the key is
    sent again with every ``execute_kw``. Odoo answers errors with HTTP 200 and a JSON-RPC
    ``error`` whose ``data.name`` is the exception class; they are mapped by `classify`.
    """

    def __init__(
        self,
        url: str,
        db: str,
        login: str,
        api_key: str,
        timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
        retries: int = 3,
        **options: Any,
    ) -> None:
        super().__init__(url, db, api_key, timeout=timeout, retries=retries, **options)
        if not login:
            raise ValueError("an Odoo login is required")
        self.login = login
        self.uid: int | None = None
        self._ids = itertools.count(1)

    def __repr__(self) -> str:
        return (
            f"JsonRpcTransport(url={self.url!r}, db={self.db!r}, login={self.login!r}, api_key=***)"
        )

    def _rpc(self, service: str, rpc_method: str, args: list[Any], model: str, method: str) -> Any:
        body = {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {"service": service, "method": rpc_method, "args": args},
            "id": next(self._ids),
        }
        response = self._post("/jsonrpc", body, model, method)
        if response.status_code >= 400:
            raise self._http_error(response, model, method)
        try:
            data = response.json()
        except ValueError:
            raise OdooServerError(
                self._scrub(f"answer is not JSON: {response.text[:200]!r}"),
                model=model,
                method=method,
                status=response.status_code,
            ) from None
        error = data.get("error") if isinstance(data, dict) else None
        if error:
            details = error.get("data") or {}
            message = str(details.get("message") or error.get("message") or error)
            status = 404 if error.get("code") == 404 else None
            raise classify(
                model, method, self._scrub(message), status=status, odoo_name=details.get("name")
            )
        return data.get("result") if isinstance(data, dict) else None

    def authenticate(self) -> int:
        """The uid of `login`, fetched once; `OdooAccessError` when the key is refused."""
        if self.uid is None:
            uid = self._rpc(
                "common",
                "authenticate",
                [self.db, self.login, self._key, {}],
                "res.users",
                "authenticate",
            )
            if not uid:
                raise OdooAccessError(
                    f"login {self.login!r} refused by database {self.db!r} (wrong login or API key)",
                    model="res.users",
                    method="authenticate",
                )
            self.uid = int(uid)
        return self.uid

    def call(
        self,
        model: str,
        method: str,
        args: Sequence[Any] = (),
        kwargs: dict[str, Any] | None = None,
    ) -> Any:
        uid = self.authenticate()
        return self._rpc(
            "object",
            "execute_kw",
            [self.db, uid, self._key, model, method, list(args), dict(kwargs or {})],
            model,
            method,
        )


class Json2Transport(_HttpTransport):
    """Odoo 19+ JSON-2: ``POST {url}/json/2/<model>/<method>`` with ``Authorization: bearer
    <key>``, ``X-Odoo-Database`` and the method's parameters as named JSON members.

    UNTESTED against a real Odoo 19 (only an Odoo 18 is installed here); written from the
    19.0 external API documentation: the body is ``{"ids": [...], "context": {...},
    <param>: <value>...}``, the answer is the bare JSON result, and errors use HTTP statuses
    (401, 403, 404, 422, 500) with a body naming the Odoo exception. ``args`` may only hold
    the record ids (a list of ints) of a method on records; every other parameter must be
    passed by name in ``kwargs``.
    """

    def call(
        self,
        model: str,
        method: str,
        args: Sequence[Any] = (),
        kwargs: dict[str, Any] | None = None,
    ) -> Any:
        body: dict[str, Any] = dict(kwargs or {})
        if args:
            ids = args[0] if len(args) == 1 else None
            if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids):
                raise TypeError(
                    f"JSON-2 {model}.{method}: pass parameters by name; only record ids may be "
                    "positional"
                )
            body["ids"] = ids
        headers = {"Authorization": f"bearer {self._key}", "X-Odoo-Database": self.db}
        response = self._post(f"/json/2/{model}/{method}", body, model, method, headers)
        if response.status_code >= 400:
            raise self._http_error(response, model, method)
        try:
            return response.json()
        except ValueError:
            raise OdooServerError(
                self._scrub(f"answer is not JSON: {response.text[:200]!r}"),
                model=model,
                method=method,
                status=response.status_code,
            ) from None
