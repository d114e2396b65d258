"""Builder jobs inside a Dask worker: the user's PySpark modeling code, then MLlib classifiers.

Each worker process keeps one Spark session (a JVM started on first use, ~7 s) and reuses it
for every later Builder job; each job runs in its own `newSession()` so temporary views and
SQL settings do not leak between jobs. The classifiers of a request are fitted concurrently
in threads, each in its own FAIR scheduler pool. The JVM reads its stdin from this process
and exits when it closes, so a worker restarted to cancel a job takes its JVM with it.
"""

from __future__ import annotations

import linecache
import math
import os
import shutil
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

from lo_server import artifacts, fetch

# code -> class in pyspark.ml.classification (upstream's five, default parameters)
CLASSIFIERS = {
    "LR": "LogisticRegression",
    "DT": "DecisionTreeClassifier",
    "RF": "RandomForestClassifier",
    "GB": "GBTClassifier",
    "NB": "NaiveBayes",
}
REQUIRED = ("features_training", "features_testing", "features_evaluation")
MODEL_DIR = "spark-model"  # the fitted model, inside the prediction artifact's directory
DROPPED = ("features", "rawPrediction")  # vectors upstream removed from the prediction rows

_lock = threading.Lock()
_session = None
_session_options: dict | None = None


class ModelingCodeError(Exception):
    """The user's modeling code failed or left something unusable: every classifier fails."""


# ---- the worker's Spark session -------------------------------------------------------------

def spark_session(options: dict):
    """This process's Spark session for `options`, started on first use and then reused.

    options: master, driverMemory, shufflePartitions, ui (from the server's Settings).
    A session that was stopped (user code may call stop()) or started for another master is
    replaced. The driver memory only applies to the first JVM this process starts.
    """
    global _session, _session_options
    with _lock:
        if _session is not None and (_session_options != options or not _alive(_session)):
            try:
                _session.stop()
            except Exception:  # noqa: BLE001 - already stopped: nothing left to release
                pass
            _session = None
        if _session is None:
            _session = _start(options)
            _session_options = dict(options)
        return _session


def _start(options: dict):
    master = options.get("master") or "local[*]"
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # executors' Python = ours
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    if _loopback_master(master):
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from pyspark.sql import SparkSession

    conf = {
        "spark.ui.enabled": str(bool(options.get("ui"))).lower(),
        "spark.ui.showConsoleProgress": "false",
        "spark.driver.memory": str(options.get("driverMemory") or "1g"),
        "spark.sql.shuffle.partitions": str(options.get("shufflePartitions") or 4),
        "spark.scheduler.mode": "FAIR",
        "spark.scheduler.allocation.file": _pools_file(),
    }
    builder = SparkSession.builder.master(master).appName("lo-builder")
    for key, value in conf.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("WARN")
    return session


def _alive(session) -> bool:
    try:
        return not session.sparkContext._jsc.sc().isStopped()
    except Exception:  # noqa: BLE001 - a dead gateway or a stopped context
        return False


def _loopback_master(master: str) -> bool:
    """local[...] or a cluster master on this machine: the driver may bind to 127.0.0.1."""
    if master.startswith("local"):
        return True
    host = urlsplit(master).hostname or ""
    return host in ("localhost", "::1") or host.startswith("127.")


def _pools_file() -> str:
    """A FAIR scheduler allocation file with one pool per classifier code."""
    pools = "".join(f'<pool name="{code}"><schedulingMode>FAIR</schedulingMode>'
                    f'<weight>1</weight><minShare>0</minShare></pool>' for code in CLASSIFIERS)
    fd, path = tempfile.mkstemp(prefix="lo-spark-pools-", suffix=".xml")
    with os.fdopen(fd, "w") as out:
        out.write(f'<?xml version="1.0"?><allocations>{pools}</allocations>')
    return path


# ---- one Builder job ------------------------------------------------------------------------

def run_builder(context, spec: dict) -> dict:
    """Run the modeling code, fit each classifier, store predictions and models.

    Returns {"members": {artifact name: {"ok", "metadata", "error"}}}: one classifier's
    failure fails only its own artifact. A modeling-code error raises (fails them all).
    """
    root = context.artifacts
    base = spark_session(spec["spark"])
    session = base.newSession()
    context.progress(0.05, "Spark session ready")
    outputs = dict(spec["outputs"])  # [[code, artifact name], ...] in request order
    code = spec["code"] if not spec.get("codeUrl") else fetch.download_text(spec["codeUrl"])
    try:
        training, testing = (read_table(session, root, spec[role], spec["spark"],
                                        context.mirror is not None) for role in ("train", "test"))
        features = run_modeling_code(code, spec["test"], training, testing, session)
        context.progress(0.2, "modeling code done; fitting classifiers")
        for frame in features.values():  # each is read by every classifier
            if frame is not None:
                frame.cache()
        return {"members": _fit_all(context, session, outputs, features)}
    finally:  # what this job (or its code) cached must not fill the next job's memory
        if _alive(session):  # the user's code may have stopped it
            session.catalog.clearCache()


def read_table(session, root: Path, name: str, options: dict, pulled: bool):
    """A dataset as a Spark DataFrame. Spark reads Parquet by path, in its executors, which
    see this worker's files with a local master (or on a volume every node mounts). With a
    shared artifact store (`pulled`) only this worker, the driver, has pulled the file: for
    a cluster master the table is read here and sent to the executors with the job (Builder
    datasets fit in the driver's memory). The fitted model is still saved by the executors,
    so a multi-node Spark cluster needs a shared volume for `spark-model/`."""
    path = artifacts.artifact_file(root, name, "parquet")
    if not pulled or _loopback_master(options.get("master") or "local[*]"):
        return session.read.parquet(str(path))
    import pyarrow.parquet as pq

    return session.createDataFrame(pq.read_table(path))


def run_modeling_code(code: str, label: str, training, testing, session) -> dict:
    """Exec the code with upstream's names; return the three feature DataFrames it defines."""
    from pyspark.sql import DataFrame

    filename = f"<modeling code for {label}>"
    linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
    namespace = {"__name__": "__lo_builder__", **_user_names(), "training_df": training,
                 "testing_df": testing, "spark_session": session}
    try:
        exec(compile(code, filename, "exec"), namespace)  # noqa: S102
    except Exception as exc:
        raise ModelingCodeError(f"the modeling code raised {type(exc).__name__}: {exc}") \
            from exc
    missing = [name for name in REQUIRED if name not in namespace]
    if missing:
        raise ModelingCodeError(
            f"the modeling code did not define {', '.join(missing)}: it must define "
            "features_training, features_testing and features_evaluation (None when there "
            "is nothing to evaluate)")
    features = {name: namespace[name] for name in REQUIRED}
    for name, frame in features.items():
        if frame is None and name == "features_evaluation":
            continue
        if not isinstance(frame, DataFrame):
            raise ModelingCodeError(f"{name} must be a Spark DataFrame, not "
                                    f"{type(frame).__name__}")
        needed = ["features"] + ([] if name == "features_testing" else ["label"])
        absent = [column for column in needed if column not in frame.columns]
        if absent:
            raise ModelingCodeError(f"{name} has no {' or '.join(map(repr, absent))} column "
                                    f"(the classifiers use featuresCol='features', "
                                    f"labelCol='label'); its columns: {frame.columns}")
    return features


def _user_names() -> dict:
    """What upstream's modeling code found without importing it."""
    import numpy as np
    from pyspark.ml import classification
    from pyspark.ml.evaluation import MulticlassClassificationEvaluator
    from pyspark.sql import SparkSession

    names = {cls: getattr(classification, cls) for cls in CLASSIFIERS.values()}
    return {**names, "SparkSession": SparkSession, "np": np, "time": time,
            "MulticlassClassificationEvaluator": MulticlassClassificationEvaluator,
            "fields_from_dataframe": fields_from_dataframe}


def fields_from_dataframe(frame, is_string: bool) -> list[str]:
    """Upstream's helper: the columns whose first-row value is (or is not) a string."""
    first = frame.first()
    if first is None:
        return []
    return [name for name, value in first.asDict().items()
            if isinstance(value, str) == bool(is_string)]


def _fit_all(context, session, outputs: dict, features: dict) -> dict:
    from pyspark import InheritableThread

    results: dict[str, dict] = {}
    done = threading.Lock()

    def fit(code: str) -> None:
        result = fit_classifier(session, code, outputs[code], features, context.artifacts)
        with done:
            results[outputs[code]] = result
            context.progress(0.2 + 0.8 * len(results) / len(outputs),
                             f"{len(results)} of {len(outputs)} classifiers done")

    threads = [InheritableThread(fit, args=(code,), session=session) for code in outputs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {outputs[code]: results[outputs[code]] for code in outputs}


def fit_classifier(session, code: str, name: str, features: dict, root: Path) -> dict:
    """Fit one classifier in its own pool; never raises (the error goes in the result)."""
    metadata: dict = {"classifier": code}
    try:
        from pyspark.ml import classification

        session.sparkContext.setLocalProperty("spark.scheduler.pool", code)
        estimator = getattr(classification, CLASSIFIERS[code])()
        started = time.perf_counter()
        model = estimator.fit(features["features_training"])
        metadata["fitTime"] = time.perf_counter() - started
        if features["features_evaluation"] is not None:
            scores = evaluate(model.transform(features["features_evaluation"]))
            for field, metric in (("accuracy", "accuracy"), ("F1", "f1")):
                value = scores[metric]
                metadata[field] = str(value)  # upstream's string
                metadata[f"{metric}Value"] = value if math.isfinite(value) else None
        predictions = prediction_table(model.transform(features["features_testing"]))
        from lo_server import tables  # here, not at the top: the server imports CLASSIFIERS

        metadata.update({"format": "parquet", **tables.table_to_parquet(
            predictions, artifacts.artifact_file(root, name, "parquet"))})
        metadata["sparkModel"] = save_model(model, artifacts.artifact_dir(root, name))
        return {"ok": True, "metadata": metadata}
    except Exception as exc:  # noqa: BLE001 - one classifier's failure is its own
        from lo_server.jobs.runner import describe_error

        return {"ok": False, "metadata": metadata, "error": describe_error(exc)}


def evaluate(scored) -> dict:
    """Accuracy and F1 as MulticlassClassificationEvaluator computes them ("accuracy", and
    "f1": the F1 of each true label weighted by its share of the rows), from one pass over
    `scored` (the confusion counts) instead of one evaluator pass per metric."""
    from pyspark.sql import functions as F

    counts = scored.groupBy(F.col("label").cast("double"),
                            F.col("prediction").cast("double")).count().collect()
    total = sum(n for _, _, n in counts)
    if not total:  # the evaluator's figures for no rows
        return {"accuracy": math.nan, "f1": 0.0}
    actual: dict[float, int] = {}
    predicted: dict[float, int] = {}
    right: dict[float, int] = {}
    for label, prediction, n in counts:
        actual[label] = actual.get(label, 0) + n
        predicted[prediction] = predicted.get(prediction, 0) + n
        if label == prediction:
            right[label] = right.get(label, 0) + n
    f1 = 0.0
    for label, n in actual.items():
        hits = right.get(label, 0)
        precision = hits / predicted[label] if predicted.get(label) else 0.0
        recall = hits / n
        if precision + recall:
            f1 += 2 * precision * recall / (precision + recall) * n / total
    return {"accuracy": sum(right.values()) / total, "f1": f1}


def prediction_table(predictions):
    """Rows as upstream stored them: no feature vectors, `probability` a list of floats."""
    from pyspark.ml.functions import vector_to_array
    from pyspark.ml.linalg import VectorUDT

    frame = predictions.drop(*DROPPED)
    for field in frame.schema.fields:
        if isinstance(field.dataType, VectorUDT):
            frame = frame.withColumn(field.name, vector_to_array(field.name))
    return frame.toArrow()


def save_model(model, folder: Path) -> dict:
    """model.save() into a hidden directory, then rename it into place (all or nothing)."""
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f".partial-{MODEL_DIR}-{uuid.uuid4().hex}"
    try:
        model.save(str(partial))
        final = folder / MODEL_DIR
        if final.exists():
            shutil.rmtree(final)
        os.replace(partial, final)
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    kind = type(model)
    return {"path": MODEL_DIR, "class": f"{kind.__module__}.{kind.__name__}"}
