"""Transform and Explore with a toolkit class (upstream's database executor), both toolkits.

Body: name, description, modulePath, class, classParameters, method, methodParameters.
Checks in upstream's order: 409 duplicated name; 406 invalid module path name, invalid class
name, invalid class parameter, invalid method name, invalid class method parameter; then
unknown or unfinished `$` references. Unlike upstream, classParameters are resolved too
(`$dataset` in `DataFrame(data=...)`), in the worker.
"""

from __future__ import annotations

from lo_server import refs
from lo_server.context import Context
from lo_server.errors import Conflict, NotFound
from lo_server.services import artifacts as common
from lo_server.services import toolkit
from lo_server.services.model import execution_fields

TASK = "toolkit"
KINDS = ("transform", "explore")


def create(ctx: Context, kind: str, tool: str, name: str, module_path: str, class_name: str,
           class_params: dict, method: str, params: dict, description: str,
           timeout: float | None = None) -> str:
    step_type = f"{kind}/{toolkit.check_tool(tool)}"
    toolkit.check_free(ctx, name)
    cls = toolkit.find_class(module_path, class_name)
    toolkit.check_class_parameters(cls, class_params)
    toolkit.check_method(cls, method)
    toolkit.check_method_parameters(cls, method, params)
    planned_class, class_refs = refs.plan(class_params, ctx.store.get_artifact)
    planned, method_refs = refs.plan(params, ctx.store.get_artifact)
    common.create(ctx, name, {
        "type": step_type, "name": name, "modulePath": module_path, "class": class_name,
        "classParameters": class_params, "method": method, "description": description,
        "parents": list(dict.fromkeys(class_refs + method_refs))})
    _submit(ctx, kind, name, module_path, class_name, planned_class, method, planned, params,
            description, timeout)
    return uri(kind, tool, name)


def update(ctx: Context, kind: str, tool: str, name: str, method: str | None, params: dict,
           description: str, timeout: float | None = None) -> str:
    """PATCH: run again with the stored class and classParameters, a new method call."""
    step_type = f"{kind}/{toolkit.check_tool(tool)}"
    doc = ctx.store.get_artifact(name)
    if doc is None or doc.get("type") != step_type:
        raise NotFound(f"parent name doesn't exist: no {step_type} artifact named {name!r}")
    if common.is_active(doc):
        raise Conflict(f"{name!r} is still {doc['status']}: wait for it or cancel it first")
    method = method or doc["method"]
    cls = toolkit.find_class(doc["modulePath"], doc["class"])
    toolkit.check_method(cls, method)
    toolkit.check_method_parameters(cls, method, params)
    planned_class, class_refs = refs.plan(doc.get("classParameters") or {},
                                          ctx.store.get_artifact)
    planned, method_refs = refs.plan(params, ctx.store.get_artifact)
    parents = [p for p in dict.fromkeys(class_refs + method_refs) if p != name]
    ctx.store.update_artifact(name, {"method": method, "description": description,
                                     "parents": parents})
    _submit(ctx, kind, name, doc["modulePath"], doc["class"], planned_class, method, planned,
            params, description, timeout)
    return uri(kind, tool, name)


def _submit(ctx, kind, name, module_path, class_name, planned_class, method, planned, raw,
            description, timeout) -> None:
    spec = {"name": name, "kind": kind, "modulePath": module_path, "class": class_name,
            "classParams": planned_class, "method": method, "params": planned, "raw": raw,
            "description": description}
    ctx.engine.submit(name, TASK, spec, timeout)


def uri(kind: str, tool: str, name: str) -> str:
    """Transform: its content page. Explore: its image (upstream: ".../{tool}{name}None")."""
    if kind == "explore":
        return f"{common.API_PREFIX}/explore/{tool}/{name}"
    return common.uri(f"{kind}/{tool}", name)


def record_execution(ctx: Context):
    """Engine hook: upstream's document {exception, description, method, methodParameters}
    plus status, output and traceback."""

    def hook(job: dict, summary: dict) -> None:
        spec = job["spec"]
        ctx.store.add_execution(job["name"], {
            **execution_fields(job, summary),
            "description": spec.get("description", ""),
            "method": spec.get("method"),
            "methodParameters": spec.get("raw", {}),
        })

    return hook
