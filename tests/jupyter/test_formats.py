"""Downloaded bytes to Python values, and DataFrames to upload bodies."""

import io

import cloudpickle
import numpy as np
import pandas as pd
import pytest

from lo_jupyter import formats


def parquet_bytes(frame):
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


def test_tables_arrays_pickles_json_and_bytes_decode():
    frame = pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})
    pd.testing.assert_frame_equal(formats.decode(parquet_bytes(frame), "parquet"), frame)
    pd.testing.assert_frame_equal(formats.decode(b"a,b\n1,x\n2,y\n", "csv"), frame)
    buffer = io.BytesIO()
    np.save(buffer, np.arange(6).reshape(2, 3))
    assert formats.decode(buffer.getvalue(), "npy").tolist() == [[0, 1, 2], [3, 4, 5]]
    assert formats.decode(cloudpickle.dumps({"k": [1, 2]}), "pickle") == {"k": [1, 2]}
    assert formats.decode(b'{"a": 1}', "json") == {"a": 1}
    assert formats.decode(b"\x89PNG...", "png") == b"\x89PNG..."
    assert formats.decode(b"raw", "something-new") == b"raw"


def test_npy_refuses_pickled_object_arrays():
    buffer = io.BytesIO()
    np.save(buffer, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError):
        formats.decode(buffer.getvalue(), "npy")


@pytest.mark.parametrize("content_type, filename, expected", [
    ("application/vnd.apache.parquet", "", "parquet"),
    ("text/csv; charset=utf-8", "", "csv"),
    ("application/octet-stream", "pred.npy", "npy"),
    ("application/octet-stream", "model.keras", "keras"),
    ("application/octet-stream", "object.pkl", "pickle"),
    ("image/png", "", "png"),
    ("application/json", "", "json"),
    ("application/octet-stream", "", "binary"),
    ("", "", "binary"),
])
def test_guess_format(content_type, filename, expected):
    assert formats.guess_format(content_type, filename) == expected


def test_dataframe_to_parquet_keeps_named_index_and_stringifies_columns():
    frame = pd.DataFrame({0: [1.5], "b": ["x"]}, index=pd.Index([7], name="id"))
    back = pd.read_parquet(io.BytesIO(formats.dataframe_to_parquet(frame)))
    assert list(back.columns) == ["0", "b"] and back.index.name == "id"
    unnamed = pd.read_parquet(io.BytesIO(formats.dataframe_to_parquet(pd.DataFrame({"a": [1]}))))
    assert list(unnamed.columns) == ["a"]
