"""Builder jobs through the HTTP API of a real server whose one worker keeps one Spark session.

The server (`spark_server`, tests/conftest.py) has one worker, so every Builder job of the
suite reuses the same JVM, started by the first.
The Titanic-shaped data comes from notebooks/data/titanic.py; the modeling code is the
upstream example's style (notebooks/data/titanic_spark.py).
"""

from __future__ import annotations

import io
import json
import math
import uuid
import zipfile

import cloudpickle
import pytest

from notebooks.data.titanic import generate
from notebooks.data.titanic_spark import (
    CASTING_CODE,
    MODELING_CODE,
    TEST_FIELDS,
    TEST_TYPES,
    TRAIN_FIELDS,
    TRAIN_TYPES,
)
from tests.server_process import client, wait_terminal

CLASSIFIERS = ["LR", "DT", "GB", "RF", "NB"]  # upstream's example order
TRAIN_ROWS, TEST_ROWS = 200, 60
JOB_WAIT = 280

# Small modeling code: fare and fare - 100 as features (negative values: NaiveBayes refuses
# them), no evaluation set.
FARE_CODE = '''
from pyspark.ml.feature import VectorAssembler
from pyspark.sql import functions as F

def fares(frame):
    fare = F.col("Fare").try_cast("double")
    return frame.select(fare.alias("fare_value"), (fare - 100).alias("fare_shifted"), "*")

assembler = VectorAssembler(inputCols=["fare_value", "fare_shifted"], outputCol="features")
features_training = assembler.transform(
    fares(training_df).withColumn("label", F.col("Survived").try_cast("double")))
features_testing = assembler.transform(fares(testing_df))
features_evaluation = None
'''


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def server(spark_server):
    return spark_server


@pytest.fixture(scope="module")
def api(server):
    with client(server) as http:
        yield http


def ingest(api, files, rows: int, test: bool, seed: int = 1) -> str:
    name = unique("titanic_test" if test else "titanic_train")
    url = files.add(f"{name}.csv", generate(rows, seed, test).to_csv(index=False))
    response = api.post("/dataset/csv", json={"datasetName": name, "datasetURI": url})
    assert response.status_code == 201, response.text
    assert wait_terminal(api, name)["status"] == "finished"
    return name


@pytest.fixture(scope="module")
def titanic(api, files):
    return {"train": ingest(api, files, TRAIN_ROWS, False),
            "test": ingest(api, files, TEST_ROWS, True, seed=2)}


def build(api, train: str, test: str, code: str, classifiers: list[str]) -> dict:
    response = api.post("/builder/sparkml", json={
        "trainDatasetName": train, "testDatasetName": test, "modelingCode": code,
        "classifiersList": classifiers})
    assert response.status_code == 201, response.text
    uris = response.json()["result"]
    names = [uri.split("/")[6].split("?")[0] for uri in uris]  # as upstream's example does
    return {"uris": uris, "docs": {name: wait_terminal(api, name, JOB_WAIT) for name in names}}


@pytest.fixture(scope="module")
def built(api, titanic):
    """The five classifiers on the raw (string) datasets, the code casting them itself."""
    code = CASTING_CODE + "\nprint('features ready:', 'features' in features_training.columns)\n"
    return build(api, titanic["train"], titanic["test"], code, CLASSIFIERS)


def rows_of(api, name: str) -> list[dict]:
    response = api.get(f"/builder/sparkml/{name}", params={"skip": 1, "limit": 100})
    assert response.status_code == 200, response.text
    return response.json()["result"]


# ---- validation: refused before any job -----------------------------------------------------

def test_validation_refuses_bad_requests_with_upstream_messages(api, titanic):
    def post(**changes):
        body = {"trainDatasetName": titanic["train"], "testDatasetName": titanic["test"],
                "modelingCode": FARE_CODE, "classifiersList": ["LR"], **changes}
        return api.post("/builder/sparkml", json={k: v for k, v in body.items()
                                                  if v is not None})

    cases = [
        (post(trainDatasetName="missing_train"), 406, "invalid input dataset name"),
        (post(testDatasetName="missing_test"), 406, "invalid input dataset name"),
        (post(classifiersList=["LR", "SVM"]), 406, "invalid classifier name: 'SVM'"),
        (post(classifiersList=[]), 406, "invalid classifier name: classifiersList is empty"),
        (post(classifiersList=["LR", "LR"]), 406, "invalid classifier name: LR listed more"),
        (post(modelingCode="x = (1,\ny = 2"), 406, "invalid modelingCode: SyntaxError"),
        (post(modelingCode="  "), 406, "invalid modelingCode: the code is empty"),
        (post(modelingCode=None), 400, "body.modelingCode: Field required"),
        (post(classifiersList="LR"), 400, "body.classifiersList"),
    ]
    for response, status, message in cases:
        assert response.status_code == status, response.text
        result = response.json()["result"]
        assert result.startswith(message) or (status == 400 and message in result), result
    assert api.get(f"/artifacts/{titanic['test']}LR").status_code == 404


def test_inputs_must_be_finished_tables(api, files, titanic):
    function = unique("not_a_table")
    api.post("/function/python", json={"name": function, "function": "response = [1]"})
    assert wait_terminal(api, function)["status"] == "finished"
    response = api.post("/builder/sparkml", json={
        "trainDatasetName": function, "testDatasetName": titanic["test"],
        "modelingCode": FARE_CODE, "classifiersList": ["LR"]})
    assert response.status_code == 406
    assert response.json()["result"] == (f"invalid input dataset name: {function!r} is not a "
                                         "table (a function/python artifact stored as pickle)")
    # The one worker sleeps, so a dataset ingested now stays queued behind it.
    sleeper = unique("sleeper")
    api.post("/function/python", json={"name": sleeper,
                                       "function": "import time\ntime.sleep(6)\nresponse = 0"})
    queued = unique("queued")
    api.post("/dataset/csv", json={"datasetName": queued, "datasetURI": files.add(
        f"{queued}.csv", "Fare,Survived\n1,0\n")})
    response = api.post("/builder/sparkml", json={
        "trainDatasetName": queued, "testDatasetName": titanic["test"],
        "modelingCode": FARE_CODE, "classifiersList": ["LR"]})
    assert response.status_code == 406, response.text
    assert response.json()["result"].startswith(
        f"unfinished processing in input dataset: {queued!r} is ")
    wait_terminal(api, queued)


# ---- the Titanic flow -----------------------------------------------------------------------

@pytest.mark.slow
def test_uris_keep_upstream_format_and_request_order(built, titanic):
    test = titanic["test"]
    assert built["uris"] == [f"/api/learningOrchestra/v1/builder/sparkml/{test}{clf}"
                             f"?query={{}}&limit=10&skip=0" for clf in CLASSIFIERS]


@pytest.mark.slow
def test_every_classifier_finishes_with_upstream_metadata_and_metrics(built, titanic):
    for clf in CLASSIFIERS:
        name = f"{titanic['test']}{clf}"
        doc = built["docs"][name]
        assert doc["status"] == "finished" and doc["finished"] is True, doc.get("error")
        assert doc["type"] == "builder/sparkml" and doc["classifier"] == clf
        assert doc["datasetName"] == name
        assert doc["parentDatasetName"] == [titanic["train"], titanic["test"]]
        assert doc["parents"] == [titanic["train"], titanic["test"]]
        assert isinstance(doc["fitTime"], float) and doc["fitTime"] > 0
        for text, value in ((doc["accuracy"], doc["accuracyValue"]), (doc["F1"], doc["f1Value"])):
            assert isinstance(text, str) and float(text) == value
            assert 0.5 <= value <= 1.0, (clf, value)  # the generated data has real signal
        assert doc["rows"] == TEST_ROWS and doc["format"] == "parquet"
        assert doc["output"] == "features ready: True\n"  # what the modeling code printed
        assert doc["sparkModel"]["path"] == "spark-model"
        assert doc["sparkModel"]["class"].startswith("pyspark.ml.classification.")


@pytest.mark.slow
def test_prediction_rows_carry_prediction_probability_and_user_columns(api, built, titanic):
    expected_ids = generate(TEST_ROWS, 2, True)["PassengerId"].astype(float).tolist()
    for clf in CLASSIFIERS:
        rows = rows_of(api, f"{titanic['test']}{clf}")
        assert [row["_id"] for row in rows] == list(range(1, TEST_ROWS + 1))
        assert [row["PassengerId"] for row in rows] == expected_ids  # the test set's order
        for row in rows:
            assert "features" not in row and "rawPrediction" not in row
            assert {"Pclass", "Age", "Sex_index", "label"} <= row.keys()
            probability = row["probability"]
            assert len(probability) == 2 and math.isclose(sum(probability), 1, abs_tol=1e-6)
            assert row["prediction"] == float(probability.index(max(probability)))
    survivors = api.get(f"/builder/sparkml/{titanic['test']}LR",
                        params={"skip": 1, "query": json.dumps({"prediction": 1.0})})
    found = survivors.json()["result"]
    assert found and all(row["prediction"] == 1.0 for row in found)


@pytest.mark.slow
def test_saved_model_reproduces_the_stored_predictions(api, server, built, titanic):
    """A Function job (same worker, same Spark session) loads the saved LR model."""
    name = f"{titanic['test']}LR"
    path = server.data_dir / "artifacts" / name / built["docs"][name]["sparkModel"]["path"]
    code = '''
import json
from pyspark.ml.classification import LogisticRegressionModel
from pyspark.ml.linalg import Vectors
from pyspark.sql import SparkSession

SparkSession.builder.getOrCreate()
model = LogisticRegressionModel.load(path)
columns = [c for c in predictions.columns if c not in ("label", "probability", "prediction")]
gaps = []
for _, row in predictions.iterrows():
    vector = Vectors.dense([float(row[c]) for c in columns])
    mine = model.predictProbability(vector).toArray()
    gaps.append(max(abs(a - b) for a, b in zip(mine, row["probability"])))
print(json.dumps({"features": model.numFeatures, "columns": len(columns), "gap": max(gaps)}))
response = None
'''
    function = unique("reload")
    api.post("/function/python", json={"name": function, "function": code,
                                       "functionParameters": {"path": str(path),
                                                              "predictions": f"${name}"}})
    doc = wait_terminal(api, function, JOB_WAIT)
    [run] = api.get(f"/function/python/{function}", params={"skip": 1}).json()["result"]
    assert doc["status"] == "finished", run["traceback"]
    result = json.loads(run["functionMessage"])
    assert result["features"] == result["columns"] == 11
    assert result["gap"] < 1e-9


@pytest.mark.slow
def test_saved_model_downloads_as_a_zip_that_spark_loads(api, built, titanic, tmp_path):
    """?format=zip gives the spark-model/ directory; a Function job (the worker's Spark
    session, no new JVM here) loads the unzipped copy with the class in `sparkModel`."""
    for clf in CLASSIFIERS:
        name = f"{titanic['test']}{clf}"
        response = api.get(f"/artifacts/{name}/download", params={"format": "zip"})
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/zip"
        assert response.headers["x-lo-format"] == "zip"
        assert f'filename="{name}.zip"' in response.headers["content-disposition"]
        with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
            archive.extractall(tmp_path / clf)
        [metadata] = (tmp_path / clf / "spark-model" / "metadata").glob("part-*")
        saved = json.loads(metadata.read_text().splitlines()[0])
        model_class = built["docs"][name]["sparkModel"]["class"]
        assert saved["class"].rsplit(".", 1)[1] == model_class.rsplit(".", 1)[1]
        assert (tmp_path / clf / "spark-model" / "data").is_dir()
    default = api.get(f"/artifacts/{titanic['test']}LR/download")  # still the predictions
    assert default.headers["x-lo-format"] == "parquet"
    unknown = api.get(f"/artifacts/{titanic['test']}LR/download", params={"format": "model"})
    assert unknown.status_code == 406
    assert unknown.json()["result"] == (f"invalid format 'model' for '{titanic['test']}LR' "
                                        "(a builder/sparkml): use parquet, csv, zip")
    code = '''
import importlib
from pyspark.sql import SparkSession

SparkSession.builder.getOrCreate()
module, _, name = model_class.rpartition(".")
model = getattr(importlib.import_module(module), name).load(path)
response = {"class": type(model).__name__, "features": model.numFeatures,
            "classes": model.numClasses}
'''
    doc = built["docs"][f"{titanic['test']}LR"]
    function = unique("unzipped")
    api.post("/function/python", json={"name": function, "function": code,
                                       "functionParameters": {
                                           "path": str(tmp_path / "LR" / "spark-model"),
                                           "model_class": doc["sparkModel"]["class"]}})
    finished = wait_terminal(api, function, JOB_WAIT)
    assert finished["status"] == "finished", finished.get("error")
    loaded = api.get(f"/artifacts/{function}/download")
    assert loaded.status_code == 200
    assert cloudpickle.loads(loaded.content) == {
        "class": "LogisticRegressionModel", "features": 11, "classes": 2}


@pytest.mark.slow
def test_taken_prediction_names_are_a_conflict(api, built, titanic):
    response = api.post("/builder/sparkml", json={
        "trainDatasetName": titanic["train"], "testDatasetName": titanic["test"],
        "modelingCode": CASTING_CODE, "classifiersList": ["NB", "LR"]})
    assert response.status_code == 409
    assert response.json()["result"] == \
        f"duplicated name: '{titanic['test']}NB' is already taken"


# ---- failures -------------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("code, message, line", [
    ("rows = 3\nraise ValueError('no features here')\n",
     "ModelingCodeError: the modeling code raised ValueError: no features here",
     "raise ValueError('no features here')"),
    ("frame = training_df.select('NoSuchColumn')\n",
     "ModelingCodeError: the modeling code raised AnalysisException: ",
     "frame = training_df.select('NoSuchColumn')"),
])
def test_modeling_code_error_fails_every_classifier_with_its_traceback(
        api, files, titanic, code, message, line):
    test = ingest(api, files, 10, True)
    docs = build(api, titanic["train"], test, code, ["LR", "NB"])["docs"]
    for doc in docs.values():
        assert doc["status"] == "failed" and doc["finished"] is False
        assert doc["error"]["message"].startswith(message), doc["error"]["message"]
        assert line in doc["error"]["traceback"]
        assert "fitTime" not in doc


@pytest.mark.slow
def test_code_that_forgets_features_testing_says_so(api, files, titanic):
    test = ingest(api, files, 10, True)
    code = "features_training = training_df\nfeatures_evaluation = None\n"
    [doc] = build(api, titanic["train"], test, code, ["DT"])["docs"].values()
    assert doc["status"] == "failed"
    assert doc["error"]["message"].startswith(
        "ModelingCodeError: the modeling code did not define features_testing: it must define")


@pytest.mark.slow
def test_code_by_url_and_one_failing_classifier_fails_alone(api, server, files, titanic):
    test = ingest(api, files, 20, True)
    url = files.add(f"{test}.py", FARE_CODE)
    docs = build(api, titanic["train"], test, url, ["NB", "LR"])["docs"]
    naive, logistic = docs[f"{test}NB"], docs[f"{test}LR"]
    assert naive["status"] == "failed" and naive["classifier"] == "NB"
    assert "must not be negative" in naive["error"]["message"].lower()
    assert logistic["status"] == "finished", logistic.get("error")
    assert "accuracy" not in logistic and "F1" not in logistic  # no evaluation set
    assert logistic["rows"] == 20 and len(rows_of(api, f"{test}LR")) == 20
    folder = server.data_dir / "artifacts" / f"{test}LR"
    assert (folder / "spark-model" / "metadata").is_dir()
    assert api.delete(f"/builder/sparkml/{test}LR").json() == {"result": "deleted file"}
    assert not folder.exists()
    assert api.delete(f"/dataset/csv/{test}").status_code == 409  # NB still names it parent


# ---- through the projection and dataType routes ---------------------------------------------

@pytest.mark.slow
def test_titanic_flow_through_projection_and_data_type(api, titanic):
    """Upstream's sequence: projection, dataType to numbers, then code that casts nothing.

    GB and NB need what dataType must deliver: binary numeric labels, non-negative features.
    (The five classifiers run this way in test_upstream_titanic.py.)"""
    projected = {}
    for role, fields, types in (("train", TRAIN_FIELDS, TRAIN_TYPES),
                                ("test", TEST_FIELDS, TEST_TYPES)):
        name = unique(f"{role}_projection")
        response = api.post("/transform/projection", json={
            "inputDatasetName": titanic[role], "outputDatasetName": name, "names": fields})
        assert response.status_code == 201, response.text
        assert wait_terminal(api, name)["status"] == "finished"
        response = api.patch("/transform/dataType", json={"inputDatasetName": name,
                                                          "types": types})
        assert response.status_code == 200, response.text
        assert wait_terminal(api, name)["status"] == "finished"
        projected[role] = name
    docs = build(api, projected["train"], projected["test"], MODELING_CODE, ["GB", "NB"])["docs"]
    for doc in docs.values():
        assert doc["status"] == "finished", doc.get("error")
        assert 0.5 <= float(doc["accuracy"]) <= 1.0
        assert doc["rows"] == TEST_ROWS
