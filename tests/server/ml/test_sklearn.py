"""Scikit-learn calls: progress at start and end, and searches run on Dask without deadlock."""

import pytest
from distributed import Client, LocalCluster

from lo_server.ml import sklearn


class Progress:
    def __init__(self):
        self.calls = []

    def progress(self, fraction, message=""):
        self.calls.append((fraction, message))


def data():
    from sklearn.datasets import load_iris

    return load_iris(return_X_y=True)


def test_a_fit_reports_start_and_end():
    from sklearn.linear_model import LogisticRegression

    context = Progress()
    X, y = data()
    model = LogisticRegression(max_iter=500)
    value, meta = sklearn.call(context, model, "fit", {"X": X, "y": y}, "train")
    assert value is model and meta == {}
    assert context.calls == [(0.0, "LogisticRegression.fit started"),
                             (1.0, "LogisticRegression.fit finished")]


def search_in_worker():
    """What a Tune job does inside a worker: fit a grid search on the Dask backend."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV

    X, y = data()
    search = GridSearchCV(LogisticRegression(max_iter=500), {"C": [0.1, 1.0, 10.0]}, cv=3)
    _, meta = sklearn.call(Progress(), search, "fit", {"X": X, "y": y}, "tune")
    return meta


@pytest.mark.slow
def test_tune_on_a_single_threaded_single_worker_cluster_does_not_deadlock():
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                      dashboard_address=":0") as cluster, Client(cluster) as client:
        meta = client.submit(search_in_worker, pure=False).result(timeout=120)
    assert meta["candidates"] == 3 and set(meta["best_params"]) == {"C"}
    assert 0.9 < meta["best_score"] <= 1.0


def test_outside_a_worker_the_search_runs_locally():
    meta = search_in_worker()
    assert meta["candidates"] == 3
