"""Explore plots: a PNG (matplotlib, Agg) plus the plotted data as JSON, chosen by shape.

Each plot draws on a fresh `Figure` with its own Agg canvas: pyplot's global state is never
touched, so concurrent jobs in one worker cannot draw over each other (upstream's plots
overlaid). Every image is WIDTH x HEIGHT pixels.

How a result is drawn:
- a square DataFrame whose index equals its columns (DataFrame.corr): a heatmap;
- an (n, >=2) array or table: a scatter of its first two columns;
- integer labels as long as the `X` parameter (KMeans.fit_predict): X's first two principal
  components, coloured by label;
- any other 1-D result: a histogram (numbers) or a bar chart of counts (anything else);
- a number, or a dict of numbers: a bar chart.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

from lo_server import artifacts
from lo_server.ml.inputs import as_array, jsonable

WIDTH, HEIGHT, DPI = 800, 600, 100
MAX_POINTS = 5000  # points kept in the JSON (the image shows them all)
MAX_BARS = 30


def save_plot(root: Path, name: str, figure, data: dict) -> dict:
    """Write plot.png and plot.json atomically; return the metadata describing them."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)
    dest = artifacts.artifact_file(root, name, "png")
    with artifacts.atomic_path(dest.parent / artifacts.PLOT_DATA) as tmp:
        Path(tmp).write_text(json.dumps(jsonable(data), allow_nan=False))
    with artifacts.atomic_path(dest) as tmp:
        figure.savefig(tmp, format="png", dpi=DPI)
    return {"plot": {"kind": data["kind"], "width": WIDTH, "height": HEIGHT}}


def new_figure():
    from matplotlib.figure import Figure

    return Figure(figsize=(WIDTH / DPI, HEIGHT / DPI), dpi=DPI)


def plot_result(result, params: dict, title: str):
    """(figure, data) for a toolkit result; TypeError when the result has no plottable shape."""
    result = as_array(result)
    if isinstance(result, pd.DataFrame) and _is_square_matrix(result):
        return heatmap(result, title)
    if isinstance(result, (int, float, np.number)) and not isinstance(result, bool):
        return bars({"value": float(result)}, title)
    if isinstance(result, dict) and result and all(_is_number(v) for v in result.values()):
        return bars({str(k): float(v) for k, v in result.items()}, title)
    values = _matrix(result)
    if values.ndim == 2 and values.shape[1] >= 2:
        return scatter(values[:, 0], values[:, 1], None, title,
                       _column_names(result) or ("component 1", "component 2"))
    values = values.reshape(-1) if values.ndim == 2 else values
    if values.ndim != 1:
        raise TypeError(f"cannot plot a result of shape {values.shape}: expected a table, "
                        "a 1-D or 2-D array, a number or a dict of numbers")
    features = params.get("X", params.get("x"))
    if _is_labels(values) and features is not None and _length(features) == len(values):
        points = _two_components(features)
        return scatter(points[:, 0], points[:, 1], values, title,
                       ("principal component 1", "principal component 2"))
    return distribution(values, title)


def heatmap(frame: pd.DataFrame, title: str):
    figure = new_figure()
    ax = figure.add_subplot()
    values = frame.to_numpy(dtype=float)
    image = ax.imshow(values, cmap="coolwarm", vmin=np.nanmin(values) if values.size else 0,
                      vmax=np.nanmax(values) if values.size else 1)
    labels = [str(c) for c in frame.columns]
    ax.set_xticks(range(len(labels)), labels, rotation=90, fontsize=8)
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    figure.colorbar(image, ax=ax)
    ax.set_title(title)
    figure.tight_layout()
    return figure, {"kind": "heatmap", "labels": labels, "values": values}


def scatter(x, y, labels, title: str, axes: tuple[str, str]):
    figure = new_figure()
    ax = figure.add_subplot()
    if labels is None:
        ax.scatter(x, y, s=10, alpha=0.7)
    else:
        points = ax.scatter(x, y, c=labels, cmap="tab10", s=10, alpha=0.8)
        figure.colorbar(points, ax=ax, label="label")
    ax.set_xlabel(axes[0])
    ax.set_ylabel(axes[1])
    ax.set_title(title)
    data = {"kind": "scatter", "axes": list(axes), "points": len(x),
            "truncated": len(x) > MAX_POINTS, "x": np.asarray(x)[:MAX_POINTS],
            "y": np.asarray(y)[:MAX_POINTS]}
    if labels is not None:
        data["labels"] = np.asarray(labels)[:MAX_POINTS]
    return figure, data


def distribution(values: np.ndarray, title: str):
    if values.dtype.kind in "iufb" and not _is_labels(values):
        figure = new_figure()
        ax = figure.add_subplot()
        finite = values[np.isfinite(values.astype(float))]
        counts, edges = np.histogram(finite, bins=min(30, max(len(np.unique(finite)), 1)))
        ax.hist(finite, bins=edges)
        ax.set_xlabel("value")
        ax.set_ylabel("count")
        ax.set_title(title)
        return figure, {"kind": "histogram", "edges": edges, "counts": counts}
    counts = Counter(v.item() if isinstance(v, np.generic) else v for v in values)
    return bars(dict(sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))), title,
                ylabel="count")


def bars(values: dict, title: str, ylabel: str = "value"):
    shown = list(values.items())[:MAX_BARS]
    figure = new_figure()
    ax = figure.add_subplot()
    ax.bar([str(k) for k, _ in shown], [v for _, v in shown])
    ax.set_ylabel(ylabel)
    ax.tick_params(axis="x", labelrotation=90, labelsize=8)
    ax.set_title(title)
    figure.tight_layout()
    return figure, {"kind": "bar", "labels": [k for k, _ in shown],
                    "values": [v for _, v in shown], "truncated": len(values) > MAX_BARS}


def histogram_figure(groups: dict[str, list[dict]], title: str):
    """explore/histogram: one bar chart per field, its most frequent values first."""
    figure = new_figure()
    axes = figure.subplots(len(groups), 1, squeeze=False)[:, 0]
    for ax, (field, counts) in zip(axes, groups.items(), strict=True):
        shown = counts[:MAX_BARS]
        ax.bar([str(c["_id"]) for c in shown], [c["count"] for c in shown])
        ax.set_title(field, fontsize=9)
        ax.tick_params(axis="x", labelrotation=90, labelsize=7)
    figure.suptitle(title)
    figure.tight_layout()
    return figure, {"kind": "histogram", "fields": {f: c[:MAX_BARS] for f, c in groups.items()}}


# ---- shapes -------------------------------------------------------------------------------

def _is_square_matrix(frame: pd.DataFrame) -> bool:
    return frame.shape[0] == frame.shape[1] > 0 and list(frame.index) == list(frame.columns)


def _is_number(value) -> bool:
    return isinstance(value, (int, float, np.number)) and not isinstance(value, bool)


def _is_labels(values: np.ndarray) -> bool:
    return values.dtype.kind in "iu"


def _length(value) -> int | None:
    try:
        return value.shape[0] if hasattr(value, "shape") else len(value)
    except TypeError:
        return None


def _matrix(result) -> np.ndarray:
    if isinstance(result, pd.DataFrame):
        return result.select_dtypes("number").to_numpy()
    if hasattr(result, "toarray"):  # scipy sparse
        return result.toarray()
    try:
        return np.asarray(result)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"cannot plot a {type(result).__name__}: {exc}") from None


def _column_names(result) -> tuple[str, str] | None:
    if isinstance(result, pd.DataFrame):
        numeric = [str(c) for c in result.select_dtypes("number").columns]
        return (numeric[0], numeric[1]) if len(numeric) >= 2 else None
    return None


def _two_components(features) -> np.ndarray:
    """The first two principal components of X (X itself when it has two columns)."""
    values = _matrix(features).astype(float)
    if values.ndim != 2 or values.shape[1] < 2:
        raise TypeError("cannot place the labels: X needs at least two numeric columns")
    if values.shape[1] == 2:
        return values
    from sklearn.decomposition import PCA

    return PCA(n_components=2).fit_transform(np.nan_to_num(values))
