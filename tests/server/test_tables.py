"""Dataset tables: CSV ingest as strings, Parquet pages numbered like upstream documents."""

import datetime as dt
import json
import math
import os

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lo_server import tables
from lo_server.tables import (
    csv_to_parquet,
    parquet_info,
    read_page,
    sanitize_headers,
    table_to_parquet,
)


@pytest.mark.parametrize(("names", "expected"), [
    (["Passenger Id", "sepal.length", "Age"], ["PassengerId", "sepallength", "Age"]),
    (["\ufeffName", "a-b c"], ["Name", "abc"]),
    (["a", "a", "a b", "a_2"], ["a", "a_2", "ab", "a_2_2"]),
    (["", "x", "...", " "], ["column_1", "x", "column_3", "column_4"]),
    (["Âge", "n°"], ["Âge", "n"]),
    (["_id", "id"], ["_id_2", "id"]),
])
def test_sanitize_headers(names, expected):
    assert sanitize_headers(names) == expected


def ingest(tmp_path, text: str | bytes):
    src = tmp_path / "in.csv"
    src.write_bytes(text.encode() if isinstance(text, str) else text)
    dest = tmp_path / "out.parquet"
    return csv_to_parquet(src, dest), dest


def test_csv_round_trip_keeps_strings(tmp_path):
    info, dest = ingest(tmp_path, 'Passenger Id,Name,Code,Cabin\n'
                                  '1,"Braund, Mr. Owen Harris",007,\n'
                                  '2,"Say ""Hi""",0.50,NA\n')
    assert info == {"fields": ["PassengerId", "Name", "Code", "Cabin"], "rows": 2}
    assert parquet_info(dest) == info
    assert all(f.type == pa.string() for f in pq.read_schema(dest))
    assert read_page(dest, 0, 10) == [
        {"PassengerId": "1", "Name": "Braund, Mr. Owen Harris", "Code": "007", "Cabin": "",
         "_id": 1},
        {"PassengerId": "2", "Name": 'Say "Hi"', "Code": "0.50", "Cabin": "NA", "_id": 2},
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "out.parquet"]


def test_csv_quoted_newlines_bom_crlf_and_blank_lines(tmp_path):
    info, dest = ingest(tmp_path, b'\xef\xbb\xbf"a b",c\r\n"x\r\ny",2\r\n\r\n"1,2",\r\n')
    assert info == {"fields": ["ab", "c"], "rows": 2}
    assert read_page(dest, 0, 5) == [{"ab": "x\r\ny", "c": "2", "_id": 1},
                                     {"ab": "1,2", "c": "", "_id": 2}]


def test_csv_duplicate_headers_keep_both_columns(tmp_path):
    info, dest = ingest(tmp_path, "a,a,\n1,2,3\n")
    assert info["fields"] == ["a", "a_2", "column_3"]
    assert read_page(dest, 0, 1) == [{"a": "1", "a_2": "2", "column_3": "3", "_id": 1}]


def test_csv_header_only(tmp_path):
    info, dest = ingest(tmp_path, "a,b\n")
    assert info == {"fields": ["a", "b"], "rows": 0}
    assert read_page(dest, 0, 20) == []


@pytest.mark.parametrize(("text", "message"), [
    ("", "the CSV file is empty"),
    (b"\xef\xbb\xbf", "the CSV file is empty"),
    ("\n\n\n", "no header"),
    ("a,b,c\n1,2,3\n\n4,5,6\n7,8\n", "line 5 has 2 values, the header has 3"),
    ('a,b\n"x\ny",1\n1,2,3\n', "line 4 has 3 values, the header has 2"),
    (b"a,b\n1,2\n3,\xff\n", "not valid UTF-8 (line 3)"),
    (b"a\xfe,b\n1,2\n", "not valid UTF-8 (line 1)"),
])
def test_csv_errors_are_readable(tmp_path, text, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        ingest(tmp_path, text)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]  # no partial output


def test_ragged_row_deep_in_a_large_file(tmp_path):
    lines = ["a,b"] + [f"{i},{i}" for i in range(200_000)] + ["1,2,3"]
    with pytest.raises(ValueError, match="line 200002 has 3 values, the header has 2"):
        ingest(tmp_path, "\n".join(lines) + "\n")


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    """100k rows written from CSV: several row groups of uneven sizes."""
    path = tmp_path_factory.mktemp("big")
    rows = "".join(f"{i},{'odd' if i % 2 else 'even'},{i % 7:03d},name {i} padded text\n"
                   for i in range(1, 100_001))
    (path / "big.csv").write_text("n,parity,mod,label\n" + rows)
    info = csv_to_parquet(path / "big.csv", path / "big.parquet")
    assert info["rows"] == 100_000
    return path / "big.parquet"


def test_big_file_has_several_row_groups(big):
    assert pq.ParquetFile(big).metadata.num_row_groups >= 3


@pytest.mark.parametrize(("skip", "limit"), [
    (0, 20), (1, 1), (49_990, 20), (99_980, 20), (99_995, 20), (0, 100),
])
def test_pages_anywhere_in_the_file(big, skip, limit):
    page = read_page(big, skip, limit)
    expected = list(range(skip + 1, min(skip + limit, 100_000) + 1))
    assert [r["_id"] for r in page] == expected
    assert [r["n"] for r in page] == [str(i) for i in expected]
    assert list(page[0]) == ["n", "parity", "mod", "label", "_id"]


def test_pages_across_every_row_group_boundary(big):
    meta = pq.ParquetFile(big).metadata
    start = 0
    for i in range(meta.num_row_groups - 1):
        start += meta.row_group(i).num_rows
        page = read_page(big, start - 3, 6)
        assert [r["n"] for r in page] == [str(n) for n in range(start - 2, start + 4)]


def test_pages_past_the_end_and_bad_windows(big):
    assert read_page(big, 100_000, 20) == []
    assert read_page(big, 10**9, 20) == []
    assert read_page(big, 0, 0) == []
    assert [r["_id"] for r in read_page(big, -5, 2)] == [1, 2]


def test_filtered_pages_keep_dataset_ids(big):
    page = read_page(big, 3, 5, {"parity": "odd"})
    assert [r["_id"] for r in page] == [7, 9, 11, 13, 15]
    assert all(r["parity"] == "odd" for r in page)
    page = read_page(big, 100, 3, {"parity": "even", "mod": "000"})
    assert [r["_id"] for r in page] == [1414, 1428, 1442]
    last = read_page(big, 0, 100, {"label": {"$regex": "^name 9999[0-9]"}})
    assert [r["_id"] for r in last] == list(range(99_990, 100_000))
    assert read_page(big, 50_000, 5, {"parity": "odd"}) == []
    assert read_page(big, 0, 5, {"nothing": "x"}) == []
    assert [r["_id"] for r in read_page(big, 0, 2, {"nothing": {"$ne": "x"}})] == [1, 2]
    assert [r["_id"] for r in read_page(big, 0, 3, {"_id": {"$gt": 99_998}})] == [
        99_999, 100_000]
    assert [r["_id"] for r in read_page(big, 0, 2, {"$or": [{"n": "5"}, {"n": "99999"}]})] \
        == [5, 99_999]


def test_rewritten_file_is_not_served_from_cache(tmp_path):
    dest = tmp_path / "d.parquet"
    table_to_parquet(pa.table({"a": [1, 2]}), dest)
    assert read_page(dest, 0, 5, {"a": 2}) == [{"a": 2, "_id": 2}]
    table_to_parquet(pa.table({"a": [2, 2, 3]}), dest)
    assert [r["_id"] for r in read_page(dest, 0, 5, {"a": 2})] == [1, 2]
    assert parquet_info(dest)["rows"] == 3


def test_dataframe_values_become_json_safe(tmp_path):
    frame = pd.DataFrame({
        0: [1.5, math.nan, math.inf],
        "0": np.array([1, 2, 3], dtype=np.int16),
        "when": pd.to_datetime(["2024-01-02 03:04:05", None, "2024-12-31 00:00:00"]),
        "tags": [["a", "b"], [], ["c"]],
        "_id": ["x", "y", "z"],
    })
    dest = tmp_path / "f.parquet"
    info = table_to_parquet(frame, dest)
    assert info == {"fields": ["0", "0_2", "when", "tags", "_id_2"], "rows": 3}
    page = read_page(dest, 0, 3)
    json.dumps(page, allow_nan=False)
    assert page[0] == {"0": 1.5, "0_2": 1, "when": "2024-01-02T03:04:05", "tags": ["a", "b"],
                       "_id_2": "x", "_id": 1}
    assert page[1]["0"] is None and page[1]["when"] is None and page[2]["0"] is None
    # a nested column is filtered row by row, with the same semantics
    assert [r["_id"] for r in read_page(dest, 0, 5, {"tags": "c"})] == [3]
    assert [r["_id"] for r in read_page(dest, 0, 5, {"0": None})] == [2]


def test_table_to_parquet_keeps_a_meaningful_index(tmp_path):
    frame = pd.DataFrame({"v": [1, 2]}, index=pd.Index(["a", "b"], name="k"))
    info = table_to_parquet(frame, tmp_path / "i.parquet")
    assert info == {"fields": ["k", "v"], "rows": 2}


def test_wide_tables_get_smaller_row_groups(tmp_path, monkeypatch):
    monkeypatch.setattr(tables, "ROW_GROUP_BYTES", 64 * 1024)
    dest = tmp_path / "w.parquet"
    table_to_parquet(pa.table({f"c{i}": np.arange(10_000) for i in range(20)}), dest)
    meta = pq.ParquetFile(dest).metadata
    assert meta.num_row_groups == 10  # 64 KiB / 160 bytes per row -> clamped to 1024 rows
    assert read_page(dest, 5_000, 1)[0]["c3"] == 5_000
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]


def test_timestamps_with_time_zone_are_iso_strings(tmp_path):
    when = dt.datetime(2024, 5, 6, 7, 8, 9, tzinfo=dt.UTC)
    dest = tmp_path / "t.parquet"
    table_to_parquet(pa.table({"t": pa.array([when], pa.timestamp("us", "UTC"))}), dest)
    assert read_page(dest, 0, 1) == [{"t": "2024-05-06T07:08:09+00:00", "_id": 1}]
