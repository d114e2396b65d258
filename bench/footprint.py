"""Benchmark 7: memory footprint of the embedded server with its two workers.

Idle: resident memory of the server process plus its worker processes, after start-up and
one trivial job. Busy: the peak while a Titanic-sized flow runs (ingest, a pandas Function).
Baseline: a bare Dask LocalCluster of the same size (client process plus workers), which any
Dask-based design pays. Target: idle under 350 MiB.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from common import ROOT, report, running_server, wait


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def total(pids) -> float:
    return sum(rss_mib(p) for p in pids if Path(f"/proc/{p}").exists())


BARE_DASK = """
import logging, os, time
from distributed import Client, LocalCluster
from footprint import rss_mib, total
with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None,
                  silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
    client.submit(abs, 1).result()
    time.sleep(2)
    print(rss_mib(os.getpid()) + total(client.run(os.getpid).values()))
"""


def bare_dask_rss() -> float:
    """The baseline in a process of its own (make bench runs every benchmark in one process,
    whose imports would count otherwise): a client process and two workers, after one task."""
    out = subprocess.run([sys.executable, "-c", BARE_DASK], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).parent, timeout=300).stdout
    return float(out.split()[-1])


def main() -> dict:
    sys.path.insert(0, str(ROOT / "notebooks"))
    from data import titanic

    with running_server() as (server, api), tempfile.TemporaryDirectory() as tmp:
        api.post("/function/python", json={"name": "warm", "function": "response = 1"})
        wait(api, "warm")
        time.sleep(2)
        workers = json.loads((server.data_dir / "server.json").read_text())["workers"]
        pids = [server.process.pid, *workers]
        idle = total(pids)
        csv = Path(tmp) / "train.csv"
        titanic.write_csv(csv, rows=891)
        peak = [idle]
        done = threading.Event()

        def sample():
            while not done.is_set():
                peak.append(total(pids))
                time.sleep(0.05)

        threading.Thread(target=sample, daemon=True).start()
        api.put("/dataset/csv/titanic", content=csv.read_bytes(),
                headers={"Content-Type": "text/csv"})
        wait(api, "titanic")
        api.post("/function/python", json={
            "name": "rates", "functionParameters": {"data": "$titanic"},
            "function": "import pandas as pd\nresponse = data.groupby('Sex')['Survived']"
                        ".apply(lambda s: pd.to_numeric(s).mean()).to_dict()"})
        wait(api, "rates")
        done.set()
    base = bare_dask_rss()
    return report("footprint", [
        {"metric": "idle RSS, server + 2 workers, MiB", "ours": idle, "baseline": base,
         "ratio": idle / base, "target": "< 350 MiB", "met": idle < 350},
        {"metric": "peak RSS during a Titanic flow, MiB", "ours": max(peak), "baseline": None,
         "ratio": None, "target": "", "met": None},
    ], {"baseline": "bare Dask LocalCluster (this process + 2 workers)"})


if __name__ == "__main__":
    main()
