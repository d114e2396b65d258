"""`make demo`: the example notebooks end to end on an embedded server, with no network.

Starts a local lo-server in a temporary data directory, executes quickstart.ipynb and
titanic.ipynb headless (nbclient, a fresh python3 kernel each; `%lo_connect` in them finds the
server through LO_DATA_DIR), writes the executed notebooks to demo-output/, prints the
classifier metrics and how to open the notebooks, and stops the server.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from lo_jupyter import Orchestra, display, embedded

NOTEBOOKS = Path(__file__).resolve().parent
OUTPUT = NOTEBOOKS.parent / "demo-output"
DEMO = ("quickstart", "titanic")


def execute(name: str) -> tuple[Path, float, str | None]:
    """Run one notebook from a fresh kernel; keep it (also when a cell fails)."""
    nb = nbformat.read(str(NOTEBOOKS / f"{name}.ipynb"), as_version=4)
    started, error = time.monotonic(), None
    try:
        NotebookClient(nb, timeout=900, kernel_name="python3",
                       resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    except CellExecutionError as exc:
        error = str(exc).strip().splitlines()[-1]
    dest = OUTPUT / f"{name}.ipynb"
    nbformat.write(nb, str(dest))
    return dest, time.monotonic() - started, error


def main() -> int:
    OUTPUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lo-demo-") as tmp:
        data_dir = Path(tmp) / "data"
        os.environ["LO_DATA_DIR"] = str(data_dir)  # the kernels' %lo_connect reuses it
        for variable in ("LO_URL", "LO_TOKEN"):
            os.environ.pop(variable, None)
        started = time.monotonic()
        print("starting an embedded lo-server ...", flush=True)
        server = embedded.start(data_dir, workers=1)
        print(f"ready at {server.url} in {time.monotonic() - started:.1f} s", flush=True)
        failures = []
        try:
            for name in DEMO:
                print(f"executing {name}.ipynb ...", flush=True)
                dest, seconds, error = execute(name)
                print(f"  {'FAILED: ' + error if error else 'ok'} ({seconds:.0f} s) -> {dest}",
                      flush=True)
                if error:
                    failures.append(name)
            with Orchestra(server.url, server.token) as lo:
                report(lo)
        finally:
            server.stop()
            print("server stopped")
    print(f"\nexecuted notebooks in {OUTPUT}/; open them with:")
    for name in DEMO:
        print(f"  .venv/bin/jupyter lab demo-output/{name}.ipynb")
    print("(to run them yourself: .venv/bin/jupyter lab notebooks/)")
    if failures:
        print(f"\n{len(failures)} notebook(s) failed: {', '.join(failures)}")
        return 1
    return 0


def report(lo: Orchestra) -> None:
    docs = [d for d in lo.artifacts("builder/sparkml")
            if d["name"].startswith("titanic_test_projection")]
    if not docs:
        print("\nno classifier results (the titanic notebook did not reach the Builder)")
        return
    table = display.builder_table([(d["name"], d) for d in docs])
    print("\nTitanic, Spark ML classifiers (evaluated on a 20% split of the training set):")
    print(table[["status", "accuracy", "F1", "fit time (s)"]].round(3).to_string())


if __name__ == "__main__":
    sys.exit(main())
