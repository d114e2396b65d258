"""Connecting to Dask: the embedded cluster or an external scheduler, tuned for one-task jobs."""

from __future__ import annotations

import logging

import dask
from distributed import Client, LocalCluster, SchedulerPlugin, WorkerPlugin

from lo_server.config import Settings

log = logging.getLogger(__name__)


def connect(settings: Settings) -> tuple[LocalCluster | None, Client]:
    """(embedded cluster or None, client) for the scheduler the settings name."""
    dask.config.set({
        # a job whose worker dies fails at once instead of being retried elsewhere
        "distributed.scheduler.allowed-failures": 0,
        # one task per worker thread at a time: stopping a worker stops only its own job
        "distributed.scheduler.worker-saturation": 1.0,
    })
    embedded = None
    if settings.dask_scheduler:
        client = Client(settings.dask_scheduler, timeout=30)
    else:
        embedded = LocalCluster(
            n_workers=settings.workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            memory_limit=settings.worker_memory,
            silence_logs=logging.WARNING,
        )
        client = Client(embedded)
    tune_latency(client)
    return embedded, client


def worker_states(client: Client, embedded: LocalCluster | None) -> dict[str, dict]:
    """{address: {"status", "nthreads"}} of every worker the scheduler knows.

    The embedded scheduler lives in this process, so its table is read directly: asking it
    over its own event loop costs a round trip per dispatch and, under load, made every
    finished job's callback wait for that loop."""
    scheduler = getattr(embedded, "scheduler", None)
    if scheduler is None:
        return client.scheduler_info(n_workers=-1)["workers"]
    table = list(dict.items(scheduler.workers))  # one C-level copy: safe beside its loop
    return {address: {"status": state.status.name, "nthreads": state.nthreads}
            for address, state in table}


class _UnbatchedScheduler(SchedulerPlugin):
    """The scheduler's sends to every client and worker go at once, including workers that
    join (or rejoin after a restart) later."""

    async def start(self, scheduler) -> None:
        for comm in (*scheduler.client_comms.values(), *scheduler.stream_comms.values()):
            comm.interval = 0

    def add_worker(self, scheduler, worker: str) -> None:
        if worker in scheduler.stream_comms:
            scheduler.stream_comms[worker].interval = 0


class _UnbatchedWorker(WorkerPlugin):
    def setup(self, worker) -> None:
        worker.batched_stream.interval = 0


def tune_latency(client: Client) -> None:
    """Send Dask's control messages at once instead of batching them for 2-10 ms.

    Batching pays off for graphs of thousands of tasks; a job is one task, so it only adds
    latency: the client holds a submit up to 10 ms after its previous message (a release),
    the scheduler holds a worker's next task 5 ms, results wait 2 ms each way. Dask has no
    setting for these intervals, so the live BatchedSend objects are changed, through
    plugins on the scheduler and the workers (an external scheduler that cannot import
    lo_server keeps its batching: slower, not wrong)."""
    client.scheduler_comm.interval = 0
    try:
        client.register_plugin(_UnbatchedScheduler(), name="lo-unbatched-scheduler")
    except Exception as exc:  # noqa: BLE001 - an optimisation only
        log.info("the Dask scheduler keeps batching its messages: %s", exc)
    client.register_plugin(_UnbatchedWorker(), name="lo-unbatched")
