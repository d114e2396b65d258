"""The job engine under load and failure, through a real server and its Dask workers."""

import concurrent.futures
import os
import signal
import time
import uuid

import pytest

from tests.dask_cluster import start_dask_cluster
from tests.mongo_server import start_mongo_server, stop_mongo_server
from tests.server_process import client, ended, start_server, wait_terminal


def test_fifty_concurrent_submissions_all_end_and_none_are_lost(server):
    names = [f"many_{uuid.uuid4().hex[:6]}_{i}" for i in range(60)]

    def submit(batch):
        with client(server) as api:
            for name in batch:
                response = api.post("/function/python", json={
                    "name": name, "function": f"print('{name}')\nresponse = '{name}'"})
                assert response.status_code == 201, response.text

    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        list(pool.map(submit, [names[i::6] for i in range(6)]))
    with client(server) as api:
        for name in names:
            assert wait_terminal(api, name)["status"] == "finished"
            runs = api.get(f"/function/python/{name}", params={"skip": 1}).json()["result"]
            assert [r["functionMessage"] for r in runs] == [f"{name}\n"]
        listed = {d["name"] for d in api.get("/function/python").json()["result"]}
        assert set(names) <= listed


def test_a_worker_that_dies_fails_its_job_and_the_next_job_runs(api):
    name = f"exit_{uuid.uuid4().hex[:6]}"
    api.post("/function/python", json={"name": name, "function": "import os\nos._exit(1)"})
    doc = wait_terminal(api, name)
    assert doc["status"] == "failed" and "worker process died" in doc["error"]["message"]
    after = f"after_{uuid.uuid4().hex[:6]}"
    api.post("/function/python", json={"name": after, "function": "response = 1"})
    assert wait_terminal(api, after)["status"] == "finished"


@pytest.fixture
def mongo_url(tmp_path):
    url, process = start_mongo_server(tmp_path)
    yield url
    stop_mongo_server(process)


def test_the_server_runs_on_the_mongo_store_and_keeps_its_data(tmp_path, files, mongo_url):
    env = {"LO_MONGO_URL": mongo_url, "LO_MONGO_DB": "lo_test"}
    server = start_server(tmp_path / "data", env=env)
    try:
        with client(server) as api:
            url = files.add("mongo.csv", "a,b\n1,2\n3,4\n")
            api.post("/dataset/csv", json={"datasetName": "table", "datasetURI": url})
            assert wait_terminal(api, "table")["status"] == "finished"
            api.post("/function/python", json={"name": "total", "function": "print(len(t))\n"
                                               "response = None", "functionParameters": {
                                                   "t": "$table"}})
            assert wait_terminal(api, "total")["status"] == "finished"
    finally:
        server.stop()
    assert not (tmp_path / "data" / "metadata.sqlite3").exists()
    again = start_server(tmp_path / "data", env=env)
    try:
        with client(again) as api:
            assert [d["name"] for d in api.get("/artifacts").json()["result"]] == \
                ["table", "total"]
            runs = api.get("/function/python/total", params={"skip": 1}).json()["result"]
            assert runs[0]["functionMessage"] == "2\n"
            rows = api.get("/dataset/csv/table", params={"skip": 1}).json()["result"]
            assert rows == [{"a": "1", "b": "2", "_id": 1}, {"a": "3", "b": "4", "_id": 2}]
    finally:
        again.stop()


# ---- an external Dask cluster (LO_DASK_SCHEDULER): scheduler and workers of their own -------

PID_THEN_SLEEP = ("import os, time\nprogress(0.1, str(os.getpid()))\ntime.sleep({s})\n"
                  "print(os.getpid())\nresponse = None")


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    cluster = start_dask_cluster(tmp_path_factory.mktemp("dask"), workers=2)
    yield cluster
    cluster.stop()


def running_pid(api, name: str, timeout: float = 30) -> int:
    """The worker pid a job reports as its first progress message."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        message = api.get(f"/artifacts/{name}").json()["result"]["progress"]["message"]
        if message.isdigit():
            return int(message)
        time.sleep(0.05)
    raise AssertionError(f"{name} never reported its pid")


@pytest.mark.slow
def test_a_killed_external_worker_fails_its_job_at_once(tmp_path, dask_cluster):
    """The external scheduler keeps its own allowed-failures: without the engine's own check
    the job, pinned to the dead worker, would wait for ever."""
    server = start_server(tmp_path, env={"LO_DASK_SCHEDULER": dask_cluster.scheduler})
    try:
        with client(server) as api:
            api.post("/function/python", json={"name": "victim",
                                               "function": PID_THEN_SLEEP.format(s=60)})
            pid = running_pid(api, "victim")
            assert pid in dask_cluster.worker_pids()
            os.kill(pid, signal.SIGKILL)
            doc = wait_terminal(api, "victim", timeout=15)
            assert doc["status"] == "failed"
            assert "worker process died" in doc["error"]["message"]
            api.post("/function/python", json={"name": "next", "function": "response = 1"})
            assert wait_terminal(api, "next", timeout=30)["status"] == "finished"
    finally:
        server.stop()
        dask_cluster.wait_for_workers(2)  # the nanny brings the killed worker back


FIRST_RUN_SLOW = ("import os, time\nfrom pathlib import Path\nmarker = Path({marker!r})\n"
                  "if not marker.exists():\n    marker.touch()\n"
                  "    progress(0.1, str(os.getpid()))\n    time.sleep(120)\n"
                  "print(os.getpid())\nresponse = None")


@pytest.mark.slow
def test_a_restarted_server_ends_the_run_its_predecessor_left_on_a_worker(tmp_path,
                                                                         dask_cluster):
    """The cluster outlives a killed server and Dask cannot stop a task's thread: the new
    server ends that worker, so the job neither runs twice at once nor waits behind its
    old run."""
    env = {"LO_DASK_SCHEDULER": dask_cluster.scheduler}
    server = start_server(tmp_path / "data", env=env)
    with client(server) as api:
        api.post("/function/python", json={"name": "long", "function": FIRST_RUN_SLOW.format(
            marker=str(tmp_path / "first-run"))})
        first = running_pid(api, "long")
    server.stop(signal.SIGKILL)
    restarted = start_server(tmp_path / "data", env=env)
    try:
        assert ended(first, 15), "the interrupted run still holds its worker"
        with client(restarted) as api:
            doc = wait_terminal(api, "long", timeout=30)
            assert doc["status"] == "finished", doc.get("error")
            runs = api.get("/function/python/long", params={"skip": 1}).json()["result"]
            assert [int(r["functionMessage"]) != first for r in runs] == [True]
    finally:
        restarted.stop()
        dask_cluster.wait_for_workers(2)
