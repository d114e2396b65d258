"""What every artifact shares: names, metadata documents, content pages, listing, deletion."""

from __future__ import annotations

import re
import time

from lo_server import artifacts, mirror
from lo_server.context import Context
from lo_server.errors import Conflict, Invalid, NotFound
from lo_server.store.base import ACTIVE_STATUSES

API_PREFIX = "/api/learningOrchestra/v1"
NAME = re.compile(r"^[A-Za-z0-9_.-]{1,128}$")
RESERVED_NAMES = {"events"}  # would shadow /observe/events
# types whose content is a table of rows; every other type's content is its execution log
TABLE_TYPES = {"dataset/csv", "transform/projection", "explore/histogram", "builder/sparkml"}
MAX_LIMIT = 100


def check_name(name: str, field: str = "name") -> str:
    if not isinstance(name, str) or not NAME.match(name) or ".." in name \
            or name in RESERVED_NAMES:
        raise Invalid(f"invalid {field} {str(name)[:140]!r}: use 1-128 letters, digits, '_', "
                      "'-' or '.', without '..'")
    return name


def time_created() -> str:
    """Upstream's timestamp format (GMT), taken per request."""
    return time.strftime("%Y-%m-%dT%H:%M:%S-00:00", time.gmtime())


def uri(kind: str, name: str, limit: int = 20) -> str:
    return f"{API_PREFIX}/{kind}/{name}?query={{}}&limit={limit}&skip=0"


def ensure_free(ctx: Context, name: str, message: str = "duplicated name") -> None:
    if ctx.store.get_artifact(name) is not None:
        raise Conflict(f"{message}: {name!r} is already taken")


def create(ctx: Context, name: str, doc: dict, message: str = "duplicated name") -> dict:
    """Reserve the name atomically with its first metadata document."""
    doc = {"name": name, "timeCreated": time_created(), "finished": False,
           "status": "queued", "parents": [], **doc}
    if not ctx.store.create_artifact(name, doc):
        raise Conflict(f"{message}: {name!r} is already taken")
    return doc


def get(ctx: Context, name: str, type: str | None = None) -> dict:
    doc = ctx.store.get_artifact(name)
    if doc is None or (type is not None and doc.get("type") != type):
        kind = f"{type} artifact" if type else "artifact"
        raise NotFound(f"no {kind} named {name!r}")
    return doc


def is_active(doc: dict) -> bool:
    return doc.get("status") in ACTIVE_STATUSES


def content(ctx: Context, name: str, skip: int, limit: int, query_text: str | None) -> list:
    """Upstream's content page: the metadata document (`_id` 0) first, then rows 1..N."""
    from lo_server import query  # pyarrow loads with the first page, not at start (~100 MiB)

    doc = get(ctx, name)
    if skip < 0 or limit < 0:
        raise Invalid("skip and limit must not be negative")
    limit = min(limit or MAX_LIMIT, MAX_LIMIT)
    try:
        filters = query.parse(query_text)
    except query.QueryError as exc:
        raise Invalid(f"invalid query: {exc}") from exc
    metadata = {"_id": 0, **doc}
    page = []
    if query.matches(metadata, filters):
        if skip == 0:
            page.append(metadata)
            limit -= 1
        else:
            skip -= 1
    if limit > 0:
        page.extend(_rows(ctx, doc, skip, limit, filters))
    return page


def _rows(ctx: Context, doc: dict, skip: int, limit: int, filters: dict) -> list:
    from lo_server import query, tables

    if doc.get("type") in TABLE_TYPES:
        if doc.get("format") != "parquet" or not doc.get("finished"):
            return []
        mirror.sync(ctx.settings, doc["name"])
        path = artifacts.artifact_file(ctx.settings.artifacts_dir, doc["name"], "parquet")
        rows = tables.read_page(path, skip, limit, filters)
        if doc.get("type") == "explore/histogram":  # upstream: one field per document
            rows = [{k: v for k, v in row.items() if v is not None} for row in rows]
        return rows
    runs = [run for run in ctx.store.list_executions(doc["name"]) if query.matches(run, filters)]
    return runs[skip:skip + limit]


def list_of(ctx: Context, type: str | None = None) -> list[dict]:
    return ctx.store.list_artifacts(type)


def delete(ctx: Context, name: str, type: str | None = None) -> str:
    """Delete metadata and files; refused while other artifacts are built from this one."""
    doc = get(ctx, name, type)
    users = [n for n in ctx.store.dependants(name) if n != name]
    if users:
        raise Conflict(f"cannot delete {name!r}: used by {', '.join(sorted(users))}")
    if is_active(doc) and doc.get("jobId"):
        ctx.engine.cancel(doc["jobId"])
    ctx.store.delete_artifact(name)
    artifacts.remove(ctx.settings.artifacts_dir, name)
    shared = mirror.of(ctx.settings)
    if shared is not None:
        shared.remove(name)
    ctx.bus.publish({"name": name, "type": doc.get("type"), "status": "deleted",
                     "deleted": True})
    return "deleted file"


def cancel(ctx: Context, name: str) -> dict:
    doc = get(ctx, name)
    if not is_active(doc) or not ctx.engine.cancel(doc.get("jobId", "")):
        raise Conflict(f"{name!r} is not running or queued (status {doc.get('status')})")
    return get(ctx, name)
