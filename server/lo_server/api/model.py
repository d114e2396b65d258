"""Model routes: /model/scikitlearn and /model/tensorflow."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from lo_server.api.deps import get_ctx
from lo_server.api.read_routes import add_read_routes
from lo_server.context import Context
from lo_server.services import model
from lo_server.services.toolkit import TOOLS

router = APIRouter(tags=["model"])


class ModelUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    classParameters: dict = Field(default_factory=dict,
                                  description="constructor arguments; '$name' references an "
                                              "artifact, '#expr' is evaluated in the worker")
    description: str = ""
    timeout: float | None = Field(None, gt=0, description="seconds before the job is stopped")


class ModelRequest(ModelUpdate):
    modelName: str
    modulePath: str = Field(description="e.g. sklearn.linear_model, tensorflow.keras.models")
    class_name: str = Field(alias="class", description="a class of modulePath")


def _create(tool: str):
    def create(body: ModelRequest, ctx: Context = Depends(get_ctx)):
        return {"result": model.create(ctx, tool, body.modelName, body.modulePath,
                                       body.class_name, body.classParameters, body.description,
                                       body.timeout)}

    create.__name__ = f"create_{tool}_model"
    return create


def _update(tool: str):
    def update(modelName: str, body: ModelUpdate, ctx: Context = Depends(get_ctx)):
        return {"result": model.update(ctx, tool, modelName, body.classParameters,
                                       body.description, body.timeout)}

    update.__name__ = f"update_{tool}_model"
    return update


for _tool in TOOLS:
    router.post(f"/model/{_tool}", status_code=201,
                summary=f"Build a {_tool} model object in a worker")(_create(_tool))
    router.patch(f"/model/{_tool}/{{modelName}}", status_code=201,
                 summary="Rebuild a model with new classParameters")(_update(_tool))
    add_read_routes(router, f"model/{_tool}")
