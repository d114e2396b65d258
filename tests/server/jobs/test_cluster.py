"""Connecting to Dask: the embedded cluster, its worker table and the latency tuning."""

from lo_server.config import Settings
from lo_server.jobs import cluster


def test_embedded_cluster_workers_are_read_without_a_round_trip(tmp_path):
    embedded, client = cluster.connect(Settings(data_dir=tmp_path, workers=2))
    try:
        client.wait_for_workers(2, timeout=60)
        states = cluster.worker_states(client, embedded)
        assert len(states) == 2
        assert all(s == {"status": "running", "nthreads": 1} for s in states.values())
        # the same table the scheduler reports over its own event loop
        remote = client.scheduler_info(n_workers=-1)["workers"]
        assert {a: (i["status"], i["nthreads"]) for a, i in remote.items()} == \
            {a: (s["status"], s["nthreads"]) for a, s in states.items()}
        assert client.scheduler_comm.interval == 0  # unbatched: a job is one task
        assert client.submit(lambda: 41 + 1).result(timeout=30) == 42
    finally:
        client.close()
        embedded.close()
