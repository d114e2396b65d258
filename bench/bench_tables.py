"""Benchmark dataset ingest and paging on a 1,000,000-row Titanic-shaped CSV.

Run: python bench/bench_tables.py [rows]. Targets: csv_to_parquet <= 1.5x the plain
pyarrow read_csv + write_table baseline; 20-row page p95 < 20 ms; filtered page p95 < 50 ms.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "server"))
from lo_server.tables import csv_to_parquet, read_page  # noqa: E402

HEADER = "PassengerId,Survived,Pclass,Name,Sex,Age,SibSp,Parch,Ticket,Fare,Cabin,Embarked\n"


def generate(path: Path, n: int, seed: int = 1) -> None:
    """Write the CSV with vectorised Arrow string kernels (no Python loop per row)."""
    rng = np.random.default_rng(seed)

    def pick(values):
        return pc.take(pa.array(values), pa.array(rng.integers(0, len(values), n)))

    def text(numbers):
        return pc.cast(pa.array(numbers), pa.string())

    def blank(strings, share):
        return pc.if_else(pa.array(rng.random(n) < share), "", strings)

    join = pc.binary_join_element_wise
    surnames = [a + b for a in ("Br", "Cum", "Heik", "Fut", "All", "Mor", "Pals", "Nas", "John",
                                "McC", "Sand", "Bonn", "Rice", "Will", "Mass", "Fynn")
                for b in ("aund", "ings", "kinen", "relle", "en", "an", "son", "ser", "ley")]
    given = ["Owen", "John", "Laina", "Jacques", "William", "James", "Timothy", "Gosta",
             "Oscar", "Nicholas", "Marguerite", "Elizabeth", "Anna", "Harris", "Bradley"]
    name = join('"', pick(surnames), ", ", pick(["Mr.", "Mrs.", "Miss.", "Master.", "Dr."]),
                " ", pick(given), " ", pick(given), " ", text(rng.integers(1, 100, n)), '"', "")
    columns = [
        text(np.arange(1, n + 1)), text(rng.integers(0, 2, n)), text(rng.integers(1, 4, n)),
        name, pick(["male", "female"]), blank(text(rng.integers(1, 80, n)), 0.2),
        text(rng.integers(0, 5, n)), text(rng.integers(0, 4, n)),
        join(pick(["A/5 ", "PC ", "STON/O2. ", "", ""]), text(rng.integers(1000, 400000, n)), ""),
        text(np.round(rng.gamma(2.0, 16.0, n), 4)),
        blank(join(pick(list("ABCDE")), text(rng.integers(1, 130, n)), ""), 0.77),
        pick(["S", "C", "Q"]),
    ]
    lines = join(join(*columns, ","), "", "\n").cast(pa.large_string())
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int64)[: n + 1]
    with open(path, "wb") as f:
        f.write(HEADER.encode())
        f.write(memoryview(lines.buffers()[2])[offsets[0]:offsets[-1]])


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def latency(fn, args: list) -> tuple[float, float]:
    """p50 and p95 in milliseconds."""
    times = []
    for a in args:
        start = time.perf_counter()
        fn(*a)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return times[len(times) // 2], times[int(len(times) * 0.95) - 1]


def main(n: int = 1_000_000) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        src = tmp / "titanic.csv"
        start = time.perf_counter()
        generate(src, n)
        print(f"generated {n:,} rows, {src.stat().st_size / 2**20:.0f} MiB "
              f"in {time.perf_counter() - start:.1f} s")

        base, ours = [], []
        for _ in range(3):  # interleaved, so both see the same machine load
            base.append(timed(lambda: pq.write_table(pcsv.read_csv(src), tmp / "base.parquet")))
            ours.append(timed(lambda: csv_to_parquet(src, tmp / "ds.parquet")))
        base, ours = statistics.median(base), statistics.median(ours)
        meta = pq.ParquetFile(tmp / "ds.parquet").metadata
        print(f"ingest baseline (read_csv + write_table): {base:.2f} s")
        print(f"ingest csv_to_parquet: {ours:.2f} s, ratio {ours / base:.2f}x (target <= 1.5x); "
              f"{meta.num_row_groups} row groups of ~{n // max(meta.num_row_groups, 1):,} rows, "
              f"{(tmp / 'ds.parquet').stat().st_size / 2**20:.0f} MiB "
              f"(baseline {(tmp / 'base.parquet').stat().st_size / 2**20:.0f} MiB)")

        path = tmp / "ds.parquet"
        rng = np.random.default_rng(2)
        thirds = [(0, 0.01), (0.49, 0.51), (0.99, 1.0)]
        skips = [int(rng.uniform(lo, hi) * (n - 20)) for _ in range(67) for lo, hi in thirds]
        p50, p95 = latency(read_page, [(path, s, 20) for s in skips[:200]])
        print(f"read_page 20 rows, 200 pages at start/middle/end: p50 {p50:.1f} ms, "
              f"p95 {p95:.1f} ms (target p95 < 20 ms)")

        query = {"Sex": "female", "Pclass": "1"}
        start = time.perf_counter()
        read_page(path, 100, 20, query)
        first = (time.perf_counter() - start) * 1000
        p50, p95 = latency(read_page, [(path, 100, 20, query)] * 50)
        print(f"filtered page {query} skip 100: first {first:.0f} ms, then p50 {p50:.1f} ms, "
              f"p95 {p95:.1f} ms (target < 50 ms)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
