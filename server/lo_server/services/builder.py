"""Builder service: one Spark job per request, one prediction artifact per classifier.

Upstream's checks and messages (406 for an unknown dataset, an unknown classifier, an
unfinished input), plus ours: the modeling code is compiled at request time, an empty or
repeated classifier list is refused, and an existing `{test}{CLF}` is a 409 instead of
being silently overwritten.
"""

from __future__ import annotations

from lo_server import fetch
from lo_server.context import Context
from lo_server.errors import Conflict, Invalid
from lo_server.ml.spark import CLASSIFIERS
from lo_server.services import artifacts as common

TYPE = "builder/sparkml"
OUTPUT_KEPT = 20_000  # characters of the modeling code's printed output kept per artifact


def create(ctx: Context, train: str, test: str, code: str, classifiers: list[str],
           timeout: float | None = None) -> list[str]:
    """Validate, record every prediction artifact, submit the one job; return their URIs."""
    for name in (train, test):
        _check_input(ctx, name)
    _check_classifiers(classifiers)
    for name in (train, test):
        _check_finished(ctx, name)
    spec = {"train": train, "test": test, "code": code, "codeUrl": None,
            "spark": _spark_options(ctx)}
    _check_code(code, spec)
    outputs = [[clf, f"{test}{clf}"] for clf in classifiers]
    for _, name in outputs:
        common.check_name(name, "prediction name")
        common.ensure_free(ctx, name)
    spec["outputs"] = outputs
    parents = list(dict.fromkeys([train, test]))
    created: list[str] = []
    try:
        for clf, name in outputs:
            common.create(ctx, name, {
                "type": TYPE, "datasetName": name, "classifier": clf,
                "parentDatasetName": [train, test], "parents": parents})
            created.append(name)
    except Conflict:  # another request took one of the names meanwhile
        for name in created:
            ctx.store.delete_artifact(name)
        raise
    names = [name for _, name in outputs]
    ctx.engine.submit(names[0], "builder", spec, timeout, members=names)
    return [common.uri(TYPE, name, limit=10) for name in names]


def record_output(ctx: Context):
    """Engine hook: keep what the modeling code printed (its end) with every prediction."""

    def hook(job: dict, summary: dict) -> None:
        output = summary.get("output") or ""
        if len(output) > OUTPUT_KEPT:
            output = f"[first {len(output) - OUTPUT_KEPT} characters cut]\n" + \
                output[-OUTPUT_KEPT:]
        for name in job["members"]:
            ctx.store.update_artifact(name, {"output": output})

    return hook


def _check_input(ctx: Context, name: str) -> None:
    doc = ctx.store.get_artifact(name) if isinstance(name, str) else None
    if doc is None:
        raise Invalid(f"invalid input dataset name: there is no dataset named {name!r}")


def _check_classifiers(classifiers: list[str]) -> None:
    if not classifiers:
        raise Invalid("invalid classifier name: classifiersList is empty; choose from "
                      + ", ".join(CLASSIFIERS))
    unknown = [c for c in classifiers if c not in CLASSIFIERS]
    if unknown:
        raise Invalid(f"invalid classifier name: {', '.join(map(repr, unknown))} "
                      f"(choose from {', '.join(CLASSIFIERS)})")
    repeated = sorted({c for c in classifiers if classifiers.count(c) > 1})
    if repeated:
        raise Invalid(f"invalid classifier name: {', '.join(repeated)} listed more than once")


def _check_finished(ctx: Context, name: str) -> None:
    doc = ctx.store.get_artifact(name)
    status = doc.get("status", "finished" if doc.get("finished") else "queued")
    if status != "finished":
        raise Invalid(f"unfinished processing in input dataset: {name!r} is {status}")
    if doc.get("format") != "parquet":
        raise Invalid(f"invalid input dataset name: {name!r} is not a table "
                      f"(a {doc.get('type')} artifact stored as {doc.get('format')})")


def _check_code(code: str, spec: dict) -> None:
    if not code.strip():
        raise Invalid("invalid modelingCode: the code is empty")
    if fetch.looks_like_url(code):
        spec["codeUrl"] = fetch.check_url(code.strip())
        return
    try:
        compile(code, "<modelingCode>", "exec")
    except (SyntaxError, ValueError) as exc:
        line = f" (line {exc.lineno})" if getattr(exc, "lineno", None) else ""
        raise Invalid(f"invalid modelingCode: {type(exc).__name__}: "
                      f"{getattr(exc, 'msg', exc)}{line}") from exc


def _spark_options(ctx: Context) -> dict:
    settings = ctx.settings
    return {"master": settings.spark_master, "driverMemory": settings.spark_driver_memory,
            "shufflePartitions": settings.spark_shuffle_partitions, "ui": settings.spark_ui}
