"""Transform routes: projection, dataType, and scikit-learn / TensorFlow transforms."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from lo_server.api.deps import get_ctx
from lo_server.api.read_routes import add_read_routes
from lo_server.context import Context
from lo_server.services import artifacts, toolkit_steps, transform
from lo_server.services.toolkit import TOOLS

router = APIRouter(tags=["transform"])


class ProjectionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    inputDatasetName: str
    outputDatasetName: str
    names: list[str] = Field(description="the fields to keep")
    timeout: float | None = Field(None, gt=0)


class DataTypeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    inputDatasetName: str
    types: dict[str, str] = Field(description='field -> "number" or "string"')
    timeout: float | None = Field(None, gt=0)


class ToolkitUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    method: str | None = Field(None, description="default: the recorded method")
    methodParameters: dict = Field(default_factory=dict)
    description: str = ""
    timeout: float | None = Field(None, gt=0)


class ToolkitRequest(ToolkitUpdate):
    name: str
    modulePath: str
    class_name: str = Field(alias="class")
    classParameters: dict = Field(default_factory=dict)
    method: str


@router.post("/transform/projection", status_code=201,
             summary="A new dataset with the chosen fields of another")
def create_projection(body: ProjectionRequest, ctx: Context = Depends(get_ctx)):
    return {"result": transform.create_projection(
        ctx, body.inputDatasetName, body.outputDatasetName, body.names, body.timeout)}


@router.patch("/transform/projection", status_code=201,
              summary="Project again into an existing projection")
def update_projection(body: ProjectionRequest, ctx: Context = Depends(get_ctx)):
    return {"result": transform.update_projection(
        ctx, body.inputDatasetName, body.outputDatasetName, body.names, body.timeout)}


@router.patch("/transform/dataType", summary="Convert fields to number or string in place")
def update_types(body: DataTypeRequest, ctx: Context = Depends(get_ctx)):
    return {"result": transform.update_types(ctx, body.inputDatasetName, body.types,
                                             body.timeout)}


@router.get("/transform/dataType", summary="Always empty, as upstream: conversions keep "
                                           "their dataset's type")
def list_data_types(ctx: Context = Depends(get_ctx)):
    return {"result": artifacts.list_of(ctx, "transform/dataType")}


@router.get("/transform/dataType/{name}", summary="Page the content of a dataset")
def read_data_type(name: str, skip: int = Query(0), limit: int = Query(20),
                   query: str | None = Query(None), ctx: Context = Depends(get_ctx)):
    return {"result": artifacts.content(ctx, name, skip, limit, query)}


def _create(tool: str):
    def create(body: ToolkitRequest, ctx: Context = Depends(get_ctx)):
        return {"result": toolkit_steps.create(
            ctx, "transform", tool, body.name, body.modulePath, body.class_name,
            body.classParameters, body.method, body.methodParameters, body.description,
            body.timeout)}

    create.__name__ = f"create_{tool}_transform"
    return create


def _update(tool: str):
    def update(name: str, body: ToolkitUpdate, ctx: Context = Depends(get_ctx)):
        return {"result": toolkit_steps.update(ctx, "transform", tool, name, body.method,
                                               body.methodParameters, body.description,
                                               body.timeout)}

    update.__name__ = f"update_{tool}_transform"
    return update


add_read_routes(router, "transform/projection")
for _tool in TOOLS:
    router.post(f"/transform/{_tool}", status_code=201,
                summary=f"Run a {_tool} class method on stored data")(_create(_tool))
    router.patch(f"/transform/{_tool}/{{name}}", status_code=201,
                 summary="Run the transform again with new methodParameters")(_update(_tool))
    add_read_routes(router, f"transform/{_tool}")
