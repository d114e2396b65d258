"""`make bench`: run every benchmark, then gather their results into results/latest.json.

Run: python bench/run_all.py [NAME ...]   (default: every benchmark, in the order below)

Before each benchmark it waits (up to a minute) for the CPU to be 90% idle, so that what
the previous one left running does not skew the next. latest.json holds the machine (CPU
model, cores, RAM, Python, load average at the start), the date, which benchmarks ran this
time, and each benchmark's own result file; a benchmark that did not run (or failed) keeps
its previous result, marked with its own time. The last thing printed is one table of every
targeted figure: ours, the baseline, ratio, target, met.
"""

from __future__ import annotations

import json
import os
import platform
import runpy
import sys
import time
import traceback

from common import RESULTS

BENCHMARKS = ["function_overhead", "throughput", "ingest_paging", "builder_titanic",
              "concurrent_pipelines", "footprint"]


def settle(idle: float = 0.9, limit: float = 60.0) -> float:
    """Wait until the CPU is `idle` idle over one second (what the previous benchmark left,
    e.g. a JVM shutting down, would skew the next), at most `limit` seconds; the last share."""
    deadline = time.monotonic() + limit
    while True:
        share = _idle_share(1.0)
        if share >= idle or time.monotonic() >= deadline:
            return share


def _idle_share(seconds: float) -> float:
    """The share of CPU time spent idle over the next `seconds`, from /proc/stat."""
    def sample() -> list[int]:
        with open("/proc/stat") as stat:
            return [int(x) for x in stat.readline().split()[1:]]

    try:
        before = sample()
        time.sleep(seconds)
        after = sample()
    except OSError:  # no /proc: nothing to wait for
        return 1.0
    delta = [b - a for a, b in zip(before, after, strict=True)]
    return (delta[3] + delta[4]) / max(sum(delta), 1)  # idle + iowait


def machine_info() -> dict:
    return {"machine": platform.machine(), "cpu": _cpu_model(), "cores": os.cpu_count(),
            "ramGiB": _ram_gib(), "python": platform.python_version(),
            "system": f"{platform.system()} {platform.release()}",
            "loadAverage": [round(x, 2) for x in os.getloadavg()]}


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _ram_gib() -> float | None:
    try:
        with open("/proc/meminfo") as info:
            for line in info:
                if line.startswith("MemTotal:"):
                    return round(int(line.split()[1]) / 1024**2, 1)
    except OSError:
        pass
    return None


def summary_rows(name: str, result: dict) -> list[dict]:
    """The figures with a target, in report()'s row shape."""
    if name == "builder_titanic":  # its own result shape (bench/builder_titanic.py)
        warm = result["flow"]["warmMedianSeconds"]
        direct = result["direct"]["sequentialMedianSeconds"]
        return [{"metric": "Titanic flow, 5 classifiers, warm s", "ours": warm,
                 "baseline": direct, "ratio": warm / direct, "target": "<= 1.2x",
                 "met": warm / direct <= 1.2},
                {"metric": "Titanic warm, speedup over upstream's 90 s",
                 "ours": result["speedupOverUpstreamWarm"], "baseline": None, "ratio": None,
                 "target": ">= 10x", "met": result["speedupOverUpstreamWarm"] >= 10}]
    return [row for row in result.get("rows", []) if row.get("met") is not None]


def print_summary(results: dict, ran: list[str]) -> None:
    print(f"\n== summary ({len(ran)} of {len(BENCHMARKS)} ran now; '*' = an earlier result)")
    print(f"{'benchmark':<21} {'metric':<44} {'ours':>9} {'baseline':>9} {'ratio':>7}  "
          "target")
    for name, result in results.items():
        mark = "" if name in ran else "*"
        for row in summary_rows(name, result):
            baseline = "" if row.get("baseline") is None else f"{row['baseline']:.4g}"
            ratio = "" if row.get("ratio") is None else f"{row['ratio']:.2f}x"
            met = {True: "met", False: "MISSED", None: ""}[row.get("met")]
            print(f"{name + mark:<21} {row['metric'][:44]:<44} {row['ours']:>9.4g} "
                  f"{baseline:>9} {ratio:>7}  {row.get('target', '')} {met}")


def main(names: list[str]) -> int:
    started = time.strftime("%Y-%m-%d %H:%M")
    machine = machine_info()
    print(f"{machine['cpu']}, {machine['cores']} cores, {machine['ramGiB']} GiB, Python "
          f"{machine['python']}; load average {machine['loadAverage']}")
    failed, ran = [], []
    for name in names or BENCHMARKS:
        idle = settle()
        print(f"\n### {name} (CPU {idle:.0%} idle before it)", flush=True)
        argv = sys.argv
        sys.argv = [str(RESULTS.parent / f"{name}.py")]  # each parses its own defaults
        try:
            runpy.run_path(sys.argv[0], run_name="__main__")
            ran.append(name)
        except (Exception, SystemExit):  # noqa: BLE001 - report and go on with the others
            traceback.print_exc()
            failed.append(name)
        finally:
            sys.argv = argv
    results = {}
    for name in BENCHMARKS:
        path = RESULTS / f"{name}.json"
        if path.exists():
            results[name] = json.loads(path.read_text())
    (RESULTS / "latest.json").write_text(json.dumps(
        {"time": started, "finished": time.strftime("%Y-%m-%d %H:%M"), "machine": machine,
         "ran": ran, "failed": failed, "results": results}, indent=2) + "\n")
    print_summary(results, ran)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
