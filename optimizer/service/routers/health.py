"""`/healthz` (no key needed) and `/metrics` (Prometheus text format, key needed)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

from optimizer.service.dependencies import require_api_key
from optimizer.service.schemas import UNAUTHORIZED, HealthOk, HealthStarting, HealthUnavailable

router = APIRouter(tags=["health"])


@router.get(
    "/healthz",
    responses={
        200: {"model": HealthOk, "description": "Ready: kernels compiled, the job store answers"},
        503: {
            "model": HealthStarting | HealthUnavailable,
            "description": "Starting (kernels compiling) or the job store is unreachable",
        },
    },
    summary="Readiness: kernels compiled, job store reachable (no API key)",
)
async def healthz(request: Request) -> JSONResponse:
    store, dispatcher = request.app.state.store, request.app.state.dispatcher
    kernels = request.app.state.kernels
    if not kernels.ready:
        # Alive, not ready: a solve started now would wait for the compile.
        state = f"failed: {kernels.error}" if kernels.error else "compiling"
        return JSONResponse({"status": "starting", "kernels": state}, status_code=503)
    try:
        store.ping()
    except Exception as exc:  # report, do not raise: a probe wants a status code
        return JSONResponse(
            {"status": "unavailable", "store": f"unreachable: {type(exc).__name__}"},
            status_code=503,
        )
    return JSONResponse(
        {
            "status": "ok",
            "store": store.backend,
            "workers": dispatcher.mode,
            "kernels_compiled_seconds": {k: round(v, 3) for k, v in kernels.seconds.items()},
        }
    )


@router.get(
    "/metrics",
    dependencies=[Depends(require_api_key)],
    response_class=Response,
    responses={
        200: {
            "description": "Prometheus text exposition format",
            "content": {"text/plain": {"schema": {"type": "string"}}},
        },
        **UNAUTHORIZED,
    },
    summary="Prometheus metrics",
)
def prometheus_metrics(request: Request) -> Response:
    body = generate_latest(REGISTRY) + generate_latest(request.app.state.registry)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
