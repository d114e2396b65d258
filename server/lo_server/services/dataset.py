"""Dataset service: CSV and generic files from http(s) URLs, and direct uploads."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

from lo_server import fetch, mirror
from lo_server.context import Context
from lo_server.errors import BadRequest, TooLarge
from lo_server.services import artifacts as common

KINDS = ("csv", "generic")
PARQUET_MAGIC = b"PAR1"


def create_from_url(ctx: Context, kind: str, name: str, url: str) -> str:
    """Validate synchronously (409, 406), record the dataset, queue the download job."""
    common.check_name(name, "datasetName")
    common.ensure_free(ctx, name, "duplicated dataset name")
    fetch.check_url(url)
    fetch.probe(url)
    _record(ctx, kind, name, {"url": url}, {"url": url})
    return common.uri(f"dataset/{kind}", name, limit=10)


async def create_from_upload(ctx: Context, name: str, chunks, content_type: str) -> str:
    """A notebook user's DataFrame or file: CSV or Parquet body streamed to disk first.

    With a shared artifact store the file goes there (`uploads/ID`), so that a worker on
    another node can ingest it; the worker deletes it once read."""
    common.check_name(name, "datasetName")
    common.ensure_free(ctx, name, "duplicated dataset name")
    uploads = ctx.settings.data_dir / "uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    path = uploads / uuid.uuid4().hex
    shared = mirror.of(ctx.settings)
    size, head = 0, b""
    try:
        with open(path, "wb") as out:
            async for chunk in chunks:
                size += len(chunk)
                if size > ctx.settings.max_upload_bytes:
                    raise TooLarge(f"upload over {ctx.settings.max_upload_bytes} bytes")
                head = head or chunk[:4]
                out.write(chunk)
        if size == 0:
            raise BadRequest("empty upload: send the CSV or Parquet file as the request body")
        source_format = _upload_format(content_type, head)
        source = {"upload": str(path), "sourceFormat": source_format}
        if shared is not None:
            source = {"staged": f"uploads/{path.name}", "sourceFormat": source_format}
            await asyncio.to_thread(shared.put_file, path, source["staged"])
            path.unlink()
        _record(ctx, "csv", name, {"url": None}, source)
    except BaseException:
        Path(path).unlink(missing_ok=True)
        if shared is not None:
            await asyncio.to_thread(shared.delete, f"uploads/{path.name}")
        raise
    return common.uri("dataset/csv", name, limit=10)


def _upload_format(content_type: str, head: bytes) -> str:
    if head == PARQUET_MAGIC or "parquet" in (content_type or ""):
        if head != PARQUET_MAGIC:
            raise BadRequest("the body is not a Parquet file (no PAR1 header)")
        return "parquet"
    return "csv"


def _record(ctx: Context, kind: str, name: str, fields: dict, source: dict) -> None:
    common.create(ctx, name, {"datasetName": name, "type": f"dataset/{kind}", "fields": [],
                              **fields}, "duplicated dataset name")
    spec = {"name": name, "kind": kind, "maxBytes": ctx.settings.max_download_bytes,
            "timeout": ctx.settings.download_timeout, **source}
    ctx.engine.submit(name, "ingest", spec)
