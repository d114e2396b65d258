"""Benchmark 7: memory footprint of the embedded server with its two workers.

Idle: resident memory of the server process plus its worker processes, after start-up and
one trivial job. Busy: the peak while a Titanic-sized flow runs (ingest, a pandas Function).
Baseline: a bare Dask LocalCluster of the same size (client process plus workers), which any
Dask-based design pays. Target: idle under 350 MiB.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
import time
from pathlib import Path

from common import ROOT, report, running_server, wait
from distributed import Client, LocalCluster


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def total(pids) -> float:
    return sum(rss_mib(p) for p in pids if Path(f"/proc/{p}").exists())


def main() -> dict:
    import sys

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
    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None,
                      silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
        client.submit(abs, 1).result()
        time.sleep(2)
        base = rss_mib(os.getpid()) + total(client.run(os.getpid).values())
    return report("footprint", [
        {"metric": "idle RSS, server + 2 workers, MiB", "ours": idle, "baseline": base,
         "ratio": idle / base, "target": "< 350 MiB", "met": idle < 350},
        {"metric": "peak RSS during a Titanic flow, MiB", "ours": max(peak), "baseline": None,
         "ratio": None, "target": "", "met": None},
    ], {"baseline": "bare Dask LocalCluster (this process + 2 workers)"})


if __name__ == "__main__":
    main()
