"""Toolkit inputs: numeric text columns become numbers; results become JSON and scores."""

import math

import numpy as np
import pandas as pd
import pytest

from lo_server import artifacts
from lo_server.ml import inputs


def test_numeric_text_columns_become_numbers_and_words_stay_text():
    frame = pd.DataFrame({
        "ints": ["1", "2", " 3 "], "floats": ["1.5", "", "1e3"], "words": ["a", "1", "2"],
        "empty": ["", "", ""], "integral_with_gap": ["4", None, "6"], "nan_text": ["nan", "1", "2"],
    })
    out = inputs.numeric_columns(frame)
    assert out["ints"].dtype == np.int64 and out["ints"].tolist() == [1, 2, 3]
    assert out["floats"].dtype == np.float64
    assert out["floats"][0] == 1.5 and math.isnan(out["floats"][1]) and out["floats"][2] == 1000
    assert out["integral_with_gap"].dtype == np.float64  # a missing value: float with NaN
    for text in ("words", "empty", "nan_text"):
        assert out[text].tolist() == frame[text].tolist()
    assert frame["ints"].tolist() == ["1", "2", " 3 "]  # the input is not modified


def test_numbers_and_mixed_objects_are_left_alone():
    frame = pd.DataFrame({"n": [1, 2], "lists": [[1], [2]]})
    assert inputs.numeric_columns(frame) is frame


def test_load_input_converts_tables_only(tmp_path):
    artifacts.save_object(tmp_path, "table", pd.DataFrame({"x": ["1", "2"]}))
    artifacts.save_object(tmp_path, "obj", {"x": ["1", "2"]})
    assert inputs.load_input(tmp_path, "table", "parquet")["x"].tolist() == [1, 2]
    assert inputs.load_input(tmp_path, "obj", "pickle") == {"x": ["1", "2"]}


def test_resolve_converts_a_column_reference(tmp_path):
    artifacts.save_object(tmp_path, "table", pd.DataFrame({"y": ["0", "1"]}))
    planned = {"y": {"__lo_ref__": "table", "key": "y", "format": "parquet"}, "n": 3}
    values = inputs.resolve(tmp_path, planned)
    assert values["y"].tolist() == [0, 1] and values["n"] == 3


def test_jsonable_makes_store_safe_values():
    value = {"a": np.float32(0.5), "b": np.array([1, 2]), "c": float("nan"), 3: (np.int64(4),),
             "d": object()}
    out = inputs.jsonable(value)
    assert out["a"] == 0.5 and out["b"] == [1, 2] and out["c"] is None and out["3"] == [4]
    assert out["d"].startswith("<object object")


@pytest.mark.parametrize("value, names, expected", [
    (0.75, None, {"score": 0.75}),
    (np.float64(0.5), None, {"score": 0.5}),
    ([0.3, 0.9], ["loss", "accuracy"], {"loss": 0.3, "accuracy": 0.9}),
    ([0.3, 0.9], ["loss", "compile_metrics", "x"], {"score_0": 0.3, "score_1": 0.9}),
    ({"loss": np.float32(0.25), "note": "text"}, None, {"loss": 0.25}),
    ("not a score", None, {}),
])
def test_scores_are_named_numbers(value, names, expected):
    assert inputs.scores(value, names) == expected
