"""Benchmarks 3 and 4: ingest a 1,000,000-row, 12-column CSV through the API, then page it.

3. POST /dataset/csv with the file served from loopback, until finished; baseline (the
   limit): pyarrow.csv.read_csv + pyarrow.parquet.write_table on the same file. Target <= 1.5x.
4. GET of 20 rows at the start, middle and end, and a filtered page, over HTTP; baseline: the
   same page read in-process from the Parquet file (tables.read_page). Targets: p95 < 20 ms
   unfiltered, < 50 ms filtered (paging on through one filter's matches); the first page
   of a filter not asked before is timed too.
"""

from __future__ import annotations

import json
import random
import tempfile
import time
from pathlib import Path

import pyarrow.csv as pcsv
import pyarrow.parquet as pq
from bench_tables import generate
from common import ROOT, median, percentile, report, running_server, serving, timed, wait

ROWS = 1_000_000
REPEATS = 3
PAGES = 200
FILTER = {"Sex": "female", "Pclass": "1"}


def main() -> dict:
    with tempfile.TemporaryDirectory(prefix="lo-bench-csv-") as tmp:
        csv_path = Path(tmp) / "titanic_1m.csv"
        generate(csv_path, ROWS)
        baseline = [timed(lambda: pq.write_table(pcsv.read_csv(csv_path), Path(tmp) / "b.pq"))
                    for _ in range(REPEATS)]
        with serving(Path(tmp)) as base, running_server() as (server, api):
            url = f"{base}/{csv_path.name}"
            ingest = []
            for i in range(REPEATS):
                start = time.perf_counter()
                api.post("/dataset/csv", json={"datasetName": f"big{i}", "datasetURI": url})
                wait(api, f"big{i}")
                ingest.append(time.perf_counter() - start)
            pages, direct, filtered, fresh = _paging(api, server.data_dir)
    rows = [
        {"metric": "ingest 1M x 12 CSV, s", "ours": median(ingest), "baseline": median(baseline),
         "ratio": median(ingest) / median(baseline), "target": "<= 1.5x",
         "met": median(ingest) / median(baseline) <= 1.5},
        {"metric": "page of 20 rows p50 ms", "ours": median(pages), "baseline": median(direct),
         "ratio": None, "target": "", "met": None},
        {"metric": "page of 20 rows p95 ms", "ours": percentile(pages, 95),
         "baseline": percentile(direct, 95), "ratio": None, "target": "< 20 ms",
         "met": percentile(pages, 95) < 20},
        {"metric": "filtered page p50 ms", "ours": median(filtered), "baseline": None,
         "ratio": None, "target": "", "met": None},
        {"metric": "filtered page p95 ms", "ours": percentile(filtered, 95), "baseline": None,
         "ratio": None, "target": "< 50 ms", "met": percentile(filtered, 95) < 50},
        {"metric": "first page of a new filter p95 ms", "ours": percentile(fresh, 95),
         "baseline": None, "ratio": None, "target": "", "met": None},
    ]
    return report("ingest_paging", rows, {
        "rows": ROWS, "baseline_ingest": "pyarrow read_csv + write_table", "filter": FILTER,
        "baseline_paging": "tables.read_page in-process (no HTTP)"})


def _paging(api, data_dir: Path):
    import sys

    sys.path.insert(0, str(ROOT / "server"))
    from lo_server import tables

    parquet = data_dir / "artifacts" / "big0" / "data.parquet"
    rng = random.Random(0)
    skips = [rng.choice([1, ROWS // 2, ROWS - 40]) + rng.randrange(20)
             for _ in range(PAGES)]
    pages, direct = [], []
    for skip in skips:
        start = time.perf_counter()
        response = api.get("/dataset/csv/big0", params={"skip": skip, "limit": 20})
        pages.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200 and len(response.json()["result"]) == 20
        start = time.perf_counter()
        tables.read_page(parquet, skip - 1, 20)
        direct.append((time.perf_counter() - start) * 1000)
    query = json.dumps(FILTER)
    api.get("/dataset/csv/big0", params={"skip": 100, "limit": 20, "query": query})
    filtered = []
    for skip in range(100, 100 + 20 * 50, 20):
        start = time.perf_counter()
        api.get("/dataset/csv/big0", params={"skip": skip, "limit": 20, "query": query})
        filtered.append((time.perf_counter() - start) * 1000)
    fresh = []  # the first page of each of 18 filters not asked before
    for sex in ("male", "female"):
        for pclass in ("1", "2", "3"):
            for port in ("S", "C", "Q"):
                query = json.dumps({"Sex": sex, "Pclass": pclass, "Embarked": port})
                start = time.perf_counter()
                api.get("/dataset/csv/big0", params={"skip": 1, "limit": 20, "query": query})
                fresh.append((time.perf_counter() - start) * 1000)
    return pages, direct, filtered, fresh


if __name__ == "__main__":
    main()
