"""Train, Tune, Predict and Evaluate through the HTTP API of a real server."""

import time

import pytest

from tests.ml_helpers import (
    PREFIX,
    error,
    executions,
    iris_csv,
    post,
    run_function,
    run_step,
    unique,
    upload_csv,
)
from tests.server_process import client, wait_terminal

FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]


@pytest.fixture(scope="module")
def iris(server):
    """A CSV dataset (strings) and the projection of its four features."""
    with client(server) as api:
        data = upload_csv(api, iris_csv(), "iris")
        features = unique("iris_x")
        post(api, "/transform/projection", {"inputDatasetName": data,
                                            "outputDatasetName": features, "names": FEATURES})
        assert wait_terminal(api, features)["status"] == "finished"
        yield {"data": data, "X": f"${features}", "y": f"${data}.target"}


def make_model(api, module="sklearn.linear_model", cls="LogisticRegression", params=None,
               tool="scikitlearn"):
    name = unique("model")
    doc = run_step(api, f"/model/{tool}", {
        "modelName": name, "modulePath": module, "class": cls,
        "classParameters": params if params is not None else {"max_iter": 500}},
        name_field="modelName", timeout=240)
    assert doc["status"] == "finished", doc.get("error")
    return name


def step(kind, model, parent, method, params, tool="scikitlearn", name=None):
    return {"name": name or unique(kind), "modelName": model, "parentName": parent,
            "method": method, "methodParameters": params, "description": f"{kind} step"}


def test_train_predict_evaluate_with_scikit_learn(api, iris):
    model = make_model(api)
    trained = run_step(api, "/train/scikitlearn",
                       step("train", model, model, "fit", {"X": iris["X"], "y": iris["y"]}))
    assert trained["status"] == "finished" and trained["format"] == "pickle"
    assert trained["progress"] == {"fraction": 1.0, "message": "finished"}
    assert (trained["type"], trained["parentName"], trained["method"], trained["class"]) == (
        "train/scikitlearn", model, "fit", "LogisticRegression")
    [run] = executions(api, "train/scikitlearn", trained["name"])
    assert run["exception"] is None and run["methodParameters"] == {
        "X": iris["X"], "y": iris["y"]} and run["description"] == "train step"

    predicted = run_step(api, "/predict/scikitlearn", step(
        "predict", model, trained["name"], "predict", {"X": iris["X"]}))
    assert predicted["format"] == "npy" and predicted["shape"] == [150]
    assert predicted["table"] is True

    body = step("evaluate", model, trained["name"], "score", {"X": iris["X"], "y": iris["y"]})
    response = post(api, "/evaluate/scikitlearn", body)
    assert response.json()["result"] == \
        f"{PREFIX}/evaluate/scikitlearn/{body['name']}?query={{}}&limit=20&skip=0"
    evaluated = wait_terminal(api, body["name"])
    assert evaluated["type"] == "evaluate/scikitlearn"  # upstream: "evaluate/sckitlearn"
    assert 0.9 < evaluated["scores"]["score"] <= 1.0
    listed = [d["name"] for d in api.get("/evaluate/scikitlearn").json()["result"]]
    assert body["name"] in listed


def test_step_checks_in_upstreams_order(api, iris):
    model = make_model(api)
    fn = run_function(api, "response = {'not': 'a model'}")
    cases = [
        (step("train", model, unique("ghost"), "fit", {}), "parentName doesn't exist"),
        (step("train", unique("ghost"), model, "fit", {}), "parentName doesn't exist"),
        (step("train", fn, model, "fit", {}), f"invalid model name: {fn!r} does not lead to "
                                              "a model"),
        (step("train", model, model, "fitt", {}), "invalid method name: LogisticRegression "
                                                  "has no method 'fitt'"),
        (step("train", model, model, "fit", {"Xs": 1}), "invalid class method parameter: "
                                                        "'Xs' not accepted"),
        (step("train", model, iris["data"], "fit", {"X": "$missing_x"}),
         "unknown reference '$missing_x'"),
    ]
    for body, message in cases:
        result = error(api.post("/train/scikitlearn", json=body), 406)
        assert result.startswith(message), (body, result)
    taken = error(api.post("/train/scikitlearn", json=step("train", model, model, "fit", {},
                                                           name=model)), 409)
    assert taken.startswith("duplicated name")


def test_a_toolkit_error_fails_the_step_and_its_children_are_refused(api, iris):
    model = make_model(api)
    failed = run_step(api, "/train/scikitlearn", step("train", model, model, "fit",
                                                      {"X": iris["X"]}))
    assert failed["status"] == "failed"
    assert "missing 1 required positional argument: 'y'" in failed["error"]["message"]
    assert "Traceback" in failed["error"]["traceback"]
    [run] = executions(api, "train/scikitlearn", failed["name"])
    assert run["exception"] == failed["error"]["message"]
    refused = error(api.post("/predict/scikitlearn", json=step(
        "predict", model, failed["name"], "predict", {"X": iris["X"]})), 406)
    assert refused == f"unfinished processing in parentName: {failed['name']!r} is failed"


def test_patch_runs_again_and_unknown_names_are_404(api, iris):
    model = make_model(api)
    trained = run_step(api, "/train/scikitlearn",
                       step("train", model, model, "fit", {"X": iris["X"], "y": iris["y"]}))
    missing = error(api.patch(f"/train/scikitlearn/{unique('x')}", json={}), 404)
    assert missing.startswith("parentName doesn't exist")
    bad = error(api.patch(f"/train/scikitlearn/{trained['name']}",
                          json={"methodParameters": {"Z": 1}}), 406)
    assert bad.startswith("invalid class method parameter")
    response = api.patch(f"/train/scikitlearn/{trained['name']}", json={
        "methodParameters": {"X": iris["X"], "y": iris["y"], "sample_weight": None},
        "modelName": model})
    assert response.status_code == 201, response.text
    assert wait_terminal(api, trained["name"])["status"] == "finished"
    assert len(executions(api, "train/scikitlearn", trained["name"])) == 2


SEARCHES = {
    "grid": ("sklearn.model_selection", "GridSearchCV", {
        "param_grid": {"C": [0.01, 1.0, 100.0]}, "cv": 3}, 3),
    "random": ("sklearn.model_selection", "RandomizedSearchCV", {
        "param_distributions": {"C": [0.01, 0.1, 1.0, 10.0]}, "n_iter": 3, "cv": 3,
        "random_state": 0}, 3),
    "bayesian": ("optuna_integration", "OptunaSearchCV", {
        "param_distributions": "#{'C': optuna.distributions.FloatDistribution("
                               "0.01, 100.0, log=True)}",
        "n_trials": 4, "cv": 3, "random_state": 0, "n_jobs": 2}, 4),
}


@pytest.mark.slow
@pytest.mark.parametrize("strategy", sorted(SEARCHES))
def test_tune_on_dask_while_the_other_worker_is_busy(api, iris, tmp_path, strategy):
    """One worker is held by a blocker job: the search's own tasks must still run (on the
    tune job's worker, which gives its slot up while it waits) instead of deadlocking."""
    module, cls, params, candidates = SEARCHES[strategy]
    flag = tmp_path / "release"
    blocker = unique("blocker")
    post(api, "/function/python", {"name": blocker, "function": (
        "import os, time\nwhile not os.path.exists(flag):\n    time.sleep(0.1)\nresponse = 1"),
        "functionParameters": {"flag": str(flag)}})
    try:
        for _ in range(300):
            if api.get(f"/artifacts/{blocker}").json()["result"]["status"] == "running":
                break
            time.sleep(0.1)
        search = make_model(api, module, cls, {
            "estimator": "#sklearn.linear_model.LogisticRegression(max_iter=500)", **params})
        tuned = run_step(api, "/tune/scikitlearn", step(
            "tune", search, search, "fit", {"X": iris["X"], "y": iris["y"]}), timeout=180)
        assert api.get(f"/artifacts/{blocker}").json()["result"]["status"] == "running"
    finally:
        flag.touch()
    assert tuned["status"] == "finished", tuned.get("error")
    assert tuned["type"] == "tune/scikitlearn" and tuned["candidates"] == candidates
    assert set(tuned["best_params"]) == {"C"} and 0.5 < tuned["best_score"] <= 1.0
    predicted = run_step(api, "/predict/scikitlearn", step(
        "predict", search, tuned["name"], "predict", {"X": iris["X"]}))
    assert predicted["status"] == "finished" and predicted["shape"] == [150]
    assert wait_terminal(api, blocker)["status"] == "finished"


DIGITS = """
import numpy as np
from sklearn.datasets import load_digits
digits = load_digits()
response = {"x": digits.images[:600] / 16.0, "y": digits.target[:600]}
"""
COMPILE = """
import tensorflow as tf
model.compile(optimizer=tf.keras.optimizers.Adam(0.01),
              loss=tf.keras.losses.SparseCategoricalCrossentropy(),
              metrics=[tf.keras.metrics.SparseCategoricalAccuracy()])
response = model
"""


@pytest.mark.slow
def test_keras_training_reports_epochs_and_evaluate_records_scores(api):
    data = run_function(api, DIGITS, prefix="digits")
    model = make_model(api, "tensorflow.keras.models", "Sequential", {"layers": [
        "#tensorflow.keras.layers.Flatten(input_shape=(8, 8))",
        "#tensorflow.keras.layers.Dense(32, activation='relu')",
        "#tensorflow.keras.layers.Dense(10, activation='softmax')"]}, tool="tensorflow")
    compiled = run_function(api, COMPILE, {"model": f"${model}"}, prefix="compiled")
    body = step("train", model, compiled, "fit", {
        "x": f"${data}.x", "y": f"${data}.y", "epochs": 3, "verbose": 0,
        "callbacks": ["#keras.callbacks.LambdaCallback(on_epoch_end=lambda e, l: "
                      "__import__('time').sleep(1))"]})
    post(api, "/train/tensorflow", body)
    seen = set()
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        doc = api.get(f"/artifacts/{body['name']}").json()["result"]
        if doc["status"] not in ("queued", "running"):
            break
        seen.add(doc["progress"]["message"])
        time.sleep(0.1)
    trained = wait_terminal(api, body["name"])
    assert trained["status"] == "finished", trained.get("error")
    assert any(m.startswith(("epoch 1/3: loss=", "epoch 2/3: loss=")) for m in seen), seen
    assert trained["format"] == "keras" and len(trained["history"]["loss"]) == 3
    assert set(trained["history"]) == {"loss", "sparse_categorical_accuracy"}

    evaluated = run_step(api, "/evaluate/tensorflow", step(
        "evaluate", model, trained["name"], "evaluate",
        {"x": f"${data}.x", "y": f"${data}.y", "verbose": 0}))
    scores = evaluated["scores"]
    assert list(scores) == ["loss", "sparse_categorical_accuracy"]
    assert scores["sparse_categorical_accuracy"] > 0.8
    printed = run_function(api, "print([round(x, 6) for x in v])\nresponse = None",
                           {"v": f"${evaluated['name']}"})  # upstream's [loss, accuracy]
    assert executions(api, "function/python", printed)[0]["functionMessage"] == \
        f"{[round(v, 6) for v in scores.values()]}\n"

    predicted = run_step(api, "/predict/tensorflow", step(
        "predict", model, trained["name"], "predict", {"x": f"${data}.x", "verbose": 0}))
    assert predicted["format"] == "npy" and predicted["shape"] == [600, 10]
