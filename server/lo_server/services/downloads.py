"""Downloads: any finished artifact's content as a file (upstream had no way to get one).

The stored file is sent as it is (the server never unpickles user objects); only a table
asked for as CSV is converted, into a temporary file the response deletes once sent.

| artifact holds        | formats (the first is the default)             |
|-----------------------|------------------------------------------------|
| a table               | parquet, csv (+ png, json for a histogram)     |
| an array              | npy (+ parquet, csv: a table with its index)   |
| a Keras model         | keras                                          |
| another Python object | pickle                                         |
| a generic dataset     | binary (the downloaded bytes)                  |
| an explore plot       | png, json (the plotted data)                   |
| a Builder prediction  | parquet, csv (+ zip: the fitted Spark model)   |

A Builder artifact's Spark model is a directory (`spark-model/`, what `model.save()` wrote);
it is served as a zip of that directory, built once into a hidden file of the artifact's own
directory (atomically, so a reader never gets half of it) and removed with the artifact.
"""

from __future__ import annotations

import os
import time
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path

from lo_server import artifacts, mirror
from lo_server.context import Context
from lo_server.errors import Conflict, Invalid, NotFound
from lo_server.services import artifacts as common

MEDIA_TYPES = {
    "parquet": "application/vnd.apache.parquet", "csv": "text/csv",
    "npy": "application/x-npy", "keras": "application/octet-stream",
    "pickle": "application/python-pickle", "binary": "application/octet-stream",
    "png": "image/png", "json": "application/json", "ipynb": "application/x-ipynb+json",
    "zip": "application/zip",
}
STALE_SECONDS = 24 * 3600
SUFFIXES = {"parquet": ".parquet", "csv": ".csv", "npy": ".npy", "keras": ".keras",
            "pickle": ".pkl", "binary": "", "png": ".png", "json": ".json", "ipynb": ".ipynb",
            "zip": ".zip"}
# the cached zip of a Builder artifact's Spark model; hidden, as a cache is no artifact
# content (shared storage neither uploads nor removes hidden files)
MODEL_ZIP = ".spark-model.zip"


@dataclass
class Download:
    path: Path
    format: str
    filename: str
    temporary: bool = False

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.format]


def prepare(ctx: Context, name: str, fmt: str | None = None) -> Download:
    doc = common.get(ctx, name)
    status = doc.get("status", "finished" if doc.get("finished") else "queued")
    if status != "finished":
        raise Conflict(f"{name!r} is {status}: it can be downloaded once it is finished")
    mirror.sync(ctx.settings, name)
    files = available(ctx, doc)
    if not files:
        raise NotFound(f"{name!r} has no stored content to download")
    fmt = fmt or next(iter(files))
    if fmt not in files:
        raise Invalid(f"invalid format {fmt!r} for {name!r} (a {doc.get('type')}): use "
                      f"{', '.join(files)}")
    filename = f"{name}{SUFFIXES[fmt]}"
    if fmt == "csv":
        return Download(_to_csv(ctx, files["csv"], name), fmt, filename, temporary=True)
    if fmt == "zip":
        return Download(_model_zip(files["zip"]), fmt, filename)
    return Download(files[fmt], fmt, filename)


def available(ctx: Context, doc: dict) -> dict[str, Path]:
    """format -> the file it is served from (csv: the table it is converted from)."""
    root, name, stored = ctx.settings.artifacts_dir, doc["name"], doc.get("format")
    if stored not in artifacts.FILES:
        return {}
    main = artifacts.artifact_file(root, name, stored)
    if not main.exists():
        return {}
    files = {stored: main}
    folder = main.parent
    if stored == "parquet":
        files["csv"] = main
    if stored == "npy" and (folder / artifacts.TABLE_FILE).exists():
        files["parquet"] = files["csv"] = folder / artifacts.TABLE_FILE
    model = _spark_model_dir(folder, doc)
    if model is not None:
        files["zip"] = model
    image = artifacts.artifact_file(root, name, "png")
    if image.exists():
        files["png"] = image
        if (folder / artifacts.PLOT_DATA).exists():
            files["json"] = folder / artifacts.PLOT_DATA
    return files


def _spark_model_dir(folder: Path, doc: dict) -> Path | None:
    """The directory of a Builder artifact's saved Spark model, if it has one."""
    relative = (doc.get("sparkModel") or {}).get("path")
    if not isinstance(relative, str) or Path(relative).name != relative or \
            relative in ("", ".", ".."):
        return None
    model = folder / relative
    return model if model.is_dir() else None


def _model_zip(model: Path) -> Path:
    """The zip of a saved Spark model directory (entries under its name, e.g.
    `spark-model/metadata/part-00000`): made once, then reused while it is newer than the
    model. Concurrent first requests each write their own temporary file; the last rename
    wins, and both files are whole."""
    dest = model.parent / MODEL_ZIP
    try:
        if dest.stat().st_mtime_ns >= _newest_mtime(model):
            return dest
    except FileNotFoundError:
        pass
    with artifacts.atomic_path(dest) as tmp, \
            zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
        for folder, dirs, names in os.walk(model):
            dirs.sort()
            here = Path(folder)
            arcdir = Path(model.name) / here.relative_to(model)
            archive.write(here, arcdir.as_posix())  # directory entries keep empty ones
            for file in sorted(names):
                archive.write(here / file, (arcdir / file).as_posix())
    return dest


def _newest_mtime(folder: Path) -> int:
    newest = folder.stat().st_mtime_ns
    for parent, _, names in os.walk(folder):
        for name in [*names, "."]:
            newest = max(newest, (Path(parent) / name).stat().st_mtime_ns)
    return newest


def _to_csv(ctx: Context, source: Path, name: str) -> Path:
    import pyarrow as pa
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    folder = ctx.settings.data_dir / "downloads"
    folder.mkdir(parents=True, exist_ok=True)
    _remove_stale(folder)
    dest = folder / f"{uuid.uuid4().hex}.csv"
    try:
        parquet = pq.ParquetFile(source)
        with pcsv.CSVWriter(dest, parquet.schema_arrow) as writer:
            for batch in parquet.iter_batches(batch_size=64 * 1024):
                writer.write_batch(batch)
    except (pa.ArrowException, ValueError) as exc:
        dest.unlink(missing_ok=True)
        raise Invalid(f"{name!r} cannot be written as CSV ({exc}); download it as "
                      "parquet") from None
    return dest


def _remove_stale(folder: Path) -> None:
    """CSV files a response did not get to delete (the server stopped while sending)."""
    limit = time.time() - STALE_SECONDS
    for path in folder.glob("*.csv"):
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
        except OSError:  # another request removed it first
            pass
