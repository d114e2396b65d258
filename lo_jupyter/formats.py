"""Turning downloaded artifact bytes into Python values, and DataFrames into upload bodies.

The artifact's metadata `format` decides; the response's content type and file name are the
fallback for formats this client does not know yet. Pickles are loaded with cloudpickle:
they come from the user's own server, which ran the user's own code.
"""

from __future__ import annotations

import io
import os
import tempfile

PARQUET = "application/vnd.apache.parquet"
CSV = "text/csv"

# content type or file suffix -> format name
_BY_TYPE = {PARQUET: "parquet", CSV: "csv", "image/png": "png", "application/x-npy": "npy",
            "application/python-pickle": "pickle", "application/octet-stream": "binary"}
_BY_SUFFIX = {".parquet": "parquet", ".csv": "csv", ".png": "png", ".npy": "npy",
              ".pkl": "pickle", ".pickle": "pickle", ".keras": "keras", ".json": "json"}


def guess_format(content_type: str = "", filename: str = "") -> str:
    """The format of a download from its headers, "binary" when nothing says otherwise."""
    suffix = os.path.splitext(filename or "")[1].lower()
    if suffix in _BY_SUFFIX:
        return _BY_SUFFIX[suffix]
    base = (content_type or "").split(";")[0].strip().lower()
    if base == "application/json":
        return "json"
    return _BY_TYPE.get(base, "binary")


def decode(body: bytes, fmt: str):
    """The Python value of a downloaded artifact in format `fmt`."""
    if fmt == "parquet":
        import pandas as pd

        return pd.read_parquet(io.BytesIO(body))
    if fmt == "csv":
        import pandas as pd

        return pd.read_csv(io.BytesIO(body))
    if fmt == "npy":
        import numpy as np

        return np.load(io.BytesIO(body), allow_pickle=False)
    if fmt == "pickle":
        import cloudpickle

        return cloudpickle.loads(body)
    if fmt == "json":
        import json

        return json.loads(body)
    if fmt == "keras":
        return _load_keras(body)
    return body  # png, binary and anything new: the raw bytes


def _load_keras(body: bytes):
    import keras

    fd, path = tempfile.mkstemp(suffix=".keras")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(body)
        return keras.models.load_model(path)
    finally:
        os.unlink(path)


def dataframe_to_parquet(frame) -> bytes:
    """A DataFrame as a Parquet file (column names made strings, the index kept if named)."""
    frame = frame.rename(columns=str)
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=frame.index.name is not None)
    return buffer.getvalue()
