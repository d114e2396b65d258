"""Transform service: projection (a new dataset of chosen fields) and dataType (in place).

Both run as worker jobs on the Parquet files. Upstream's checks and messages, in its order:
projection 409 "duplicated projection name", then 406 "invalid dataset name", "missing
fields", "invalid fields", "unfinished processing in input dataset" (an input still being
ingested has no fields yet, so it gets the "unfinished" message rather than "invalid fields").

dataType converts fields to "number" or "string" with upstream's rules ("" becomes null,
integral numbers become integers). A value that is not a number fails the job with a message
naming the field, the row and the value; the file is untouched, and a corrected dataType
request is accepted on the failed dataset (upstream left it unfinished for ever). Scikit-learn
and TensorFlow transforms live in toolkit_steps.py.
"""

from __future__ import annotations

from lo_server.context import Context
from lo_server.errors import Conflict, Invalid, NotFound
from lo_server.services import artifacts as common

PROJECTION = "transform/projection"
DATA_TYPES = ("number", "string")


def create_projection(ctx: Context, source: str, name: str, names: list,
                      timeout: float | None = None) -> str:
    common.check_name(name, "outputDatasetName")
    common.ensure_free(ctx, name, "duplicated projection name")
    check_fields(table_input(ctx, source), names)
    common.create(ctx, name, {
        "type": PROJECTION, "datasetName": name, "parentDatasetName": source,
        "fields": list(names), "parents": [source]}, "duplicated projection name")
    ctx.engine.submit(name, "projection", {"name": name, "input": source, "names": names},
                      timeout)
    return common.uri(PROJECTION, name)


def update_projection(ctx: Context, source: str, name: str, names: list,
                      timeout: float | None = None) -> str:
    """PATCH (upstream answered 405): project again into an existing projection."""
    doc = ctx.store.get_artifact(name)
    if doc is None or doc.get("type") != PROJECTION:
        raise NotFound(f"no {PROJECTION} artifact named {name!r}")
    if common.is_active(doc):
        raise Conflict(f"{name!r} is still {doc['status']}: wait for it or cancel it first")
    if source == name:
        raise Invalid(f"invalid dataset name: {name!r} cannot be projected from itself")
    check_fields(table_input(ctx, source), names)
    ctx.store.update_artifact(name, {"parentDatasetName": source, "fields": list(names),
                                     "parents": [source]})
    ctx.engine.submit(name, "projection", {"name": name, "input": source, "names": names},
                      timeout)
    return common.uri(PROJECTION, name)


def update_types(ctx: Context, name: str, types: dict, timeout: float | None = None) -> str:
    """PATCH /transform/dataType: convert fields of `name` in place; 200 + its URI."""
    doc = table_input(ctx, name)
    if not types:
        raise Invalid("missing fields: types is empty")
    _require_ready(doc, name, only_if_no_fields=True, retry_failed=True)
    fields = doc.get("fields") or []
    unknown = [f for f in types if f not in fields]
    if unknown:
        raise Invalid(f"invalid fields: {', '.join(map(repr, unknown))} not in {name!r} "
                      f"(fields: {', '.join(fields)})")
    wrong = {f: t for f, t in types.items() if t not in DATA_TYPES}
    if wrong:
        raise Invalid(f"invalid fields: types must be \"number\" or \"string\", not {wrong}")
    _require_ready(doc, name, retry_failed=True)
    ctx.engine.submit(name, "data_type", {"name": name, "types": dict(types)}, timeout)
    return common.uri(doc["type"], name)


def table_input(ctx: Context, name: str) -> dict:
    """The input dataset's metadata; 406 "invalid dataset name" unless it is a table."""
    doc = ctx.store.get_artifact(name) if isinstance(name, str) else None
    if doc is None:
        raise Invalid(f"invalid dataset name: there is no dataset named {name!r}")
    if doc.get("type") not in common.TABLE_TYPES and doc.get("format") != "parquet":
        raise Invalid(f"invalid dataset name: {name!r} is a {doc.get('type')}, not a table")
    return doc


def check_fields(doc: dict, names: list) -> None:
    if not names:
        raise Invalid("missing fields: names is empty")
    _require_ready(doc, doc["name"], only_if_no_fields=True)
    fields = doc.get("fields") or []
    unknown = [n for n in names if n not in fields]
    if unknown:
        raise Invalid(f"invalid fields: {', '.join(map(repr, unknown))} not in "
                      f"{doc['name']!r} (fields: {', '.join(fields)})")
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise Invalid(f"invalid fields: {', '.join(map(repr, repeated))} listed more than once")
    _require_ready(doc, doc["name"])


def _require_ready(doc: dict, name: str, only_if_no_fields: bool = False,
                   retry_failed: bool = False) -> None:
    """406 "unfinished processing in input dataset" unless its table is complete.

    With retry_failed, a dataset whose last job failed but whose table exists (a rejected
    dataType conversion) counts as ready.
    """
    if only_if_no_fields and doc.get("fields"):
        return
    status = doc.get("status", "finished" if doc.get("finished") else "queued")
    if status == "finished" or (retry_failed and status == "failed"
                                and doc.get("format") == "parquet" and doc.get("fields")):
        return
    raise Invalid(f"unfinished processing in input dataset: {name!r} is {status}")
