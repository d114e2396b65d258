"""Explore service: histogram (upstream's shape) and the plots every explore artifact has.

Histogram checks, upstream's order and messages: 409 "duplicated dataset name"; 406 "invalid
dataset name", "missing fields", "invalid fields", "unfinished processing in input dataset".
Its rows are one document per field, {field: [{"_id": value, "count": n}, ...]}. Every
explore artifact (histogram, scikit-learn, TensorFlow) has a PNG and the plotted data as
JSON; scikit-learn and TensorFlow explore jobs live in toolkit_steps.py.
"""

from __future__ import annotations

from pathlib import Path

from lo_server import artifacts, mirror
from lo_server.context import Context
from lo_server.errors import Conflict, NotFound
from lo_server.services import artifacts as common
from lo_server.services import transform

HISTOGRAM = "explore/histogram"
TOOLS = ("histogram", "scikitlearn", "tensorflow")


def create_histogram(ctx: Context, source: str, name: str, names: list,
                     timeout: float | None = None) -> str:
    common.check_name(name, "outputDatasetName")
    common.ensure_free(ctx, name, "duplicated dataset name")
    transform.check_fields(transform.table_input(ctx, source), names)
    common.create(ctx, name, {
        "type": HISTOGRAM, "datasetName": name, "parentDatasetName": source,
        "fields": list(names), "parents": [source]}, "duplicated dataset name")
    ctx.engine.submit(name, "histogram", {"name": name, "input": source, "names": names},
                      timeout)
    return common.uri(HISTOGRAM, name, limit=10)


def plot_file(ctx: Context, tool: str, name: str, what: str) -> Path:
    """The finished explore artifact's image ("png") or plotted data ("json")."""
    doc = common.get(ctx, name, f"explore/{tool}")
    status = doc.get("status", "finished" if doc.get("finished") else "queued")
    if status != "finished":
        raise Conflict(f"{name!r} is {status}: its plot exists once it is finished")
    mirror.sync(ctx.settings, name)
    image = artifacts.artifact_file(ctx.settings.artifacts_dir, name, "png")
    path = image if what == "png" else image.parent / artifacts.PLOT_DATA
    if not path.exists():
        raise NotFound(f"{name!r} has no plot")
    return path
