"""Start a throwaway Dask cluster as separate processes on loopback for tests.

`dask scheduler` and `dask worker` processes (one thread each, each under a nanny, so a
worker that exits or is killed comes back), run from this interpreter's environment so the
workers import lo_server. Each process leads its own process group: stopping the group
takes the nanny's worker with it.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

START_TIMEOUT = 60.0
# The variables a worker must never see (the server's secrets).
SECRETS = ("LO_TOKEN", "LO_TOKEN_FILE", "LO_MONGO_URL", "LO_MONGO_URL_FILE")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class DaskCluster:
    scheduler: str  # tcp://127.0.0.1:<port>, for LO_DASK_SCHEDULER
    folder: Path  # a log per process
    env: dict
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    def add_worker(self, name: str, env: dict | None = None) -> None:
        """One more worker under its nanny; `env` adds to the cluster's environment."""
        command = [sys.executable, "-m", "dask", "worker", self.scheduler, "--name", name,
                   "--nthreads", "1", "--nanny", "--host", "127.0.0.1", "--no-dashboard",
                   "--local-directory", str(self.folder / name)]
        self._launch(name, command, env)

    def _launch(self, name: str, command: list[str], env: dict | None = None) -> None:
        with open(self.folder / f"{name}.log", "w") as log:  # the child keeps its own copy
            self.processes[name] = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, env={**self.env, **(env or {})},
                start_new_session=True)

    def worker_pids(self) -> list[int]:
        """The worker processes (the nannies' children) running now."""
        pids = []
        for name, process in self.processes.items():
            if name != "scheduler" and process.poll() is None:
                try:
                    pids += [p.pid for p in psutil.Process(process.pid).children()]
                except psutil.NoSuchProcess:
                    pass
        return sorted(pids)

    def wait_for_workers(self, count: int, timeout: float = START_TIMEOUT) -> None:
        """Until `count` workers are registered with the scheduler (and none is exiting)."""
        from distributed import Client

        with Client(self.scheduler, timeout=timeout) as client:
            deadline = time.monotonic() + timeout
            while True:
                workers = client.scheduler_info(n_workers=-1)["workers"].values()
                if sum(w.get("status") == "running" for w in workers) == count:
                    return
                if time.monotonic() > deadline:
                    raise AssertionError(f"{count} Dask workers did not come up:\n{self.logs()}")
                time.sleep(0.2)

    def logs(self) -> str:
        return "".join(f"--- {path.name}\n{path.read_text(errors='replace')[-4000:]}\n"
                       for path in sorted(self.folder.glob("*.log")))

    def stop(self) -> None:
        """SIGTERM each process group (workers first), then SIGKILL whatever is left."""
        ordered = sorted(self.processes.items(), key=lambda item: item[0] == "scheduler")
        for _, process in ordered:
            _signal_group(process, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for _, process in ordered:
            try:
                process.wait(max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                pass
            _signal_group(process, signal.SIGKILL)  # stragglers in the group, if any
            process.wait(10)


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(process.pid, sig)  # the process leads its own group
    except (ProcessLookupError, PermissionError):
        pass


def start_dask_cluster(folder: Path, workers: int = 2, env: dict | None = None,
                       worker_env=None) -> DaskCluster:
    """A scheduler and `workers` one-thread workers on loopback; `env` adds to (or, with a
    None value, removes from) the processes' environment, `worker_env(name)` gives a
    worker's own additions. Secrets are never passed on."""
    folder.mkdir(parents=True, exist_ok=True)
    environ = {k: v for k, v in os.environ.items() if k not in SECRETS}
    for key, value in (env or {}).items():
        if value is None:
            environ.pop(key, None)
        else:
            environ[key] = value
    cluster = DaskCluster(f"tcp://127.0.0.1:{free_port()}", folder, environ)
    port = cluster.scheduler.rsplit(":", 1)[1]
    try:
        cluster._launch("scheduler", [sys.executable, "-m", "dask", "scheduler",
                                      "--host", "127.0.0.1", "--port", port,
                                      "--dashboard-address", "127.0.0.1:0"])
        for i in range(workers):
            name = f"worker-{i + 1}"
            cluster.add_worker(name, worker_env(name) if worker_env else None)
        cluster.wait_for_workers(workers)
    except BaseException:
        cluster.stop()
        raise
    return cluster
