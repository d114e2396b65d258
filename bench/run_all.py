"""`make bench`: run every benchmark, then gather their results into results/latest.json."""

from __future__ import annotations

import json
import runpy
import sys
import time
import traceback

from common import RESULTS, machine

BENCHMARKS = ["function_overhead", "throughput", "ingest_paging", "builder_titanic",
              "concurrent_pipelines", "footprint"]


def main(names: list[str]) -> int:
    failed = []
    for name in names or BENCHMARKS:
        print(f"\n### {name}", flush=True)
        try:
            runpy.run_path(str(RESULTS.parent / f"{name}.py"), run_name="__main__")
        except Exception:  # noqa: BLE001 - report and go on with the others
            traceback.print_exc()
            failed.append(name)
    results = {}
    for name in BENCHMARKS:
        path = RESULTS / f"{name}.json"
        if path.exists():
            results[name] = json.loads(path.read_text())
    (RESULTS / "latest.json").write_text(json.dumps(
        {"machine": machine(), "time": time.strftime("%Y-%m-%d %H:%M"), "results": results},
        indent=2))
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
