"""Settings, the job store, the worker and the API-key check, as FastAPI dependencies.

Everything is configured from `ORDER_OPTIMIZER_*` environment variables (or `create_app(settings)`).
Service API keys are never configured in clear: the settings hold their SHA-256 digests, and a
presented key is hashed and compared in constant time with every digest. The Odoo API key comes
from `ORDER_OPTIMIZER_ODOO_API_KEY` or the file named by `ORDER_OPTIMIZER_ODOO_API_KEY_FILE`, is
read only when a replan runs, and is held in a `SecretStr` so it is never printed.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal, Protocol

from fastapi import Depends, HTTPException, Request, Security, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from optimizer.planners import SolveRequest
from optimizer.service.jobs import JobStore

# (plan id, Odoo project ids or None for every open order, time limit) -> replan summary
# (plan id, project ids, the solve's settings and cancellation) -> the connector's summary
OdooReplan = Callable[[str, "list[int] | None", SolveRequest], dict[str, Any]]


class Dispatcher(Protocol):
    """Hands queued jobs to workers (optimizer.service.workers)."""

    mode: str

    def submit(self, job_id: str, odoo_replan: OdooReplan | None = None) -> None: ...

    def shutdown(self) -> None: ...


def hash_api_key(key: str) -> str:
    """The SHA-256 hex digest under which a service API key is configured."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class Settings(BaseSettings):
    """Service configuration; every field can be set as `ORDER_OPTIMIZER_<FIELD>`."""

    model_config = SettingsConfigDict(env_prefix="ORDER_OPTIMIZER_", extra="ignore")

    database_url: str = "sqlite:///order-optimizer-jobs.sqlite3"
    # Comma-separated SHA-256 hex digests of the accepted service API keys.
    api_key_sha256: str = ""
    # Or a file with one digest per line (lines starting with # are comments).
    api_key_sha256_file: Path | None = None
    workers: Literal["inprocess", "celery"] = "inprocess"
    concurrency: int = 2
    broker_url: str = "redis://127.0.0.1:6379/0"
    celery_queue: str = "order-optimizer"
    # Celery mode: queued jobs older than this are sent to the broker again (a broker that lost
    # its messages, or was down at submission); a duplicate delivery is a no-op.
    redispatch_seconds: float = 300.0
    # A running job's lease: its worker heart-beats every LEASE/4 seconds; a job whose worker has
    # been silent for LEASE seconds is re-queued (attempts left) or failed by the reaper (the
    # service's periodic loop, and every Celery worker at start-up).
    lease_seconds: float = 60.0
    solver_workers: int = 1
    # CPU niceness of in-process solver threads: the API keeps priority over the solves.
    solver_nice: int = 10
    default_time_limit: float = 10.0
    max_time_limit: float = 600.0
    max_body_bytes: int = 16 * 1024 * 1024
    max_tasks: int = 30_000
    max_attempts: int = 2
    # /docs and /openapi.json without a key (they describe the API, they hold no data).
    public_docs: bool = True
    odoo_url: str | None = None
    odoo_db: str | None = None
    odoo_login: str | None = None
    odoo_api_key: SecretStr | None = None
    odoo_api_key_file: Path | None = None

    def api_key_digests(self) -> list[str]:
        digests = [d.strip().lower() for d in self.api_key_sha256.split(",") if d.strip()]
        if self.api_key_sha256_file:
            for line in self.api_key_sha256_file.read_text(encoding="utf-8").splitlines():
                if line.strip() and not line.lstrip().startswith("#"):
                    digests.append(line.strip().lower())
        for k, digest in enumerate(digests, 1):
            if len(digest) != 64 or any(ch not in "0123456789abcdef" for ch in digest):
                # Never echo the entry: it may be a key pasted where its digest belongs.
                raise ValueError(
                    f"API key digest #{k} is not a SHA-256 hex digest (64 hex characters): "
                    "configure sha256(key), not the key"
                )
        return digests

    @property
    def heartbeat_seconds(self) -> float:
        return max(0.05, self.lease_seconds / 4)

    def odoo_secret(self) -> SecretStr | None:
        """The Odoo API key, from the environment or the secrets file (re-read on every call,
        so a rotated file is picked up without a restart)."""
        if self.odoo_api_key is not None:
            return self.odoo_api_key
        if self.odoo_api_key_file:
            return SecretStr(self.odoo_api_key_file.read_text(encoding="utf-8").strip())
        return None

    def odoo_configured(self) -> bool:
        return bool(self.odoo_url and self.odoo_db and self.odoo_login) and (
            self.odoo_api_key is not None or self.odoo_api_key_file is not None
        )


# The small dependencies are coroutines so that FastAPI runs them on the event loop instead of
# handing each one to the thread pool: a status request then costs one thread hop, not five.
async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_store(request: Request) -> JobStore:
    return request.app.state.store


async def get_dispatcher(request: Request) -> Dispatcher:
    return request.app.state.dispatcher


_bearer = HTTPBearer(
    auto_error=False,
    description="A service API key; the service stores only its SHA-256 digest.",
)


SettingsDep = Annotated[Settings, Depends(get_settings)]
StoreDep = Annotated[JobStore, Depends(get_store)]
DispatcherDep = Annotated[Dispatcher, Depends(get_dispatcher)]


async def require_api_key(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)],
) -> None:
    """Reject the call unless it carries `Authorization: Bearer <key>` of a configured key."""
    presented = hash_api_key(credentials.credentials) if credentials else ""
    accepted = False
    # Compare against every digest (no early exit) so timing says nothing about which matched.
    for digest in request.app.state.api_key_digests:
        accepted |= hmac.compare_digest(presented.encode(), digest.encode())
    if not credentials or not accepted:
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED,
            detail="missing or invalid API key (Authorization: Bearer <key>)",
            headers={"WWW-Authenticate": "Bearer"},
        )


async def get_odoo_replan(settings: SettingsDep) -> OdooReplan:
    """The function that runs an Odoo replan; tests override it with a fake."""
    if not settings.odoo_configured():
        raise HTTPException(
            status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
            detail=(
                "Odoo connection not configured: set ORDER_OPTIMIZER_ODOO_URL, _ODOO_DB, "
                "_ODOO_LOGIN and _ODOO_API_KEY or _ODOO_API_KEY_FILE"
            ),
        )
    from optimizer.service.workers import odoo_replan_from_settings

    return odoo_replan_from_settings(settings)


OdooReplanDep = Annotated[OdooReplan, Depends(get_odoo_replan)]
