"""Worker side of a shared-notebook run: inject parameters, execute with nbclient, keep the
executed notebook (also when a cell fails, so the user can see where and why)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from lo_server import artifacts

PARAMETERS_TAG = "parameters"
INJECTED_TAG = "injected-parameters"


def inject_parameters(notebook, parameters: dict) -> None:
    """Papermill's convention: a cell of assignments after the cell tagged `parameters`
    (or first of all), tagged `injected-parameters`."""
    import nbformat

    if not parameters:
        return
    source = "# Parameters\n" + "".join(f"{key} = {value!r}\n"
                                        for key, value in parameters.items())
    cell = nbformat.v4.new_code_cell(source, metadata={"tags": [INJECTED_TAG]})
    position = 0
    for index, existing in enumerate(notebook.cells):
        if PARAMETERS_TAG in existing.get("metadata", {}).get("tags", []):
            position = index + 1
            break
    notebook.cells.insert(position, cell)


def run_notebook(context, spec: dict) -> dict:
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    notebook = _read_notebook(context, spec)
    for key in spec["parameters"]:
        if not str(key).isidentifier():
            raise ValueError(f"parameter name {key!r} is not a Python identifier")
    inject_parameters(notebook, spec["parameters"])
    total = max(len(notebook.cells), 1)
    dest = artifacts.artifact_file(context.artifacts, spec["name"], "ipynb")

    def on_cell_complete(cell, cell_index, **_):
        context.progress((cell_index + 1) / total, f"cell {cell_index + 1} of {total}")

    with tempfile.TemporaryDirectory(prefix="lo-notebook-") as workdir:
        client = NotebookClient(notebook, timeout=None, kernel_name="python3",
                                resources={"metadata": {"path": workdir}},
                                on_cell_complete=on_cell_complete)
        try:
            client.execute()
        except CellExecutionError as exc:
            _save(notebook, dest)  # kept for a look at the outputs before the failure
            raise NotebookFailed(_failed_cell(notebook, exc)) from exc
    _save(notebook, dest)
    return {"format": "ipynb", "cells": len(notebook.cells)}


def _read_notebook(context, spec: dict):
    """The published version: from the shared artifact store when there is one (this
    worker may run on another node than the server that stored it)."""
    import nbformat

    if not spec.get("staged") or context.mirror is None:
        return nbformat.read(spec["path"], as_version=4)
    with tempfile.TemporaryDirectory(prefix="lo-notebook-") as folder:
        path = Path(folder) / "notebook.ipynb"
        if not context.mirror.get_file(spec["staged"], path):
            raise FileNotFoundError(f"{spec['staged']} is not in the shared store")
        return nbformat.read(path, as_version=4)


class NotebookFailed(Exception):
    """A cell raised; the message names the cell, the cause carries the kernel's traceback."""


def _failed_cell(notebook, error) -> str:
    for index, cell in enumerate(notebook.cells, start=1):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                return f"cell {index}: {output['ename']}: {output['evalue']}"
    return str(error).strip().splitlines()[-1]


def _save(notebook, dest: Path) -> None:
    import nbformat

    with artifacts.atomic_path(dest) as tmp:
        nbformat.write(notebook, str(tmp))
