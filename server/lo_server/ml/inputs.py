"""Worker side: how stored artifacts arrive as toolkit inputs, and how results become JSON.

CSV datasets hold strings (upstream compatible, and Function keeps them so). A toolkit wants
numbers, so for Model, Train/Tune/Predict/Evaluate, Transform and Explore a table reference
(`$dataset`, `$dataset.column`) arrives with its numeric text columns converted:

- a column converts when it holds text and every non-empty value parses as a number
  (pandas.to_numeric: integers, decimals, exponents; "nan" and words do not count);
- empty strings and nulls become NaN; an all-empty column stays as it is;
- the result is int64 when every value is integral and none is missing, else float64.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from lo_server import artifacts, refs

INT64_LIMIT = 2**63 - 1


def numeric_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` with every all-numeric text column converted (see module doc)."""
    converted = {}
    for column in frame.columns:
        numbers = _as_numbers(frame[column])
        if numbers is not None:
            converted[column] = numbers
    if not converted:
        return frame
    frame = frame.copy(deep=False)
    for column, numbers in converted.items():
        frame[column] = numbers
    return frame


def _as_numbers(column: pd.Series) -> pd.Series | None:
    if pd.api.types.infer_dtype(column, skipna=True) != "string":
        return None
    text = column.astype(object)
    empty = text.isna() | (text.map(lambda v: isinstance(v, str) and not v.strip()))
    if empty.all():
        return None
    numbers = pd.to_numeric(text.where(~empty), errors="coerce")
    if numbers[~empty].isna().any():
        return None
    numbers = numbers.astype("float64")
    finite = numbers[~empty]
    if not empty.any() and np.isfinite(finite).all() and (finite == finite.round()).all() \
            and finite.abs().max() <= INT64_LIMIT:
        return numbers.astype("int64")
    return numbers


def load_input(root: Path, name: str, fmt: str):
    """An artifact as a toolkit input: tables with numeric text converted to numbers."""
    value = artifacts.load_object(root, name, fmt)
    if isinstance(value, pd.DataFrame):
        return numeric_columns(value)
    return value


def resolve(root: Path, planned: dict) -> dict:
    """Turn the server's reference markers into values for a toolkit call."""
    return refs.resolve(planned or {}, lambda name, fmt: load_input(root, name, fmt))


def jsonable(value, depth: int = 0):
    """A JSON-safe copy of a small result (metadata: scores, best parameters, history).

    NaN and infinities become None (the store refuses them); unknown objects their repr.
    """
    if depth > 20:
        return repr(value)
    if value is None or isinstance(value, (bool, str, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, np.generic):
        return jsonable(value.item(), depth + 1)
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist(), depth + 1)
    if isinstance(value, dict):
        return {str(k): jsonable(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [jsonable(v, depth + 1) for v in value]
    if isinstance(value, (pd.Series, pd.Index)):
        return jsonable(value.tolist(), depth + 1)
    return repr(value)[:500]


def as_array(value):
    """Tensors and array-likes to NumPy; everything else unchanged."""
    if hasattr(value, "numpy") and callable(value.numpy) and type(value).__module__.startswith(
            ("tensorflow", "keras")):
        return value.numpy()
    return value


def scores(value, names=None) -> dict:
    """An evaluation result as {name: number}: a number is {"score": x}, a list is named by
    `names` (the model's metric names) when they match, a dict keeps its keys."""
    value = as_array(value)
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if _is_number(value):
        return {"score": jsonable(float(value))}
    if isinstance(value, dict):
        return {str(k): jsonable(float(v)) for k, v in value.items() if _is_number(v)}
    if isinstance(value, (list, tuple, np.ndarray)) and len(value) and all(
            _is_number(v) for v in np.asarray(value, dtype=object).reshape(-1)):
        flat = [float(v) for v in np.asarray(value, dtype=object).reshape(-1)]
        keys = list(names) if names and len(names) == len(flat) else [
            f"score_{i}" for i in range(len(flat))]
        return {str(k): jsonable(v) for k, v in zip(keys, flat, strict=True)}
    return {}


def _is_number(value) -> bool:
    return isinstance(value, (int, float, np.number)) and not isinstance(value, (bool, np.bool_))
