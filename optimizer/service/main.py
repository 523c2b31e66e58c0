"""The FastAPI application factory and `order-optimizer serve`.

    ORDER_OPTIMIZER_API_KEY_SHA256=$(printf %s "$KEY" | sha256sum | cut -c1-64) \
        order-optimizer serve --port 8000 --database-url sqlite:///jobs.sqlite3

OpenAPI documentation at /docs; every route but /healthz needs `Authorization: Bearer <key>`.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
from fastapi import FastAPI, HTTPException, Request, Response
from fastapi.exception_handlers import http_exception_handler
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from optimizer.planners import warm_up_all
from optimizer.service import metrics
from optimizer.service.dependencies import Dispatcher, Settings
from optimizer.service.jobs import QUEUED, JobStore
from optimizer.service.openapi import build_openapi
from optimizer.service.routers import health, odoo, plans
from optimizer.service.workers import JobRunner, dispatch, make_dispatcher, service_owner

logger = logging.getLogger("optimizer.service")


class BodySizeLimit:
    """413 naming the limit when a request body exceeds `max_bytes` (declared or streamed)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _too_large(self) -> HTTPException:
        return HTTPException(
            status_code=413,
            detail=f"request body exceeds the limit max_body_bytes={self.max_bytes}",
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await _send_json(send, 413, {"detail": self._too_large().detail})
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # FastAPI re-raises an HTTPException met while reading the body.
                    raise self._too_large()
            return message

        await self.app(scope, limited_receive, send)


class RequestMetrics:
    """Observes every request's latency under its route template (not the raw path)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        t0 = time.perf_counter()
        status = [500]

        async def send_status(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            metrics.HTTP_SECONDS.labels(scope["method"], route, str(status[0])).observe(
                time.perf_counter() - t0
            )


HTTP_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")


async def method_not_allowed_names_every_method(
    request: Request, exc: StarletteHTTPException
) -> Response:
    """FastAPI's HTTP error answer, except that a 405's `Allow` lists the methods of every route
    of the path (Starlette names only those of the first route that matched it: `GET` for
    `/v1/plans/{job_id}`, which also takes DELETE)."""
    if exc.status_code == 405:
        allowed = [
            method
            for method in HTTP_METHODS
            if any(
                route.matches({**request.scope, "method": method})[0] is Match.FULL
                for route in request.app.router.routes
            )
        ]
        if allowed:
            headers = {**(exc.headers or {}), "Allow": ", ".join(allowed)}
            exc = StarletteHTTPException(405, exc.detail, headers=headers)
    return await http_exception_handler(request, exc)


async def _send_json(send: Send, status: int, body: dict[str, Any]) -> None:
    data = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})


class KernelWarmUp:
    """Both planners' kernels compiled in a thread at start-up: the service reports ready on
    /healthz only once they are, so no solve's time limit pays for a compile."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] | None = None
        self.error: str | None = None
        self._thread = threading.Thread(target=self._run, name="kernel-warm-up", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        try:
            self.seconds = warm_up_all()
            logger.info(
                "kernels ready: %s",
                ", ".join(f"{name} {s:.1f}s" for name, s in self.seconds.items()),
            )
        except Exception as exc:  # reported by /healthz; solves would fail the same way
            logger.exception("kernel warm-up failed")
            self.error = f"{type(exc).__name__}: {exc}"

    @property
    def ready(self) -> bool:
        return self.seconds is not None


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    app.state.kernels = KernelWarmUp()
    app.state.kernels.start()
    store = JobStore(settings.database_url)
    app.state.store = store
    app.state.registry = metrics.app_registry(store.status_counts)
    dispatcher = make_dispatcher(settings, lambda: JobRunner(store, settings, service_owner()))
    app.state.dispatcher = dispatcher
    if dispatcher.mode == "inprocess":
        # This process ran every in-process job: whatever is still running was interrupted.
        report = store.recover()
        if report.requeued or report.failed or report.cancelled:
            logger.warning(
                "recovered interrupted jobs: %d re-queued, %d failed, %d cancelled",
                len(report.requeued),
                len(report.failed),
                len(report.cancelled),
            )
    for job_id in store.ids_with_status(QUEUED):
        dispatch(dispatcher, job_id)
    try:
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(_housekeeping_loop, store, dispatcher, settings)
            try:
                yield
            finally:
                tasks.cancel_scope.cancel()
    finally:
        # Outside the cancelled task group, so that the worker shutdown runs to its end.
        await anyio.to_thread.run_sync(dispatcher.shutdown)
        store.close()


async def _housekeeping_loop(store: JobStore, dispatcher: Dispatcher, settings: Settings) -> None:
    """The service's periodic loop. Every `lease_seconds / 4`: the lease reaper re-queues (and
    dispatches) or fails the running jobs whose worker stopped heart-beating. Celery mode, every
    `redispatch_seconds`: send again the jobs that have waited in the queue that long (a broker
    that lost its messages, or was down at submission; a duplicate delivery is a no-op)."""
    every = settings.redispatch_seconds
    tick = max(0.1, min(every, settings.lease_seconds / 4))
    next_redispatch = time.monotonic() + every
    while True:
        await anyio.sleep(tick)
        try:
            reaped = await anyio.to_thread.run_sync(store.reap_expired, settings.lease_seconds)
            for job_id in reaped.requeued:
                await anyio.to_thread.run_sync(dispatch, dispatcher, job_id)
        except Exception:  # the store is down: try again next round
            logger.exception("lease reaper failed")
        if dispatcher.mode != "celery" or time.monotonic() < next_redispatch:
            continue
        next_redispatch = time.monotonic() + every
        try:
            stale = await anyio.to_thread.run_sync(store.queued_before, time.time() - every)
            for job_id in stale:
                await anyio.to_thread.run_sync(dispatch, dispatcher, job_id)
        except Exception:  # the store is down: try again next round
            logger.exception("re-dispatch of queued jobs failed")


def create_app(settings: Settings | None = None) -> FastAPI:
    """The service application; settings from `ORDER_OPTIMIZER_*` unless given."""
    settings = settings or Settings()
    app = FastAPI(
        title="order-optimizer",
        summary="Resource-constrained multi-project scheduling as a service",
        version="1",
        lifespan=lifespan,
        docs_url="/docs" if settings.public_docs else None,
        redoc_url=None,
        openapi_url="/openapi.json" if settings.public_docs else None,
    )
    app.state.settings = settings
    app.openapi = lambda: build_openapi(app, settings)  # type: ignore[method-assign]
    # Digests are read once (a rotated key file takes a restart).
    app.state.api_key_digests = settings.api_key_digests()
    app.add_exception_handler(StarletteHTTPException, method_not_allowed_names_every_method)
    app.include_router(health.router)
    app.include_router(plans.router)
    app.include_router(odoo.router)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestMetrics)
    return app


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    access_log: bool = True,
    **overrides: Any,
) -> int:
    """Run the service with uvicorn until interrupted; `overrides` set Settings fields."""
    import uvicorn

    settings = Settings(**{k: v for k, v in overrides.items() if v is not None})
    try:
        digests = settings.api_key_digests()
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not digests:
        print(
            "error: no service API key configured: set ORDER_OPTIMIZER_API_KEY_SHA256 "
            "(comma-separated SHA-256 hex digests) or ORDER_OPTIMIZER_API_KEY_SHA256_FILE",
            file=sys.stderr,
        )
        return 2
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    uvicorn.run(create_app(settings), host=host, port=port, access_log=access_log)
    return 0
