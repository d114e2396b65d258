"""The list / content / delete routes every artifact type shares (upstream's /files)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query

from lo_server.api.deps import get_ctx
from lo_server.context import Context
from lo_server.services import artifacts


def add_read_routes(router: APIRouter, kind: str) -> None:
    """GET /{kind}, GET /{kind}/{name} (paged content) and DELETE /{kind}/{name}."""

    @router.get(f"/{kind}", summary=f"List {kind} artifacts")
    def list_kind(ctx: Context = Depends(get_ctx)):
        return {"result": artifacts.list_of(ctx, kind)}

    @router.get(f"/{kind}/{{name}}", summary=f"Page the content of a {kind} artifact")
    def read_kind(name: str, skip: int = Query(0), limit: int = Query(20),
                  query: str | None = Query(None, description="JSON filter, e.g. {\"Sex\": "
                                                               "\"male\"}"),
                  ctx: Context = Depends(get_ctx)):
        return {"result": artifacts.content(ctx, name, skip, limit, query)}

    @router.delete(f"/{kind}/{{name}}", summary=f"Delete a {kind} artifact")
    def delete_kind(name: str, ctx: Context = Depends(get_ctx)):
        return {"result": artifacts.delete(ctx, name, kind)}
