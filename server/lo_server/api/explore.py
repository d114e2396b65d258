"""Explore routes: histogram, scikit-learn and TensorFlow explores, and their plots.

GET /explore/{scikitlearn|tensorflow}/{name} returns the PNG (the route upstream broke);
/image (every tool, histogram too) also does, /data gives the plotted data as JSON and
/metadata the content page (metadata, then execution documents or histogram rows).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field

from lo_server.api.deps import get_ctx
from lo_server.api.read_routes import add_read_routes
from lo_server.api.transform import ToolkitRequest, ToolkitUpdate
from lo_server.context import Context
from lo_server.services import artifacts, explore, toolkit_steps
from lo_server.services.toolkit import TOOLS

router = APIRouter(tags=["explore"])


class HistogramRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    inputDatasetName: str
    outputDatasetName: str
    names: list[str] = Field(description="the fields to count values of")
    timeout: float | None = Field(None, gt=0)


@router.post("/explore/histogram", status_code=201,
             summary="Count the values of fields (and plot them)")
def create_histogram(body: HistogramRequest, ctx: Context = Depends(get_ctx)):
    return {"result": explore.create_histogram(ctx, body.inputDatasetName,
                                               body.outputDatasetName, body.names,
                                               body.timeout)}


def _image(tool: str):
    def image(name: str, ctx: Context = Depends(get_ctx)):
        return FileResponse(explore.plot_file(ctx, tool, name, "png"), media_type="image/png",
                            filename=f"{name}.png", content_disposition_type="inline")

    image.__name__ = f"{tool}_explore_image"
    return image


def _data(tool: str):
    def data(name: str, ctx: Context = Depends(get_ctx)):
        return FileResponse(explore.plot_file(ctx, tool, name, "json"),
                            media_type="application/json", filename=f"{name}.json",
                            content_disposition_type="inline")

    data.__name__ = f"{tool}_explore_data"
    return data


def _metadata(tool: str):
    def metadata(name: str, skip: int = Query(0), limit: int = Query(20),
                 query: str | None = Query(None), ctx: Context = Depends(get_ctx)):
        artifacts.get(ctx, name, f"explore/{tool}")
        return {"result": artifacts.content(ctx, name, skip, limit, query)}

    metadata.__name__ = f"{tool}_explore_metadata"
    return metadata


def _create(tool: str):
    def create(body: ToolkitRequest, ctx: Context = Depends(get_ctx)):
        return {"result": toolkit_steps.create(
            ctx, "explore", tool, body.name, body.modulePath, body.class_name,
            body.classParameters, body.method, body.methodParameters, body.description,
            body.timeout)}

    create.__name__ = f"create_{tool}_explore"
    return create


def _update(tool: str):
    def update(name: str, body: ToolkitUpdate, ctx: Context = Depends(get_ctx)):
        return {"result": toolkit_steps.update(ctx, "explore", tool, name, body.method,
                                               body.methodParameters, body.description,
                                               body.timeout)}

    update.__name__ = f"update_{tool}_explore"
    return update


def _list(tool: str):
    def list_kind(ctx: Context = Depends(get_ctx)):
        return {"result": artifacts.list_of(ctx, f"explore/{tool}")}

    list_kind.__name__ = f"list_{tool}_explores"
    return list_kind


def _delete(tool: str):
    def delete(name: str, ctx: Context = Depends(get_ctx)):
        return {"result": artifacts.delete(ctx, name, f"explore/{tool}")}

    delete.__name__ = f"delete_{tool}_explore"
    return delete


add_read_routes(router, "explore/histogram")
for _tool in explore.TOOLS:
    router.get(f"/explore/{_tool}/{{name}}/image", response_class=FileResponse,
               summary="The plot as a PNG")(_image(_tool))
    router.get(f"/explore/{_tool}/{{name}}/data",
               summary="The plotted data as JSON")(_data(_tool))
    router.get(f"/explore/{_tool}/{{name}}/metadata",
               summary="Content page: metadata, then execution documents or rows")(
        _metadata(_tool))
for _tool in TOOLS:
    router.post(f"/explore/{_tool}", status_code=201,
                summary=f"Plot the result of a {_tool} class method")(_create(_tool))
    router.patch(f"/explore/{_tool}/{{name}}", status_code=201,
                 summary="Plot again with new methodParameters")(_update(_tool))
    router.get(f"/explore/{_tool}", summary=f"List explore/{_tool} artifacts")(_list(_tool))
    router.get(f"/explore/{_tool}/{{name}}", response_class=FileResponse,
               summary="The plot as a PNG (upstream's image route)")(_image(_tool))
    router.delete(f"/explore/{_tool}/{{name}}", summary=f"Delete an explore/{_tool} "
                                                        "artifact")(_delete(_tool))
