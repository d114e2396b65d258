"""An explore result as a widget: the plot and the data behind it, in two tabs."""

from __future__ import annotations

import html

import ipywidgets as widgets

MAX_ROWS = 200


def as_frame(data):
    """The plotted data as a DataFrame: the server's plot kinds (scatter, heatmap, bar,
    histogram) get their natural table; other tabular JSON is read as rows or columns."""
    import pandas as pd

    try:
        kind = data.get("kind") if isinstance(data, dict) else None
        if kind is not None:
            return _plot_frame(kind, data)
        if isinstance(data, dict) and {"columns", "data"} <= set(data):
            return pd.DataFrame(data["data"], columns=data["columns"],
                                index=data.get("index"))
        if isinstance(data, list) and data and all(isinstance(r, dict) for r in data):
            return pd.DataFrame(data)
        if isinstance(data, list) and data and all(isinstance(r, list) for r in data):
            return pd.DataFrame(data)
        if isinstance(data, dict) and data and all(isinstance(v, list) for v in data.values()):
            lengths = {len(v) for v in data.values()}
            if len(lengths) == 1:
                return pd.DataFrame(data)
            return pd.DataFrame({k: pd.Series(v) for k, v in data.items()})
    except (ValueError, TypeError, KeyError):
        return None
    return None


def _plot_frame(kind: str, data: dict):
    import pandas as pd

    if kind == "scatter":
        axes = data.get("axes") or ["x", "y"]
        columns = {axes[0]: data["x"], axes[1]: data["y"]}
        if "labels" in data:
            columns["label"] = data["labels"]
        return pd.DataFrame(columns)
    if kind == "heatmap":
        return pd.DataFrame(data["values"], index=data["labels"], columns=data["labels"])
    if kind == "bar":
        return pd.DataFrame({"label": data["labels"], "value": data["values"]})
    if kind == "histogram" and "fields" in data:
        return pd.DataFrame([{"field": field, "value": group.get("_id"),
                              "count": group.get("count")}
                             for field, groups in data["fields"].items() for group in groups])
    if kind == "histogram" and "edges" in data:
        edges = data["edges"]
        return pd.DataFrame({"from": edges[:-1], "to": edges[1:], "count": data["counts"]})
    return None


class ExplorePlot(widgets.VBox):
    """Tabs "Plot" (the PNG) and "Data" (a table, or the JSON when it is not tabular)."""

    def __init__(self, png: bytes, data=None, title: str = ""):
        self.png = png
        self.data = data
        self.image = widgets.Image(value=png, format="png")
        self.table = widgets.HTML(value=_data_html(data))
        self.tabs = widgets.Tab(children=[self.image, self.table], titles=("Plot", "Data"))
        self.title = widgets.HTML(value=f"<b>{html.escape(title)}</b>" if title else "")
        super().__init__([self.title, self.tabs])

    @classmethod
    def from_artifact(cls, client, name: str) -> ExplorePlot:
        tool = client.artifact(name)["type"].split("/")[1]
        return cls(client.explore_image(name, tool), client.explore_data(name, tool), name)


def _data_html(data) -> str:
    if data is None:
        return "<i>no data</i>"
    frame = as_frame(data)
    if frame is not None:
        note = (f"<p>first {MAX_ROWS} of {len(frame)} rows</p>" if len(frame) > MAX_ROWS
                else "")
        return note + frame.head(MAX_ROWS).to_html()
    import json

    return f"<pre>{html.escape(json.dumps(data, indent=2, default=str)[:20000])}</pre>"
