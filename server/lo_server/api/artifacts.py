"""Download route: GET /artifacts/{name}/download?format=... for every artifact kind."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from lo_server.api.deps import get_ctx
from lo_server.context import Context
from lo_server.services import downloads

router = APIRouter(tags=["observe"])


@router.get("/artifacts/{name}/download", response_class=FileResponse,
            summary="The artifact's content as a file: Parquet or CSV tables, .npy arrays, "
                    ".keras models, pickled objects, PNG plots, raw generic datasets, a "
                    "Builder artifact's Spark model as a zip")
def download(name: str, format: str | None = Query(
        None, description="parquet, csv, npy, keras, pickle, binary, png, json or zip (a "
                          "Builder artifact's Spark model); default: how the artifact is "
                          "stored"),
        ctx: Context = Depends(get_ctx)):
    item = downloads.prepare(ctx, name, format)
    cleanup = BackgroundTask(item.path.unlink, missing_ok=True) if item.temporary else None
    return FileResponse(item.path, media_type=item.media_type, filename=item.filename,
                        headers={"X-LO-Format": item.format}, background=cleanup)
