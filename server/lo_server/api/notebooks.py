"""Shared-notebook routes: publish versions, list, fetch, delete, run now or on a schedule."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from lo_server.api.deps import get_ctx
from lo_server.api.read_routes import add_read_routes
from lo_server.context import Context
from lo_server.services import notebooks

router = APIRouter(tags=["notebooks"])


class RunRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    parameters: dict = Field(default_factory=dict,
                             description="injected as a cell of assignments (papermill style)")
    version: int | None = Field(None, ge=1, description="default: the latest")
    name: str | None = Field(None, description="the run artifact's name; default NAME_runN")
    at: str | None = Field(None, description="ISO 8601 time to run once (UTC if no zone)")
    cron: str | None = Field(None, description="cron expression for repeated runs (UTC)")
    timeout: float | None = Field(None, gt=0)


@router.get("/notebooks", summary="List shared notebooks with their versions")
def list_notebooks(ctx: Context = Depends(get_ctx)):
    return {"result": ctx.store.list_records(notebooks.KIND)}


@router.get("/notebooks/schedules", summary="List schedules")
def list_schedules(ctx: Context = Depends(get_ctx)):
    return {"result": notebooks.schedules(ctx)}


@router.delete("/notebooks/schedules/{schedule_id}", summary="Delete a schedule")
def delete_schedule(schedule_id: str, ctx: Context = Depends(get_ctx)):
    return {"result": notebooks.delete_schedule(ctx, schedule_id)}


@router.put("/notebooks/{name}", status_code=201,
            summary="Publish a notebook (.ipynb JSON body) as its next version",
            openapi_extra={"requestBody": {"content": {"application/x-ipynb+json": {
                "schema": {"type": "object"}}}}})
async def publish(name: str, request: Request, ctx: Context = Depends(get_ctx)):
    return {"result": notebooks.publish(ctx, name, await request.body())}


@router.get("/notebooks/{name}", summary="The notebook (latest version or ?version=N)")
def read(name: str, version: int | None = Query(None, ge=1), ctx: Context = Depends(get_ctx)):
    return {"result": notebooks.read(ctx, name, version)}


@router.get("/notebooks/{name}/versions", summary="Every published version")
def versions(name: str, ctx: Context = Depends(get_ctx)):
    return {"result": notebooks.record(ctx, name)["versions"]}


@router.delete("/notebooks/{name}", summary="Delete a notebook, its versions and schedules")
def delete(name: str, ctx: Context = Depends(get_ctx)):
    return {"result": notebooks.delete(ctx, name)}


@router.post("/notebooks/{name}/run", status_code=201,
             summary="Run the notebook in a worker now, or schedule it (`at` or `cron`)")
def run(name: str, body: RunRequest, ctx: Context = Depends(get_ctx)):
    return {"result": notebooks.run(ctx, name, body.parameters, body.version, body.name,
                                    body.at, body.cron, body.timeout)}


add_read_routes(router, notebooks.RUN_TYPE)
