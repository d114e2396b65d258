"""Train, Tune, Predict and Evaluate routes, for scikitlearn and tensorflow."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from lo_server.api.deps import get_ctx
from lo_server.api.read_routes import add_read_routes
from lo_server.context import Context
from lo_server.services import executor
from lo_server.services.toolkit import STEP_KINDS, TOOLS

router = APIRouter(tags=["train, tune, predict, evaluate"])


class StepUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    methodParameters: dict = Field(default_factory=dict,
                                   description="method arguments; '$name' references an "
                                               "artifact, '#expr' is evaluated in the worker")
    description: str = ""
    modelName: str | None = Field(None, description="validate against this model's class "
                                                    "instead of the recorded one")
    timeout: float | None = Field(None, gt=0, description="seconds before the job is stopped")


class StepRequest(StepUpdate):
    name: str
    modelName: str = Field(description="a model, or a step built from one: its class is "
                                       "what method and methodParameters are checked against")
    parentName: str = Field(description="the artifact whose stored object the method is "
                                        "called on")
    method: str


def _create(kind: str, tool: str):
    def create(body: StepRequest, ctx: Context = Depends(get_ctx)):
        return {"result": executor.create(
            ctx, kind, tool, body.name, body.modelName, body.parentName, body.method,
            body.methodParameters, body.description, body.timeout)}

    create.__name__ = f"create_{kind}_{tool}"
    return create


def _update(kind: str, tool: str):
    def update(name: str, body: StepUpdate, ctx: Context = Depends(get_ctx)):
        return {"result": executor.update(ctx, kind, tool, name, body.methodParameters,
                                          body.description, body.modelName, body.timeout)}

    update.__name__ = f"update_{kind}_{tool}"
    return update


for _kind in STEP_KINDS:
    for _tool in TOOLS:
        router.post(f"/{_kind}/{_tool}", status_code=201,
                    summary=f"{_kind.capitalize()} ({_tool}): call a method on a stored "
                            "object")(_create(_kind, _tool))
        router.patch(f"/{_kind}/{_tool}/{{name}}", status_code=201,
                     summary="Call the method again with new methodParameters")(
            _update(_kind, _tool))
        add_read_routes(router, f"{_kind}/{_tool}")
