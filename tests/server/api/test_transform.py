"""Transform: projection, dataType and toolkit transforms through a real server's API."""

import pytest

from tests.ml_helpers import (
    PREFIX,
    error,
    executions,
    iris_csv,
    run_function,
    run_step,
    unique,
    upload_csv,
)
from tests.server_process import wait_terminal

PEOPLE = "Name,Age,Fare,Sex\nann,22,7.25,f\nbob,,8,m\ncid,38,71.2833,m\n"


def rows(api, kind, name):
    return api.get(f"/{kind}/{name}", params={"skip": 1}).json()["result"]


def projection(source, out, names):
    return {"inputDatasetName": source, "outputDatasetName": out, "names": names}


def test_projection_keeps_the_chosen_fields(api):
    source = upload_csv(api, PEOPLE)
    out = unique("proj")
    doc = run_step(api, "/transform/projection", projection(source, out, ["Sex", "Name"]),
                   name_field="outputDatasetName")
    assert doc["status"] == "finished"
    assert (doc["type"], doc["datasetName"], doc["parentDatasetName"], doc["fields"]) == (
        "transform/projection", out, source, ["Sex", "Name"])
    assert doc["parents"] == [source] and doc["rows"] == 3
    assert rows(api, "transform/projection", out)[0] == {"Sex": "f", "Name": "ann", "_id": 1}
    again = api.patch("/transform/projection", json=projection(source, out, ["Age"]))
    assert again.status_code == 201, again.text
    assert wait_terminal(api, out)["fields"] == ["Age"]
    assert [r["Age"] for r in rows(api, "transform/projection", out)] == ["22", "", "38"]


def test_projection_checks_in_upstreams_order(api):
    source = upload_csv(api, PEOPLE)
    taken = upload_csv(api, PEOPLE)
    bad_csv = unique("bad")
    api.put(f"/dataset/csv/{bad_csv}", content=b"a,b\n1\n", headers={"Content-Type": "text/csv"})
    assert wait_terminal(api, bad_csv)["status"] == "failed"
    model = run_function(api, "response = {'a': 1}")
    cases = [
        (projection(source, taken, ["Name"]), 409, "duplicated projection name"),
        (projection(unique("no"), unique("p"), ["Name"]), 406, "invalid dataset name: there "
                                                               "is no dataset named"),
        (projection(model, unique("p"), ["a"]), 406, f"invalid dataset name: {model!r} is a "
                                                     "function/python, not a table"),
        (projection(source, unique("p"), []), 406, "missing fields"),
        (projection(source, unique("p"), ["Name", "Height"]), 406, "invalid fields: 'Height' "
                                                                   "not in"),
        (projection(bad_csv, unique("p"), ["a"]), 406, "unfinished processing in input "
                                                       f"dataset: {bad_csv!r} is failed"),
    ]
    for body, status, message in cases:
        result = error(api.post("/transform/projection", json=body), status)
        assert result.startswith(message), (body, result)
    patch = error(api.patch("/transform/projection", json=projection(source, unique("p"),
                                                                     ["Name"])), 404)
    assert patch.startswith("no transform/projection artifact named")


def test_data_type_converts_in_place_with_upstreams_rules(api):
    source = upload_csv(api, PEOPLE)
    response = api.patch("/transform/dataType", json={
        "inputDatasetName": source, "types": {"Age": "number", "Fare": "number"}})
    assert response.status_code == 200, response.text
    assert response.json()["result"] == \
        f"{PREFIX}/dataset/csv/{source}?query={{}}&limit=20&skip=0"
    assert wait_terminal(api, source)["status"] == "finished"
    assert [(r["Age"], r["Fare"]) for r in rows(api, "dataset/csv", source)] == [
        (22, 7.25), (None, 8.0), (38, 71.2833)]
    assert api.get("/transform/dataType").json() == {"result": []}
    assert api.get(f"/transform/dataType/{source}", params={"limit": 1}).json()[
        "result"][0]["name"] == source


def test_a_bad_value_fails_the_job_and_a_corrected_request_recovers(api):
    source = upload_csv(api, PEOPLE)
    api.patch("/transform/dataType", json={"inputDatasetName": source,
                                           "types": {"Age": "number", "Sex": "number"}})
    failed = wait_terminal(api, source)
    assert failed["status"] == "failed"
    assert failed["error"]["message"] == ("ValueError: field 'Sex': value 'f' in row 1 is not "
                                          "a number; the dataset was left unchanged")
    response = api.patch("/transform/dataType", json={"inputDatasetName": source,
                                                      "types": {"Age": "number"}})
    assert response.status_code == 200, response.text
    assert wait_terminal(api, source)["status"] == "finished"
    assert [r["Sex"] for r in rows(api, "dataset/csv", source)] == ["f", "m", "m"]


@pytest.mark.parametrize("types, message", [
    ({}, "missing fields"),
    ({"Height": "number"}, "invalid fields: 'Height' not in"),
    ({"Age": "integer"}, "invalid fields: types must be \"number\" or \"string\""),
])
def test_data_type_refusals(api, types, message):
    source = upload_csv(api, PEOPLE)
    result = error(api.patch("/transform/dataType", json={"inputDatasetName": source,
                                                          "types": types}), 406)
    assert result.startswith(message), result
    missing = error(api.patch("/transform/dataType", json={"inputDatasetName": unique("x"),
                                                           "types": {"a": "number"}}), 406)
    assert missing.startswith("invalid dataset name")


def toolkit_body(name, params=None, **overrides):
    body = {"name": name, "description": "scale", "modulePath": "sklearn.preprocessing",
            "class": "StandardScaler", "classParameters": {"with_mean": True},
            "method": "fit_transform", "methodParameters": params or {}}
    return {**body, **overrides}


def test_a_scikit_learn_transform_stores_its_result(api):
    data = upload_csv(api, iris_csv(40), "iris")
    name = unique("scaled")
    doc = run_step(api, "/transform/scikitlearn", toolkit_body(name, {"X": f"${data}"}))
    assert doc["status"] == "finished", doc.get("error")
    assert doc["format"] == "npy" and doc["shape"] == [40, 5] and doc["parents"] == [data]
    assert doc["classParameters"] == {"with_mean": True} and doc["class"] == "StandardScaler"
    [run] = executions(api, "transform/scikitlearn", name)
    assert run["exception"] is None and run["method"] == "fit_transform"
    assert run["methodParameters"] == {"X": f"${data}"}
    csv = api.get(f"/artifacts/{name}/download", params={"format": "csv"}).text
    assert csv.splitlines()[0] == '"index","column_0","column_1","column_2","column_3","column_4"'
    response = api.patch(f"/transform/scikitlearn/{name}", json={
        "method": "fit", "methodParameters": {"X": f"${data}"}})
    assert response.status_code == 201, response.text
    refit = wait_terminal(api, name)
    assert refit["format"] == "pickle" and refit["method"] == "fit"  # fit returns the scaler


@pytest.mark.parametrize("overrides, status, message", [
    ({"modulePath": "sklearn.preprocesing"}, 406, "invalid module path name"),
    ({"class": "Scaler"}, 406, "invalid class name"),
    ({"classParameters": {"mean": True}}, 406, "invalid class parameter"),
    ({"method": "fit_transfrom"}, 406, "invalid method name"),
    ({"method": "fit", "methodParameters": {"data": 1}}, 406, "invalid class method parameter"),
    ({"methodParameters": {"X": "$nothing_here"}}, 406, "unknown reference"),
])
def test_toolkit_transform_refusals(api, overrides, status, message):
    result = error(api.post("/transform/scikitlearn", json=toolkit_body(unique("t"),
                                                                        **overrides)), status)
    assert result.startswith(message), result


def test_toolkit_transform_409_and_404(api):
    name = run_function(api, "response = 1")
    taken = error(api.post("/transform/scikitlearn", json=toolkit_body(name)), 409)
    assert taken.startswith("duplicated name")
    missing = error(api.patch(f"/transform/scikitlearn/{unique('t')}", json={}), 404)
    assert missing.startswith("parent name doesn't exist")


@pytest.mark.slow
def test_a_tensorflow_layer_transforms_an_array(api):
    data = run_function(api, "import numpy as np\nresponse = np.arange(12.0).reshape(6, 2)")
    name = unique("rescaled")
    doc = run_step(api, "/transform/tensorflow", {
        "name": name, "description": "", "modulePath": "tensorflow.keras.layers",
        "class": "Rescaling", "classParameters": {"scale": 0.5}, "method": "__call__",
        "methodParameters": {"inputs": f"${data}"}}, timeout=240)
    assert doc["status"] == "finished", doc.get("error")
    assert doc["type"] == "transform/tensorflow" and doc["shape"] == [6, 2]
    printed = run_function(api, "print(v.tolist()[1])\nresponse = None", {"v": f"${name}"})
    assert executions(api, "function/python", printed)[0]["functionMessage"] == "[1.0, 1.5]\n"
