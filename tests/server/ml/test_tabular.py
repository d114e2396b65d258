"""Dataset jobs on real Parquet files, called directly: projection, data types, histogram."""

import pandas as pd
import pytest

from lo_server import artifacts, tables
from lo_server.jobs import runner
from lo_server.ml import tabular


def store_csv(root, name, text):
    source = root / f"{name}.csv"
    source.write_text(text)
    tables.csv_to_parquet(source, artifacts.artifact_file(root, name, "parquet"))


def rows(root, name):
    return tables.read_page(artifacts.artifact_file(root, name, "parquet"), 0, 100)


def run(root, task, spec):
    return runner.run_job("job", 1, task, spec, str(root))


def test_projection_keeps_the_chosen_fields_in_order(tmp_path):
    store_csv(tmp_path, "people", "Name,Age,Sex\nann,22,f\nbob,,m\n")
    summary = run(tmp_path, "projection", {"name": "p", "input": "people",
                                           "names": ["Sex", "Name"]})
    assert summary["ok"], summary
    assert summary["metadata"] == {"format": "parquet", "fields": ["Sex", "Name"], "rows": 2}
    assert rows(tmp_path, "p") == [{"Sex": "f", "Name": "ann", "_id": 1},
                                   {"Sex": "m", "Name": "bob", "_id": 2}]


def test_data_types_follow_upstream_rules(tmp_path):
    store_csv(tmp_path, "t", "Age,Fare,Id,Name\n22,7.25,1,ann\n,1e3,2,bob\n38,8,3,\n")
    summary = run(tmp_path, "data_type", {"name": "t", "types": {
        "Age": "number", "Fare": "number", "Id": "number", "Name": "string"}})
    assert summary["ok"], summary
    assert rows(tmp_path, "t") == [
        {"Age": 22, "Fare": 7.25, "Id": 1, "Name": "ann", "_id": 1},
        {"Age": None, "Fare": 1000.0, "Id": 2, "Name": "bob", "_id": 2},
        {"Age": 38, "Fare": 8.0, "Id": 3, "Name": "", "_id": 3},
    ]
    back = run(tmp_path, "data_type", {"name": "t", "types": {"Age": "string", "Fare": "string"}})
    assert back["ok"], back
    assert [(r["Age"], r["Fare"]) for r in rows(tmp_path, "t")] == [
        ("22", "7.25"), ("", "1000.0"), ("38", "8.0")]


def test_a_bad_value_fails_naming_field_row_and_value_and_changes_nothing(tmp_path):
    store_csv(tmp_path, "t", "Age,Sex\n22,m\n30,f\n")
    before = rows(tmp_path, "t")
    summary = run(tmp_path, "data_type", {"name": "t", "types": {"Age": "number",
                                                                 "Sex": "number"}})
    assert not summary["ok"]
    assert summary["error"]["message"] == (
        "ValueError: field 'Sex': value 'm' in row 1 is not a number; "
        "the dataset was left unchanged")
    assert rows(tmp_path, "t") == before


def test_to_string_prints_integers_without_a_fraction():
    assert tabular.to_string(pd.Series([1.0, None, 3.0])).to_pylist() == ["1", "", "3"]
    assert tabular.to_string(pd.Series([1.5, 2.0])).to_pylist() == ["1.5", "2.0"]


@pytest.mark.parametrize("values, expected_type", [
    (["1", "2", ""], "int64"), (["1", "2.5"], "double"), ([True, "3"], "int64")])
def test_to_number_column_types(values, expected_type):
    assert str(tabular.to_number(pd.Series(values, dtype=object), "f").type) == expected_type


def test_histogram_counts_each_field_without_a_metadata_group(tmp_path):
    store_csv(tmp_path, "t", "Sex,Port\nm,S\nf,S\nm,\nm,C\n")
    summary = run(tmp_path, "histogram", {"name": "h", "input": "t", "names": ["Sex", "Port"]})
    assert summary["ok"], summary
    assert summary["metadata"]["rows"] == 2 and summary["metadata"]["plot"]["kind"] == "histogram"
    first, second = rows(tmp_path, "h")
    assert first["Sex"] == [{"_id": "m", "count": 3}, {"_id": "f", "count": 1}]
    assert second["Port"] == [{"_id": "S", "count": 2}, {"_id": "", "count": 1},
                              {"_id": "C", "count": 1}]
    assert first["Port"] is None and second["Sex"] is None  # one field per document
    png = artifacts.artifact_file(tmp_path, "h", "png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
