"""Toolkit jobs inside a worker: Model, Train/Tune/Predict/Evaluate, Transform and Explore.

The server validated names and planned the references; here classes are imported, `$`
references loaded (tables with numeric text as numbers, see inputs.py), `#` expressions
evaluated, objects built and methods called. Keras objects go through ml/tensorflow.py,
everything else through ml/sklearn.py. TensorFlow is only imported when a job needs it.
"""

from __future__ import annotations

import importlib

import numpy as np
import pandas as pd

from lo_server import artifacts, tables
from lo_server.ml import explore, inputs, sklearn, tensorflow

RESULT_IS_OBJECT = ("train", "tune")  # these store the fitted object, not what fit returned
TABLE_FILE = artifacts.TABLE_FILE


def run_model(context, spec: dict) -> dict:
    """model/*: build the object from modulePath, class and classParameters, and store it."""
    cls = _class(spec)
    params = inputs.resolve(context.artifacts, spec["params"])
    context.progress(0.0, f"building {spec['class']}")
    obj = cls(**params)
    return {"format": artifacts.save_object(context.artifacts, spec["name"], obj)}


def run_method(context, spec: dict) -> dict:
    """train/tune/predict/evaluate: call `method` on the parent's stored object."""
    importlib.import_module(spec["modulePath"])  # classes a pickle refers to
    target = inputs.load_input(context.artifacts, spec["parentName"], spec["parentFormat"])
    params = inputs.resolve(context.artifacts, spec["params"])
    toolkit = tensorflow if tensorflow.is_keras(target) else sklearn
    value, metadata = toolkit.call(context, target, spec["method"], params, spec["kind"])
    value = inputs.as_array(value)
    result = target if spec["kind"] in RESULT_IS_OBJECT or value is None else value
    metadata.update(save_result(context.artifacts, spec["name"], result, params))
    return metadata


def run_toolkit(context, spec: dict) -> dict:
    """transform/* and explore/* (scikit-learn, TensorFlow): class(**classParameters) then
    method(**methodParameters); a method returning None leaves the object as the result."""
    cls = _class(spec)
    class_params = inputs.resolve(context.artifacts, spec["classParams"])
    params = inputs.resolve(context.artifacts, spec["params"])
    obj = cls(**class_params)
    toolkit = tensorflow if tensorflow.is_keras(obj) else sklearn
    value, metadata = toolkit.call(context, obj, spec["method"], params, spec["kind"])
    value = inputs.as_array(value)
    result = obj if value is None else value
    if spec["kind"] != "explore":
        metadata.update(save_result(context.artifacts, spec["name"], result, params))
        return metadata
    figure, data = explore.plot_result(result, params, f"{spec['class']}.{spec['method']}")
    metadata.update(explore.save_plot(context.artifacts, spec["name"], figure, data))
    artifacts.publish(context.artifacts, spec["name"], "png")
    _table_path(context.artifacts, spec["name"]).unlink(missing_ok=True)
    return {**metadata, "format": "png"}


def save_result(root, name: str, result, params: dict) -> dict:
    """Store a step's result; an array also as a table whose "index" column is the index of
    the DataFrame it was computed from (when one of the parameters is), else 0..n-1."""
    fmt = artifacts.save_object(root, name, _plain_strings(result))
    table = _table_path(root, name)
    if fmt != "npy" or result.ndim not in (1, 2) or len(result) == 0:
        table.unlink(missing_ok=True)
        return {"format": fmt, **_shape(result)}
    frame = pd.DataFrame(result.reshape(len(result), -1))
    frame.columns = ["prediction"] if frame.shape[1] == 1 and result.ndim == 1 else [
        f"column_{i}" for i in range(frame.shape[1])]
    source = next((v for v in params.values()
                   if isinstance(v, pd.DataFrame) and len(v) == len(result)), None)
    index = source.index if source is not None else pd.RangeIndex(len(result))
    frame.insert(0, "index", np.asarray(index))
    tables.table_to_parquet(frame, table)
    return {"format": fmt, **_shape(result), "table": True}


def _plain_strings(result):
    """Labels predicted from pandas strings come as an object array: as a str array they
    store as .npy (no pickle) and read back equal."""
    if isinstance(result, np.ndarray) and result.dtype == object and result.size and all(
            isinstance(v, str) for v in result.flat):
        return result.astype(str)
    return result


def _table_path(root, name: str):
    return artifacts.artifact_dir(root, name) / TABLE_FILE


def _shape(result) -> dict:
    shape = getattr(result, "shape", None)
    if isinstance(shape, tuple) and all(isinstance(n, (int, np.integer)) for n in shape):
        return {"shape": [int(n) for n in shape]}
    return {}


def _class(spec: dict):
    module = importlib.import_module(spec["modulePath"])
    return getattr(module, spec["class"])
