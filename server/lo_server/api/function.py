"""Function routes: /function/python."""

from __future__ import annotations

from functools import partial

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from lo_server.api.deps import get_ctx
from lo_server.api.observe import until_ended, with_output
from lo_server.api.read_routes import add_read_routes
from lo_server.context import Context
from lo_server.services import function

router = APIRouter(tags=["function"])


class FunctionUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    function: str = Field(description="Python code, or an http(s) URL to it; it must assign "
                                      "a top-level `response`")
    functionParameters: dict = Field(default_factory=dict,
                                     description="names given to the code; '$name' and "
                                                 "'$name.key' reference artifacts")
    description: str = ""
    timeout: float | None = Field(None, gt=0, description="seconds before the job is stopped")


class FunctionRequest(FunctionUpdate):
    name: str


WAIT = Query(None, ge=0, le=60, description="seconds to wait for the job to end before "
                                            "answering; the answer then adds `artifact` (as "
                                            "/observe/{name}?output=true gives it), saving a "
                                            "request")


@router.post("/function/python", status_code=201, summary="Run Python code as a job")
async def create_function(body: FunctionRequest, wait: float | None = WAIT,
                          ctx: Context = Depends(get_ctx)):
    return await _start(ctx, body.name, wait, partial(
        function.create, ctx, body.name, body.function, body.functionParameters,
        body.description, body.timeout))


@router.patch("/function/python/{name}", status_code=201,
              summary="Run new code under an existing function's name")
async def update_function(name: str, body: FunctionUpdate, wait: float | None = WAIT,
                          ctx: Context = Depends(get_ctx)):
    return await _start(ctx, name, wait, partial(
        function.update, ctx, name, body.function, body.functionParameters, body.description,
        body.timeout))


async def _start(ctx: Context, name: str, wait: float | None, start) -> dict:
    """Start the job; with `wait`, answer when it ended (or `wait` seconds passed)."""
    if wait is None:
        return {"result": await run_in_threadpool(start)}
    with ctx.bus.subscribe(name) as queue:  # before the job starts: its ending can't slip by
        uri = await run_in_threadpool(start)
        doc = await until_ended(ctx, name, queue, wait)
    return {"result": uri, "artifact": with_output(ctx, name, doc)}


add_read_routes(router, "function/python")
