"""Orchestra (lo_jupyter/client.py) against a real lo-server process on loopback."""

import threading
import time

import httpx
import pandas as pd
import pytest

from lo_jupyter.client import Job, Orchestra
from lo_jupyter.errors import JobCancelled, JobFailed, OrchestraError, WaitTimeout
from tests.jupyter.conftest import require, unique

SLOW = "import time\nprogress(0.25, 'sleeping')\ntime.sleep(30)\nresponse = None"


def wait_running(client, name, timeout=60):
    deadline = time.monotonic() + timeout
    while client.artifact(name)["status"] != "running":
        assert time.monotonic() < deadline, f"{name} never started"
        time.sleep(0.05)


def test_function_job_round_trip(orchestra):
    name = unique("fn")
    job = orchestra.function(name, "print('hi', x)\nresponse = {'double': x * 2}", {"x": 21})
    assert isinstance(job, Job) and job.type == "function/python"
    assert job.uri.endswith(f"/function/python/{name}?query={{}}&limit=20&skip=0")
    doc = job.wait(60)
    assert doc["status"] == "finished" and doc["finished"] is True and doc["_id"] == 0
    assert job.output() == "hi 21\n"
    assert orchestra.output(name, doc["jobId"]) == "hi 21\n"
    assert job.status == "finished"


def test_failed_job_raises_with_remote_traceback(orchestra):
    name = unique("bad")
    orchestra.function(name, "x = 1\nraise KeyError('missing column')")
    with pytest.raises(JobFailed) as info:
        orchestra.wait(name, 60)
    assert info.value.remote_message == "KeyError: 'missing column'"
    assert "raise KeyError('missing column')" in info.value.remote_traceback
    assert info.value.metadata["status"] == "failed"


def test_wait_timeout_is_enforced_and_cancel_ends_the_job(orchestra):
    name = unique("slow")
    orchestra.function(name, SLOW)
    started = time.monotonic()
    with pytest.raises(WaitTimeout) as info:
        orchestra.wait(name, timeout=1.0)
    assert 0.9 <= time.monotonic() - started < 10
    assert info.value.metadata["status"] in ("queued", "running")
    assert orchestra.cancel(name)["status"] == "cancelled"
    with pytest.raises(JobCancelled):
        orchestra.wait(name, 10)
    with pytest.raises(OrchestraError) as again:
        orchestra.cancel(name)
    assert again.value.status == 409


def test_wait_ticks_report_progress_while_running(orchestra):
    name = unique("ticks")
    orchestra.function(name, "import time\nprogress(0.5, 'half')\ntime.sleep(1.5)\n"
                             "response = None")
    ticks = []
    doc = orchestra.wait(name, 60, on_tick=lambda meta, elapsed: ticks.append(
        (meta.get("status"), (meta.get("progress") or {}).get("message"), elapsed)),
        tick=0.2)
    assert doc["status"] == "finished"
    assert ("running", "half") in {(s, m) for s, m, _ in ticks}
    assert [t[2] for t in ticks] == sorted(t[2] for t in ticks)


def test_server_refusals_raise_orchestra_error_with_the_message(orchestra):
    with pytest.raises(OrchestraError) as info:
        orchestra.artifact("no_such_artifact")
    assert info.value.status == 404 and "no_such_artifact" in info.value.message
    with pytest.raises(OrchestraError) as bad:
        orchestra.function("bad name!", "response = 1")
    assert bad.value.status in (400, 406) and "name" in bad.value.message
    with pytest.raises(OrchestraError) as unknown:
        orchestra.wait("never_created", 1)
    assert unknown.value.status == 404
    assert orchestra.exists("no_such_artifact") is False


def test_wrong_token_and_unreachable_server(server):
    with Orchestra(server.url, "wrong") as client, pytest.raises(OrchestraError) as info:
        client.artifacts()
    assert info.value.status == 401 and "token" in info.value.message
    with Orchestra("http://127.0.0.1:9", "t", timeout=2) as client:
        with pytest.raises(OrchestraError) as down:
            client.health()
    assert down.value.status == 0 and "cannot reach" in down.value.message


def test_upload_dataframe_then_page_and_query(orchestra, tmp_path):
    name = unique("up")
    frame = pd.DataFrame({"city": ["Lisbon", "Porto", "Faro"], "people": [545, 232, 64]})
    orchestra.upload(name, frame).wait(60)
    page = orchestra.page(name)
    assert list(page.index) == [1, 2, 3] and page["city"].tolist() == ["Lisbon", "Porto", "Faro"]
    big = orchestra.page(name, query={"people": {"$gt": 100}})
    assert big["city"].tolist() == ["Lisbon", "Porto"]
    assert orchestra.page(name, skip=2, limit=5)["city"].tolist() == ["Faro"]
    content = orchestra.content("dataset/csv", name, limit=2)
    assert content[0]["_id"] == 0 and content[1]["city"] == "Lisbon"
    assert name in [d["name"] for d in orchestra.list("dataset/csv")]
    csv = tmp_path / "small.csv"
    csv.write_text("a,b\n1,x\n2,y\n")
    other = unique("csv")
    orchestra.upload(other, csv).wait(60)
    assert orchestra.page(other)["b"].tolist() == ["x", "y"]
    assert orchestra.delete(other) == "deleted file"
    assert not orchestra.exists(other)
    with pytest.raises(FileNotFoundError):
        orchestra.upload(unique(), tmp_path / "missing.csv")


def test_events_stream_reports_a_jobs_changes(orchestra):
    name = unique("ev")
    seen = []
    listening = threading.Event()

    def follow():
        for event in orchestra.events(timeout=20, on_open=listening.set):
            if event.get("name") == name:
                seen.append(event["status"])
                if event["status"] == "finished":
                    return

    reader = threading.Thread(target=follow)
    reader.start()
    assert listening.wait(30)
    orchestra.function(name, "response = 1").wait(60)
    reader.join(30)
    assert seen and seen[-1] == "finished" and "queued" in seen


def test_rerun_patches_a_function_with_new_code(orchestra):
    name = unique("re")
    orchestra.function(name, "print('first')\nresponse = 1").wait(60)
    job = orchestra.rerun(name, function="print('second')\nresponse = 2")
    doc = job.wait(60)
    assert orchestra.output(name, doc["jobId"]) == "second\n"
    assert [r["functionMessage"] for r in orchestra.executions(name)] == ["first\n", "second\n"]
    assert orchestra.rerun(name).wait(60)["status"] == "finished"  # same request again


def test_submit_with_wait_brings_the_ending_in_one_request(orchestra):
    name = unique("quick")
    job = orchestra.run_function(name, "print('one')\nresponse = 1", wait=30)
    assert job.ended["status"] == "finished" and job.ended["output"] == "one\n"
    assert job.wait() is job.ended  # no second request
    again = orchestra.run_function(name, "raise ValueError('two')", wait=30)  # PATCH
    with pytest.raises(JobFailed, match="two"):
        again.wait()
    slow = orchestra.run_function(unique("slow"), SLOW, wait=0.2)
    assert slow.ended is None  # still running: wait() long-polls as before
    assert orchestra.cancel(slow.name)["status"] == "cancelled"


def test_download_returns_python_values(orchestra, routes):
    require(routes, "GET", "/artifacts/{name}/download", "issue 3 (downloads)")
    name = unique("dl")
    orchestra.function(name, "response = {'a': [1, 2]}").wait(60)
    assert orchestra.download(name) == {"a": [1, 2]}
    table = unique("dlt")
    orchestra.upload(table, pd.DataFrame({"x": [1, 2]})).wait(60)
    assert orchestra.download(table)["x"].tolist() == [1, 2]
    assert orchestra.download(table, format="csv")["x"].tolist() == [1, 2]


def test_requests_reuse_one_connection(orchestra):
    orchestra.health()
    pool = orchestra.http._transport._pool
    for _ in range(5):
        orchestra.health()
    assert len(pool.connections) == 1


def test_client_from_environment(server, monkeypatch):
    monkeypatch.setenv("LO_URL", server.api)
    monkeypatch.setenv("LO_TOKEN", server.token)
    with Orchestra() as client:
        assert client.url == server.url and client.health()["status"] == "ok"
    assert isinstance(httpx.Timeout(1), httpx.Timeout)
