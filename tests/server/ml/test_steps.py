"""Model, method and toolkit jobs called directly in this process on real artifact files."""

import numpy as np
import pandas as pd
import pytest

from lo_server import artifacts, tables
from lo_server.jobs import runner
from lo_server.ml import steps

REF = "__lo_ref__"


def ref(name, fmt, key=None):
    return {REF: name, "key": key, "format": fmt}


def run(root, task, spec):
    summary = runner.run_job("job", 1, task, spec, str(root))
    assert summary["ok"], summary.get("error")
    return summary["metadata"]


@pytest.fixture
def iris(tmp_path):
    from sklearn.datasets import load_iris

    frame = load_iris(as_frame=True).frame.astype(str)  # as a CSV dataset holds it
    artifacts.save_object(tmp_path, "iris", frame)
    return frame


def test_model_train_predict_evaluate_chain(tmp_path, iris):
    artifacts.save_object(tmp_path, "X", pd.DataFrame(
        {c: iris[c] for c in iris.columns[:4]}))
    meta = run(tmp_path, "model", {"name": "m", "modulePath": "sklearn.linear_model",
                                   "class": "LogisticRegression",
                                   "params": {"max_iter": 500, "C": {"__lo_expr__": "2 / 2"}}})
    assert meta == {"format": "pickle"}
    spec = {"kind": "train", "parentName": "m", "parentFormat": "pickle",
            "modulePath": "sklearn.linear_model", "method": "fit",
            "params": {"X": ref("X", "parquet"), "y": ref("iris", "parquet", "target")}}
    assert run(tmp_path, "method", {**spec, "name": "t"})["format"] == "pickle"
    trained = artifacts.load_object(tmp_path, "t", "pickle")
    assert trained.classes_.tolist() == [0, 1, 2]  # "0", "1", "2" arrived as numbers
    predicted = run(tmp_path, "method", {**spec, "name": "p", "kind": "predict",
                                         "parentName": "t", "method": "predict",
                                         "params": {"X": ref("X", "parquet")}})
    assert predicted == {"format": "npy", "shape": [150], "table": True}
    assert artifacts.load_object(tmp_path, "p", "npy").shape == (150,)
    evaluated = run(tmp_path, "method", {**spec, "name": "e", "kind": "evaluate",
                                         "parentName": "t", "method": "score"})
    assert evaluated["scores"]["score"] > 0.9


def test_array_results_are_also_tables_with_the_input_index(tmp_path):
    source = pd.DataFrame({"a": [1.0, 2.0, 3.0]}, index=[10, 20, 30])
    meta = steps.save_result(tmp_path, "r", np.array([0, 1, 0]), {"X": source})
    assert meta == {"format": "npy", "shape": [3], "table": True}
    rows = tables.read_page(tmp_path / "r" / steps.TABLE_FILE, 0, 10)
    assert rows == [{"index": 10, "prediction": 0, "_id": 1},
                    {"index": 20, "prediction": 1, "_id": 2},
                    {"index": 30, "prediction": 0, "_id": 3}]
    wide = steps.save_result(tmp_path, "w", np.ones((2, 3)), {})
    assert wide["shape"] == [2, 3]
    assert tables.read_page(tmp_path / "w" / steps.TABLE_FILE, 0, 1)[0] == {
        "index": 0, "column_0": 1.0, "column_1": 1.0, "column_2": 1.0, "_id": 1}
    steps.save_result(tmp_path, "w", {"not": "an array"}, {})
    assert not (tmp_path / "w" / steps.TABLE_FILE).exists()


def test_string_labels_are_stored_without_pickle(tmp_path):
    labels = np.array(["1", "0", "1"], dtype=object)  # what a model fitted on pandas gives
    assert steps.save_result(tmp_path, "s", labels, {})["format"] == "npy"
    assert artifacts.load_object(tmp_path, "s", "npy").tolist() == ["1", "0", "1"]
    mixed = np.array(["a", 1], dtype=object)
    assert steps.save_result(tmp_path, "m", mixed, {})["format"] == "pickle"


def test_transform_stores_the_result_and_explore_the_plot(tmp_path, iris):
    spec = {"modulePath": "sklearn.preprocessing", "class": "StandardScaler",
            "classParams": {}, "method": "fit_transform",
            "params": {"X": ref("iris", "parquet")}}
    meta = run(tmp_path, "toolkit", {**spec, "name": "scaled", "kind": "transform"})
    assert meta["format"] == "npy" and meta["shape"] == [150, 5]
    assert abs(artifacts.load_object(tmp_path, "scaled", "npy").mean()) < 1e-9
    meta = run(tmp_path, "toolkit", {
        "name": "corr", "kind": "explore", "modulePath": "pandas", "class": "DataFrame",
        "classParams": {"data": ref("iris", "parquet")}, "method": "corr",
        "params": {"numeric_only": True}})
    assert meta["format"] == "png" and meta["plot"]["kind"] == "heatmap"
    assert artifacts.load_object(tmp_path, "corr", "png")["labels"][0] == "sepal length (cm)"


def test_a_method_returning_none_leaves_the_object(tmp_path):
    meta = run(tmp_path, "toolkit", {
        "name": "imputer", "kind": "transform", "modulePath": "sklearn.impute",
        "class": "SimpleImputer", "classParams": {}, "method": "set_params", "params": {}})
    assert meta["format"] == "pickle"
    assert type(artifacts.load_object(tmp_path, "imputer", "pickle")).__name__ == (
        "SimpleImputer")


def test_toolkit_errors_fail_the_job_with_their_message(tmp_path):
    summary = runner.run_job("job", 1, "model", {
        "name": "m", "modulePath": "sklearn.linear_model", "class": "LogisticRegression",
        "params": {"C": "not a number"}}, str(tmp_path))
    assert summary["ok"]  # sklearn checks parameters at fit time
    bad = runner.run_job("job", 1, "method", {
        "name": "t", "kind": "train", "parentName": "m", "parentFormat": "pickle",
        "modulePath": "sklearn.linear_model", "method": "fit",
        "params": {"X": [[0.0], [1.0]], "y": [0, 1]}}, str(tmp_path))
    assert not bad["ok"] and "InvalidParameterError" in bad["error"]["message"]
    assert "'C' parameter" in bad["error"]["message"]
