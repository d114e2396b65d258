"""Dataset routes: /dataset/csv, /dataset/generic and the direct upload."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict

from lo_server.api.deps import get_ctx
from lo_server.api.read_routes import add_read_routes
from lo_server.context import Context
from lo_server.services import dataset

router = APIRouter(tags=["dataset"])


class DatasetRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    datasetName: str
    datasetURI: str


def _create(kind: str):
    def create(body: DatasetRequest, ctx: Context = Depends(get_ctx)):
        return {"result": dataset.create_from_url(ctx, kind, body.datasetName, body.datasetURI)}

    create.__name__ = f"create_{kind}_dataset"
    return create


for _kind in dataset.KINDS:
    router.post(f"/dataset/{_kind}", status_code=201,
                summary=f"Ingest a {_kind} dataset from an http(s) URL")(_create(_kind))


@router.put("/dataset/csv/{name}", status_code=201,
            summary="Upload a dataset: the body is a CSV or Parquet file",
            openapi_extra={"requestBody": {"content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/vnd.apache.parquet": {"schema": {"type": "string",
                                                              "format": "binary"}}}}})
async def upload_dataset(name: str, request: Request, ctx: Context = Depends(get_ctx)):
    content_type = request.headers.get("content-type", "")
    return {"result": await dataset.create_from_upload(ctx, name, request.stream(),
                                                       content_type)}


for _kind in dataset.KINDS:
    add_read_routes(router, f"dataset/{_kind}")
