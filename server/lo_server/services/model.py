"""Model service: /model/scikitlearn and /model/tensorflow build an object in a worker.

Upstream's checks, in its order (409 duplicated model name; 406 invalid module path name,
invalid class name, invalid class parameter) plus unknown or unfinished `$` references
(406). The object is built from `classParameters` with `$` references and `#` expressions
resolved in the worker, and stored with artifacts.save_object (Keras models as .keras).
"""

from __future__ import annotations

from lo_server import refs
from lo_server.context import Context
from lo_server.errors import Conflict, NotFound
from lo_server.services import artifacts as common
from lo_server.services import toolkit

TASK = "model"


def create(ctx: Context, tool: str, name: str, module_path: str, class_name: str,
           params: dict, description: str, timeout: float | None = None) -> str:
    kind = f"model/{toolkit.check_tool(tool)}"
    toolkit.check_free(ctx, name, "duplicated model name")
    cls = toolkit.find_class(module_path, class_name)
    toolkit.check_class_parameters(cls, params)
    planned, parents = refs.plan(params, ctx.store.get_artifact)
    common.create(ctx, name, {
        "type": kind, "modelName": name, "modulePath": module_path, "class": class_name,
        "description": description, "parents": parents}, "duplicated model name")
    spec = {"name": name, "modulePath": module_path, "class": class_name, "params": planned,
            "raw": params, "description": description}
    ctx.engine.submit(name, TASK, spec, timeout)
    return common.uri(kind, name)


def update(ctx: Context, tool: str, name: str, params: dict, description: str,
           timeout: float | None = None) -> str:
    """PATCH: rebuild under the same name with new classParameters."""
    kind = f"model/{toolkit.check_tool(tool)}"
    doc = ctx.store.get_artifact(name)
    if doc is None or doc.get("type") != kind:
        raise NotFound(f"model name doesn't exist: no {kind} artifact named {name!r}")
    if common.is_active(doc):
        raise Conflict(f"{name!r} is still {doc['status']}: wait for it or cancel it first")
    cls = toolkit.find_class(doc["modulePath"], doc["class"])
    toolkit.check_class_parameters(cls, params)
    planned, parents = refs.plan(params, ctx.store.get_artifact)
    parents = [p for p in parents if p != name]
    ctx.store.update_artifact(name, {"description": description, "parents": parents})
    spec = {"name": name, "modulePath": doc["modulePath"], "class": doc["class"],
            "params": planned, "raw": params, "description": description}
    ctx.engine.submit(name, TASK, spec, timeout)
    return common.uri(kind, name)


def record_execution(ctx: Context):
    """Engine hook: upstream's model execution document, plus status, output and traceback."""

    def hook(job: dict, summary: dict) -> None:
        spec = job["spec"]
        ctx.store.add_execution(job["name"], {
            **execution_fields(job, summary),
            "description": spec.get("description", ""),
            "classParameters": spec.get("raw", {}),
        })

    return hook


def execution_fields(job: dict, summary: dict) -> dict:
    """What every toolkit execution document shares."""
    error = summary.get("error") or None
    return {
        "exception": error["message"] if error else None,
        "traceback": error.get("traceback") if error else None,
        "output": summary.get("output", ""),
        "status": summary["status"],
        "jobId": job["id"],
    }
