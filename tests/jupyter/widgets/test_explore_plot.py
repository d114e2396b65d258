"""ExplorePlot and the plotted-data tables (lo_jupyter/widgets/plot.py)."""

import pandas as pd

from lo_jupyter.widgets.plot import MAX_ROWS, ExplorePlot, as_frame

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


def test_server_plot_kinds_become_tables():
    scatter = as_frame({"kind": "scatter", "axes": ["pc1", "pc2"], "x": [1, 2], "y": [3, 4],
                        "labels": [0, 1]})
    assert list(scatter.columns) == ["pc1", "pc2", "label"] and scatter["pc2"].tolist() == [3, 4]
    heat = as_frame({"kind": "heatmap", "labels": ["a", "b"], "values": [[1, 0.5], [0.5, 1]]})
    assert heat.loc["a", "b"] == 0.5
    bars = as_frame({"kind": "bar", "labels": ["x"], "values": [2.0]})
    assert bars.to_dict("records") == [{"label": "x", "value": 2.0}]
    counts = as_frame({"kind": "histogram", "fields": {
        "Sex": [{"_id": "male", "count": 3}, {"_id": "female", "count": 2}]}})
    assert counts.to_dict("records") == [{"field": "Sex", "value": "male", "count": 3},
                                         {"field": "Sex", "value": "female", "count": 2}]
    bins = as_frame({"kind": "histogram", "edges": [0, 1, 2], "counts": [5, 6]})
    assert bins.to_dict("records") == [{"from": 0, "to": 1, "count": 5},
                                       {"from": 1, "to": 2, "count": 6}]


def test_generic_tabular_json_and_non_tables():
    assert as_frame([{"a": 1}, {"a": 2}])["a"].tolist() == [1, 2]
    assert as_frame({"a": [1, 2], "b": [3, 4]}).shape == (2, 2)
    split = as_frame({"columns": ["a"], "data": [[1], [2]], "index": [5, 6]})
    assert split.index.tolist() == [5, 6]
    assert as_frame({"kind": "scatter"}) is None  # malformed: not a table
    assert as_frame("text") is None and as_frame(None) is None


def test_widget_has_plot_and_data_tabs():
    frame_data = {"kind": "bar", "labels": [f"v{i}" for i in range(MAX_ROWS + 5)],
                  "values": list(range(MAX_ROWS + 5))}
    widget = ExplorePlot(PNG, frame_data, "iris_pca")
    assert widget.tabs.titles == ("Plot", "Data")
    assert widget.image.value == PNG and widget.image.format == "png"
    assert f"first {MAX_ROWS} of {MAX_ROWS + 5} rows" in widget.table.value
    assert "<table" in widget.table.value and "<b>iris_pca</b>" in widget.title.value
    plain = ExplorePlot(PNG, {"note": "x<y"})
    assert "x&lt;y" in plain.table.value and plain.title.value == ""
    assert "no data" in ExplorePlot(PNG).table.value
    assert isinstance(as_frame(frame_data), pd.DataFrame)
