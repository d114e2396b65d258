"""Function service: run the user's Python code as a job, with `$` references resolved."""

from __future__ import annotations

from lo_server import fetch, refs
from lo_server.context import Context
from lo_server.errors import Conflict, Invalid
from lo_server.services import artifacts as common

TYPE = "function/python"


def create(ctx: Context, name: str, code: str, params: dict, description: str,
           timeout: float | None) -> str:
    common.check_name(name)
    common.ensure_free(ctx, name)
    spec, parents = _spec(ctx, name, code, params, description)
    common.create(ctx, name, {"type": TYPE, "description": description, "parents": parents,
                              "request": _request(code, params, description, timeout)})
    ctx.engine.submit(name, "function", spec, timeout)
    return common.uri(TYPE, name)


def update(ctx: Context, name: str, code: str, params: dict, description: str,
           timeout: float | None) -> str:
    """PATCH: run new code under the same name; the previous result stays until it succeeds."""
    doc = common.get(ctx, name, TYPE)
    if common.is_active(doc):
        raise Conflict(f"{name!r} is still {doc['status']}: wait for it or cancel it first")
    spec, parents = _spec(ctx, name, code, params, description)
    ctx.store.update_artifact(name, {"description": description, "parents": parents,
                                     "request": _request(code, params, description, timeout)})
    ctx.engine.submit(name, "function", spec, timeout)
    return common.uri(TYPE, name)


def output_of(ctx: Context, name: str, job_id: str | None) -> str:
    """What job `job_id` of Function `name` printed ("" if it is not the latest run)."""
    latest = ctx.store.latest_execution(name)
    if latest is None or latest.get("jobId") != job_id:
        return ""
    return latest.get("functionMessage") or ""


def _request(code: str, params: dict, description: str, timeout: float | None) -> dict:
    """The PATCH body that runs this again (the sidebar's re-run sends it back)."""
    request = {"function": code, "functionParameters": params, "description": description}
    return {**request, "timeout": timeout} if timeout else request


def _spec(ctx: Context, name: str, code: str, params: dict, description: str):
    if not code.strip():
        raise Invalid("invalid function: the code is empty")
    spec = {"name": name, "code": code, "codeUrl": None, "raw": params,
            "description": description}
    if fetch.looks_like_url(code):
        spec["codeUrl"] = fetch.check_url(code.strip())
    else:
        try:
            compile(code, f"<function {name}>", "exec")
        except (SyntaxError, ValueError) as exc:
            line = f" (line {exc.lineno})" if getattr(exc, "lineno", None) else ""
            raise Invalid(f"invalid function code: {type(exc).__name__}: "
                          f"{getattr(exc, 'msg', exc)}{line}") from exc
    spec["params"], parents = refs.plan(params, ctx.store.get_artifact)
    return spec, [p for p in parents if p != name]


def record_execution(ctx: Context):
    """Engine hook: append upstream's execution document when a function job ends."""

    def hook(job: dict, summary: dict) -> None:
        spec = job["spec"]
        error = summary.get("error") or None
        ctx.store.add_execution(job["name"], {
            "exception": error["message"] if error else None,
            "traceback": error.get("traceback") if error else None,
            "functionMessage": summary.get("output", ""),
            "description": spec.get("description", ""),
            "functionParameters": spec.get("raw", {}),
            "status": summary["status"],
            "jobId": job["id"],
        })

    return hook
