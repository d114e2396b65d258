"""Calling a method on a scikit-learn (or any plain Python) object inside a worker.

Fits report their start and end as progress. Tune runs the search with joblib's Dask
backend so its fits spread over every worker: the job's own worker thread secedes from the
worker's pool while it waits, so the trials can run even on a cluster of one single-threaded
worker (no deadlock), and it rejoins the pool once the search ends.
"""

from __future__ import annotations

import sys
import threading

from lo_server.ml.inputs import jsonable, scores


def call(context, target, method: str, params: dict, kind: str):
    """(return value, metadata) of `target.method(**params)` for a job of `kind`."""
    function = getattr(target, method)
    label = f"{type(target).__name__}.{method}"
    context.progress(0.0, f"{label} started")
    if kind == "tune":
        value = on_dask(function, params)
    else:
        value = function(**params)
    context.progress(1.0, f"{label} finished")
    metadata = {}
    if kind == "tune":
        metadata.update(search_summary(target))
    if kind == "evaluate":
        metadata["scores"] = scores(value)
    return value, metadata


def search_summary(search) -> dict:
    """What a tuned search found, as JSON: best parameters, best score, how many tried."""
    summary = {}
    if hasattr(search, "best_params_"):
        summary["best_params"] = jsonable(search.best_params_)
    if hasattr(search, "best_score_"):
        summary["best_score"] = jsonable(float(search.best_score_))
    results = getattr(search, "cv_results_", None)
    if isinstance(results, dict) and "params" in results:
        summary["candidates"] = len(results["params"])
    if hasattr(search, "n_trials_"):
        summary["candidates"] = int(search.n_trials_)
    return summary


def on_dask(function, params: dict):
    """Run `function(**params)` under joblib's Dask backend when inside a Dask worker."""
    try:
        from distributed import get_client, get_worker

        get_worker()
        client = get_client()
    except (ImportError, ValueError):  # called outside a worker (tests): local joblib
        return function(**params)
    import joblib
    from distributed import rejoin, secede

    outcome: dict = {}
    stdout = getattr(sys.stdout, "local", None)
    buffer = getattr(stdout, "buffer", None)

    def search():  # a plain thread: joblib sees no worker task here and does not secede
        if stdout is not None:
            stdout.buffer = buffer  # keep the job's captured output
        try:
            with joblib.parallel_backend("dask", client=client):
                outcome["value"] = function(**params)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the job's thread
            outcome["error"] = exc

    secede()  # free this worker's slot so the search's own tasks can run on it
    try:
        thread = threading.Thread(target=search, name="lo-tune", daemon=True)
        thread.start()
        thread.join()
    finally:
        rejoin()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]
