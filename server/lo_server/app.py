"""The FastAPI application: routers, the token check, JSON errors, OpenAPI and docs."""

from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager

import anyio
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from lo_server import __version__
from lo_server.api import (
    artifacts,
    builder,
    dataset,
    executor,
    explore,
    function,
    model,
    notebooks,
    observe,
    transform,
)
from lo_server.api.deps import require_token, require_token_or_query
from lo_server.config import Settings
from lo_server.context import Context
from lo_server.errors import ApiError
from lo_server.events import EventBus
from lo_server.jobs.clock import Clock
from lo_server.jobs.engine import Engine
from lo_server.services import builder as builder_service
from lo_server.services import executor as executor_service
from lo_server.services import function as function_service
from lo_server.services import model as model_service
from lo_server.services import notebooks as notebooks_service
from lo_server.services import toolkit_steps
from lo_server.services.artifacts import API_PREFIX
from lo_server.store.base import open_store

log = logging.getLogger(__name__)


def create_app(settings: Settings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI):
        bus = EventBus()
        bus.bind(asyncio.get_running_loop())
        store = open_store(settings)
        engine = Engine(settings, store, bus)
        ctx = Context(settings, store, engine, bus)
        engine.hooks["function"] = function_service.record_execution(ctx)
        engine.hooks["model"] = model_service.record_execution(ctx)
        engine.hooks["method"] = executor_service.record_execution(ctx)
        engine.hooks["toolkit"] = toolkit_steps.record_execution(ctx)
        engine.hooks["builder"] = builder_service.record_output(ctx)
        await anyio.to_thread.run_sync(engine.start)
        app.state.ctx = ctx
        clock = Clock(lambda now: notebooks_service.fire_due(ctx, now))
        clock.start()
        try:
            yield
        finally:
            clock.stop()
            await anyio.to_thread.run_sync(engine.close)
            store.close()

    app = FastAPI(title="lo-server", version=__version__, lifespan=lifespan,
                  description="Learning Orchestra v1 compatible orchestration server.",
                  openapi_url=None, docs_url=None, redoc_url=None)
    app.state.settings = settings

    api = APIRouter(prefix=API_PREFIX, dependencies=[Depends(require_token)],
                    responses=ERROR_RESPONSES)
    for module in (dataset, function, observe, builder, transform, explore, model, executor,
                   artifacts, notebooks):
        api.include_router(module.router)
    app.include_router(observe.events_router, prefix=API_PREFIX)
    app.include_router(api)
    _add_meta_routes(app)
    _add_error_handlers(app)
    app.add_middleware(BodyLimit, settings=settings)
    return app


class ErrorBody(BaseModel):
    result: str = Field(description="what is wrong, in words")


ERROR_RESPONSES = {code: {"model": ErrorBody, "description": text} for code, text in (
    (400, "malformed request: bad JSON, a missing, unknown or mistyped field"),
    (401, "missing or wrong token"),
    (404, "no such artifact or route"),
    (406, "a value that cannot be used: bad name, URL, reference, code or query"),
    (408, "the observed artifact did not end in time"),
    (409, "the name is taken, or the artifact is in use or not running"),
    (413, "request body too large"),
)}


def _add_meta_routes(app: FastAPI) -> None:
    @app.get(f"{API_PREFIX}/health", tags=["meta"], summary="Liveness; needs no token")
    def health():
        return {"result": {"status": "ok", "version": __version__}}

    @app.get(f"{API_PREFIX}/openapi.json", include_in_schema=False,
             dependencies=[Depends(require_token_or_query)])
    def openapi():
        return app.openapi()

    @app.get(f"{API_PREFIX}/docs", include_in_schema=False,
             dependencies=[Depends(require_token_or_query)])
    def docs(request: Request):
        token = request.query_params.get("token")
        url = f"{API_PREFIX}/openapi.json" + (f"?token={token}" if token else "")
        return get_swagger_ui_html(openapi_url=url, title="lo-server API")


def _add_error_handlers(app: FastAPI) -> None:
    """Every error is JSON {"result": message}, like upstream's envelope."""

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError):
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return JSONResponse({"result": exc.message}, exc.status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError):
        return JSONResponse({"result": describe_validation(exc.errors())}, 400)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException):
        message = exc.detail
        if exc.status_code == 404:
            message = f"no route {request.method} {request.url.path}"
        elif exc.status_code == 405:
            message = f"method {request.method} is not allowed on {request.url.path}"
        return JSONResponse({"result": message}, exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return JSONResponse({"result": f"internal error: {type(exc).__name__}: {exc}"}, 500)


def describe_validation(errors) -> str:
    """One line naming each problem, e.g. "body.datasetName: Field required"."""
    parts = []
    for error in errors[:5]:
        if error.get("type") == "json_invalid":
            parts.append(f"malformed JSON body: {error.get('ctx', {}).get('error', '')}".strip())
            continue
        where = ".".join(str(p) for p in error.get("loc", ()))
        message = error.get("msg", "invalid")
        if error.get("type") == "extra_forbidden":
            message = "unknown field"
        parts.append(f"{where}: {message}")
    return "invalid request: " + "; ".join(parts)


class BodyLimit:
    """Refuse request bodies over the limit (uploads have their own, larger one) with a 413."""

    def __init__(self, app, settings: Settings):
        self.app = app
        self.settings = settings

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = self.settings.max_body_bytes
        if scope["method"] == "PUT":
            limit = self.settings.max_upload_bytes
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            return await _too_large(send, limit)
        seen = 0

        async def counting_receive():
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:
                raise ApiError(f"request body over {limit} bytes", 413)
            return message

        return await self.app(scope, counting_receive, send)


async def _too_large(send, limit: int) -> None:
    response = JSONResponse({"result": f"request body over {limit} bytes"}, 413)
    await response({"type": "http"}, None, send)
