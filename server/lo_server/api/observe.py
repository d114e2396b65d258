"""Observe routes: wait for an artifact, stream every change, cancel, list everything."""

from __future__ import annotations

import asyncio
import json

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse

from lo_server.api.deps import get_ctx, require_token_or_query
from lo_server.context import Context
from lo_server.errors import ApiError, NotFound
from lo_server.services import artifacts, function
from lo_server.store.base import TERMINAL_STATUSES

router = APIRouter(tags=["observe"])
events_router = APIRouter(tags=["observe"])
KEEP_ALIVE = 15.0


@events_router.get("/observe/events", dependencies=[Depends(require_token_or_query)],
                   summary="Server-Sent Events: every status and progress change")
async def events(request: Request, ctx: Context = Depends(get_ctx)):
    async def stream():
        with ctx.bus.subscribe() as queue:
            yield "retry: 2000\n: connected\n\n"
            while not await request.is_disconnected():
                try:
                    event = await asyncio.wait_for(queue.get(), KEEP_ALIVE)
                except TimeoutError:
                    yield ": keep-alive\n\n"
                    continue
                yield f"event: artifact\ndata: {json.dumps(event, default=str)}\n\n"

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


@router.get("/observe/{name}", summary="Wait until the artifact is finished, failed or "
                                       "cancelled; 408 after `timeout` seconds")
async def observe(name: str, timeout: float = Query(60.0, ge=0, le=3600),
                  output: bool = Query(False, description="add what a Function job printed "
                                                          "(`output`), saving a request"),
                  ctx: Context = Depends(get_ctx)):
    with ctx.bus.subscribe(name) as queue:  # first: no change slips between the reads
        doc = await until_ended(ctx, name, queue, timeout)
    if doc.get("status") not in TERMINAL_STATUSES:
        raise ApiError(f"observer timed out: {name!r} is still {doc.get('status')} "
                       f"after {timeout:g} s", 408)
    return {"result": with_output(ctx, name, doc) if output else {"_id": 0, **doc}}


async def until_ended(ctx: Context, name: str, queue: asyncio.Queue, timeout: float) -> dict:
    """The artifact once its job ended, or as it is after `timeout` seconds; `queue` is a
    subscription to `name` taken before the job could end (so no ending slips by)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    doc = artifacts.get(ctx, name)
    while doc.get("status") not in TERMINAL_STATUSES:
        try:
            event = await asyncio.wait_for(queue.get(), max(deadline - loop.time(), 0))
        except TimeoutError:
            return doc
        if event.get("deleted"):
            raise NotFound(f"{name!r} was deleted while waiting")
        if event.get("status") in TERMINAL_STATUSES:
            doc = artifacts.get(ctx, name)
    return doc


def with_output(ctx: Context, name: str, doc: dict) -> dict:
    """The document with what its Function job printed (`output`)."""
    return {"_id": 0, **doc, "output": function.output_of(ctx, name, doc.get("jobId"))}


@router.post("/observe/{name}/cancel", summary="Cancel the artifact's queued or running job")
def cancel(name: str, ctx: Context = Depends(get_ctx)):
    return {"result": artifacts.cancel(ctx, name)}


@router.get("/artifacts", summary="Every artifact of every type, with its parents")
def list_artifacts(ctx: Context = Depends(get_ctx)):
    return {"result": artifacts.list_of(ctx)}


@router.get("/artifacts/{name}", summary="One artifact's metadata")
def get_artifact(name: str, ctx: Context = Depends(get_ctx)):
    return {"result": artifacts.get(ctx, name)}
