"""`make demo`: the main job end to end on the embedded default, with no network.

Starts a local lo-server, serves a generated Titanic-shaped CSV from loopback, ingests it as a
dataset, runs a Function job on it, prints the job's output, and stops the server.
"""

from __future__ import annotations

import functools
import http.server
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))

from data import titanic  # noqa: E402

from lo_jupyter import embedded  # noqa: E402

SURVIVAL_BY_GROUP = """
import pandas as pd

progress(0.1, "converting columns")
data["Survived"] = data["Survived"].astype(int)
data["Age"] = pd.to_numeric(data["Age"], errors="coerce")
progress(0.5, "grouping")
table = data.groupby(["Sex", "Pclass"])["Survived"].agg(["mean", "count"]).round(3)
print(f"{len(data)} passengers, {data['Age'].isna().sum()} without an age")
print("survival rate by sex and class:")
print(table.to_string())
response = table.reset_index()
"""


def serve(directory: Path) -> str:
    handler = functools.partial(_Quiet, directory=str(directory))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{httpd.server_address[1]}"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def wait(api: httpx.Client, name: str) -> dict:
    while True:
        response = api.get(f"/observe/{name}", params={"timeout": 30})
        if response.status_code != 408:
            response.raise_for_status()
            doc = response.json()["result"]
            if doc["status"] != "finished":
                raise SystemExit(f"{name} {doc['status']}: {doc.get('error')}")
            return doc


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="lo-demo-") as tmp:
        root = Path(tmp)
        (root / "files").mkdir()
        titanic.write_csv(root / "files" / "train.csv", rows=891)
        files_url = serve(root / "files")
        started = time.monotonic()
        print("starting an embedded lo-server ...", flush=True)
        server = embedded.start(root / "data")
        print(f"ready at {server.url} in {time.monotonic() - started:.1f} s", flush=True)
        try:
            headers = {"Authorization": f"Bearer {server.token}"}
            with httpx.Client(base_url=server.api, headers=headers, timeout=60) as api:
                run(api, f"{files_url}/train.csv")
        finally:
            server.stop()
            print("server stopped")


def run(api: httpx.Client, csv_url: str) -> None:
    api.post("/dataset/csv", json={"datasetName": "titanic_training",
                                   "datasetURI": csv_url}).raise_for_status()
    doc = wait(api, "titanic_training")
    print(f"dataset titanic_training: {doc['rows']} rows, fields {', '.join(doc['fields'])} "
          f"({doc['durationSeconds']:.2f} s)")
    rows = api.get("/dataset/csv/titanic_training", params={"skip": 1, "limit": 3}).json()
    print("first rows (values stay strings, as upstream stored them):")
    print(pd.DataFrame(rows["result"]).set_index("_id").to_string())
    api.post("/function/python", json={
        "name": "titanic_survival", "description": "survival rate by sex and class",
        "function": SURVIVAL_BY_GROUP, "functionParameters": {"data": "$titanic_training"},
    }).raise_for_status()
    doc = wait(api, "titanic_survival")
    runs = api.get("/function/python/titanic_survival", params={"skip": 1}).json()["result"]
    print(f"function titanic_survival finished in {doc['durationSeconds']:.2f} s; its output:")
    print(runs[-1]["functionMessage"])


if __name__ == "__main__":
    main()
