"""Dataset jobs on Parquet files (no Spark): projection, data type conversion, histogram.

Each reads the input table with pyarrow, works column by column and publishes its output
with an atomic rename, so a failed job leaves every file as it was.
"""

from __future__ import annotations

import math

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from lo_server import artifacts, tables
from lo_server.ml import explore

NUMBER, STRING = "number", "string"


def run_projection(context, spec: dict) -> dict:
    """transform/projection: a new dataset keeping the fields `names`, rows in order."""
    source = artifacts.artifact_file(context.artifacts, spec["input"], "parquet")
    table = pq.read_table(source, columns=list(spec["names"]))
    dest = artifacts.artifact_file(context.artifacts, spec["name"], "parquet")
    info = tables.table_to_parquet(table, dest)
    artifacts.publish(context.artifacts, spec["name"], "parquet")
    return {"format": "parquet", **info}


def run_data_type(context, spec: dict) -> dict:
    """transform/dataType: convert fields in place, all or nothing.

    A value that is not a number fails the job naming the field, the row and the value; the
    file is only replaced once every field converted.
    """
    path = artifacts.artifact_file(context.artifacts, spec["name"], "parquet")
    table = pq.read_table(path)
    types = spec["types"]
    for i, (field, kind) in enumerate(types.items()):
        column = table.column(field).to_pandas()
        converted = to_number(column, field) if kind == NUMBER else to_string(column)
        table = table.set_column(table.schema.get_field_index(field), field, converted)
        context.progress((i + 1) / (len(types) + 1), f"converted {field!r} to {kind}")
    info = tables.table_to_parquet(table, path)
    return {"format": "parquet", **info}


def to_number(values: pd.Series, field: str) -> pa.Array:
    """Upstream's rule: "" becomes null, other values float(value), integral ones int.

    The column is int64 when every converted value is integral, else float64.
    """
    numbers: list = []
    integral = True
    cache: dict = {}
    for row, value in enumerate(values.tolist(), 1):
        if value is None or (isinstance(value, float) and math.isnan(value)) or value == "":
            numbers.append(None)
            continue
        if isinstance(value, bool):
            value = int(value)
        if value not in cache:
            cache[value] = _parse_number(value, field, row)
        number = cache[value]
        numbers.append(number)
        integral = integral and math.isfinite(number) and number.is_integer() \
            and abs(number) < 2**63
    if integral:
        return pa.array([None if n is None else int(n) for n in numbers], type=pa.int64())
    return pa.array(numbers, type=pa.float64())


def _parse_number(value, field: str, row: int) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"field {field!r}: value {value!r} in row {row} is not a number; "
                         "the dataset was left unchanged") from None


def to_string(values: pd.Series) -> pa.Array:
    """Upstream's rule: null becomes "", everything else str(value) (integers without .0)."""
    out = []
    for value in values.tolist():
        if value is None or (isinstance(value, float) and math.isnan(value)):
            out.append("")
        elif isinstance(value, float) and value.is_integer() and values.dtype.kind == "f" \
                and _was_int(values):
            out.append(str(int(value)))
        else:
            out.append(str(value))
    return pa.array(out, type=pa.string())


def _was_int(values: pd.Series) -> bool:
    """An int64 column with nulls arrives as float64: print its values as integers."""
    finite = values.dropna()
    return len(finite) > 0 and bool((finite == finite.round()).all())


def run_histogram(context, spec: dict) -> dict:
    """explore/histogram: per field, how often each value occurs (upstream's shape).

    Row i holds field i: {field: [{"_id": value, "count": n}, ...]}, most frequent first.
    Unlike upstream, the metadata document is not counted (no extra null group).
    """
    source = artifacts.artifact_file(context.artifacts, spec["input"], "parquet")
    table = pq.read_table(source, columns=list(spec["names"]))
    groups: dict[str, list[dict]] = {}
    columns = {}
    for field in spec["names"]:
        counts = pc.value_counts(table.column(field)).to_pylist()
        groups[field] = sorted(
            ({"_id": _plain(c["values"]), "count": c["counts"]} for c in counts),
            key=lambda g: (-g["count"], str(g["_id"])))
        item = pa.struct([("_id", table.schema.field(field).type), ("count", pa.int64())])
        cells = [None] * len(spec["names"])
        cells[len(columns)] = groups[field]
        columns[field] = pa.array(cells, type=pa.list_(item))
    dest = artifacts.artifact_file(context.artifacts, spec["name"], "parquet")
    info = tables.table_to_parquet(pa.table(columns), dest)
    figure, data = explore.histogram_figure(groups, f"histogram of {spec['input']}")
    plot = explore.save_plot(context.artifacts, spec["name"], figure, data)
    return {"format": "parquet", **info, **plot}


def _plain(value):
    """NaN counts with the nulls' group: JSON has no NaN."""
    if isinstance(value, float) and math.isnan(value):
        return None
    return value
