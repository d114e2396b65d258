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
import io
import itertools
import json
import math
import os
import re
import threading
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
HEADER_READ = 64 * 1024  # the header row is looked for in the first bytes, then twice as many


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

def csv_to_parquet(src, dest: Path) -> dict:
    """Store a CSV file as Parquet with every value a string, like upstream did.

    `src` is a path, or a binary stream parsed as it arrives (a download, fetch.Body): its
    `copy` holds every byte read so far and `drain()` reads the rest into it, so that a
    file that cannot be parsed is explained from the whole of it, as a path would be.
    Returns {"fields": [...], "rows": N}; raises ValueError with a readable message.
    """
    stream = None if isinstance(src, (str, os.PathLike)) else src
    path = Path(src if stream is None else stream.copy)
    try:
        if stream is None:
            with open(path, "rb") as f:
                width, _ = _header(f.read)
            source = str(path)
        else:
            width, head = _header(stream.read)
            source = _Replay(head, stream)
    except UnicodeDecodeError:
        _complete(stream)
        raise _utf8_error(path) from None
    read = pcsv.ReadOptions(autogenerate_column_names=True, block_size=CSV_BLOCK_BYTES)
    parse = pcsv.ParseOptions(newlines_in_values=True)
    convert = pcsv.ConvertOptions(column_types={f"f{i}": pa.string() for i in range(width)})
    try:
        reader = pcsv.open_csv(source, read, parse, convert)
        if len(reader.schema) != width:
            raise ValueError("the CSV header could not be read")
        with atomic_path(Path(dest)) as tmp:
            return _write_csv_batches(reader, tmp)
    except pa.ArrowInvalid as e:
        error = e
    _complete(stream)
    if "utf8" in str(error).lower():
        raise _utf8_error(path)
    raise _parse_error(path, width, error)


def _complete(stream) -> None:
    if stream is not None:
        stream.drain()


class _Replay(io.RawIOBase):
    """A stream whose first bytes were already read (`head`) as a file from its start."""

    def __init__(self, head: bytes, stream):
        super().__init__()
        self.head = head
        self.stream = stream

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if not self.head:
            return self.stream.read(size)
        if size is None or size < 0:
            data, self.head = self.head + self.stream.read(), b""
            return data
        data, self.head = self.head[:size], self.head[size:]
        return data + self.stream.read(size - len(data)) if len(data) < size else data

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)


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


def _header(read) -> tuple[int, bytes]:
    """How many columns the header row has, and the bytes read to find out: `read(n)`
    gives the file's next n bytes (fewer only at its end). Raises ValueError for an empty
    file, UnicodeDecodeError for one that is not UTF-8."""
    parts: list[bytes] = []
    size = HEADER_READ
    while True:
        part = read(size)
        parts.append(part)
        ended = len(part) < size
        size *= 2  # each try parses the whole head again: linear time in all
        head = b"".join(parts)
        if ended and head.removeprefix(codecs.BOM_UTF8) == b"":
            raise ValueError("the CSV file is empty")
        text = codecs.getincrementaldecoder("utf-8-sig")().decode(head, final=ended)
        width = _first_row_width(text, ended)
        if width is not None:
            return width, head


def _first_row_width(text: str, ended: bool) -> int | None:
    """Values in the first non-blank row of `text`, the start of a file (the whole of it
    if `ended`); None when that row may go on past `text`."""
    consumed = 0

    def lines():
        nonlocal consumed
        for line in io.StringIO(text, newline=""):
            consumed += len(line)
            yield line

    try:
        for row in csv.reader(lines()):
            if row:  # a row the reader ends before the text does is complete
                return len(row) if ended or consumed < len(text) else None
    except csv.Error as e:
        raise ValueError(f"the CSV header could not be read: {e}") from None
    if ended:
        raise ValueError("the CSV file has no header row (only blank lines)")
    return None


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
        positions = _matching(key, json.dumps(query, sort_keys=True)).first(skip + limit)
        positions = positions[skip:skip + limit]
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
def _matching(key: tuple[str, int, int], query_json: str) -> _Matches:
    """The matches of one query in one version of a file; kept so paging on is cheap."""
    return _Matches(key, json.loads(query_json))


class _Matches:
    """0-based positions of the rows matching `query`, found a few row groups at a time
    (reading only the queried columns) and only as far as the pages asked so far need:
    the first page of a new query reads the start of the file, not all of it."""

    FIRST_STEP, MAX_STEP = 1, 32  # row groups per read: doubling from 1 up to 32

    def __init__(self, key: tuple[str, int, int], query: dict):
        self.path = key[0]
        self.meta, self.starts = _footer(*key)
        self.query = query
        names = set(self.meta.schema.to_arrow_schema().names)
        self.columns = [n for n in dict.fromkeys(_fields(query)) if n in names and n != "_id"]
        self.found: list[np.ndarray] = []
        self.count = 0
        self.next_group = 0
        self.step = self.FIRST_STEP
        self.expression = None
        self.nested = False
        self.lock = threading.Lock()

    def first(self, n: int) -> np.ndarray:
        """Positions of the first `n` matches (all of them if there are fewer)."""
        with self.lock:
            groups = self.meta.num_row_groups
            while self.count < n and self.next_group < groups:
                stop = min(self.next_group + self.step, groups)
                found = self._scan(self.next_group, stop)
                self.found.append(found)
                self.count += len(found)
                self.next_group, self.step = stop, min(self.step * 2, self.MAX_STEP)
            if len(self.found) != 1:
                self.found = [np.concatenate(self.found) if self.found
                              else np.empty(0, np.int64)]
                self.found[0].flags.writeable = False  # shared by every page of the query
            return self.found[0][:n]

    def _scan(self, first: int, stop: int) -> np.ndarray:
        """Positions of the matches in row groups first .. stop-1."""
        ids = pa.array(np.arange(self.starts[first] + 1, self.starts[stop] + 1, dtype=np.int64))
        if self.columns:
            part = pq.ParquetFile(self.path, metadata=self.meta).read_row_groups(
                range(first, stop), columns=self.columns)
            table = pa.table({**{n: part[n] for n in self.columns}, "_id": ids})
        else:
            table = pa.table({"_id": ids})
        if not self.nested and self.expression is None:
            try:
                self.expression = q.to_expression(self.query, table.schema)
            except q.NestedField:  # nested columns: evaluate row by row
                self.nested = True
        if self.nested:
            return np.array([d["_id"] - 1 for d in table.to_pylist()
                             if q.matches(d, self.query)], dtype=np.int64)
        return table.filter(self.expression)["_id"].to_numpy() - 1


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
