"""Explore: histogram and toolkit plots through a real server's API; images are real PNGs."""

import pytest

from tests.ml_helpers import (
    PREFIX,
    error,
    executions,
    iris_csv,
    png_size,
    post,
    run_function,
    unique,
    upload_csv,
)
from tests.server_process import client, wait_terminal


@pytest.fixture(scope="module")
def iris(server):
    with client(server) as api:
        yield upload_csv(api, iris_csv(60), "iris")


def histogram(source, out, names):
    return {"inputDatasetName": source, "outputDatasetName": out, "names": names}


def test_histogram_rows_image_and_data(api):
    source = upload_csv(api, "Sex,Port\nm,S\nf,S\nm,\nm,C\n")
    out = unique("hist")
    response = post(api, "/explore/histogram", histogram(source, out, ["Sex", "Port"]))
    assert response.json()["result"] == \
        f"{PREFIX}/explore/histogram/{out}?query={{}}&limit=10&skip=0"
    doc = wait_terminal(api, out)
    assert (doc["type"], doc["datasetName"], doc["parentDatasetName"], doc["fields"]) == (
        "explore/histogram", out, source, ["Sex", "Port"])
    page = api.get(f"/explore/histogram/{out}", params={"skip": 1}).json()["result"]
    assert page == [
        {"Sex": [{"_id": "m", "count": 3}, {"_id": "f", "count": 1}], "_id": 1},
        {"Port": [{"_id": "S", "count": 2}, {"_id": "", "count": 1}, {"_id": "C", "count": 1}],
         "_id": 2},
    ]
    image = api.get(f"/explore/histogram/{out}/image")
    assert image.headers["content-type"] == "image/png"
    assert png_size(image.content) == (800, 600)
    data = api.get(f"/explore/histogram/{out}/data").json()
    assert data["kind"] == "histogram" and data["fields"]["Sex"][0] == {"_id": "m", "count": 3}
    assert api.get(f"/explore/histogram/{out}/metadata").json()["result"][0]["name"] == out


def test_histogram_checks(api):
    source = upload_csv(api, "a,b\n1,2\n")
    cases = [
        (histogram(source, source, ["a"]), 409, "duplicated dataset name"),
        (histogram(unique("none"), unique("h"), ["a"]), 406, "invalid dataset name"),
        (histogram(source, unique("h"), []), 406, "missing fields"),
        (histogram(source, unique("h"), ["c"]), 406, "invalid fields: 'c' not in"),
    ]
    for body, status, message in cases:
        result = error(api.post("/explore/histogram", json=body), status)
        assert result.startswith(message), (body, result)


def method_body(name, module, cls, class_params, method, params):
    return {"name": name, "description": "plot", "modulePath": module, "class": cls,
            "classParameters": class_params, "method": method, "methodParameters": params}


def explore(api, body, tool="scikitlearn", timeout=120):
    result = post(api, f"/explore/{tool}", body).json()["result"]
    assert result == f"{PREFIX}/explore/{tool}/{body['name']}"
    return wait_terminal(api, body["name"], timeout)


# the bodies the notebook side sends
def pca(name, data):
    return method_body(name, "sklearn.decomposition", "PCA", {"n_components": 2},
                       "fit_transform", {"X": f"${data}"})


def tsne(name, data):
    return method_body(name, "sklearn.manifold", "TSNE", {"n_components": 2, "perplexity": 10},
                       "fit_transform", {"X": f"${data}"})


def kmeans(name, data, k=3):
    return method_body(name, "sklearn.cluster", "KMeans", {"n_clusters": k, "n_init": "auto"},
                       "fit_predict", {"X": f"${data}"})


def correlation(name, data):
    return method_body(name, "pandas", "DataFrame", {"data": f"${data}"}, "corr",
                       {"numeric_only": True})


@pytest.mark.parametrize("make, kind", [
    (pca, "scatter"), (tsne, "scatter"), (kmeans, "scatter"), (correlation, "heatmap")])
def test_toolkit_explores_plot_by_shape(api, iris, make, kind):
    name = unique(make.__name__)
    doc = explore(api, make(name, iris))
    assert doc["status"] == "finished", doc.get("error")
    assert doc["format"] == "png" and doc["plot"] == {"kind": kind, "width": 800, "height": 600}
    assert doc["parents"] == [iris]
    for route in (f"/explore/scikitlearn/{name}", f"/explore/scikitlearn/{name}/image"):
        image = api.get(route)
        assert image.status_code == 200 and image.headers["content-type"] == "image/png"
        assert png_size(image.content) == (800, 600)
    data = api.get(f"/explore/scikitlearn/{name}/data").json()
    assert data["kind"] == kind
    if make is kmeans:
        assert set(data["labels"]) == {0, 1, 2} and len(data["x"]) == 60
    if make is correlation:
        assert data["labels"] == ["sepal_length", "sepal_width", "petal_length", "petal_width",
                                  "target"]
    metadata = api.get(f"/explore/scikitlearn/{name}/metadata").json()["result"]
    assert metadata[0]["name"] == name and metadata[1]["exception"] is None
    assert name in [d["name"] for d in api.get("/explore/scikitlearn").json()["result"]]


def test_patch_plots_again_and_delete_removes(api, iris):
    name = unique("km")
    explore(api, kmeans(name, iris))
    response = api.patch(f"/explore/scikitlearn/{name}", json={
        "methodParameters": {"X": f"${iris}"}, "description": "again"})
    assert response.status_code == 201, response.text
    assert wait_terminal(api, name)["status"] == "finished"
    assert len(executions(api, "explore/scikitlearn", name + "/metadata")) == 2
    assert api.delete(f"/explore/scikitlearn/{name}").json() == {"result": "deleted file"}
    assert error(api.get(f"/explore/scikitlearn/{name}"), 404).startswith(
        "no explore/scikitlearn artifact")


def test_a_failed_explore_has_no_image_and_bad_bodies_are_406(api):
    text = upload_csv(api, "word,n\nx,1\ny,2\n")
    name = unique("pca")
    doc = explore(api, pca(name, text))
    assert doc["status"] == "failed" and "could not convert string to float" in \
        doc["error"]["message"]
    assert error(api.get(f"/explore/scikitlearn/{name}/image"), 409) == \
        f"{name!r} is failed: its plot exists once it is finished"
    assert error(api.post("/explore/scikitlearn", json=method_body(
        unique("x"), "sklearn.cluster", "KMeans", {"clusters": 3}, "fit", {})), 406).startswith(
        "invalid class parameter")
    assert error(api.post("/explore/scikitlearn", json=method_body(
        unique("x"), "sklearn.cluster", "KMeans", {}, "plot", {})), 406).startswith(
        "invalid method name")
    assert error(api.get(f"/explore/tensorflow/{unique('x')}/data"), 404)
    assert error(api.patch(f"/explore/scikitlearn/{unique('x')}", json={}), 404)


@pytest.mark.slow
def test_a_tensorflow_explore_plots_its_output(api):
    data = run_function(api, "import numpy as np\nresponse = np.random.default_rng(0)"
                             ".normal(size=(50, 3))")
    name = unique("tf_plot")
    doc = explore(api, method_body(name, "tensorflow.keras.layers", "Rescaling",
                                   {"scale": 2.0}, "__call__", {"inputs": f"${data}"}),
                  tool="tensorflow", timeout=240)
    assert doc["status"] == "finished", doc.get("error")
    assert doc["type"] == "explore/tensorflow" and doc["plot"]["kind"] == "scatter"
    assert png_size(api.get(f"/explore/tensorflow/{name}").content) == (800, 600)
