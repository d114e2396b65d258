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


class Download:
    """A stand-in for fetch.Body: a body read in pieces, each also written to `copy`."""

    def __init__(self, data: bytes, copy, piece: int = 1000):
        self.data, self.at, self.piece = data, 0, piece
        self.copy = copy
        copy.write_bytes(b"")

    def read(self, size: int = -1) -> bytes:
        size = len(self.data) if size is None or size < 0 else size
        out = b""
        while len(out) < size and self.at < len(self.data):  # several small pieces
            part = self.data[self.at:self.at + min(self.piece, size - len(out))]
            self.at += len(part)
            out += part
        with open(self.copy, "ab") as f:
            f.write(out)
        return out

    def drain(self) -> int:
        while self.read(4096):
            pass
        return len(self.data)


def ingest_stream(tmp_path, data: bytes):
    body = Download(data, tmp_path / "copy")
    return csv_to_parquet(body, tmp_path / "out.parquet"), tmp_path / "out.parquet", body


@pytest.mark.parametrize("data", [
    b'\xef\xbb\xbf"a b",c\r\n"x\r\ny",2\r\n\r\n"1,2",\r\n',
    b"a,a,\n1,2,3\n", b"a,b\n", b"\n\nx\n1\n2",
    "".join(f"{i},name {i}\n" for i in range(30_000)).encode(),
])
def test_a_csv_parsed_while_it_downloads_is_stored_like_the_file(tmp_path, data):
    (tmp_path / "f").mkdir()
    expected, path = ingest(tmp_path / "f", data)
    info, dest, body = ingest_stream(tmp_path, data)
    assert info == expected
    assert pq.read_table(dest).equals(pq.read_table(path))
    assert body.copy.read_bytes() == data  # everything read was kept


@pytest.mark.parametrize("width", [3, 9_000])
def test_a_header_longer_than_one_read_is_found_whole(tmp_path, monkeypatch, width):
    monkeypatch.setattr(tables, "HEADER_READ", 7)  # the header arrives in many reads
    header = ",".join(f'"col\n{i}"' for i in range(width))
    data = f"{header}\n{','.join('1' * width)}\n".encode()
    info, dest, _ = ingest_stream(tmp_path, data)
    assert len(info["fields"]) == width and info["rows"] == 1
    (tmp_path / "f").mkdir()
    assert ingest(tmp_path / "f", data)[0] == info


@pytest.mark.parametrize(("data", "message"), [
    (b"", "the CSV file is empty"),
    (b"\n\n\n", "no header"),
    (b"a,b\n" + b"1,2\n" * 50_000 + b"1,2,3\n" + b"4,5\n" * 10_000,
     "line 50002 has 3 values, the header has 2"),
    (b"a,b\n" + b"1,2\n" * 50_000 + b"3,\xff\n" + b"4,5\n" * 10_000,
     "not valid UTF-8 (line 50002)"),
    (b"a\xfe,b\n1,2\n", "not valid UTF-8 (line 1)"),
])
def test_a_download_that_cannot_be_parsed_is_explained_from_all_of_it(
        tmp_path, data, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        ingest_stream(tmp_path, data)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy"]  # no partial output
    assert (tmp_path / "copy").read_bytes() == data  # read to its end to say where


def test_a_download_error_stops_the_ingest(tmp_path):
    class Failing(Download):
        def read(self, size=-1):
            if self.at > 100_000:
                raise ValueError("the download passed the 100000-byte limit")
            return super().read(size)

    body = Failing(b"a,b\n" + b"1,2\n" * 100_000, tmp_path / "copy")
    with pytest.raises(ValueError, match="100000-byte limit"):
        csv_to_parquet(body, tmp_path / "out.parquet")
    assert not (tmp_path / "out.parquet").exists()


def test_a_new_filter_reads_only_as_far_as_its_page_needs(big, monkeypatch):
    tables._matching.cache_clear()
    groups = pq.ParquetFile(big).metadata.num_row_groups
    query = {"parity": "odd"}
    assert [r["_id"] for r in read_page(big, 0, 3, query)] == [1, 3, 5]
    matches = tables._matching(tables._key(big), json.dumps(query, sort_keys=True))
    assert matches.next_group == 1 < groups  # one row group was enough
    assert [r["_id"] for r in read_page(big, 20_000, 2, query)] == [40_001, 40_003]
    assert matches.next_group < groups
    assert read_page(big, 60_000, 2, query) == []  # past the last match: all were read
    assert matches.next_group == groups
    assert [r["_id"] for r in read_page(big, 10, 2, query)] == [21, 23]  # from the cache
    with pytest.raises(ValueError):
        matches.first(5)[0] = 1  # the cached positions are read-only


@pytest.mark.parametrize("step", [1, 3])
def test_filters_give_the_same_rows_in_any_order_of_pages(big, monkeypatch, step):
    monkeypatch.setattr(tables._Matches, "MAX_STEP", step)
    whole = pq.read_table(big).to_pylist()
    query = {"mod": {"$in": ["003", "005"]}, "parity": "even"}
    expected = [i + 1 for i, row in enumerate(whole)
                if row["mod"] in ("003", "005") and row["parity"] == "even"]
    tables._matching.cache_clear()
    for skip in (5_000, 0, 9_000, 14_000, 20, 14_280):
        page = read_page(big, skip, 20, query)
        assert [r["_id"] for r in page] == expected[skip:skip + 20]
