"""Train, Tune, Predict and Evaluate (upstream's binary executor) for both toolkits.

A step calls `method` with `methodParameters` on the object stored by `parentName`, after
checking them against the class of `modelName` (found by walking parent links to a model).
Checks in upstream's order: 409 duplicated name; 406 parentName doesn't exist, invalid
model name (a chain that ends at a non-model), invalid method name, invalid class method
parameter; then ours: the parent must be finished and hold an object, references must be
usable. Fixed: the type is "evaluate/scikitlearn" (upstream's typo), URIs have their "/".
"""

from __future__ import annotations

from lo_server import refs
from lo_server.context import Context
from lo_server.errors import Conflict, Invalid, NotFound
from lo_server.services import artifacts as common
from lo_server.services import toolkit
from lo_server.services.model import execution_fields

TASK = "method"
KINDS = toolkit.STEP_KINDS


def create(ctx: Context, kind: str, tool: str, name: str, model_name: str, parent_name: str,
           method: str, params: dict, description: str, timeout: float | None = None) -> str:
    step_type = _type(kind, tool)
    toolkit.check_free(ctx, name)
    if ctx.store.get_artifact(parent_name) is None:
        raise Invalid(f"parentName doesn't exist: there is no artifact named {parent_name!r}")
    module_path, class_name, cls = toolkit.model_class(ctx, model_name)
    toolkit.check_method(cls, method)
    toolkit.check_method_parameters(cls, method, params)
    parent = toolkit.object_parent(ctx, parent_name)
    planned, references = refs.plan(params, ctx.store.get_artifact)
    parents = list(dict.fromkeys([parent_name, model_name, *references]))
    common.create(ctx, name, {
        "type": step_type, "name": name, "parentName": parent_name, "modelName": model_name,
        "method": method, "modulePath": module_path, "class": class_name,
        "description": description, "parents": parents})
    _submit(ctx, name, kind, tool, parent, module_path, class_name, method, planned, params,
            description, timeout)
    return common.uri(step_type, name)


def update(ctx: Context, kind: str, tool: str, name: str, params: dict, description: str,
           model_name: str | None = None, timeout: float | None = None) -> str:
    """PATCH: call the same method on the same parent with new methodParameters."""
    step_type = _type(kind, tool)
    doc = ctx.store.get_artifact(name)
    if doc is None or doc.get("type") != step_type:
        raise NotFound(f"parentName doesn't exist: no {step_type} artifact named {name!r}")
    if common.is_active(doc):
        raise Conflict(f"{name!r} is still {doc['status']}: wait for it or cancel it first")
    if model_name:
        module_path, class_name, cls = toolkit.model_class(ctx, model_name)
    else:
        module_path, class_name = doc["modulePath"], doc["class"]
        cls = toolkit.find_class(module_path, class_name)
    toolkit.check_method(cls, doc["method"])
    toolkit.check_method_parameters(cls, doc["method"], params)
    parent = toolkit.object_parent(ctx, doc["parentName"])
    planned, references = refs.plan(params, ctx.store.get_artifact)
    parents = list(dict.fromkeys([doc["parentName"], model_name or doc.get("modelName"),
                                  *references]))
    ctx.store.update_artifact(name, {
        "description": description, "modulePath": module_path, "class": class_name,
        "modelName": model_name or doc.get("modelName"),
        "parents": [p for p in parents if p and p != name]})
    _submit(ctx, name, kind, tool, parent, module_path, class_name, doc["method"], planned,
            params, description, timeout)
    return common.uri(step_type, name)


def _submit(ctx, name, kind, tool, parent, module_path, class_name, method, planned, raw,
            description, timeout) -> None:
    spec = {"name": name, "kind": kind, "tool": tool, "parentName": parent["name"],
            "parentFormat": parent["format"], "modulePath": module_path, "class": class_name,
            "method": method, "params": planned, "raw": raw, "description": description}
    ctx.engine.submit(name, TASK, spec, timeout)


def _type(kind: str, tool: str) -> str:
    if kind not in KINDS:
        raise Invalid(f"unknown step {kind!r}: use {', '.join(KINDS)}")
    return f"{kind}/{toolkit.check_tool(tool)}"


def record_execution(ctx: Context):
    """Engine hook: upstream's executor document {exception, description, methodParameters}
    plus status, output (what the toolkit printed) and traceback."""

    def hook(job: dict, summary: dict) -> None:
        spec = job["spec"]
        ctx.store.add_execution(job["name"], {
            **execution_fields(job, summary),
            "description": spec.get("description", ""),
            "methodParameters": spec.get("raw", {}),
        })

    return hook
