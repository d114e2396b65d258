"""Benchmark 2: trivial Function jobs per second from 8 concurrent clients, end to end.

Each client submits a job and waits for it (`/observe`), over and over. Baseline: the same
pattern with bare Dask (`submit().result()` from 8 threads) on a LocalCluster of the same
size, the engine underneath. Targets: >= 100 jobs/s; p99 latency under 200 ms.
"""

from __future__ import annotations

import concurrent.futures
import logging
import time
import uuid

import httpx
from common import median, percentile, report, running_server
from distributed import Client, LocalCluster

CLIENTS = 8
JOBS_PER_CLIENT = 50


def ours() -> tuple[float, list[float]]:
    with running_server() as (server, _):
        headers = {"Authorization": f"Bearer {server.token}"}

        def client_loop(index: int) -> list[float]:
            latencies = []
            with httpx.Client(base_url=server.api, headers=headers, timeout=60) as api:
                for i in range(JOBS_PER_CLIENT):
                    name = f"t{index}_{i}_{uuid.uuid4().hex[:6]}"
                    start = time.perf_counter()
                    api.post("/function/python", json={"name": name, "function": "response=1"})
                    doc = api.get(f"/observe/{name}", params={"timeout": 60}).json()["result"]
                    assert doc["status"] == "finished", doc
                    latencies.append(time.perf_counter() - start)
            return latencies

        client_loop(99)  # warm the workers
        return _run(client_loop)


def baseline() -> tuple[float, list[float]]:
    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None,
                      silence_logs=logging.ERROR) as cluster, Client(cluster) as client:

        def client_loop(index: int) -> list[float]:
            latencies = []
            for _ in range(JOBS_PER_CLIENT):
                start = time.perf_counter()
                client.submit(_trivial, pure=False).result()
                latencies.append(time.perf_counter() - start)
            return latencies

        client_loop(99)
        return _run(client_loop)


def _trivial() -> int:
    return 1


def _run(client_loop) -> tuple[float, list[float]]:
    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(CLIENTS) as pool:
        latencies = [x for part in pool.map(client_loop, range(CLIENTS)) for x in part]
    return len(latencies) / (time.perf_counter() - start), latencies


def main() -> dict:
    rate, latencies = ours()
    base_rate, base_latencies = baseline()
    ms = [x * 1000 for x in latencies]
    base_ms = [x * 1000 for x in base_latencies]
    return report("throughput", [
        {"metric": "jobs/s, 8 clients (higher is better)", "ours": rate,
         "baseline": base_rate, "ratio": rate / base_rate, "target": ">= 100 jobs/s",
         "met": rate >= 100},
        {"metric": "latency p50 ms", "ours": median(ms), "baseline": median(base_ms),
         "ratio": median(ms) / median(base_ms), "target": "", "met": None},
        {"metric": "latency p95 ms", "ours": percentile(ms, 95),
         "baseline": percentile(base_ms, 95), "ratio": None, "target": "", "met": None},
        {"metric": "latency p99 ms", "ours": percentile(ms, 99),
         "baseline": percentile(base_ms, 99), "ratio": None, "target": "< 200 ms",
         "met": percentile(ms, 99) < 200},
    ], {"clients": CLIENTS, "jobs": CLIENTS * JOBS_PER_CLIENT,
        "baseline": "bare Dask submit().result() on a LocalCluster of 2 single-thread workers"})


if __name__ == "__main__":
    main()
