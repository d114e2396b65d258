"""Load: 500 Function jobs from 10 concurrent clients.

Provokes: contention on submission, the store and the Dask queue.
Nothing lost means: every job ends finished, exactly once (one execution document each), no
request gets a 5xx, and the server's memory returns near its idle level afterwards.
"""

import concurrent.futures
import os
import uuid

import pytest

from tests.server_process import client, rss_mib, start_server, wait_terminal

JOBS = 500 * int(os.environ.get("LO_RELIABILITY_SCALE", "1"))  # make reliability: x4
CLIENTS = 10


@pytest.mark.slow
def test_500_jobs_from_10_clients_all_end_exactly_once(tmp_path):
    server = start_server(tmp_path)
    try:
        idle = rss_mib(server.process.pid)
        prefix = uuid.uuid4().hex[:6]
        names = [f"load_{prefix}_{i}" for i in range(JOBS)]
        statuses = []

        def submit(batch):
            with client(server) as api:
                for name in batch:
                    response = api.post("/function/python", json={
                        "name": name, "function": f"print('{name}')\nresponse = None"})
                    statuses.append(response.status_code)

        with concurrent.futures.ThreadPoolExecutor(CLIENTS) as pool:
            list(pool.map(submit, [names[i::CLIENTS] for i in range(CLIENTS)]))
        assert statuses == [201] * JOBS
        with client(server) as api:
            for name in names:
                assert wait_terminal(api, name, timeout=120)["status"] == "finished"
            listed = [d["name"] for d in api.get("/function/python").json()["result"]]
            assert sorted(listed) == sorted(names)
            for name in names[::25]:
                runs = api.get(f"/function/python/{name}", params={"skip": 1}).json()["result"]
                assert [r["functionMessage"] for r in runs] == [f"{name}\n"]
        after = rss_mib(server.process.pid)
        assert after < idle + 150, f"server RSS grew from {idle:.0f} to {after:.0f} MiB"
    finally:
        server.stop()
