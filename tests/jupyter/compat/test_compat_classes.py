"""Upstream call sequences through the compat classes, unchanged but for the imports."""

import pytest

from lo_jupyter.compat.builder.builder import BuilderSparkMl
from lo_jupyter.compat.dataset.csv import DatasetCsv
from lo_jupyter.compat.dataset.generic import DatasetGeneric
from lo_jupyter.compat.explore.histogram import ExploreHistogram
from lo_jupyter.compat.function.python import FunctionPython
from lo_jupyter.compat.model.scikitlearn import ModelScikitLearn
from lo_jupyter.compat.transform.data_type import TransformDataType
from lo_jupyter.compat.transform.projection import TransformProjection
from lo_jupyter.errors import JobFailed
from tests.jupyter.conftest import unique

REVIEWS = "text,label\ngood film,1\nbad film,0\ngreat acting,1\nawful plot,0\n"


@pytest.fixture
def cluster_ip(server, monkeypatch):
    monkeypatch.setenv("LO_TOKEN", server.token)
    return server.url


def test_dataset_sequence(cluster_ip, files):
    csv = DatasetCsv(cluster_ip)
    name = unique("reviews")
    url = files.add(f"{name}.csv", REVIEWS)
    created = csv.insert_dataset_sync(dataset_name=name, url=url)
    assert created["result"].startswith(f"/api/learningOrchestra/v1/dataset/csv/{name}?")
    assert csv.wait(dataset_name=name)["fields"] == ["text", "label"]
    assert csv.search_dataset_content(name, limit=1)["result"][0]["datasetName"] == name
    rows = csv.search_dataset_content(name, query={"label": "1"}, skip=0, limit=10)["result"]
    assert [r["text"] for r in rows] == ["good film", "great acting"]  # a JSON query works
    assert name in [d["datasetName"] for d in csv.search_all_datasets()["result"]]
    assert '"datasetName"' in csv.search_dataset_content(name, limit=1, pretty_response=True)
    assert csv.insert_dataset_sync(dataset_name=name, url=url) == {}  # 409: no wait, no hang
    generic = DatasetGeneric(cluster_ip)
    raw = unique("raw")
    generic.insert_dataset_async(dataset_name=raw, url=files.add(raw, b"\x00\x01"))
    assert generic.wait(dataset_name=raw, timeout=60)["finished"] is True
    assert generic.delete_dataset(raw)["result"] == "deleted file"


def test_function_sequence(cluster_ip, files):
    name = unique("reviews")
    DatasetCsv(cluster_ip).insert_dataset_sync(dataset_name=name,
                                               url=files.add(f"{name}.csv", REVIEWS))
    function = FunctionPython(cluster_ip)
    explore = unique("explore")
    function.run_function_sync(
        name=explore, parameters={"data": f"${name}"},
        code="positive = data[data['label'] == '1']\n"
             "print('positive ratio', len(positive) / len(data))\nresponse = None")
    run = function.search_execution_content(name=explore, limit=1, skip=1)["result"][0]
    assert run["functionMessage"] == "positive ratio 0.5\n" and run["exception"] is None
    assert function.wait(dataset_name=explore)["status"] == "finished"
    failing = unique("failing")
    with pytest.raises(JobFailed, match="ZeroDivisionError"):
        function.run_function_sync(name=failing, parameters={}, code="response = 1 / 0")
    assert function.delete_execution(failing)["result"] == "deleted file"
    assert explore in [d["name"] for d in function.search_all_executions()["result"]]


def test_projection_datatype_histogram_sequence(cluster_ip, files):
    name = unique("people")
    DatasetCsv(cluster_ip).insert_dataset_sync(
        dataset_name=name, url=files.add(f"{name}.csv", "Name,Age,Sex\na,22,m\nb,,f\nc,30,m\n"))
    projection = TransformProjection(cluster_ip)
    projected = unique("proj")
    projection.remove_dataset_attributes_sync(dataset_name=name, projection_name=projected,
                                              fields=["Age", "Sex"])
    assert projection.wait(projection_name=projected)["fields"] == ["Age", "Sex"]
    TransformDataType(cluster_ip).update_dataset_type_sync(dataset_name=projected,
                                                           types={"Age": "number"})
    rows = projection.search_projection_content(projected, skip=1)["result"]
    assert [r["Age"] for r in rows] == [22, None, 30]
    histogram = ExploreHistogram(cluster_ip)
    counts = unique("hist")
    histogram.run_histogram_sync(dataset_name=projected, histogram_name=counts, fields=["Sex"])
    [doc] = histogram.search_histogram_content(counts, skip=1)["result"]
    assert sorted((g["_id"], g["count"]) for g in doc["Sex"]) == [("f", 1), ("m", 2)]
    assert histogram.delete_histogram(counts)["result"] == "deleted file"


def test_model_search_and_delete(cluster_ip):
    models = ModelScikitLearn(cluster_ip)
    name = unique("lr")
    models.create_model_sync(name=name, module_path="sklearn.linear_model",
                             class_name="LogisticRegression", class_parameters={"C": 0.5})
    page = models.search_model(name)["result"]
    assert page[0]["modelName"] == name and page[0]["class"] == "LogisticRegression"
    assert models.create_model_async(name, "sklearn.linear_model", "NoSuchClass", {}) == {}
    assert models.delete_model(name)["result"] == "deleted file"


@pytest.mark.slow
def test_builder_sequence(cluster_ip, files):
    from notebooks.data import titanic, titanic_spark

    train, test = unique("titanic_train"), unique("titanic_test")
    csv = DatasetCsv(cluster_ip)
    csv.insert_dataset_async(url=files.add(f"{train}.csv",
                                           titanic.generate(120).to_csv(index=False)),
                             dataset_name=train)
    csv.insert_dataset_async(url=files.add(f"{test}.csv", titanic.generate(
        40, seed=1, test=True, first_id=200).to_csv(index=False)), dataset_name=test)
    csv.wait(dataset_name=train)
    csv.wait(dataset_name=test)
    builder = BuilderSparkMl(cluster_ip)
    result = builder.run_spark_ml_async(train_dataset_name=train, test_dataset_name=test,
                                        modeling_code=titanic_spark.CASTING_CODE,
                                        model_classifiers=["LR", "DT"])
    for uri in result["result"]:
        prediction = uri.split("/")[6].split("?")[0]  # as upstream's titanic example parses
        builder.wait(dataset_name=prediction)
        metadata = builder.search_builder(builder_name=prediction)["result"][0]
        assert 0 <= float(metadata["accuracy"]) <= 1 and metadata["fitTime"] >= 0
    assert [uri.split("/")[6].split("?")[0] for uri in result["result"]] == [
        f"{test}LR", f"{test}DT"]
