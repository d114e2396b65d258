"""Explore plots chosen by the result's shape, written as real PNGs of a fixed size."""

import json
import struct
import threading

import numpy as np
import pandas as pd
import pytest

from lo_server import artifacts
from lo_server.ml import explore


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def draw(tmp_path, result, params=None, name="plot"):
    figure, data = explore.plot_result(result, params or {}, "title")
    meta = explore.save_plot(tmp_path, name, figure, data)
    image = artifacts.artifact_file(tmp_path, name, "png").read_bytes()
    return meta, json.loads((tmp_path / name / artifacts.PLOT_DATA).read_text()), image


def test_a_correlation_matrix_is_a_heatmap(tmp_path):
    frame = pd.DataFrame({"a": [1, 2, 3, 4], "b": [2, 4, 6, 9], "c": [4, 3, 2, 1]}).corr()
    meta, data, image = draw(tmp_path, frame)
    assert meta == {"plot": {"kind": "heatmap", "width": 800, "height": 600}}
    assert data["labels"] == ["a", "b", "c"] and data["values"][0][0] == 1.0
    assert png_size(image) == (800, 600)


def test_two_columns_are_a_scatter(tmp_path):
    _, data, image = draw(tmp_path, np.arange(20.0).reshape(10, 2))
    assert data["kind"] == "scatter" and data["x"][:2] == [0.0, 2.0] and data["y"][0] == 1.0
    assert "labels" not in data and png_size(image) == (800, 600)


def test_cluster_labels_colour_the_principal_components_of_x(tmp_path):
    rng = np.random.default_rng(0)
    features = rng.normal(size=(30, 4))
    labels = np.array([0, 1, 2] * 10)
    _, data, _ = draw(tmp_path, labels, {"X": pd.DataFrame(features)})
    assert data["kind"] == "scatter" and data["labels"] == labels.tolist()
    assert data["axes"] == ["principal component 1", "principal component 2"]
    assert len(data["x"]) == 30


def test_other_one_dimensional_results_are_distributions(tmp_path):
    _, numbers, _ = draw(tmp_path, np.linspace(0, 1, 50), name="numbers")
    assert numbers["kind"] == "histogram" and sum(numbers["counts"]) == 50
    _, words, _ = draw(tmp_path, np.array(["b", "a", "b"]), name="words")
    assert words == {"kind": "bar", "labels": ["b", "a"], "values": [2, 1], "truncated": False}


def test_numbers_and_dicts_of_numbers_are_bars(tmp_path):
    assert draw(tmp_path, 0.5, name="one")[1]["values"] == [0.5]
    assert draw(tmp_path, {"loss": 0.2, "accuracy": 0.9}, name="two")[1]["labels"] == [
        "loss", "accuracy"]


def test_a_result_without_a_plottable_shape_is_refused():
    with pytest.raises(TypeError, match="cannot plot"):
        explore.plot_result(np.zeros((2, 2, 2)), {}, "t")


def test_concurrent_plots_do_not_draw_on_each_other(tmp_path):
    """No pyplot state: two threads plotting at once each get only their own points."""
    results = {}

    def plot(i):
        figure, _ = explore.plot_result(np.full((5, 2), float(i)), {}, f"t{i}")
        axes = figure.axes[0]
        results[i] = [len(c.get_offsets()) for c in axes.collections]

    threads = [threading.Thread(target=plot, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {i: [5] for i in range(4)}
