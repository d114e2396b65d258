"""Crashes: the server killed with -9 while jobs run, and a Dask worker killed mid-job.

Nothing lost means: after a restart every job is terminal (resubmitted and finished, or
failed "interrupted"), finished datasets stay readable, no half-written file is visible, and
the server keeps serving.
"""

import json
import os
import signal
import time

import pytest

from tests.server_process import client, start_server, wait_terminal

SLOW = "import time\ntime.sleep({s})\nprint('done')\nresponse = {{'ok': True}}"


def wait_status(api, name, status, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if api.get(f"/artifacts/{name}").json()["result"]["status"] == status:
            return
        time.sleep(0.05)
    raise AssertionError(f"{name} never became {status}")


@pytest.mark.slow
def test_kill_9_with_running_and_queued_jobs_loses_nothing(tmp_path, files):
    server = start_server(tmp_path)
    url = files.add("crash.csv", "a,b\n" + "".join(f"{i},{i * 2}\n" for i in range(1000)))
    with client(server) as api:
        api.post("/dataset/csv", json={"datasetName": "table", "datasetURI": url})
        assert wait_terminal(api, "table")["status"] == "finished"
        for i in range(5):  # two run, three wait in the queue
            api.post("/function/python", json={"name": f"job{i}", "function": SLOW.format(s=3)})
        wait_status(api, "job0", "running")
    (tmp_path / "artifacts" / "table" / ".tmp-half-written.parquet").write_bytes(b"PAR1")
    server.stop(signal.SIGKILL)

    restarted = start_server(tmp_path)
    try:
        with client(restarted) as api:
            for i in range(5):
                doc = wait_terminal(api, f"job{i}", timeout=90)
                assert doc["status"] == "finished", doc
                runs = api.get(f"/function/python/job{i}", params={"skip": 1}).json()["result"]
                assert [r["functionMessage"] for r in runs] == ["done\n"]
            rows = api.get("/dataset/csv/table", params={"skip": 999}).json()["result"]
            assert rows == [{"a": "998", "b": "1996", "_id": 999},
                            {"a": "999", "b": "1998", "_id": 1000}]
            assert api.get("/health").status_code == 200
        assert not list((tmp_path / "artifacts").glob("*/.tmp-*"))
    finally:
        restarted.stop()


@pytest.mark.slow
def test_killing_a_worker_mid_job_fails_that_job_only(tmp_path):
    server = start_server(tmp_path)
    try:
        with client(server) as api:
            api.post("/function/python", json={
                "name": "victim", "function": "import os, time\nprogress(0.1, str(os.getpid()))"
                "\ntime.sleep(30)\nresponse = None"})
            victim_pid = None
            for _ in range(200):
                message = api.get("/artifacts/victim").json()["result"]["progress"]["message"]
                if message.isdigit():
                    victim_pid = int(message)
                    break
                time.sleep(0.05)
            workers = json.loads((tmp_path / "server.json").read_text())["workers"]
            assert victim_pid in workers
            os.kill(victim_pid, signal.SIGKILL)
            doc = wait_terminal(api, "victim", timeout=30)
            assert doc["status"] == "failed"
            assert "worker process died" in doc["error"]["message"]
            api.post("/function/python", json={"name": "survivor", "function": "response = 1"})
            assert wait_terminal(api, "survivor")["status"] == "finished"
    finally:
        server.stop()
