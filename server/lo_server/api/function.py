"""Function routes: /function/python."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from lo_server.api.deps import get_ctx
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


@router.post("/function/python", status_code=201, summary="Run Python code as a job")
def create_function(body: FunctionRequest, ctx: Context = Depends(get_ctx)):
    return {"result": function.create(ctx, body.name, body.function, body.functionParameters,
                                      body.description, body.timeout)}


@router.patch("/function/python/{name}", status_code=201,
              summary="Run new code under an existing function's name")
def update_function(name: str, body: FunctionUpdate, ctx: Context = Depends(get_ctx)):
    return {"result": function.update(ctx, name, body.function, body.functionParameters,
                                      body.description, body.timeout)}


add_read_routes(router, "function/python")
