"""Dataset ingest through the HTTP API of a real server process."""

import io
import uuid

import pandas as pd

from tests.server_process import wait_terminal

CSV = 'Passenger Id,Name,Age\n1,"Braund, Mr. Owen",22\n2,"Cumings, Mrs. J",\n3,Heikkinen,26\n'


def unique(prefix="ds"):
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


def test_csv_from_url_keeps_strings_and_pages_like_upstream(api, files):
    url = files.add("small.csv", CSV)
    name = unique()
    response = api.post("/dataset/csv", json={"datasetName": name, "datasetURI": url})
    assert response.status_code == 201
    assert response.json()["result"] == \
        f"/api/learningOrchestra/v1/dataset/csv/{name}?query={{}}&limit=10&skip=0"
    doc = wait_terminal(api, name)
    assert doc["status"] == "finished" and doc["fields"] == ["PassengerId", "Name", "Age"]
    assert doc["url"] == url and doc["datasetName"] == name and doc["rows"] == 3
    page = api.get(f"/dataset/csv/{name}").json()["result"]
    assert page[0]["_id"] == 0 and page[0]["type"] == "dataset/csv"
    assert page[1] == {"PassengerId": "1", "Name": "Braund, Mr. Owen", "Age": "22", "_id": 1}
    assert page[2]["Age"] == ""
    rows = api.get(f"/dataset/csv/{name}", params={"skip": 2, "limit": 5}).json()["result"]
    assert [r["_id"] for r in rows] == [2, 3]
    filtered = api.get(f"/dataset/csv/{name}",
                       params={"query": '{"Age": {"$ne": ""}}'}).json()["result"]
    assert [r["_id"] for r in filtered] == [0, 1, 3]  # $ne matches the metadata, as in Mongo


def test_generic_dataset_keeps_bytes_for_functions(api, files):
    url = files.add("blob.bin", bytes(range(256)))
    name = unique()
    assert api.post("/dataset/generic", json={"datasetName": name,
                                              "datasetURI": url}).status_code == 201
    doc = wait_terminal(api, name)
    assert doc["status"] == "finished" and doc["fields"] == [] and doc["bytes"] == 256
    fn = unique("fn")
    api.post("/function/python", json={
        "name": fn, "function": "f.seek(0)\nprint(len(f.read()))\nresponse = None",
        "functionParameters": {"f": f"${name}"}})
    assert wait_terminal(api, fn)["status"] == "finished"
    runs = api.get(f"/function/python/{fn}", params={"skip": 1}).json()["result"]
    assert runs[0]["functionMessage"] == "256\n"


def test_upload_csv_and_parquet(api):
    name = unique()
    response = api.put(f"/dataset/csv/{name}", content=CSV.encode(),
                       headers={"Content-Type": "text/csv"})
    assert response.status_code == 201, response.text
    assert wait_terminal(api, name)["rows"] == 3
    frame = pd.DataFrame({"x": [1.5, 2.5], "label": ["a", "b"]})
    buffer = io.BytesIO()
    frame.to_parquet(buffer)
    name = unique()
    response = api.put(f"/dataset/csv/{name}", content=buffer.getvalue(),
                       headers={"Content-Type": "application/vnd.apache.parquet"})
    assert response.status_code == 201, response.text
    doc = wait_terminal(api, name)
    assert doc["fields"] == ["x", "label"]
    rows = api.get(f"/dataset/csv/{name}", params={"skip": 1}).json()["result"]
    assert rows == [{"x": 1.5, "label": "a", "_id": 1}, {"x": 2.5, "label": "b", "_id": 2}]


def test_a_bad_csv_fails_the_job_with_the_reason(api, files):
    url = files.add("ragged.csv", "a,b,c\n1,2,3\n4,5\n")
    name = unique()
    api.post("/dataset/csv", json={"datasetName": name, "datasetURI": url})
    doc = wait_terminal(api, name)
    assert doc["status"] == "failed" and "values" in doc["error"]["message"]


def test_duplicate_names_are_refused_across_types(api, files):
    url = files.add("dup.csv", CSV)
    name = unique()
    api.post("/dataset/csv", json={"datasetName": name, "datasetURI": url})
    again = api.post("/dataset/generic", json={"datasetName": name, "datasetURI": url})
    assert again.status_code == 409 and "duplicated dataset name" in again.json()["result"]
    fn = api.post("/function/python", json={"name": name, "function": "response = 1"})
    assert fn.status_code == 409
    wait_terminal(api, name)
