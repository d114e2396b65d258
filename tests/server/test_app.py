"""The HTTP surface as a whole: auth on every route, and a clear 4xx for every bad request."""

import json
import re
import uuid

import httpx
import pytest

from tests.server_process import client, wait_terminal

PREFIX = "/api/learningOrchestra/v1"


def test_every_route_but_health_needs_the_token(server, api):
    spec = api.get("/openapi.json").json()
    routes = [(method.upper(), path) for path, ops in spec["paths"].items() for method in ops]
    routes += [("GET", f"{PREFIX}/openapi.json"), ("GET", f"{PREFIX}/docs")]
    assert len(routes) > 20
    with httpx.Client(base_url=server.url, timeout=30) as anonymous:
        for method, path in routes:
            url = re.sub(r"\{[^}]+\}", "some_name", path)
            response = anonymous.request(method, url)
            if path == f"{PREFIX}/health":
                assert response.status_code == 200
                continue
            assert response.status_code == 401, (method, path, response.text)
            assert "token" in response.json()["result"]
            wrong = anonymous.request(method, url, headers={"Authorization": "Bearer nope"})
            assert wrong.status_code == 401 and wrong.json() == {"result": "wrong token"}


def test_query_string_token_only_where_a_browser_needs_it(server):
    with httpx.Client(base_url=server.api, timeout=30) as anonymous:
        token = {"token": server.token}
        assert anonymous.get("/artifacts", params=token).status_code == 401
        assert anonymous.get("/openapi.json", params=token).status_code == 200
        docs = anonymous.get("/docs", params=token)
        assert docs.status_code == 200 and "swagger" in docs.text.lower()
        with anonymous.stream("GET", "/observe/events", params=token) as events:
            assert events.status_code == 200
            assert events.headers["content-type"].startswith("text/event-stream")


def test_events_stream_reports_a_job_from_queued_to_finished(server, api):
    name = f"ev_{uuid.uuid4().hex[:8]}"
    statuses = []
    with httpx.Client(base_url=server.api, timeout=30) as http, http.stream(
            "GET", "/observe/events", params={"token": server.token}) as stream:
        api.post("/function/python", json={"name": name, "function": "response = 1"})
        for line in stream.iter_lines():
            if line.startswith("data: "):
                event = json.loads(line[6:])
                if event["name"] == name:
                    statuses.append(event["status"])
                    if event["status"] == "finished":
                        break
    assert statuses[0] == "queued" and "running" in statuses and statuses[-1] == "finished"


def test_observe_times_out_with_408_and_unknown_names_404(api):
    name = f"slow_{uuid.uuid4().hex[:8]}"
    api.post("/function/python", json={"name": name,
                                       "function": "import time\ntime.sleep(5)\nresponse=1"})
    response = api.get(f"/observe/{name}", params={"timeout": 0.5})
    assert response.status_code == 408 and "timed out" in response.json()["result"]
    assert api.get("/observe/no_such_thing", params={"timeout": 1}).status_code == 404
    assert wait_terminal(api, name)["status"] == "finished"


@pytest.fixture(scope="module")
def failed_parent(server):
    name = f"failed_{uuid.uuid4().hex[:8]}"
    with client(server) as api:
        return _run(api, name, "raise RuntimeError('x')", "failed")


@pytest.fixture(scope="module")
def taken(server):
    name = f"taken_{uuid.uuid4().hex[:8]}"
    with client(server) as api:
        return _run(api, name, "response = 1", "finished")


def _run(api, name, code, status):
    api.post("/function/python", json={"name": name, "function": code})
    assert wait_terminal(api, name)["status"] == status
    return name


def fn(name="ok_name", **extra):
    return {"name": name, "function": "response = 1", **extra}


# (method, path, body or raw bytes, expected status, words the message must contain)
BAD_REQUESTS = [
    ("POST", "/function/python", b"{not json", 400, "malformed JSON"),
    ("POST", "/function/python", b"", 400, "invalid request"),
    ("POST", "/function/python", [1, 2], 400, "invalid request"),
    ("POST", "/function/python", {"function": "response = 1"}, 400, "name"),
    ("POST", "/function/python", {"name": "x"}, 400, "function"),
    ("POST", "/function/python", fn(extra_field=1), 400, "unknown field"),
    ("POST", "/function/python", fn(name=42), 400, "name"),
    ("POST", "/function/python", fn(functionParameters=[1]), 400, "functionParameters"),
    ("POST", "/function/python", fn(timeout=-1), 400, "timeout"),
    ("POST", "/function/python", fn(timeout="soon"), 400, "timeout"),
    ("POST", "/function/python", fn(name="a/b"), 406, "invalid name"),
    ("POST", "/function/python", fn(name=".."), 406, "invalid name"),
    ("POST", "/function/python", fn(name="a..b"), 406, "invalid name"),
    ("POST", "/function/python", fn(name="has space"), 406, "invalid name"),
    ("POST", "/function/python", fn(name="x" * 300), 406, "invalid name"),
    ("POST", "/function/python", fn(name=""), 406, "invalid name"),
    ("POST", "/function/python", fn(name="events"), 406, "invalid name"),
    ("POST", "/function/python", {"name": "{taken}", "function": "response=1"}, 409, "taken"),
    ("POST", "/function/python", fn(function="def broken(:"), 406, "SyntaxError"),
    ("POST", "/function/python", fn(function="   "), 406, "empty"),
    ("POST", "/function/python", fn(functionParameters={"d": "$missing_thing"}), 406,
     "missing_thing"),
    ("POST", "/function/python", fn(functionParameters={"d": "${failed}"}), 406, "failed"),
    ("POST", "/function/python", fn(function="ftp://example.org/code.py"), 406, "SyntaxError"),
    ("PATCH", "/function/python/not_there", {"function": "response=1"}, 404, "not_there"),
    ("POST", "/dataset/csv", {"datasetName": "d1"}, 400, "datasetURI"),
    ("POST", "/dataset/csv", {"datasetName": "d1", "datasetURI": "file:///etc/passwd"}, 406,
     "scheme 'file'"),
    ("POST", "/dataset/csv", {"datasetName": "d1", "datasetURI": "ftp://x.org/a.csv"}, 406,
     "scheme 'ftp'"),
    ("POST", "/dataset/csv", {"datasetName": "d1", "datasetURI": "not a url"}, 406,
     "invalid url"),
    ("POST", "/dataset/csv", {"datasetName": "d1", "datasetURI": "http://127.0.0.1:9/x.csv"},
     406, "unreachable"),
    ("POST", "/dataset/generic", {"datasetName": "d/1", "datasetURI": "http://x.org"}, 406,
     "invalid datasetName"),
    ("POST", "/dataset/csv", {"datasetName": "{taken}", "datasetURI": "http://x.org"}, 409,
     "duplicated dataset name"),
    ("POST", "/dataset/csv", {"datasetName": "d1", "datasetURI": "{files}/missing.csv"}, 406,
     "HTTP 404"),
    ("PUT", "/dataset/csv/empty_upload", b"", 400, "empty upload"),
    ("PUT", "/dataset/csv/bad_parquet", b"not parquet", 400, "Parquet"),
    ("GET", "/dataset/csv/{taken}?limit=-1", None, 406, "negative"),
    ("GET", "/dataset/csv/{taken}?skip=-5", None, 406, "negative"),
    ("GET", "/dataset/csv/{taken}?limit=ten", None, 400, "limit"),
    ("GET", "/dataset/csv/{taken}?query={bad", None, 406, "invalid query"),
    ("GET", '/dataset/csv/{taken}?query={"$where": "1"}', None, 406, "$where"),
    ("GET", '/dataset/csv/{taken}?query={"a": {"$expr": 1}}', None, 406, "$expr"),
    ("GET", "/dataset/csv/{taken}?query=[1]", None, 406, "invalid query"),
    ("GET", "/dataset/csv/nothing_here", None, 404, "nothing_here"),
    ("DELETE", "/dataset/csv/{taken}", None, 404, "dataset/csv"),
    ("DELETE", "/function/python/nothing_here", None, 404, "nothing_here"),
    ("GET", "/observe/{taken}?timeout=-1", None, 400, "timeout"),
    ("POST", "/observe/{taken}/cancel", None, 409, "not running"),
    ("GET", "/no/such/route", None, 404, "no route"),
    ("PUT", "/function/python", {}, 405, "not allowed"),
]


@pytest.mark.parametrize("method, path, body, status, words", BAD_REQUESTS,
                         ids=[f"{m} {p} {s}" for m, p, _, s, _ in BAD_REQUESTS])
def test_bad_requests_get_a_clear_json_4xx(api, files, taken, failed_parent, method, path,
                                           body, status, words):
    fill = {"{taken}": taken, "{failed}": failed_parent, "{files}": files.url}

    def filled(value):
        if isinstance(value, str):
            for key, real in fill.items():
                value = value.replace(key, real)
            return value
        if isinstance(value, dict):
            return {k: filled(v) for k, v in value.items()}
        return value

    kwargs = {}
    if isinstance(body, bytes):
        kwargs["content"] = body
        kind = "application/vnd.apache.parquet" if method == "PUT" else "application/json"
        kwargs["headers"] = {"Content-Type": kind}
    elif body is not None:
        kwargs["json"] = filled(body)
    response = api.request(method, filled(path), **kwargs)
    assert response.status_code == status, response.text
    message = response.json()["result"]
    assert isinstance(message, str) and words.replace("{taken}", taken) in message
    assert api.get("/health").status_code == 200


def test_huge_bodies_are_refused_without_reading_them(api):
    response = api.post("/function/python", content=b"x" * (17 * 1024 * 1024),
                        headers={"Content-Type": "application/json"})
    assert response.status_code == 413 and "over" in response.json()["result"]
    assert api.get("/health").status_code == 200


def test_nothing_was_created_by_the_bad_requests(api):
    names = {d["name"] for d in api.get("/artifacts").json()["result"]}
    assert not names & {"ok_name", "d1", "empty_upload", "bad_parquet", "x"}


def test_the_table_engine_loads_with_the_first_page_not_at_start():
    """pyarrow and pandas cost an idle server ~110 MiB: only table work loads them."""
    import subprocess
    import sys

    probe = ("import sys, lo_server.app, lo_server.cli; "
             "print(sorted(m for m in ('pandas', 'pyarrow') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=120, check=True)
    assert done.stdout.strip() == "[]"
