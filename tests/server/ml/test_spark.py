"""The Builder's Spark engine: a real standalone cluster on loopback, and no leaked JVMs.

The cluster (one master, one worker with one core) is started from the installed pyspark's
own `spark-class`; a lo-server with LO_SPARK_MASTER=spark://... runs Builder jobs on it.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import psutil
import pytest

from lo_server.ml import spark
from notebooks.data.titanic import generate
from tests.server_process import client, start_server, wait_terminal
from tests.spark_cluster import SMALL_MODELING_CODE, master_state, spark_cluster, wait_for

JOB_WAIT = 280
CLUSTER_CODE = SMALL_MODELING_CODE


@pytest.mark.parametrize("master, loopback", [
    ("local[*]", True), ("local[2]", True), ("spark://127.0.0.1:7077", True),
    ("spark://localhost:7077", True), ("spark://spark-master:7077", False),
    ("spark://10.0.0.5:7077", False),
])
def test_driver_binds_to_loopback_only_for_a_local_master(master, loopback):
    assert spark._loopback_master(master) is loopback


def test_fair_pools_file_has_a_pool_per_classifier():
    text = Path(spark._pools_file()).read_text()
    for code in spark.CLASSIFIERS:
        assert f'<pool name="{code}"><schedulingMode>FAIR</schedulingMode>' in text


@pytest.mark.parametrize("rows", [
    [(0.0, 0.0), (0.0, 1.0), (1.0, 1.0), (1.0, 1.0), (0.0, 0.0), (1.0, 0.0), (0.0, 0.0)],
    [(0.0, 1.0), (1.0, 2.0), (2.0, 2.0), (2.0, 0.0), (1.0, 1.0), (2.0, 2.0)],  # 3 labels
    [(1.0, 0.0), (1.0, 0.0)],  # never right: precision and recall 0
])
def test_one_pass_metrics_equal_the_evaluator(rows):
    from pyspark.ml.evaluation import MulticlassClassificationEvaluator

    session = spark.spark_session({"master": "local[1]", "shufflePartitions": 1})
    scored = session.createDataFrame(rows, ["label", "prediction"])
    expected = {metric: MulticlassClassificationEvaluator(metricName=metric).evaluate(scored)
                for metric in ("accuracy", "f1")}
    assert spark.evaluate(scored) == pytest.approx(expected, rel=1e-12)


# ---- a standalone cluster -------------------------------------------------------------------

def test_a_pulled_table_reaches_a_cluster_master_through_the_driver(tmp_path):
    """With a shared artifact store and a cluster master, the driver reads the table."""
    import pandas as pd

    from lo_server import tables

    frame = pd.DataFrame({"x": [1.5, 2.5], "label": [0, 1], "name": ["a", "b"]})
    tables.table_to_parquet(frame, tmp_path / "people" / "data.parquet")
    session = spark.spark_session({"master": "local[1]", "shufflePartitions": 1})
    by_path = spark.read_table(session, tmp_path, "people", {"master": "local[1]"}, True)
    shipped = spark.read_table(session, tmp_path, "people",
                               {"master": "spark://10.0.0.9:7077"}, True)
    assert shipped.schema == by_path.schema
    assert shipped.toPandas().equals(by_path.toPandas())


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    with spark_cluster(tmp_path_factory.mktemp("spark-cluster")) as running:
        yield {"url": running.url, "master_ui": running.master_ui,
               "worker_ui": running.worker_ui}


@pytest.fixture(scope="module")
def server(cluster, tmp_path_factory):
    proc = start_server(tmp_path_factory.mktemp("spark-cluster-lo"), "--workers", "1",
                        env={"LO_SPARK_MASTER": cluster["url"],
                             "LO_SPARK_SHUFFLE_PARTITIONS": "2"})
    yield proc
    proc.stop()


@pytest.fixture(scope="module")
def api(server):
    with client(server) as http:
        yield http


def upload(api, frame) -> str:
    name = f"titanic_{uuid.uuid4().hex[:8]}"
    response = api.put(f"/dataset/csv/{name}", content=frame.to_csv(index=False).encode(),
                       headers={"Content-Type": "text/csv"})
    assert response.status_code == 201, response.text
    assert wait_terminal(api, name)["status"] == "finished"
    return name


def post_builder(api, train: str, test: str, code: str, classifiers: list[str]) -> list[str]:
    response = api.post("/builder/sparkml", json={
        "trainDatasetName": train, "testDatasetName": test, "modelingCode": code,
        "classifiersList": classifiers})
    assert response.status_code == 201, response.text
    return [uri.split("/")[6].split("?")[0] for uri in response.json()["result"]]


@pytest.mark.slow
def test_builder_job_runs_on_the_standalone_cluster(api, cluster):
    train, test = upload(api, generate(120, 1)), upload(api, generate(30, 2, test=True))
    names = post_builder(api, train, test, CLUSTER_CODE, ["LR", "DT"])
    for name in names:
        doc = wait_terminal(api, name, JOB_WAIT)
        assert doc["status"] == "finished", doc.get("error")
        assert doc["rows"] == 30 and 0 <= doc["accuracyValue"] <= 1
    # The session stays up for the next job: an application of the cluster, whose
    # executor ran on the cluster's worker.
    [app] = master_state(cluster["master_ui"])["activeapps"]
    assert app["name"] == "lo-builder" and app["state"] == "RUNNING" and app["cores"] == 1
    worker = httpx.get(f"http://127.0.0.1:{cluster['worker_ui']}/json/", timeout=5).json()
    assert [executor["appid"] for executor in worker["executors"]] == [app["id"]]


def driver_jvms(server_pid: int) -> list[psutil.Process]:
    """Spark driver JVMs started (through the Dask workers) by this lo-server."""
    found = []
    for process in psutil.Process(server_pid).children(recursive=True):
        try:
            if "SparkSubmit" in " ".join(process.cmdline()):
                found.append(process)
        except psutil.NoSuchProcess:
            pass
    return found


@pytest.mark.slow
def test_cancelling_a_builder_job_ends_its_driver_jvm_and_application(api, server, cluster):
    train, test = upload(api, generate(20, 1)), upload(api, generate(5, 2, test=True))
    code = "training_df.count()\nimport time\ntime.sleep(120)\n"
    names = post_builder(api, train, test, code, ["NB"])
    wait_for(lambda: api.get(f"/artifacts/{names[0]}").json()["result"]["status"] == "running",
             60, "the job to run")
    [jvm] = wait_for(lambda: driver_jvms(server.process.pid), 60, "the driver JVM")
    [app] = wait_for(lambda: master_state(cluster["master_ui"])["activeapps"], 60,
                     "the application")
    assert api.post(f"/observe/{names[0]}/cancel").status_code == 200
    assert wait_terminal(api, names[0])["status"] == "cancelled"
    try:
        jvm.wait(120)
    except psutil.TimeoutExpired:
        raise AssertionError(f"the driver JVM outlived its worker: {jvm.status()}, "
                             f"parent {jvm.ppid()}, {jvm.cmdline()[:3]}") from None
    finished = wait_for(lambda: [a for a in master_state(cluster["master_ui"])["completedapps"]
                                 if a["id"] == app["id"]], 60, "the application to end")
    assert finished[0]["state"] in ("FINISHED", "KILLED")
    assert driver_jvms(server.process.pid) == []
