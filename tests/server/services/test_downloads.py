"""The zip download of a Builder artifact's Spark model, on a stand-in model directory.

(The real thing, a model Spark saved and loads again, is in tests/server/api/test_builder.py.)
"""

import os
import zipfile

import pytest

from lo_server import artifacts
from lo_server.config import Settings
from lo_server.context import Context
from lo_server.errors import Invalid
from lo_server.services import downloads
from lo_server.store.sqlite import SqliteStore


@pytest.fixture
def ctx(tmp_path):
    store = SqliteStore(tmp_path / "meta.sqlite3")
    yield Context(Settings(data_dir=tmp_path), store, engine=None, bus=None)
    store.close()


def builder_artifact(ctx, name="testLR", model=True):
    """A finished Builder artifact: predictions table plus (if model) a saved-model tree."""
    import pandas as pd

    folder = artifacts.artifact_dir(ctx.settings.artifacts_dir, name)
    folder.mkdir(parents=True)
    pd.DataFrame({"prediction": [0.0, 1.0]}).to_parquet(folder / artifacts.FILES["parquet"])
    doc = {"name": name, "type": "builder/sparkml", "status": "finished", "finished": True,
           "format": "parquet"}
    if model:
        (folder / "spark-model" / "metadata").mkdir(parents=True)
        (folder / "spark-model" / "data").mkdir()
        (folder / "spark-model" / "metadata" / "part-00000").write_text('{"class": "x"}')
        (folder / "spark-model" / "metadata" / "_SUCCESS").write_text("")
        (folder / "spark-model" / "data" / "part-0.parquet").write_bytes(b"PAR1")
        doc["sparkModel"] = {"path": "spark-model", "class": "x"}
    assert ctx.store.create_artifact(name, doc)
    return folder


def test_the_model_is_a_zip_of_its_directory_and_predictions_stay_the_default(ctx):
    folder = builder_artifact(ctx)
    assert downloads.prepare(ctx, "testLR").format == "parquet"
    item = downloads.prepare(ctx, "testLR", "zip")
    assert (item.format, item.filename, item.media_type, item.temporary) == (
        "zip", "testLR.zip", "application/zip", False)
    assert item.path == folder / downloads.MODEL_ZIP
    with zipfile.ZipFile(item.path) as archive:
        assert sorted(archive.namelist()) == [
            "spark-model/", "spark-model/data/", "spark-model/data/part-0.parquet",
            "spark-model/metadata/", "spark-model/metadata/_SUCCESS",
            "spark-model/metadata/part-00000"]
        assert archive.read("spark-model/metadata/part-00000") == b'{"class": "x"}'
    assert not list(folder.glob(".tmp-*"))


def test_the_zip_is_reused_until_the_model_changes(ctx):
    folder = builder_artifact(ctx)
    first = downloads.prepare(ctx, "testLR", "zip").path
    made = first.stat().st_mtime_ns
    assert downloads.prepare(ctx, "testLR", "zip").path.stat().st_mtime_ns == made
    changed = folder / "spark-model" / "metadata" / "part-00000"
    changed.write_text('{"class": "y"}')
    os.utime(changed, ns=(made + 10**9, made + 10**9))
    with zipfile.ZipFile(downloads.prepare(ctx, "testLR", "zip").path) as archive:
        assert archive.read("spark-model/metadata/part-00000") == b'{"class": "y"}'


def test_zip_is_refused_where_there_is_no_model(ctx):
    builder_artifact(ctx, "failedNB", model=False)
    with pytest.raises(Invalid) as raised:
        downloads.prepare(ctx, "failedNB", "zip")
    assert raised.value.status == 406
    assert raised.value.message == ("invalid format 'zip' for 'failedNB' (a builder/sparkml): "
                                    "use parquet, csv")
    builder_artifact(ctx, "withModel")
    with pytest.raises(Invalid) as raised:
        downloads.prepare(ctx, "withModel", "model")
    assert raised.value.message.endswith("use parquet, csv, zip")
