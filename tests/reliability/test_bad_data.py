"""Bad data through the Dataset API: each file is ingested correctly or rejected clearly.

Provokes: ragged rows, other encodings, a BOM, duplicate and empty headers, an empty file,
a header only, 10,000 columns, and an HTML error page served with status 200.
Nothing lost means: a rejected file fails its job with a reason that names the problem, an
accepted one reads back exactly, and the server keeps serving.
"""

import uuid

import pytest

from tests.server_process import wait_terminal

WIDE = ",".join(f"c{i}" for i in range(10_000)) + "\n" + ",".join("1" * 10_000) + "\n"
CASES = [
    # (file content, expected: ("ok", fields, first row) or ("failed", words))
    (b"a,b,c\n1,2,3\n4,5\n", ("failed", "line 3 has 2 values, the header has 3")),
    (b"a,b\n1,2,3\n", ("failed", "line 2 has 3 values")),
    ("name,city\nJos\xe9,S\xe3o Paulo\n".encode("latin-1"), ("failed", "UTF-8")),
    ("\ufeffname,city\nJos\xe9,S\xe3o Paulo\n".encode(),
     ("ok", ["name", "city"], {"name": "Jos\xe9", "city": "S\xe3o Paulo"})),
    (b"Age,Age,,a b\n1,2,3,4\n", ("ok", ["Age", "Age_2", "column_3", "ab"],
                                  {"Age": "1", "Age_2": "2", "column_3": "3", "ab": "4"})),
    (b"", ("failed", "empty")),
    (b"a,b\n", ("ok", ["a", "b"], None)),
    (b"a,b\n\n1,2\n\n", ("ok", ["a", "b"], {"a": "1", "b": "2"})),
    (b'a,b\n"line one\nline two","x, y"\n', ("ok", ["a", "b"],
                                             {"a": "line one\nline two", "b": "x, y"})),
    (WIDE.encode(), ("ok", None, None)),
]


@pytest.mark.parametrize("content, expected", CASES, ids=[
    "short row", "long row", "latin-1", "bom", "duplicate headers", "empty file",
    "header only", "blank lines", "quoted newline", "10000 columns"])
def test_bad_files_are_ingested_or_rejected_clearly(api, files, content, expected):
    name = f"bad_{uuid.uuid4().hex[:8]}"
    url = files.add(f"{name}.csv", content)
    assert api.post("/dataset/csv", json={"datasetName": name, "datasetURI": url}
                    ).status_code == 201
    doc = wait_terminal(api, name, timeout=120)
    if expected[0] == "failed":
        assert doc["status"] == "failed", doc
        assert expected[1] in doc["error"]["message"], doc["error"]
    else:
        assert doc["status"] == "finished", doc.get("error")
        fields, first = expected[1], expected[2]
        if fields is not None:
            assert doc["fields"] == fields
        else:
            assert len(doc["fields"]) == 10_000
        rows = api.get(f"/dataset/csv/{name}", params={"skip": 1, "limit": 1}).json()["result"]
        if first is None and fields is not None:
            assert rows == []
        elif first is not None:
            assert rows == [{**first, "_id": 1}]
    assert api.get("/health").status_code == 200


def test_an_error_page_is_not_ingested(api, files):
    name = f"page_{uuid.uuid4().hex[:8]}"
    response = api.post("/dataset/csv", json={"datasetName": name,
                                              "datasetURI": f"{files.url}/missing.csv"})
    assert response.status_code == 406 and "HTTP 404" in response.json()["result"]
    assert api.get(f"/artifacts/{name}").status_code == 404
