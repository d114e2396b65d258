"""Artifact files: one directory per artifact under DATA_DIR/artifacts.

Tables are Parquet (see tables.py), raw downloads stay bytes, Python objects are cloudpickled
and Keras models use the native `.keras` format. Every write goes to a temporary file in the
same directory and is published with an atomic rename, so a reader never sees half a file.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

import cloudpickle

# format name -> file name inside the artifact's directory
FILES = {
    "parquet": "data.parquet",
    "binary": "file.bin",
    "pickle": "object.pkl",
    "keras": "model.keras",
    "npy": "array.npy",  # NumPy arrays without Python objects inside
    "png": "plot.png",  # explore plots; the plotted data sits beside them as PLOT_DATA
    "ipynb": "notebook.ipynb",  # executed shared notebooks
}
PLOT_DATA = "plot.json"
TABLE_FILE = "table.parquet"  # an array result as a table too, beside array.npy


def artifact_dir(root: Path, name: str) -> Path:
    return Path(root) / name


def artifact_file(root: Path, name: str, fmt: str) -> Path:
    return artifact_dir(root, name) / FILES[fmt]


@contextmanager
def atomic_path(dest: Path):
    """Yield a temporary path beside `dest`; if the block succeeds, flush it to disk and
    rename it onto `dest`, so readers see the old file or the whole new one, never a part."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".tmp-", suffix=dest.suffix)
    os.close(fd)
    try:
        yield Path(tmp)
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, dest)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def publish(root: Path, name: str, fmt: str, keep_only: bool = True) -> Path:
    """Path of the artifact's current file; with keep_only, files of other formats go."""
    path = artifact_file(root, name, fmt)
    if keep_only and path.parent.exists():
        for other in FILES.values():
            if other != path.name:
                (path.parent / other).unlink(missing_ok=True)
    return path


def save_object(root: Path, name: str, obj) -> str:
    """Store a Python result; return its format. DataFrames become tables."""
    if _is_dataframe(obj):
        from lo_server import tables

        dest = artifact_file(root, name, "parquet")
        tables.table_to_parquet(obj, dest)
        publish(root, name, "parquet")
        return "parquet"
    if _is_keras_model(obj):
        dest = artifact_file(root, name, "keras")
        with atomic_path(dest) as tmp:
            obj.save(tmp)  # tmp ends in .keras, which Keras 3 requires
        publish(root, name, "keras")
        return "keras"
    if _is_plain_array(obj):
        import numpy as np

        dest = artifact_file(root, name, "npy")
        with atomic_path(dest) as tmp, open(tmp, "wb") as out:
            np.save(out, obj, allow_pickle=False)
        publish(root, name, "npy")
        return "npy"
    dest = artifact_file(root, name, "pickle")
    with atomic_path(dest) as tmp, open(tmp, "wb") as out:
        cloudpickle.dump(obj, out)
    publish(root, name, "pickle")
    return "pickle"


def load_object(root: Path, name: str, fmt: str):
    """The Python value of an artifact, as user code sees it through a `$name` reference."""
    path = artifact_file(root, name, fmt)
    if fmt == "parquet":
        import pandas as pd

        return pd.read_parquet(path)
    if fmt == "binary":
        return open(path, "rb")  # upstream functions receive generic datasets as binary files
    if fmt == "keras":
        import keras

        return keras.models.load_model(path)
    if fmt == "npy":
        import numpy as np

        return np.load(path, allow_pickle=False)
    if fmt == "png":  # a plot is referenced by the data it shows
        import json

        return json.loads((path.parent / PLOT_DATA).read_text())
    with open(path, "rb") as src:
        return cloudpickle.load(src)


def remove_temporaries(root: Path) -> int:
    """Delete half-written files left by a worker killed mid-write; return how many."""
    stale = list(Path(root).glob("*/.tmp-*")) + list(Path(root).glob("*/.download"))
    for path in stale:
        path.unlink(missing_ok=True)
    return len(stale)


def remove(root: Path, name: str) -> None:
    shutil.rmtree(artifact_dir(root, name), ignore_errors=True)


def _is_dataframe(obj) -> bool:
    """Without importing pandas: a worker that never used it stays ~120 MiB lighter."""
    pd = sys.modules.get("pandas")
    return pd is not None and isinstance(obj, pd.DataFrame)


def _is_plain_array(obj) -> bool:
    """A NumPy array that .npy holds without pickling (no Python objects inside)."""
    module = type(obj).__module__
    if module != "numpy":
        return False
    import numpy as np

    return type(obj) is np.ndarray and not obj.dtype.hasobject


def _is_keras_model(obj) -> bool:
    module = type(obj).__module__
    if not (module.startswith("keras") or module.startswith("tensorflow")):
        return False
    import keras

    return isinstance(obj, keras.Model)
