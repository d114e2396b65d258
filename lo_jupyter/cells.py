"""Turning magic arguments into request bodies: `-p` parameters and `%lo_explore` kinds."""

from __future__ import annotations

import ast
import json

EXPLORE_KINDS = ("histogram", "pca", "tsne", "kmeans", "correlation")


def parse_param(text: str) -> tuple[str, object]:
    """`var=$name` (an artifact reference, kept as is), `var=<Python literal>`, or
    `var=text` (anything else is a string)."""
    name, sep, raw = text.partition("=")
    name = name.strip()
    if not sep or not name.isidentifier():
        raise ValueError(f"-p needs VAR=VALUE with VAR a Python name, not {text!r}")
    raw = raw.strip()
    if raw.startswith("$"):
        return name, raw
    try:
        return name, ast.literal_eval(raw)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return name, raw


def parse_params(items: list[str], inputs: list[str], namespace: dict) -> dict:
    """Parameters of a Function from `-p VAR=VALUE` items and `-i VAR` kernel variables."""
    params = dict(parse_param(item) for item in items)
    for var in inputs:
        if var not in namespace:
            raise ValueError(f"-i {var}: no variable {var!r} in the notebook")
        value = namespace[var]
        if hasattr(value, "to_parquet"):
            raise ValueError(f"-i {var}: upload a DataFrame as a dataset first "
                             f"(%lo_dataset NAME {var}), then pass -p {var}=$NAME")
        try:
            json.dumps(value)
        except (TypeError, ValueError):
            raise ValueError(f"-i {var}: a {type(value).__name__} cannot be sent as JSON; "
                             "store it with a function or a dataset and pass $name") from None
        params[var] = value
    return params


def split_list(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def tsne_perplexity(rows: int | None) -> float | None:
    """t-SNE needs perplexity below the number of rows (sklearn's default is 30): small
    datasets get a third of their rows, others the default (None)."""
    if not rows or rows > 91:
        return None
    return max(1.0, (rows - 1) / 3)


def explore_request(kind: str, dataset: str, *, components: int = 2, clusters: int = 3,
                    perplexity: float | None = None) -> dict:
    """The /explore/scikitlearn body fields (module, class, method and parameters) of a kind;
    "$DATASET" stands for the whole dataset as a DataFrame."""
    data = f"${dataset}"
    if kind == "pca":
        return {"modulePath": "sklearn.decomposition", "class": "PCA",
                "classParameters": {"n_components": components},
                "method": "fit_transform", "methodParameters": {"X": data}}
    if kind == "tsne":
        params = {"n_components": components}
        if perplexity is not None:
            params["perplexity"] = perplexity
        return {"modulePath": "sklearn.manifold", "class": "TSNE", "classParameters": params,
                "method": "fit_transform", "methodParameters": {"X": data}}
    if kind == "kmeans":
        return {"modulePath": "sklearn.cluster", "class": "KMeans",
                "classParameters": {"n_clusters": clusters, "n_init": "auto"},
                "method": "fit_predict", "methodParameters": {"X": data}}
    if kind == "correlation":
        return {"modulePath": "pandas", "class": "DataFrame",
                "classParameters": {"data": data},
                "method": "corr", "methodParameters": {"numeric_only": True}}
    raise ValueError(f"unknown explore kind {kind!r}: use one of {', '.join(EXPLORE_KINDS)}")
