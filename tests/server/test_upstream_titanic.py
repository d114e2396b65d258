"""The upstream client's Titanic example (pipeline/titanic.py) against `lo-server --no-auth`.

Its call sequence, scaled down: DatasetCsv, TransformProjection, TransformDataType and
BuilderSparkMl, each name derived as the example does (`split("/")[6].split("?")[0]`). Only
the Observer (MongoDB change streams upstream) is swapped for `/observe/{name}`.
"""

from __future__ import annotations

import pytest

from notebooks.data.titanic import generate
from notebooks.data.titanic_spark import (
    MODELING_CODE,
    TEST_FIELDS,
    TEST_TYPES,
    TRAIN_FIELDS,
    TRAIN_TYPES,
)
from tests.upstream_observer import observed_over_rest

CLIENT_MODULES = ("dataset._dataset", "transform.projection", "transform.data_type",
                  "builder.builder")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cluster_ip(spark_server):
    """The Builder tests' server (tests/conftest.py: no token, one worker, one Spark session)."""
    with observed_over_rest(*CLIENT_MODULES):
        yield spark_server.url


def test_titanic_example_gets_five_finished_classifiers(cluster_ip, files):
    from learning_orchestra_client.builder.builder import BuilderSparkMl
    from learning_orchestra_client.dataset.csv import DatasetCsv
    from learning_orchestra_client.transform.data_type import TransformDataType
    from learning_orchestra_client.transform.projection import TransformProjection

    train_url = files.add("titanic_train.csv", generate(200, 1).to_csv(index=False))
    test_url = files.add("titanic_test.csv", generate(60, 2, test=True).to_csv(index=False))

    dataset = DatasetCsv(cluster_ip)
    dataset.insert_dataset_async(url=train_url, dataset_name="titanic_training")
    dataset.insert_dataset_async(url=test_url, dataset_name="titanic_testing")
    for name in ("titanic_training", "titanic_testing"):
        dataset.wait(dataset_name=name)
        assert '"finished": true' in dataset.search_dataset_content(name, limit=1,
                                                                    pretty_response=True)

    projection = TransformProjection(cluster_ip)
    projection.remove_dataset_attributes_async(
        dataset_name="titanic_training", projection_name="titanic_training_projection",
        fields=TRAIN_FIELDS)
    projection.remove_dataset_attributes_async(
        dataset_name="titanic_testing", projection_name="titanic_testing_projection",
        fields=TEST_FIELDS)
    for name in ("titanic_training_projection", "titanic_testing_projection"):
        projection.wait(projection_name=name)

    data_type = TransformDataType(cluster_ip)
    data_type.update_dataset_type_async(dataset_name="titanic_testing_projection",
                                        types=TEST_TYPES)
    data_type.update_dataset_type_async(dataset_name="titanic_training_projection",
                                        types=TRAIN_TYPES)
    for name in ("titanic_testing_projection", "titanic_training_projection"):
        assert data_type.wait(dataset_name=name)["finished"] is True

    builder = BuilderSparkMl(cluster_ip)
    result = builder.run_spark_ml_async(
        train_dataset_name="titanic_training_projection",
        test_dataset_name="titanic_testing_projection",
        modeling_code=MODELING_CODE, model_classifiers=["LR", "DT", "GB", "RF", "NB"])
    finished = {}
    for uri in result["result"]:
        name = uri.split("/")[6].split("?")[0]
        builder.wait(dataset_name=name)
        [metadata] = builder.search_builder_register_predictions(
            builder_name=name, limit=1)["result"]
        finished[name] = metadata
    assert sorted(finished) == sorted(f"titanic_testing_projection{c}"
                                      for c in ("LR", "DT", "GB", "RF", "NB"))
    for metadata in finished.values():
        assert metadata["finished"] is True, metadata.get("error")
        assert 0 <= float(metadata["accuracy"]) <= 1 and 0 <= float(metadata["F1"]) <= 1
        assert metadata["fitTime"] > 0
