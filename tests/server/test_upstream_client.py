"""The upstream `learning_orchestra_client` (2.2.3, from PyPI) against `lo-server --no-auth`.

Its Observer talks to MongoDB directly, which our design replaces with `/observe/{name}`:
that one class is swapped for a REST observer; every other call is the upstream code as is.
"""

import pytest
from learning_orchestra_client.dataset.csv import DatasetCsv
from learning_orchestra_client.dataset.generic import DatasetGeneric
from learning_orchestra_client.function.python import FunctionPython

from tests.server_process import start_server
from tests.upstream_observer import observed_over_rest

CSV = "text,label\ngood film,1\nbad film,0\ngreat,1\n"


@pytest.fixture(scope="module")
def cluster_ip(tmp_path_factory):
    with observed_over_rest("dataset._dataset", "function.python"):
        server = start_server(tmp_path_factory.mktemp("upstream"), "--no-auth")
        yield server.url
        server.stop()


def test_dataset_calls(cluster_ip, files):
    csv = DatasetCsv(cluster_ip)
    url = files.add("reviews.csv", CSV)
    created = csv.insert_dataset_sync(dataset_name="sentiment_analysis", url=url)
    assert created["result"].startswith("/api/learningOrchestra/v1/dataset/csv/")
    metadata = csv.wait(dataset_name="sentiment_analysis")
    assert metadata["finished"] is True and metadata["fields"] == ["text", "label"]
    page = csv.search_dataset_content("sentiment_analysis", limit=1)["result"]
    assert page[0]["_id"] == 0 and page[0]["datasetName"] == "sentiment_analysis"
    rows = csv.search_dataset_content("sentiment_analysis", skip=1, limit=10)["result"]
    assert [r["label"] for r in rows] == ["1", "0", "1"]
    listed = csv.search_all_datasets()["result"]
    assert [d["datasetName"] for d in listed] == ["sentiment_analysis"]

    generic = DatasetGeneric(cluster_ip)
    generic.insert_dataset_async(dataset_name="raw_bytes", url=files.add("raw.bin", b"\x00\x01"))
    assert generic.wait(dataset_name="raw_bytes")["finished"] is True
    assert generic.delete_dataset("raw_bytes")["result"] == "deleted file"


def test_function_calls(cluster_ip, files):
    DatasetCsv(cluster_ip).insert_dataset_sync(
        dataset_name="reviews", url=files.add("reviews2.csv", CSV))
    function = FunctionPython(cluster_ip)
    code = ("positive = data[data['label'] == '1']\n"
            "print('positive ratio', len(positive) / len(data))\n"
            "response = None")
    function.run_function_sync(name="reviews_exploring", parameters={"data": "$reviews"},
                               code=code, description="ratio")
    runs = function.search_execution_content(name="reviews_exploring", limit=1, skip=1)
    assert runs["result"][0]["functionMessage"] == "positive ratio 0.6666666666666666\n"
    function.run_function_async(name="reviews_split", parameters={"data": "$reviews"},
                                code="response = {'n': len(data)}")
    assert function.wait(dataset_name="reviews_split")["finished"] is True
    function.run_function_sync(name="reviews_count", parameters={"n": "$reviews_split.n"},
                               code="print(n)\nresponse = n")
    assert function.search_execution_content(
        name="reviews_count", skip=1)["result"][0]["functionMessage"] == "3\n"
    names = [d["name"] for d in function.search_all_executions()["result"]]
    assert names == ["reviews_exploring", "reviews_split", "reviews_count"]
    assert function.delete_execution("reviews_count")["result"] == "deleted file"
