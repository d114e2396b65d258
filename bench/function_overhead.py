"""Round trip of a trivial `%%lo_function` cell against ipyparallel's `%%px` and plain IPython.

One run, one machine, interleaved rounds so load changes hit every method alike:
- ours: `%%lo_function NAME` (submit, run on a Dask worker of the embedded server, wait,
  print the output) through the magic on an IPython shell; a new name each time, and the
  same name again (a re-run, as when a notebook cell is executed twice);
- baseline: `%%px --block` on a local ipyparallel cluster of the same size (2 engines), on
  all engines (the default) and on one engine (`--targets 0`, the same work as ours);
- limit: the same cell run by the shell itself;
- floor: a bare Dask `submit().result()` on a 2-worker LocalCluster, with Dask's default
  message batching and with the batching the server applies (jobs.cluster.tune_latency).

Run: python bench/function_overhead.py [--samples N] [--rounds R]. Target: ours no slower
than %%px (about 6 ms here).
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
from pathlib import Path

from common import median, percentile, report, running_server

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "server"))

CELL = "print('ok')\nresponse = None"


def shell_with_extension(server):
    from IPython.core.interactiveshell import InteractiveShell

    from lo_jupyter.client import Orchestra

    ip = InteractiveShell.instance()
    ip.extension_manager.load_extension("lo_jupyter")
    ip._lo_magics.client = Orchestra(server.url, server.token)
    ip._lo_magics.tick = 3600.0  # no progress display: measure the round trip only
    return ip


def run_captured(action, expected: str = "ok\n") -> float:
    from IPython.utils.io import capture_output

    start = time.perf_counter()
    with capture_output() as out:
        action()
    elapsed = time.perf_counter() - start
    if expected not in out.stdout:
        raise RuntimeError(f"unexpected output {out.stdout!r} {out.stderr!r}")
    return elapsed


def breakdown(client, samples: int) -> dict[str, list[float]]:
    """Where a round trip goes: the HTTP floor, and the one request a quick cell makes."""
    parts: dict[str, list[float]] = {"GET /health (HTTP floor)": [],
                                     "POST /function/python?wait (submit, run, output)": []}
    for i in range(samples):
        t0 = time.perf_counter()
        client.health()
        t1 = time.perf_counter()
        if client.function(f"parts_{i}", CELL, wait=1.0).ended is None:
            raise RuntimeError("a trivial job did not end within 1 s")
        t2 = time.perf_counter()
        for key, value in zip(parts, (t1 - t0, t2 - t1), strict=True):
            parts[key].append(value)
    return parts


def dask_floor(samples: int) -> dict:
    """Median submit().result() of a no-op on a 2-worker LocalCluster, before/after tuning."""
    from distributed import Client, LocalCluster

    from lo_server.jobs.cluster import tune_latency

    def noop(x):
        return x

    results = {}
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None, silence_logs=logging.WARNING) as cluster, \
            Client(cluster) as client:
        for label in ("dask default batching", "dask tuned batching"):
            if label.endswith("tuned batching"):
                tune_latency(client)
            for i in range(20):
                client.submit(noop, i, pure=False).result()
            times = []
            for i in range(samples):
                start = time.perf_counter()
                client.submit(noop, i, pure=False).result()
                times.append(time.perf_counter() - start)
            results[label] = times
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=40, help="per method per round")
    parser.add_argument("--rounds", type=int, default=5)
    options = parser.parse_args()

    import ipyparallel as ipp

    times: dict[str, list[float]] = {"lo_function": [], "lo_function re-run": [],
                                     "px all engines": [], "px one engine": [],
                                     "in-kernel": []}
    with running_server(workers=2) as (server, _api):
        ip = shell_with_extension(server)
        cluster = ipp.Cluster(n=2, log_level=logging.WARNING)
        rc = cluster.start_and_connect_sync()
        try:
            rc.wait_for_engines(2, timeout=120)
            rc[:].activate()
            counter = iter(range(10**9))
            methods = {
                "lo_function": lambda: ip.run_cell_magic(
                    "lo_function", f"bench_{next(counter)}", CELL),
                "lo_function re-run": lambda: ip.run_cell_magic("lo_function", "bench_again",
                                                                CELL),
                "px all engines": lambda: ip.run_cell_magic("px", "--block", "print('ok')"),
                "px one engine": lambda: ip.run_cell_magic("px", "--block --targets 0",
                                                           "print('ok')"),
                "in-kernel": lambda: ip.run_cell("print('ok')"),
            }
            for method in methods.values():  # warm every path (imports, workers, engines)
                for _ in range(10):
                    run_captured(method)
            for _ in range(options.rounds):
                for label, method in methods.items():
                    times[label] += [run_captured(method) for _ in range(options.samples)]
            parts = breakdown(ip._lo_magics.client, options.samples * 2)
        finally:
            cluster.stop_cluster_sync()
    floor = dask_floor(options.samples * options.rounds)

    ms = {label: median(values) * 1000 for label, values in {**times, **floor}.items()}
    ours, px = ms["lo_function"], ms["px all engines"]
    rows = [
        {"metric": "%%lo_function round trip, median ms", "ours": ours, "baseline": px,
         "ratio": ours / px, "target": "<= %%px (ratio <= 1)", "met": ours <= px},
        {"metric": "%%lo_function re-run (same name), median ms",
         "ours": ms["lo_function re-run"], "baseline": px,
         "ratio": ms["lo_function re-run"] / px, "target": "<= %%px", "met":
             ms["lo_function re-run"] <= px},
        {"metric": "vs %%px --targets 0 (one engine), median ms", "ours": ours,
         "baseline": ms["px one engine"], "ratio": ours / ms["px one engine"]},
        {"metric": "vs in-kernel execution (the limit), median ms", "ours": ours,
         "baseline": ms["in-kernel"], "ratio": ours / ms["in-kernel"]},
        {"metric": "bare Dask submit().result(), tuned vs default, ms",
         "ours": ms["dask tuned batching"], "baseline": ms["dask default batching"],
         "ratio": ms["dask tuned batching"] / ms["dask default batching"]},
    ]
    details = {
        "median_ms": ms,
        "p90_ms": {label: percentile(v, 90) * 1000 for label, v in {**times, **floor}.items()},
        "stdev_ms": {label: statistics.pstdev(v) * 1000 for label, v in times.items()},
        "lo_function_parts_median_ms": {k: median(v) * 1000 for k, v in parts.items()},
        "samples_per_method": options.samples * options.rounds,
        "cell": CELL,
    }
    report("function_overhead", rows, details)
    print("where a %%lo_function round trip goes (median ms): " + ", ".join(
        f"{k} {v:.2f}" for k, v in details["lo_function_parts_median_ms"].items()))


if __name__ == "__main__":
    main()
