"""Start a throwaway Spark standalone cluster (one master, one worker) on loopback for tests.

Both daemons come from the installed pyspark's own `spark-class`: no Spark download.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.server_process import stop_process

START_TIMEOUT = 60.0
# Builder modeling code with few Spark jobs (the cold start dominates): four numeric
# columns of the Titanic table, an 80/20 split.
SMALL_MODELING_CODE = '''
from pyspark.ml.feature import VectorAssembler
from pyspark.sql import functions as F

NUMBERS = ["Pclass", "SibSp", "Parch", "Fare"]


def typed(frame):
    return frame.select("*", *[F.col(c).try_cast("double").alias(c + "_n") for c in NUMBERS])


assembler = VectorAssembler(inputCols=[c + "_n" for c in NUMBERS], outputCol="features")
labelled = assembler.transform(typed(training_df)).withColumn(
    "label", F.col("Survived").try_cast("double"))
features_training, features_evaluation = labelled.randomSplit([0.8, 0.2], seed=1)
features_testing = assembler.transform(typed(testing_df))
'''


@dataclass
class SparkCluster:
    url: str  # spark://127.0.0.1:<port>, for LO_SPARK_MASTER
    master_ui: int
    worker_ui: int
    folder: Path  # logs (master.log, worker.log) and the worker's work dir
    processes: list[subprocess.Popen] = field(default_factory=list)

    def state(self) -> dict:
        """The master's JSON status: status, aliveworkers, activeapps, completedapps..."""
        return master_state(self.master_ui)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def master_state(ui_port: int) -> dict:
    return httpx.get(f"http://127.0.0.1:{ui_port}/json/", timeout=5).json()


def wait_for(check, timeout: float, what: str):
    """Poll `check` until it returns something true; HTTP errors count as 'not yet'."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = check()
            if value:
                return value
        except (httpx.HTTPError, ValueError):  # not up yet (a 404 page while starting)
            pass
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


@contextlib.contextmanager
def spark_cluster(folder: Path, cores: int = 1, memory: str = "1g") -> Iterator[SparkCluster]:
    """A master and one worker with `cores` cores, stopped (JVMs included) on exit."""
    import pyspark

    home = Path(pyspark.__file__).parent
    spark_class = str(home / "bin" / "spark-class")
    folder.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "SPARK_HOME": str(home), "SPARK_LOCAL_IP": "127.0.0.1"}
    port = free_port()
    cluster = SparkCluster(f"spark://127.0.0.1:{port}", free_port(), free_port(), folder)

    def launch(name, *args):
        with open(folder / f"{name}.log", "w") as log:  # the child keeps its own descriptor
            cluster.processes.append(subprocess.Popen(
                [spark_class, *args], stdout=log, stderr=subprocess.STDOUT, env=env))

    try:
        launch("master", "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
               "--port", str(port), "--webui-port", str(cluster.master_ui))
        wait_for(lambda: cluster.state()["status"] == "ALIVE", START_TIMEOUT, "the master")
        launch("worker", "org.apache.spark.deploy.worker.Worker", cluster.url,
               "--host", "127.0.0.1", "--cores", str(cores), "--memory", memory,
               "--webui-port", str(cluster.worker_ui), "--work-dir", str(folder / "work"))
        wait_for(lambda: cluster.state()["aliveworkers"] == 1, START_TIMEOUT, "the worker")
        yield cluster
    finally:
        stop(cluster)


def stop(cluster: SparkCluster) -> None:
    for process in reversed(cluster.processes):  # spark-class execs java: these are the JVMs
        stop_process(process, 20)
