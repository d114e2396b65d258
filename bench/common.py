"""Shared pieces of the benchmarks: an embedded server, statistics, and result files.

Every benchmark measures our figure and its baseline in the same run, prints a small table
and writes bench/results/<name>.json; `make bench` gathers them into latest.json.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
sys.path.insert(0, str(ROOT))

from lo_jupyter import embedded  # noqa: E402


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class _FileServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        """The server's URL probe hangs up after the status line: not an error."""


@contextmanager
def serving(folder: Path):
    """The folder over http://127.0.0.1:<port>/ (the datasets' URLs): yields that base."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    httpd = _FileServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()


@contextmanager
def running_server(workers: int = 2, env: dict | None = None):
    """An embedded lo-server in a fresh data dir, and an HTTP client for its API."""
    with tempfile.TemporaryDirectory(prefix="lo-bench-") as tmp:
        server = embedded.start(Path(tmp) / "data", workers=workers, env=env)
        headers = {"Authorization": f"Bearer {server.token}"}
        try:
            with httpx.Client(base_url=server.api, headers=headers, timeout=600) as api:
                yield server, api
        finally:
            server.stop()


def wait(api: httpx.Client, name: str) -> dict:
    while True:
        response = api.get(f"/observe/{name}", params={"timeout": 60})
        if response.status_code == 200:
            doc = response.json()["result"]
            if doc["status"] != "finished":
                raise RuntimeError(f"{name} {doc['status']}: {doc.get('error')}")
            return doc
        if response.status_code != 408:
            raise RuntimeError(response.text)


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def median(values) -> float:
    return statistics.median(values)


def percentile(values, q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def report(name: str, rows: list[dict], details: dict | None = None) -> dict:
    """Print rows (metric, ours, baseline, ratio, target, met) and save them."""
    print(f"\n== {name} ({machine()})")
    print(f"{'metric':<44} {'ours':>10} {'baseline':>10} {'ratio':>7}  target")
    for row in rows:
        baseline = "" if row.get("baseline") is None else f"{row['baseline']:.4g}"
        ratio = "" if row.get("ratio") is None else f"{row['ratio']:.2f}x"
        met = {True: "met", False: "MISSED", None: ""}[row.get("met")]
        print(f"{row['metric']:<44} {row['ours']:>10.4g} {baseline:>10} {ratio:>7}  "
              f"{row.get('target', '')} {met}")
    result = {"benchmark": name, "machine": machine(), "time": time.strftime("%Y-%m-%d %H:%M"),
              "rows": rows, "details": details or {}}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=2))
    return result
