"""The multi-process cluster on one machine: every component a separate process on loopback.

The metadata store is a MongoDB wire-protocol server, artifacts live in an S3-compatible
server (moto), jobs run on `dask scheduler` plus two `dask worker` processes, Builder jobs on a
Spark standalone master and worker, and `lo-server` is configured for them by environment
only (no embedded workers). The workers get the S3 settings but neither the token nor the
MongoDB URL, and each its own artifact cache, apart from the server's: whatever one process
reads of another's work went through S3. The scenarios: ingest, a Function job, a
scikit-learn train, a Builder job, a Dask worker killed with -9 mid-job, and the server
killed with -9 mid-job and started again on an emptied local cache.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import pytest

from notebooks.data.titanic import generate
from tests.dask_cluster import DaskCluster, free_port, start_dask_cluster
from tests.ml_helpers import iris_csv, unique
from tests.mongo_server import start_mongo_server, stop_mongo_server
from tests.server_process import client, ended, start_server, stop_process, wait_terminal
from tests.spark_cluster import SMALL_MODELING_CODE, SparkCluster, spark_cluster

pytestmark = pytest.mark.slow

WORKERS = 2
BUILDER_WAIT = 150
BUCKET, PREFIX = "lo-cluster", "shared"
S3_KEYS = {"AWS_ACCESS_KEY_ID": "lo-test", "AWS_SECRET_ACCESS_KEY": "lo-test-secret",
           "AWS_DEFAULT_REGION": "us-east-1"}


@contextlib.contextmanager
def s3_server(folder: Path):
    """moto's S3 server in a process of its own; yields the AWS_* variables that reach it."""
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    with open(folder / "s3.log", "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the S3 server did not start:\n"
                                       + (folder / "s3.log").read_text()) from None
                time.sleep(0.1)
        yield {"AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}", **S3_KEYS}
    finally:
        stop_process(process)


def s3_client(env: dict):
    import boto3

    return boto3.client("s3", endpoint_url=env["AWS_ENDPOINT_URL"],
                        region_name=env["AWS_DEFAULT_REGION"],
                        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"])


@dataclass
class Cluster:
    folder: Path
    dask: DaskCluster
    spark: SparkCluster
    s3_env: dict  # the AWS_* variables
    env: dict  # lo-server's configuration: nothing but environment variables
    servers: list = field(default_factory=list)  # every lo-server started, the last running

    @property
    def server(self):
        return self.servers[-1]

    @property
    def server_cache(self) -> Path:
        return self.folder / "lo-data" / "artifacts"

    def stored(self, name: str) -> list[str]:
        """The keys of an artifact in the S3 bucket."""
        listed = s3_client(self.s3_env).list_objects_v2(
            Bucket=BUCKET, Prefix=f"{PREFIX}/artifacts/{name}/")
        return sorted(item["Key"] for item in listed.get("Contents", []))

    def start_server(self):
        self.servers.append(start_server(self.folder / "lo-data", env=self.env))
        return self.server

    def logs(self) -> str:
        servers = "".join(f"--- lo-server #{i + 1}\n{''.join(server.lines[-60:])}\n"
                          for i, server in enumerate(self.servers))
        return folder_logs(self.folder) + servers


def folder_logs(folder: Path) -> str:
    """The end of every process's log under `folder` (Spark executors' stderr included)."""
    paths = sorted([*folder.rglob("*.log"), *folder.rglob("stderr")])
    return "".join(f"--- {path.relative_to(folder)}\n{path.read_text(errors='replace')[-3000:]}\n"
                   for path in paths if path.is_file())


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cluster")
    with contextlib.ExitStack() as stack:
        try:
            mongo_url, mongo = start_mongo_server(folder / "mongo")
            stack.callback(stop_mongo_server, mongo)
            s3_env = stack.enter_context(s3_server(folder / "s3"))
            s3_client(s3_env).create_bucket(Bucket=BUCKET)
            spark = stack.enter_context(spark_cluster(folder / "spark"))
            dask = start_dask_cluster(folder / "dask", workers=WORKERS, env=s3_env, worker_env=(
                lambda name: {"LO_ARTIFACTS_CACHE": str(folder / f"cache-{name}")}))
            stack.callback(dask.stop)
            running = Cluster(folder, dask, spark, s3_env, env={
                "LO_DASK_SCHEDULER": dask.scheduler, "LO_MONGO_URL": mongo_url,
                "LO_MONGO_DB": "lo_cluster", "LO_ARTIFACTS_URL": f"s3://{BUCKET}/{PREFIX}",
                "LO_SPARK_MASTER": spark.url, "LO_SPARK_SHUFFLE_PARTITIONS": "2",
                "LO_JOB_TIMEOUT": "300", **s3_env,
            })
            stack.callback(lambda: [server.stop() for server in running.servers])
            running.start_server()
        except Exception as exc:
            raise RuntimeError(f"the cluster did not start: {exc}\n{folder_logs(folder)}") \
                from exc
        yield running


@pytest.fixture
def api(cluster):
    with client(cluster.server) as http:
        yield http


def running_pid(api, name: str, timeout: float = 60) -> int:
    """The worker pid a job reports as its first progress message."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        doc = api.get(f"/artifacts/{name}").json()["result"]
        assert doc["status"] in ("queued", "running"), doc
        if (doc.get("progress") or {}).get("message", "").isdigit():
            return int(doc["progress"]["message"])
        time.sleep(0.05)
    raise AssertionError(f"{name} never reported its pid")


def finished(doc: dict) -> dict:
    assert doc["status"] == "finished", doc.get("error")
    return doc


TITANIC = generate(120, 1)


def test_ingest_and_a_function_job_run_on_the_external_workers(cluster, api, files):
    for name, frame in (("titanic", TITANIC), ("titanic_test", generate(30, 2, test=True))):
        url = files.add(f"cluster_{name}.csv", frame.to_csv(index=False))
        response = api.post("/dataset/csv", json={"datasetName": name, "datasetURI": url})
        assert response.status_code == 201, response.text
        assert "PassengerId" in finished(wait_terminal(api, name, 60))["fields"]
        assert f"{PREFIX}/artifacts/{name}/manifest.json" in cluster.stored(name)
    code = ("import os\nprint(len(data), os.getpid())\n"
            "print(*sorted(k for k in os.environ if k.startswith('LO_')))\nresponse = None")
    api.post("/function/python", json={"name": "rows", "function": code,
                                       "functionParameters": {"data": "$titanic"}})
    finished(wait_terminal(api, "rows", 60))
    [run] = api.get("/function/python/rows", params={"skip": 1}).json()["result"]
    numbers, variables = (run["functionMessage"].split("\n") + [""])[:2]
    count, pid = map(int, numbers.split())
    assert count == len(TITANIC)
    assert pid in cluster.dask.worker_pids()  # one of the `dask worker` processes
    # no secrets there, and its own artifact cache (the server's is LO_DATA_DIR/artifacts)
    assert "LO_ARTIFACTS_CACHE" in variables.split()
    assert not {"LO_TOKEN", "LO_TOKEN_FILE", "LO_MONGO_URL", "LO_MONGO_URL_FILE",
                "LO_DATA_DIR"} & set(variables.split())
    # the server started no workers of its own, and says where its jobs run
    info = json.loads((cluster.folder / "lo-data" / "server.json").read_text())
    assert (info["workers"], info["daskScheduler"]) == ([], cluster.dask.scheduler)
    assert psutil.Process(cluster.server.process.pid).children() == []
    status = subprocess.run([sys.executable, "-m", "lo_server.cli", "status", "--data-dir",
                             str(cluster.folder / "lo-data")], capture_output=True, text=True)
    assert f"jobs on the Dask cluster at {cluster.dask.scheduler}): healthy" in status.stdout


def test_scikit_learn_model_and_train(cluster, api):
    response = api.put("/dataset/csv/iris", content=iris_csv(60).encode(),
                       headers={"Content-Type": "text/csv"})
    assert response.status_code == 201, response.text
    finished(wait_terminal(api, "iris", 60))
    features = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    api.post("/transform/projection", json={"inputDatasetName": "iris",
                                            "outputDatasetName": "iris_x", "names": features})
    finished(wait_terminal(api, "iris_x", 60))
    api.post("/model/scikitlearn", json={
        "modelName": "logistic", "modulePath": "sklearn.linear_model",
        "class": "LogisticRegression", "classParameters": {"max_iter": 500}})
    finished(wait_terminal(api, "logistic", 120))
    api.post("/train/scikitlearn", json={
        "name": "logistic_fit", "modelName": "logistic", "parentName": "logistic",
        "method": "fit", "methodParameters": {"X": "$iris_x", "y": "$iris.target"}})
    assert finished(wait_terminal(api, "logistic_fit", 120))["class"] == "LogisticRegression"
    # the workers published it in S3; the server fetches it from there when asked
    assert cluster.stored("logistic_fit")
    assert not (cluster.server_cache / "logistic_fit").exists()
    download = api.get("/artifacts/logistic_fit/download")
    assert download.status_code == 200 and len(download.content) > 100
    api.post("/evaluate/scikitlearn", json={
        "name": "logistic_score", "modelName": "logistic", "parentName": "logistic_fit",
        "method": "score", "methodParameters": {"X": "$iris_x", "y": "$iris.target"}})
    scores = finished(wait_terminal(api, "logistic_score", 120))["scores"]
    assert 0.8 <= scores["score"] <= 1.0


def test_builder_runs_on_the_spark_standalone_cluster(cluster, api):
    response = api.post("/builder/sparkml", json={
        "trainDatasetName": "titanic", "testDatasetName": "titanic_test",
        "modelingCode": SMALL_MODELING_CODE, "classifiersList": ["LR"]})
    assert response.status_code == 201, response.text
    doc = finished(wait_terminal(api, "titanic_testLR", BUILDER_WAIT))
    assert doc["rows"] == 30 and 0 <= doc["accuracyValue"] <= 1
    # the Spark session is an application of the standalone master, and stays up
    apps = cluster.spark.state()["activeapps"]
    assert [(app["name"], app["state"]) for app in apps] == [("lo-builder", "RUNNING")], apps


def test_a_worker_killed_mid_job_fails_that_job_and_the_next_job_runs(cluster, api):
    name = unique("victim")
    api.post("/function/python", json={"name": name, "function": (
        "import os, time\nprogress(0.1, str(os.getpid()))\ntime.sleep(120)\nresponse = None")})
    pid = running_pid(api, name)
    assert pid in cluster.dask.worker_pids()
    os.kill(pid, signal.SIGKILL)
    started = time.monotonic()
    doc = wait_terminal(api, name, 20)
    assert doc["status"] == "failed"
    assert doc["error"]["message"].startswith("the worker process died while running this job")
    assert time.monotonic() - started < 10
    after = unique("after")
    api.post("/function/python", json={"name": after, "function": "response = 1"})
    finished(wait_terminal(api, after, 30))
    cluster.dask.wait_for_workers(WORKERS)  # the nanny brought the killed worker back


def test_cancelling_a_running_job_ends_it_and_its_worker_comes_back(cluster, api):
    name = unique("cancelled")
    api.post("/function/python", json={"name": name, "function": (
        "import os, time\nprogress(0.1, str(os.getpid()))\ntime.sleep(120)\nresponse = None")})
    pid = running_pid(api, name)
    assert api.post(f"/observe/{name}/cancel").status_code == 200
    assert wait_terminal(api, name, 10)["status"] == "cancelled"
    assert ended(pid, 15)  # the worker process exits...
    cluster.dask.wait_for_workers(WORKERS)  # ...and its nanny starts a fresh one
    names = [unique("next") for _ in range(WORKERS + 1)]
    for following in names:
        api.post("/function/python", json={"name": following, "function": "response = 1"})
    for following in names:
        finished(wait_terminal(api, following, 30))


def test_a_server_killed_mid_job_recovers_it_on_restart(cluster, files):
    marker = cluster.folder / "first-run"
    code = ("import os, time\nfrom pathlib import Path\n"
            f"marker = Path({str(marker)!r})\n"
            "if not marker.exists():  # the first run is slow, the resubmitted one is not\n"
            "    marker.touch()\n    progress(0.1, str(os.getpid()))\n    time.sleep(120)\n"
            "print(len(data), os.getpid())\nresponse = None")
    with client(cluster.server) as api:
        before = {doc["name"] for doc in api.get("/artifacts").json()["result"]}
        api.post("/function/python", json={"name": "interrupted", "function": code,
                                           "functionParameters": {"data": "$titanic"}})
        first = running_pid(api, "interrupted")
    cluster.server.stop(signal.SIGKILL)
    shutil.rmtree(cluster.server_cache)  # a new node, say: everything comes back from S3
    cluster.start_server()
    with client(cluster.server) as api:
        doc = wait_terminal(api, "interrupted", 60)
        # resubmitted once: it finished, or failed "interrupted"; never left running
        assert doc["status"] == "finished" or "interrupted" in doc["error"]["message"], doc
        assert doc["status"] == "finished", doc.get("error")
        [run] = api.get("/function/python/interrupted", params={"skip": 1}).json()["result"]
        count, pid = map(int, run["functionMessage"].split())
        assert count == len(TITANIC) and pid != first
        # what was there before is still listed and readable
        after = {doc["name"] for doc in api.get("/artifacts").json()["result"]}
        assert before | {"interrupted"} == after
        rows = api.get("/dataset/csv/titanic", params={"skip": 1, "limit": 2}).json()["result"]
        assert [row["PassengerId"] for row in rows] == ["1", "2"]
        assert api.get("/artifacts/logistic_fit/download").status_code == 200
    assert ended(first, 15)  # the first run's worker was stopped, not left running it
    cluster.dask.wait_for_workers(WORKERS)
