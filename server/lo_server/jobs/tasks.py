"""The tasks a worker can run, by name: Function and Dataset here, the toolkits' in ml/.

Imported only inside workers (runner.task_function), so that the server process stays free
of pandas, Spark and TensorFlow; each task's module is imported by its first run.
"""

from __future__ import annotations

import linecache
import os
from contextlib import contextmanager
from pathlib import Path

from lo_server import artifacts, fetch, refs
from lo_server.jobs.runner import JobContext


def run_function(context: JobContext, spec: dict) -> dict:
    """A Function job: one namespace (so `global` and top-level helpers both work)."""
    code = spec["code"]
    if spec.get("codeUrl"):
        code = fetch.download_text(spec["codeUrl"])
    namespace = refs.resolve(spec["params"], lambda n, f: artifacts.load_object(
        context.artifacts, n, f))
    namespace.update({"__name__": "__lo_function__", "progress": context.progress})
    filename = f"<function {spec['name']}>"
    linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)  # tracebacks
    exec(compile(code, filename, "exec"), namespace)  # noqa: S102
    if "response" not in namespace:
        raise KeyError("the function did not assign a top-level `response` (use response = None)")
    fmt = artifacts.save_object(context.artifacts, spec["name"], namespace["response"])
    return _describe_output(context.artifacts, spec["name"], fmt)


def run_ingest(context: JobContext, spec: dict) -> dict:
    """A Dataset job: download (or take an upload), then store CSV as Parquet or keep bytes."""
    from lo_server import tables

    name = spec["name"]
    folder = artifacts.artifact_dir(context.artifacts, name)
    folder.mkdir(parents=True, exist_ok=True)
    source = Path(spec["upload"]) if spec.get("upload") else None
    staged = spec.get("staged")  # an upload kept in the shared artifact store
    dest = artifacts.artifact_file(context.artifacts, name, "parquet")
    try:
        if staged:
            source = folder / ".download"
            if not context.mirror.get_file(staged, source):
                raise FileNotFoundError(f"the upload of {name!r} is no longer in the store")
        elif source is None and spec["kind"] == "csv":  # parsed while it downloads
            source = folder / ".download"  # its copy, to explain a parse error
            with fetch.Body(spec["url"], source, spec["maxBytes"], spec["timeout"],
                            context.progress) as body, _arrow_threads():
                return {"format": "parquet", **tables.csv_to_parquet(body, dest)}
        elif source is None:
            source = folder / ".download"
            fetch.download(spec["url"], source, spec["maxBytes"], spec["timeout"],
                           context.progress)
        if spec["kind"] == "generic":
            with artifacts.atomic_path(artifacts.artifact_file(context.artifacts, name,
                                                               "binary")) as tmp:
                os.replace(source, tmp)
            return {"format": "binary", "bytes": os.path.getsize(
                artifacts.artifact_file(context.artifacts, name, "binary"))}
        if spec.get("sourceFormat") == "parquet":
            import pyarrow.parquet as pq

            info = tables.table_to_parquet(pq.read_table(source), dest)
        else:
            with _arrow_threads():
                info = tables.csv_to_parquet(source, dest)
        return {"format": "parquet", **info}
    finally:
        if source is not None:
            source.unlink(missing_ok=True)
        if staged:
            context.mirror.delete(staged)


@contextmanager
def _arrow_threads():
    """Let Arrow parse on every core. Dask's nanny starts workers with OMP_NUM_THREADS=1
    (against oversubscribed BLAS), which Arrow also reads as the size of its CPU pool:
    a CSV would be parsed on one core. The size it had is restored after (it only ever
    changes how fast a job runs, never what it does)."""
    import pyarrow as pa

    before = pa.cpu_count()
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else \
        os.cpu_count() or 1
    pa.set_cpu_count(max(before, cores))
    try:
        yield
    finally:
        pa.set_cpu_count(before)


def _describe_output(root: Path, name: str, fmt: str) -> dict:
    if fmt == "parquet":
        from lo_server import tables

        return {"format": fmt, **tables.parquet_info(artifacts.artifact_file(root, name, fmt))}
    return {"format": fmt}


# What runs each task, as "module:function": a module is imported by a task's first run, so
# a worker that only ran Functions never loads pandas, Spark or TensorFlow.
TASKS = {
    "function": "lo_server.jobs.tasks:run_function",
    "ingest": "lo_server.jobs.tasks:run_ingest",
    "notebook": "lo_server.jobs.notebook:run_notebook",  # shared-notebook runs (nbclient)
    "builder": "lo_server.ml.spark:run_builder",
    # the ML services: datasets on Parquet, then scikit-learn / TensorFlow steps
    "projection": "lo_server.ml.tabular:run_projection",
    "data_type": "lo_server.ml.tabular:run_data_type",
    "histogram": "lo_server.ml.tabular:run_histogram",
    "model": "lo_server.ml.steps:run_model",
    "method": "lo_server.ml.steps:run_method",
    "toolkit": "lo_server.ml.steps:run_toolkit",
}
