"""Shared notebooks: publish versions, run them as jobs now or on a schedule.

A published notebook is a record (name, versions) plus one .ipynb file per version under
DATA_DIR/notebooks/NAME/; every version is kept. A run is an ordinary artifact of type
notebook/run whose job executes the notebook in a worker (jobs/notebook.py). With a shared
artifact store each version is also kept there (`notebooks/NAME/vN.ipynb`), where workers on
other nodes, and other servers, find it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import time
import uuid

from lo_server import artifacts, mirror
from lo_server.context import Context
from lo_server.errors import BadRequest, Invalid, NotFound
from lo_server.services import artifacts as common

KIND = "notebook"
SCHEDULE = "schedule"
RUN_TYPE = "notebook/run"
RESERVED = {"schedules"}  # would shadow /notebooks/schedules


def publish(ctx: Context, name: str, body: bytes) -> dict:
    """Validate the .ipynb and store it as the notebook's next version."""
    common.check_name(name)
    if name in RESERVED:
        raise Invalid(f"invalid name {name!r}: reserved")
    notebook = _validated(body)
    record = ctx.store.get_record(KIND, name) or {"name": name, "versions": [], "runs": 0}
    version = len(record["versions"]) + 1
    path = _version_file(ctx, name, version)
    with artifacts.atomic_path(path) as tmp:
        tmp.write_bytes(body)
    shared = mirror.of(ctx.settings)
    if shared is not None:  # before the record names the version
        shared.put_file(path, _version_key(name, version))
    record["versions"].append({
        "version": version, "publishedAt": time.time(), "bytes": len(body),
        "sha256": hashlib.sha256(body).hexdigest(), "cells": len(notebook["cells"]),
    })
    record["latest"] = version
    ctx.store.put_record(KIND, name, record)
    return {"name": name, "version": version,
            "uri": f"{common.API_PREFIX}/notebooks/{name}?version={version}"}


def _validated(body: bytes) -> dict:
    import nbformat

    try:
        notebook = nbformat.reads(body.decode("utf-8"), as_version=4)
        nbformat.validate(notebook)
    except (UnicodeDecodeError, ValueError, nbformat.ValidationError) as exc:
        message = str(exc).splitlines()[0][:300]
        raise Invalid(f"invalid notebook: {type(exc).__name__}: {message}") from None
    return notebook


def record(ctx: Context, name: str) -> dict:
    found = ctx.store.get_record(KIND, name)
    if found is None:
        raise NotFound(f"no shared notebook named {name!r}")
    return found


def read(ctx: Context, name: str, version: int | None = None) -> dict:
    found = record(ctx, name)
    version = version or found["latest"]
    if not 1 <= version <= len(found["versions"]):
        raise NotFound(f"notebook {name!r} has no version {version}")
    path = _version_file(ctx, name, version)
    shared = mirror.of(ctx.settings)
    if shared is not None and not path.exists():  # published through another server
        shared.get_file(_version_key(name, version), path)
    return json.loads(path.read_text())


def delete(ctx: Context, name: str) -> str:
    record(ctx, name)
    for schedule in schedules(ctx):
        if schedule["notebook"] == name:
            ctx.store.delete_record(SCHEDULE, schedule["id"])
    ctx.store.delete_record(KIND, name)
    shutil.rmtree(ctx.settings.data_dir / "notebooks" / name, ignore_errors=True)
    shared = mirror.of(ctx.settings)
    if shared is not None:
        shared.delete(f"notebooks/{name}")
    return "deleted notebook"


def run(ctx: Context, name: str, parameters: dict, version: int | None, output: str | None,
        at: str | None, cron: str | None, timeout: float | None) -> dict:
    """Run now (returns the run artifact's URI) or schedule (returns the schedule)."""
    found = record(ctx, name)
    version = version or found["latest"]
    read(ctx, name, version)  # 404 for a missing version, now rather than at firing time
    if at and cron:
        raise BadRequest("give `at` or `cron`, not both")
    if at or cron:
        return _schedule(ctx, name, parameters, version, at, cron, timeout)
    return {"uri": run_now(ctx, name, parameters, version, output, timeout)}


def run_now(ctx: Context, name: str, parameters: dict, version: int, output: str | None,
            timeout: float | None) -> str:
    found = record(ctx, name)
    found["runs"] = found.get("runs", 0) + 1
    ctx.store.put_record(KIND, name, found)
    output = output or f"{name}_run{found['runs']}"
    common.check_name(output)
    common.ensure_free(ctx, output)
    common.create(ctx, output, {"type": RUN_TYPE, "notebook": name, "version": version,
                                "parameters": parameters})
    spec = {"name": output, "path": str(_version_file(ctx, name, version)),
            "parameters": parameters}
    if mirror.of(ctx.settings) is not None:  # the worker may be on another node
        spec["staged"] = _version_key(name, version)
    ctx.engine.submit(output, "notebook", spec, timeout)
    return common.uri(RUN_TYPE, output)


# ---- schedules ------------------------------------------------------------------------------

def schedules(ctx: Context) -> list[dict]:
    return ctx.store.list_records(SCHEDULE)


def delete_schedule(ctx: Context, schedule_id: str) -> str:
    if not ctx.store.delete_record(SCHEDULE, schedule_id):
        raise NotFound(f"no schedule {schedule_id!r}")
    return "deleted schedule"


def _schedule(ctx, name, parameters, version, at, cron, timeout) -> dict:
    now = time.time()
    if at:
        when = parse_time(at)
        if when <= now:
            raise Invalid(f"`at` {at!r} is in the past")
    else:
        when = next_cron_time(cron, now)
    schedule = {"id": uuid.uuid4().hex[:12], "notebook": name, "version": version,
                "parameters": parameters, "at": at, "cron": cron, "timeout": timeout,
                "next": when, "createdAt": now, "runs": []}
    ctx.store.put_record(SCHEDULE, schedule["id"], schedule)
    return schedule


def parse_time(text: str) -> float:
    """ISO 8601; a time without a zone is UTC."""
    try:
        when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise Invalid(f"`at` {text!r} is not an ISO 8601 time") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.timestamp()


def next_cron_time(cron: str, after: float) -> float:
    from croniter import croniter

    if not isinstance(cron, str) or not croniter.is_valid(cron):
        raise Invalid(f"`cron` {cron!r} is not a cron expression (e.g. '*/5 * * * *')")
    start = dt.datetime.fromtimestamp(after, dt.UTC)
    return croniter(cron, start).get_next(float)


def fire_due(ctx: Context, now: float) -> list[str]:
    """Start every schedule whose time has come; a schedule missed while the server was
    down fires once. Returns the names of the runs started."""
    started = []
    for schedule in schedules(ctx):
        if schedule["next"] is None or schedule["next"] > now:
            continue
        try:
            started.append(run_now(ctx, schedule["notebook"], schedule["parameters"],
                                   schedule["version"], None, schedule["timeout"]))
            schedule["runs"].append(started[-1].split("/")[-1].split("?")[0])
        except (NotFound, Invalid) as exc:  # the notebook went away: stop the schedule
            schedule["error"] = exc.message
            schedule["next"] = None
        else:
            schedule["next"] = next_cron_time(schedule["cron"], now) if schedule["cron"] \
                else None
        schedule["lastRun"] = now
        ctx.store.put_record(SCHEDULE, schedule["id"], schedule)
    return started


def _version_file(ctx: Context, name: str, version: int):
    return ctx.settings.data_dir / "notebooks" / name / f"v{version}.ipynb"


def _version_key(name: str, version: int) -> str:
    """The version's key in the shared artifact store."""
    return f"notebooks/{name}/v{version}.ipynb"
