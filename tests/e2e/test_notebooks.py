"""Every example notebook, executed headless by nbclient on a real kernel against one shared
embedded server: a cell error or a metric below the notebook's stated floor fails it.

The kernel finds the server through LO_DATA_DIR (`%lo_connect` with no URL reuses it), the
way a user's notebook finds the local server.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from lo_jupyter import embedded

pytestmark = pytest.mark.slow

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
EXAMPLES = ("quickstart", "titanic", "imdb", "mnist")


@pytest.fixture(scope="module")
def notebook_server(tmp_path_factory):
    """One server for every example; one worker keeps one Spark session for the Builder."""
    proc = embedded.start(tmp_path_factory.mktemp("lo-notebooks"), workers=1,
                          env={"LO_SPARK_MASTER": "local[2]", "LO_SPARK_SHUFFLE_PARTITIONS": "2"})
    yield proc
    proc.stop()


def execute(name: str, server, monkeypatch) -> nbformat.NotebookNode:
    """Run the notebook from a fresh kernel in its own directory (imports of `data`)."""
    monkeypatch.delenv("LO_URL", raising=False)
    monkeypatch.delenv("LO_TOKEN", raising=False)
    monkeypatch.setenv("LO_DATA_DIR", str(server.data_dir))
    nb = nbformat.read(str(NOTEBOOKS / f"{name}.ipynb"), as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    noise = [o.text for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs
             if o.output_type == "stream" and o.name == "stderr"]
    assert not noise, noise  # no warnings or stray tracebacks in what a user reads
    return nb


def stdout(nb) -> str:
    return "".join(o.get("text", "") for cell in nb.cells if cell.cell_type == "code"
                   for o in cell.outputs if o.output_type == "stream" and o.name == "stdout")


def images(nb) -> list:
    return [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs
            if "image/png" in o.get("data", {})]


@pytest.mark.parametrize("name", EXAMPLES)
def test_committed_without_outputs(name):
    nb = nbformat.read(str(NOTEBOOKS / f"{name}.ipynb"), as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "python3"
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code_cells)
    assert any("real" in c.source and "https://" in c.source  # where the real data lives
               for c in nb.cells if c.cell_type == "markdown")


def test_quickstart(notebook_server, monkeypatch):
    nb = execute("quickstart", notebook_server, monkeypatch)
    out = stdout(nb)
    assert f"connected to {notebook_server.url}" in out and "reusing the local server" in out
    assert "891 passengers; survival rate by sex and class:" in out
    assert len(images(nb)) == 1
    assert "survival: women " in out


def test_titanic_five_classifiers_above_the_floor(notebook_server, monkeypatch):
    nb = execute("titanic", notebook_server, monkeypatch)
    out = stdout(nb)
    assert "titanic: 5 of 5 classifiers finished" in out
    assert "every classifier >= 0.6" in out  # the last cell asserts the floor
    assert len(images(nb)) == 1


def test_imdb_accuracy_and_tuning_above_the_floor_twice(notebook_server, monkeypatch):
    """Twice on one server: the notebook's first cells clear what its last run left."""
    execute("imdb", notebook_server, monkeypatch)
    nb = execute("imdb", notebook_server, monkeypatch)
    out = stdout(nb)
    assert "label 0: 200 reviews (50%)" in out and "label 1: 200 reviews (50%)" in out
    assert "9 candidates)" in out
    assert ">= 0.7" in out


def test_mnist_keras_above_the_floor(notebook_server, monkeypatch):
    nb = execute("mnist", notebook_server, monkeypatch)
    out = stdout(nb)
    assert "train_images (1347, 8, 8)" in out
    assert ">= 0.8" in out
