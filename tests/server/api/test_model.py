"""Model service through the HTTP API of a real server: build, rebuild, refuse, delete."""

import pytest

from tests.ml_helpers import (
    PREFIX,
    error,
    executions,
    iris_csv,
    post,
    run_step,
    unique,
    upload_csv,
)
from tests.server_process import wait_terminal


def model_body(name, module="sklearn.linear_model", cls="LogisticRegression", params=None):
    return {"modelName": name, "description": "a model", "modulePath": module, "class": cls,
            "classParameters": params if params is not None else {"max_iter": 200}}


def test_a_scikit_learn_model_is_built_in_a_worker(api):
    name = unique("lr")
    doc = run_step(api, "/model/scikitlearn",
                   model_body(name, params={"max_iter": 300, "C": "#numpy.float64(0.5)"}),
                   name_field="modelName")
    assert doc["status"] == "finished" and doc["format"] == "pickle"
    assert (doc["type"], doc["modelName"], doc["modulePath"], doc["class"]) == (
        "model/scikitlearn", name, "sklearn.linear_model", "LogisticRegression")
    [run] = executions(api, "model/scikitlearn", name)
    assert run["exception"] is None and run["description"] == "a model"
    assert run["classParameters"] == {"max_iter": 300, "C": "#numpy.float64(0.5)"}
    assert name in [d["modelName"] for d in api.get("/model/scikitlearn").json()["result"]]


def test_the_returned_uri_has_the_toolkit_segment(api):
    name = unique("m")
    response = post(api, "/model/scikitlearn", model_body(name))
    assert response.json()["result"] == \
        f"{PREFIX}/model/scikitlearn/{name}?query={{}}&limit=20&skip=0"
    wait_terminal(api, name)


def test_class_parameters_take_references(api):
    data = upload_csv(api, iris_csv(30))
    name = unique("pipe")
    doc = run_step(api, "/model/scikitlearn", model_body(
        name, "pandas", "DataFrame", {"data": f"${data}"}), name_field="modelName")
    assert doc["status"] == "finished" and doc["parents"] == [data]
    assert doc["format"] == "parquet"  # a DataFrame object is stored as a table


@pytest.mark.parametrize("body, message", [
    ({"modulePath": "sklearn.linear_mode"}, "invalid module path name: 'sklearn.linear_mode'"),
    ({"modulePath": "subprocess"}, "invalid module path name: 'subprocess' is not in a toolkit"),
    ({"class": "LogisticRegresion"}, "invalid class name: sklearn.linear_model has no class"),
    ({"classParameters": {"max_iters": 3}}, "invalid class parameter: 'max_iters' not accepted"),
    ({"classParameters": {"C": "$no_such_artifact"}}, "unknown reference '$no_such_artifact'"),
])
def test_bad_requests_are_406_with_upstreams_message(api, body, message):
    name = unique("bad")
    result = error(api.post("/model/scikitlearn", json={**model_body(name), **body}), 406)
    assert result.startswith(message), result
    assert api.get(f"/artifacts/{name}").status_code == 404  # nothing was recorded


def test_a_taken_name_is_409_and_a_missing_field_400(api):
    name = unique("m")
    post(api, "/model/scikitlearn", model_body(name))
    taken = error(api.post("/model/tensorflow", json=model_body(name)), 409)
    assert taken == f"duplicated model name: {name!r} is already taken"
    body = model_body(unique("m"))
    del body["modulePath"]
    assert "modulePath" in error(api.post("/model/scikitlearn", json=body), 400)
    wait_terminal(api, name)


def test_a_failing_constructor_fails_the_job_with_its_message(api):
    name = unique("m")
    doc = run_step(api, "/model/scikitlearn", model_body(
        name, "sklearn.preprocessing", "FunctionTransformer", {"func": "#1 / 0"}),
        name_field="modelName")
    assert doc["status"] == "failed" and doc["error"]["message"] == (
        "ZeroDivisionError: division by zero")
    assert executions(api, "model/scikitlearn", name)[0]["exception"] == doc["error"]["message"]


def test_patch_rebuilds_and_delete_removes(api):
    name = unique("m")
    run_step(api, "/model/scikitlearn", model_body(name), name_field="modelName")
    assert error(api.patch(f"/model/scikitlearn/{name}",
                           json={"classParameters": {"nope": 1}}), 406).startswith(
        "invalid class parameter")
    missing = error(api.patch(f"/model/scikitlearn/{unique('x')}", json={}), 404)
    assert missing.startswith("model name doesn't exist")
    assert error(api.patch(f"/model/tensorflow/{name}", json={}), 404)  # the other toolkit
    response = api.patch(f"/model/scikitlearn/{name}",
                         json={"classParameters": {"C": 2.0}, "description": "again"})
    assert response.status_code == 201, response.text
    assert wait_terminal(api, name)["status"] == "finished"
    runs = executions(api, "model/scikitlearn", name)
    assert [r["classParameters"] for r in runs] == [{"max_iter": 200}, {"C": 2.0}]
    assert api.delete(f"/model/scikitlearn/{name}").json() == {"result": "deleted file"}
    assert api.get(f"/artifacts/{name}").status_code == 404


@pytest.mark.slow
def test_a_keras_sequential_model_from_expression_layers(api):
    name = unique("seq")
    layers = ["#tensorflow.keras.layers.Flatten(input_shape=(8, 8))",
              "#tensorflow.keras.layers.Dense(16, activation='relu')",
              "#tensorflow.keras.layers.Dense(10, activation='softmax')"]
    doc = run_step(api, "/model/tensorflow", model_body(
        name, "tensorflow.keras.models", "Sequential", {"layers": layers}),
        name_field="modelName", timeout=240)
    assert doc["status"] == "finished", doc.get("error")
    assert doc["type"] == "model/tensorflow" and doc["format"] == "keras"
    download = api.get(f"/artifacts/{name}/download")
    assert download.status_code == 200 and download.headers["x-lo-format"] == "keras"
    assert download.content[:2] == b"PK"  # a .keras file is a zip archive
    assert f'filename="{name}.keras"' in download.headers["content-disposition"]
