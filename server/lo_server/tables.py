"""Dataset tables stored as Parquet, paged like the upstream MongoDB collections.

A dataset is one Parquet file. Row k (1-based, file order) is the document with `_id` k.
Row groups are kept small (about ROW_GROUP_BYTES of data) so a 20-row page reads one small
row group instead of the whole file; measured in bench/bench_tables.py.
"""

from __future__ import annotations

import base64
import codecs
import csv
import datetime as dt
import itertools
import json
import math
import os
import re
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from lo_server.artifacts import atomic_path

from . import query as q

ROW_GROUP_BYTES = 1 << 20  # ~1 MiB of Arrow data per row group: a page reads ~1 MiB
MIN_ROW_GROUP, MAX_ROW_GROUP = 1024, 128 * 1024
CSV_BLOCK_BYTES = 4 << 20  # the CSV is streamed in blocks of this size: bounded memory


def sanitize_headers(names: list[str]) -> list[str]:
    """Upstream's rule (drop non-word characters) without its defects: an empty name
    becomes column_{i} and duplicates get _2, _3... instead of merging columns."""
    cleaned = [re.sub(r"\W+", "", str(n).replace("\ufeff", "")) for n in names]
    return _unique([name or f"column_{i}" for i, name in enumerate(cleaned, 1)])


def _unique(names: Iterable[str]) -> list[str]:
    """Suffix repeated names; "_id" is reserved for the row number in pages."""
    seen, out = {"_id"}, []
    for name in names:
        new, n = name, 2
        while new in seen:
            new, n = f"{name}_{n}", n + 1
        seen.add(new)
        out.append(new)
    return out


def _rows_per_group(nbytes: int, rows: int) -> int:
    if rows <= 0:
        return MAX_ROW_GROUP
    per_row = max(nbytes / rows, 1)
    return int(min(max(ROW_GROUP_BYTES / per_row, MIN_ROW_GROUP), MAX_ROW_GROUP))


# --- ingest --------------------------------------------------------------------------------

def csv_to_parquet(src: Path, dest: Path) -> dict:
    """Store a CSV file as Parquet with every value a string, like upstream did.

    Returns {"fields": [...], "rows": N}; raises ValueError with a readable message.
    """
    src, dest = Path(src), Path(dest)
    width = _header_width(src)
    read = pcsv.ReadOptions(autogenerate_column_names=True, block_size=CSV_BLOCK_BYTES)
    parse = pcsv.ParseOptions(newlines_in_values=True)
    convert = pcsv.ConvertOptions(column_types={f"f{i}": pa.string() for i in range(width)})
    try:
        reader = pcsv.open_csv(src, read, parse, convert)
        if len(reader.schema) != width:
            raise ValueError("the CSV header could not be read")
        with atomic_path(Path(dest)) as tmp:
            return _write_csv_batches(reader, tmp)
    except pa.ArrowInvalid as e:
        if "utf8" in str(e).lower():
            raise _utf8_error(src) from None
        raise _parse_error(src, width, e) from None


def _write_csv_batches(reader, tmp: str) -> dict:
    """Write batches as they are parsed; a second thread encodes Parquet meanwhile."""
    first = reader.read_next_batch()  # its row 0 is the header
    fields = sanitize_headers([col[0].as_py() for col in first.columns])
    schema = pa.schema([(name, pa.string()) for name in fields])
    first = first.slice(1)
    group = _rows_per_group(first.nbytes, first.num_rows)
    # Encoding strings is the slow half of ingest: skip min/max statistics (pages are read
    # by position, not pruned) and dictionaries for columns that hardly repeat (names, ids).
    repeats = [n for n, c in zip(fields, first.columns, strict=True)
               if pc.count_distinct(c).as_py() * 10 <= len(c)]
    rows, pending = 0, None
    options = {"use_dictionary": repeats, "write_statistics": False}
    with pq.ParquetWriter(tmp, schema, **options) as writer, ThreadPoolExecutor(1) as pool:
        for batch in itertools.chain([first], reader):
            batch = pa.RecordBatch.from_arrays(batch.columns, schema=schema)
            rows += batch.num_rows
            if pending:
                pending.result()
            pending = pool.submit(writer.write_batch, batch, row_group_size=group)
        if pending:
            pending.result()
    return {"fields": fields, "rows": rows}


def _header_width(src: Path) -> int:
    """How many columns the header has; checks the file is not empty first."""
    with open(src, "rb") as f:
        if f.read(4).removeprefix(codecs.BOM_UTF8) == b"":
            raise ValueError("the CSV file is empty")
    try:
        with open(src, encoding="utf-8-sig", newline="") as f:
            for row in csv.reader(f):
                if row:
                    return len(row)
    except UnicodeDecodeError:
        raise _utf8_error(src) from None
    except csv.Error as e:
        raise ValueError(f"the CSV header could not be read: {e}") from None
    raise ValueError("the CSV file has no header row (only blank lines)")


def _parse_error(src: Path, width: int, error: Exception) -> ValueError:
    """Find the first row whose length differs from the header (Arrow does not say)."""
    try:
        with open(src, encoding="utf-8-sig", newline="") as f:
            reader, end = csv.reader(f), 0
            for row in reader:
                start, end = end + 1, reader.line_num
                if row and len(row) != width:
                    return ValueError(f"line {start} has {len(row)} values, "
                                      f"the header has {width}")
    except (csv.Error, UnicodeDecodeError):
        pass
    return ValueError(f"the CSV file could not be parsed: {error}")


def _utf8_error(src: Path) -> ValueError:
    decoder, line = codecs.getincrementaldecoder("utf-8")(), 1
    with open(src, "rb") as f:
        while True:
            chunk = f.read(1 << 20)
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as e:
                line += chunk.count(b"\n", 0, max(e.start, 0))
                break
            if not chunk:
                break
            line += chunk.count(b"\n")
    return ValueError(f"the CSV file is not valid UTF-8 (line {line}); save it as UTF-8")


def table_to_parquet(data, dest: Path) -> dict:
    """Store tabular data (a DataFrame or Arrow table) as a dataset file."""
    if isinstance(data, pa.Table):
        table = data.rename_columns(_unique(str(c) for c in data.column_names))
    else:
        import pandas as pd  # loaded only here: the server reads tables without pandas

        if not isinstance(data, pd.DataFrame):
            raise TypeError(f"expected a pandas DataFrame or pyarrow Table, not {type(data)}")
        frame = data if isinstance(data.index, pd.RangeIndex) else data.reset_index()
        frame = frame.copy(deep=False)
        frame.columns = _unique(str(c) for c in frame.columns)
        try:
            table = pa.Table.from_pandas(frame, preserve_index=False)
        except (pa.ArrowException, ValueError, TypeError) as e:
            raise ValueError(f"the table cannot be stored: {e}") from None
    group = _rows_per_group(table.nbytes, table.num_rows)
    with atomic_path(Path(dest)) as tmp:
        pq.write_table(table, tmp, row_group_size=group)
    return {"fields": table.column_names, "rows": table.num_rows}


# --- reading -------------------------------------------------------------------------------

@lru_cache(maxsize=64)
def _footer(path: str, mtime_ns: int, size: int) -> tuple[pq.FileMetaData, np.ndarray]:
    """Parsed footer and each row group's first row; keyed so a rewrite invalidates it."""
    meta = pq.read_metadata(path)
    sizes = [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]
    return meta, np.array(list(itertools.accumulate(sizes, initial=0)), dtype=np.int64)


def _key(path) -> tuple[str, int, int]:
    st = os.stat(path)
    return str(path), st.st_mtime_ns, st.st_size


def parquet_info(path: Path) -> dict:
    """Field names and row count, from the footer only."""
    meta, _ = _footer(*_key(path))
    return {"fields": meta.schema.to_arrow_schema().names, "rows": meta.num_rows}


def read_page(path: Path, skip: int, limit: int, query: dict | None = None) -> list[dict]:
    """Rows skip+1 .. skip+limit of those matching `query`, as JSON-safe dicts.

    Each row gets "_id" (last key) = its 1-based position in the whole dataset.
    limit <= 0 gives []; callers map MongoDB's "limit 0 = everything" themselves.
    """
    key = _key(path)
    meta, starts = _footer(*key)
    if query:
        q.validate(query)
    skip = max(int(skip), 0)
    if limit <= 0:
        return []
    if query:
        found = _matching(key, json.dumps(query, sort_keys=True))
        positions = found[skip:skip + limit]
    else:
        positions = np.arange(skip, min(skip + limit, meta.num_rows), dtype=np.int64)
    if len(positions) == 0:
        return []
    table = _take(key[0], meta, starts, positions)
    rows = []
    for row, pos in zip(table.to_pylist(), positions.tolist(), strict=True):
        row = {k: _json_safe(v) for k, v in row.items() if k != "_id"}
        row["_id"] = pos + 1
        rows.append(row)
    return rows


def _take(path: str, meta, starts: np.ndarray, positions: np.ndarray) -> pa.Table:
    """The rows at sorted `positions`, reading only the row groups that hold them."""
    groups = np.searchsorted(starts, positions, side="right") - 1
    needed = np.unique(groups)
    table = pq.ParquetFile(path, metadata=meta).read_row_groups(needed.tolist())
    sizes = starts[needed + 1] - starts[needed]
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])  # where each group begins
    local = positions - starts[groups] + offsets[np.searchsorted(needed, groups)]
    return table.take(pa.array(local))


@lru_cache(maxsize=16)
def _matching(key: tuple[str, int, int], query_json: str) -> np.ndarray:
    """0-based positions of the matching rows; cached so paging a result is cheap."""
    query = json.loads(query_json)
    meta, _ = _footer(*key)
    names = set(meta.schema.to_arrow_schema().names)
    wanted = [n for n in dict.fromkeys(_fields(query)) if n in names and n != "_id"]
    ids = pa.array(np.arange(1, meta.num_rows + 1, dtype=np.int64))
    table = pq.read_table(key[0], columns=wanted) if wanted else pa.table({})
    table = pa.table({**{n: table[n] for n in wanted}, "_id": ids})
    try:
        found = table.filter(q.to_expression(query, table.schema))["_id"].to_numpy() - 1
    except q.NestedField:  # nested columns: evaluate row by row
        docs = table.to_pylist()
        found = np.array([d["_id"] - 1 for d in docs if q.matches(d, query)], dtype=np.int64)
    found.flags.writeable = False
    return found


def _fields(query: dict) -> Iterable[str]:
    for key, cond in query.items():
        if key in ("$and", "$or"):
            for sub in cond:
                yield from _fields(sub)
        else:
            yield key


def _json_safe(value):
    """Python values that json.dumps accepts and that mean the same to a client."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, Decimal):
        return _json_safe(float(value))
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, np.generic):
        return _json_safe(value.item())
    return str(value)
